"""The PDF stack is an extra: where it is missing, commands say how to install it in one line.

Fast checks in the development environment (the wheel itself is tried in test_wheel.py): the
package list in pyproject.toml is complete, the templates are found through the import system,
and a missing or unloadable WeasyPrint ends `xlcompute proposal` / `batch --pdf` with one
``error:`` line and exit code 2.
"""

from __future__ import annotations

import importlib.resources
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from xlcompute._pdf_stack import PDF_EXTRA_INSTALL, PdfStackMissingError, missing_pdf_modules, require_pdf_stack
from xlcompute.report import TEMPLATES_DIR

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

REPO = Path(__file__).resolve().parents[2]


def _pyproject() -> dict:
    return tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))


def test_every_folder_of_the_package_is_a_listed_package() -> None:
    # The packages are listed (a package-dir mapping rules out packages.find), so a new folder
    # under xlcompute/ must be added by hand or the wheel silently lacks it.
    listed = set(_pyproject()["tool"]["setuptools"]["packages"])
    on_disk = {"xlcompute"} | {
        "xlcompute." + ".".join(d.relative_to(REPO / "xlcompute").parts)
        for d in (REPO / "xlcompute").rglob("*")
        if d.is_dir() and d.name != "__pycache__" and any(f.is_file() for f in d.iterdir())
    }
    assert on_disk - listed == set(), "add these to [tool.setuptools] packages in pyproject.toml"
    assert listed - on_disk == {"xlcompute.templates"}


def test_base_dependencies_leave_out_the_pdf_stack() -> None:
    project = _pyproject()["project"]
    base = " ".join(project["dependencies"]).lower()
    assert "weasyprint" not in base and "jinja2" not in base  # xlwings Lite installs the base only
    pdf = " ".join(project["optional-dependencies"]["pdf"]).lower()
    assert all(name in pdf for name in ("weasyprint", "jinja2", "markupsafe"))


def test_templates_are_the_package_xlcompute_templates() -> None:
    assert TEMPLATES_DIR == importlib.resources.files("xlcompute.templates")
    assert (TEMPLATES_DIR / "proposal.html.j2").is_file() and (TEMPLATES_DIR / "proposal.css").is_file()
    import xlcompute

    if Path(xlcompute.__file__).resolve().is_relative_to(REPO):  # editable install (make test)
        assert TEMPLATES_DIR.resolve() == REPO / "templates"


def test_the_stack_is_complete_here() -> None:
    assert missing_pdf_modules() == []
    require_pdf_stack()


def test_missing_module_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "weasyprint", None)  # find_spec and import now fail
    assert missing_pdf_modules() == ["weasyprint"]
    with pytest.raises(PdfStackMissingError, match=r'pip install "xlcompute\[pdf\]"') as info:
        require_pdf_stack()
    assert isinstance(info.value, ImportError) and "\n" not in str(info.value)


def _run_cli(args: list[str], cwd: Path, prelude: str = "") -> subprocess.CompletedProcess[str]:
    """Run the console script's entry point in a fresh interpreter after ``prelude``."""
    code = textwrap.dedent(prelude) + textwrap.dedent(f"""
        import sys
        sys.argv = ["xlcompute", *{args!r}]
        from xlcompute.__main__ import main
        main()
    """)
    return subprocess.run([sys.executable, "-c", code], cwd=cwd, capture_output=True, text=True, timeout=120)


def _one_error_line(proc: subprocess.CompletedProcess[str]) -> str:
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), proc.stderr
    return lines[0]


def test_proposal_without_weasyprint_is_one_line(tmp_path: Path) -> None:
    proc = _run_cli(["proposal", "-o", "x.pdf"], tmp_path, "import sys; sys.modules['weasyprint'] = None\n")
    assert PDF_EXTRA_INSTALL in _one_error_line(proc)
    assert not (tmp_path / "x.pdf").exists()


def test_batch_pdf_without_weasyprint_is_one_line(tmp_path: Path) -> None:
    scenarios = tmp_path / "scenarios"
    scenarios.mkdir()
    (scenarios / "a.yaml").write_text(
        (REPO / "xlcompute" / "data" / "default_scenario.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    proc = _run_cli(["batch", str(scenarios), "-o", "out", "--pdf"], tmp_path,
                    "import sys; sys.modules['weasyprint'] = None\n")
    line = _one_error_line(proc)
    assert "--pdf" in line and PDF_EXTRA_INSTALL in line
    assert not (tmp_path / "out").exists()


def test_weasyprint_without_pango_is_one_line(tmp_path: Path) -> None:
    # What Windows without the Pango DLLs looks like: WeasyPrint prints a banner to stdout, then
    # cffi raises OSError. A stand-in package on sys.path does the same.
    fake = tmp_path / "fake" / "weasyprint"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text(
        "print('\\n-----\\nWeasyPrint could not import some external libraries.\\n-----\\n')\n"
        "raise OSError(\"cannot load library 'libgobject-2.0-0': error 0x7e.\\n  Additionally, \"\n"
        "              \"ctypes.util.find_library() did not manage to locate it\")\n",
        encoding="utf-8")
    proc = _run_cli(["proposal", "-o", "x.pdf"], tmp_path, f"import sys; sys.path.insert(0, {str(fake.parent)!r})\n")
    line = _one_error_line(proc)
    assert "cannot load its Pango libraries" in line and "libgobject-2.0-0" in line
    assert "could not import" not in proc.stdout  # WeasyPrint's banner is not shown
    assert not (tmp_path / "x.pdf").exists()
