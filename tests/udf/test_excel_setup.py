"""``xlcompute excel``: the printed walk-through and the written xlwings.conf / Lite main.py."""

from __future__ import annotations

import ast
import csv
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

import xlcompute.udf as udf
from xlcompute.cli import app
from xlcompute.excel_setup import lite_main_text, write_setup_files, xlwings_conf_text

runner = CliRunner()


def test_prints_the_three_set_ups_and_the_separator_note() -> None:
    result = runner.invoke(app, ["excel"])
    assert result.exit_code == 0, result.output
    out = result.output
    for needle in (
        "xlwings addin install",
        "UDF Modules:  xlcompute.udf",
        "Import Functions",
        "--standalone",
        "xlwings Lite",
        'category "xlcompute"',
        '=LLM_TRAIN_DAYS("70B";"2T";1000;"H800";0,4)',
        "full-width",
        f"{len(udf.udf_specs())} functions",
    ):
        assert needle in out, needle


def test_writes_conf_main_and_requirements(tmp_path: Path) -> None:
    result = runner.invoke(app, ["excel", "-o", str(tmp_path), "--python", r"C:\Python311\python.exe"])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["main.py", "requirements.txt", "xlwings.conf"]
    conf = (tmp_path / "xlwings.conf").read_bytes()
    assert conf == b'"UDF MODULES","xlcompute.udf"\r\n"INTERPRETER_WIN","C:\\Python311\\python.exe"\r\n'
    # VBA's `Input #` reads quoted comma-separated pairs, which is how csv reads them too.
    rows = list(csv.reader(conf.decode().splitlines()))
    assert rows == [["UDF MODULES", "xlcompute.udf"], ["INTERPRETER_WIN", r"C:\Python311\python.exe"]]
    assert "wrote" in result.output


def test_lite_main_imports_every_function_by_name(tmp_path: Path) -> None:
    write_setup_files(tmp_path)
    source = (tmp_path / "main.py").read_text(encoding="utf-8")
    tree = ast.parse(source)
    imports = [n for n in tree.body if isinstance(n, ast.ImportFrom)]
    assert len(imports) == 1 and imports[0].module == "xlcompute.udf"
    assert [a.name for a in imports[0].names] == list(udf.udf_specs())  # no star import
    # Run it as Lite would: every imported name is a UDF of the module namespace.
    code = f"import runpy; ns = runpy.run_path({str(tmp_path / 'main.py')!r}); print(ns['LLM_TRAIN_DAYS']('175B','300B',1000,312,0.462))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.startswith("25.29")


def test_refuses_to_overwrite_without_force(tmp_path: Path) -> None:
    (tmp_path / "main.py").write_text("my own code\n", encoding="utf-8")
    result = runner.invoke(app, ["excel", "-o", str(tmp_path)])
    assert result.exit_code == 2
    assert "already exists (use --force to overwrite)" in result.output
    assert "main.py" in result.output
    # Nothing written, nothing changed.
    assert (tmp_path / "main.py").read_text(encoding="utf-8") == "my own code\n"
    assert not (tmp_path / "xlwings.conf").exists()
    assert "xlwings addin install" not in result.output  # the error is the only output
    again = runner.invoke(app, ["excel", "-o", str(tmp_path), "--force"])
    assert again.exit_code == 0, again.output
    assert (tmp_path / "main.py").read_text(encoding="utf-8") == lite_main_text()


def test_no_temp_files_left_behind(tmp_path: Path) -> None:
    write_setup_files(tmp_path, wheel_url="https://files.example.org/xlcompute-0.1.0-py3-none-any.whl")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["main.py", "requirements.txt", "xlwings.conf"]
    assert (tmp_path / "requirements.txt").read_text(encoding="utf-8").splitlines()[-1].endswith(".whl")


def test_creates_the_output_folder(tmp_path: Path) -> None:
    target = tmp_path / "new" / "folder"
    write_setup_files(target)
    assert (target / "xlwings.conf").is_file()


@pytest.mark.parametrize("bad", ['C:\\x"y\\python.exe', "C:\\py\r\n\"UDF MODULES\",\"evil\""])
def test_interpreter_text_cannot_inject_config_lines(tmp_path: Path, bad: str) -> None:
    with pytest.raises(ValueError, match="double quotes or line breaks"):
        write_setup_files(tmp_path, interpreter=bad)
    assert list(tmp_path.iterdir()) == []
    result = runner.invoke(app, ["excel", "-o", str(tmp_path), "--python", bad])
    assert result.exit_code == 2 and "double quotes" in result.output


def test_conf_without_interpreter_off_windows() -> None:
    assert xlwings_conf_text(None) == '"UDF MODULES","xlcompute.udf"\r\n'


def test_unwritable_folder_is_one_line(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x", encoding="utf-8")
    result = runner.invoke(app, ["excel", "-o", str(blocker / "sub")])
    assert result.exit_code == 2
    assert "cannot write to the output folder" in result.output
