"""`import xlcompute` and `xlcompute --help` stay light: no NumPy, WeasyPrint, openpyxl or planner.

Each check runs in a fresh interpreter, because this test process has long imported everything.
No timing here (that is benchmarks/bench_startup.py): only which modules got imported.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

# Never loaded by `import xlcompute`.
HEAVY_FOR_IMPORT = ("numpy", "weasyprint", "xlcompute.plan", "xlcompute.core.steptime", "xlcompute.core.layout_search")
# Never loaded by `xlcompute --help` (nor `xlcompute <command> --help`).
HEAVY_FOR_HELP = (*HEAVY_FOR_IMPORT, "openpyxl", "xlcompute.estimate", "xlcompute.validate")

HELP_ARGS = [["--help"], ["-h"], ["estimate", "--help"], ["plan", "-h"], ["validate", "--help"],
             ["workbook", "--help"], ["batch", "--help"], ["proposal", "--help"], ["catalog", "models", "--help"]]


def _loaded(code: str) -> set[str]:
    """The modules loaded after running ``code`` in a fresh interpreter."""
    script = textwrap.dedent(code) + "\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))\n"
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    return set(json.loads(proc.stdout.splitlines()[-1]))


def test_import_xlcompute_is_light() -> None:
    loaded = _loaded("import xlcompute")
    assert not loaded & set(HEAVY_FOR_IMPORT)


def test_import_cli_is_light() -> None:
    loaded = _loaded("import xlcompute.cli")
    assert not loaded & set(HEAVY_FOR_HELP)


@pytest.mark.parametrize("args", HELP_ARGS, ids=" ".join)
def test_help_is_light(args: list[str]) -> None:
    code = f"""
        from typer.testing import CliRunner
        from xlcompute.cli import app
        result = CliRunner().invoke(app, {args!r})
        assert result.exit_code == 0 and "Usage" in result.output, result.output
    """
    assert not _loaded(code) & set(HEAVY_FOR_HELP)


def test_help_through_the_console_entry_point_is_light() -> None:
    # main() as the console script calls it (argv, SystemExit), not through CliRunner.
    code = """
        import sys
        from xlcompute.cli import main
        sys.argv = ["xlcompute", "--help"]
        try:
            main()
        except SystemExit as exc:
            assert exc.code in (0, None)
        sys.stdout.flush()
    """
    assert not _loaded(code) & set(HEAVY_FOR_HELP)


def test_the_public_names_still_resolve() -> None:
    import xlcompute

    for name in xlcompute.__all__:
        assert getattr(xlcompute, name) is not None, name
    assert set(xlcompute.__all__) <= set(dir(xlcompute))
    with pytest.raises(AttributeError):
        xlcompute.no_such_name  # noqa: B018


def test_estimate_stays_the_function_after_importing_the_submodule() -> None:
    # `xlcompute.estimate` is a submodule and a public function; the package attribute is the function.
    code = """
        import types
        import xlcompute
        assert callable(xlcompute.estimate) and not isinstance(xlcompute.estimate, types.ModuleType)
        import xlcompute.estimate
        from xlcompute.estimate import Estimate, estimate
        assert xlcompute.estimate is estimate and xlcompute.Estimate is Estimate
        assert isinstance(xlcompute.estimate(xlcompute.default_scenario()), Estimate)
    """
    _loaded(code)


def test_estimate_is_the_function_when_the_submodule_comes_first() -> None:
    code = """
        import sys, types
        from xlcompute.estimate import Estimate  # loads the submodule before the package name
        import xlcompute
        assert isinstance(sys.modules["xlcompute.estimate"], types.ModuleType)
        assert not isinstance(xlcompute.estimate, types.ModuleType)
        from xlcompute import estimate
        assert estimate is xlcompute.estimate and estimate.__module__ == "xlcompute.estimate"
        assert isinstance(estimate(xlcompute.default_scenario()), Estimate)
    """
    _loaded(code)
