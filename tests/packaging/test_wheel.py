"""The wheel is the product: build it, install it (not editable) into fresh virtual environments
and use it from a folder outside the source tree, so nothing can come from the checkout.

- ``full``: the wheel with the ``pdf`` extra renders a proposal and writes a workbook;
- ``base``: the wheel alone (what xlwings Lite installs) writes the Lite ``main.py``, which imports
  and computes with the base dependencies only; WeasyPrint and Jinja2 are absent, and the PDF
  commands end with one line naming the extra.

pip's cache makes the installs quick after the first run; both environments are set up at once.
Deselect with ``-m "not packaging"`` for a quick local run.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
import zipfile
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

pytestmark = pytest.mark.packaging

REPO = Path(__file__).resolve().parents[2]
PDF_FIX = 'pip install "xlcompute[pdf]"'
# Top-level folders that are not build input (outputs, environments, caches): left out of the copy.
_NOT_BUILD_INPUT = {".git", ".venv", "venv", "build", "dist", "out", "tmp", ".pytest_cache", ".benchmarks",
                    "reports", "workbooks"}


def _ignore(folder: str, names: list[str]) -> set[str]:
    """shutil.copytree filter: the top-level non-inputs, and caches / egg-info at any depth."""
    top = Path(folder) == REPO
    return {n for n in names
            if (top and n in _NOT_BUILD_INPUT) or n == "__pycache__" or n.endswith(".egg-info")}


def _env() -> dict[str, str]:
    """The environment without anything that would make the checkout or this venv importable."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def _run(cmd: Sequence[str | os.PathLike[str]], cwd: Path, *, check: bool = True,
         timeout: float = 300) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run([str(c) for c in cmd], cwd=cwd, env=_env(), capture_output=True, text=True,
                          timeout=timeout)
    if check and proc.returncode != 0:
        raise AssertionError(f"{' '.join(map(str, cmd))} exited {proc.returncode}\n"
                             f"--- stdout\n{proc.stdout[-4000:]}\n--- stderr\n{proc.stderr[-4000:]}")
    return proc


def _bin(venv: Path, name: str) -> Path:
    return venv / ("Scripts" if os.name == "nt" else "bin") / (name + (".exe" if os.name == "nt" else ""))


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    folder = tmp_path_factory.mktemp("packaging")
    yield folder
    shutil.rmtree(folder, ignore_errors=True)  # two venvs are ~0.5 GB; pytest would keep three runs


@pytest.fixture(scope="module")
def wheel(work: Path) -> Path:
    # Built from a copy: an in-tree build reuses build/lib, which can hold files deleted since.
    src = work / "src"
    shutil.copytree(REPO, src, ignore=_ignore)
    dist = work / "dist"
    _run([sys.executable, "-m", "pip", "wheel", src, "--no-deps", "-w", dist], work)
    (whl,) = dist.glob("xlcompute-*.whl")
    return whl


@pytest.fixture(scope="module")
def venvs(work: Path, wheel: Path) -> dict[str, Path]:
    """Two fresh environments, set up in parallel: ``full`` (wheel[pdf]) and ``base`` (wheel)."""

    def make(name: str, requirement: str) -> Path:
        venv = work / f"venv-{name}"
        _run([sys.executable, "-m", "venv", venv], work)
        _run([_bin(venv, "python"), "-m", "pip", "install", requirement], work)
        return venv

    with ThreadPoolExecutor(max_workers=2) as pool:
        full = pool.submit(make, "full", f"{wheel}[pdf]")
        base = pool.submit(make, "base", str(wheel))
        return {"full": full.result(), "base": base.result()}


@pytest.fixture()
def outside(work: Path, request: pytest.FixtureRequest) -> Path:
    """A working folder outside the source tree (the checkout's xlcompute/ must not be importable)."""
    folder = work / "run" / request.node.name
    folder.mkdir(parents=True)
    assert not folder.resolve().is_relative_to(REPO)
    return folder


def test_wheel_holds_every_file_of_the_package_and_the_templates(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())

    def shipped(root: Path, prefix: str) -> set[str]:
        return {prefix + p.relative_to(root).as_posix() for p in root.rglob("*")
                if p.is_file() and "__pycache__" not in p.parts and not p.name.startswith(".")}

    expected = shipped(REPO / "xlcompute", "xlcompute/") | shipped(REPO / "templates", "xlcompute/templates/")
    assert expected - names == set(), "missing from the wheel: add to [tool.setuptools] packages / package-data"
    assert "xlcompute/templates/proposal.html.j2" in names and "xlcompute/templates/proposal.css" in names
    assert not any(n.startswith(("templates/", "tests/")) for n in names)  # no stray top-level packages


def test_installed_wheel_renders_a_proposal_and_writes_a_workbook(venvs: dict[str, Path], outside: Path) -> None:
    venv = venvs["full"]
    where = _run([_bin(venv, "python"), "-c",
                  "import json, xlcompute, xlcompute.report as r; "
                  "print(json.dumps([xlcompute.__file__, str(r.TEMPLATES_DIR)]))"], outside)
    package_file, templates = (Path(p) for p in json.loads(where.stdout))
    assert package_file.is_relative_to(venv) and templates.is_relative_to(venv), where.stdout
    assert templates.parts[-2:] == ("xlcompute", "templates")

    proposal = _run([_bin(venv, "xlcompute"), "proposal", "-o", "x.pdf"], outside)
    pdf = outside / "x.pdf"
    assert "wrote" in proposal.stdout
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF") and len(data) > 50_000

    from pypdf import PdfReader

    reader = PdfReader(pdf)
    assert len(reader.pages) >= 5
    assert {name.rsplit(".", 1)[-1] for name in reader.attachments} >= {"yaml", "xlsx"}  # scenario + workbook

    _run([_bin(venv, "xlcompute"), "workbook", "-o", "x.xlsx"], outside)
    book = outside / "x.xlsx"
    assert zipfile.is_zipfile(book)
    from openpyxl import load_workbook

    assert "Inputs" in load_workbook(book).sheetnames


LITE_CHECK = textwrap.dedent("""
    import importlib.util, json, runpy, sys

    absent = [m for m in ("weasyprint", "jinja2", "markupsafe") if importlib.util.find_spec(m) is not None]
    # Dependencies load with the real platform (CPython's stdlib would look for emscripten build
    # data); xlwings Lite brings its own xlwings.
    import xlwings, xlcompute, xlcompute.catalog, xlcompute.core  # noqa: F401, E401

    # Pyodide reports sys.platform == "emscripten"; xlcompute.udf reads it when main.py imports it.
    platform, sys.platform = sys.platform, "emscripten"
    try:
        ns = runpy.run_path(sys.argv[1], run_name="main")
    finally:
        sys.platform = platform
    # A bad argument returns its one-line reason as the cell's text, in Lite as in classic xlwings.
    bad_mfu = ns["LLM_TRAIN_DAYS"]("70B", "2T", 1000, "H800", 40)

    print(json.dumps({
        "installed_but_should_not_be": absent,
        "days": ns["LLM_TRAIN_DAYS"]("175B", "300B", 1000, "A100", 0.462),
        "bad_mfu": bad_mfu,
        "functions": sorted(n for n in ns if n.isupper()),
        "package": xlcompute.__file__,
        "lite_branch": sys.modules["xlcompute.udf._register"]._IN_LITE,
    }))
""")


def test_base_install_runs_the_xlwings_lite_main_py(venvs: dict[str, Path], outside: Path) -> None:
    venv = venvs["base"]
    _run([_bin(venv, "xlcompute"), "excel", "-o", "lite"], outside)
    main_py = outside / "lite" / "main.py"
    assert main_py.is_file()
    check = outside / "lite_check.py"
    check.write_text(LITE_CHECK, encoding="utf-8")
    out = json.loads(_run([_bin(venv, "python"), check, main_py], outside).stdout)
    assert out["installed_but_should_not_be"] == []
    assert out["days"] == pytest.approx(25.29, abs=0.01)  # GPT-3 on 1,000 A100 at 46.2% (seed 001)
    assert out["bad_mfu"].startswith("#VALUE! mfu") and "did you mean 0.4" in out["bad_mfu"]
    assert "LLM_TRAIN_DAYS" in out["functions"] and len(out["functions"]) >= 30
    assert Path(out["package"]).is_relative_to(venv)
    assert out["lite_branch"] is True  # the module took its xlwings Lite path

    # The workbook writer needs only the base install too.
    _run([_bin(venv, "xlcompute"), "workbook", "-o", "base.xlsx"], outside)
    assert zipfile.is_zipfile(outside / "base.xlsx")


def _one_error_line(proc: subprocess.CompletedProcess[str]) -> str:
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), proc.stderr
    return lines[0]


def test_base_install_pdf_commands_name_the_extra(venvs: dict[str, Path], outside: Path) -> None:
    xlcompute = _bin(venvs["base"], "xlcompute")
    assert PDF_FIX in _one_error_line(_run([xlcompute, "proposal", "-o", "y.pdf"], outside, check=False))
    assert not (outside / "y.pdf").exists()

    scenarios = outside / "scenarios"
    scenarios.mkdir()
    shutil.copy(REPO / "xlcompute" / "data" / "default_scenario.yaml", scenarios / "a.yaml")
    line = _one_error_line(_run([xlcompute, "batch", scenarios, "-o", "out", "--pdf"], outside, check=False))
    assert "--pdf" in line and PDF_FIX in line
