"""Every command with an output option: an unwritable output is one `error:` line and exit 2, never
a traceback; control characters in a scenario never break what a command writes."""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from xlcompute.cli import app

runner = CliRunner()

SCENARIO = """name: "{name}"
description: "{description}"
model:
  preset: llama2-7b
training:
  tokens: 100B
  tp: 1
  pp: 1
  global_batch: 64
cluster:
  accelerator: H800
  cards: 64
assumptions:
  mfu: 0.4
"""


@pytest.fixture()
def read_only(tmp_path: Path) -> Iterator[Path]:
    """A folder nobody (this process included) can create files in."""
    ro = tmp_path / "ro"
    ro.mkdir()
    if os.geteuid() != 0:
        ro.chmod(0o555)
        yield ro
        ro.chmod(0o755)
        return
    # root ignores permission bits; the immutable attribute stops root too.
    chattr = shutil.which("chattr")
    if chattr is None or subprocess.run([chattr, "+i", str(ro)], capture_output=True).returncode != 0:
        pytest.skip("running as root without chattr +i: no folder is read-only")
    try:
        yield ro
    finally:
        subprocess.run([chattr, "-i", str(ro)], check=True)


@pytest.fixture()
def src(tmp_path: Path) -> Path:
    d = tmp_path / "in"
    d.mkdir()
    (d / "a.yaml").write_text(SCENARIO.format(name="Alpha", description=""), encoding="utf-8")
    return d


# command -> (arguments before the output, the output's kind, its suffix)
COMMANDS: dict[str, tuple[list[str], str, str]] = {
    "workbook": (["workbook"], "file", ".xlsx"),
    "proposal": (["proposal"], "file", ".pdf"),
    "proposal --html": (["proposal", "--html"], "file", ".html"),
    "validate": (["validate", "--no-search"], "file", ".csv"),
    "excel": (["excel"], "folder", ""),
    "batch": (["batch", "{src}"], "folder", ""),
}


def _one_error_line(res: Result) -> str:
    assert res.exit_code == 2, res.output
    assert "Traceback" not in res.output
    assert res.exception is None or isinstance(res.exception, SystemExit), repr(res.exception)
    lines = [line for line in res.output.splitlines() if line.startswith("error:")]
    assert len(lines) == 1, res.output
    return lines[0]


def _invoke(command: str, output: Path, src: Path) -> Result:
    args, _, _ = COMMANDS[command]
    return runner.invoke(app, [a.format(src=src) for a in args] + ["-o", str(output)])


def _target(command: str, folder: Path) -> Path:
    _, kind, suffix = COMMANDS[command]
    return folder / ("new" if kind == "folder" else f"out{suffix}")


@pytest.mark.parametrize("command", COMMANDS)
def test_read_only_folder(command: str, read_only: Path, src: Path) -> None:
    line = _one_error_line(_invoke(command, _target(command, read_only), src))
    assert "ro" in line and ("permission denied" in line.lower() or "not permitted" in line.lower()), line
    assert list(read_only.iterdir()) == []


@pytest.mark.parametrize("command", COMMANDS)
def test_output_of_the_wrong_kind(command: str, tmp_path: Path, src: Path) -> None:
    _, kind, suffix = COMMANDS[command]
    if kind == "file":  # a folder where the file should go
        target = tmp_path / f"folder{suffix}"
        target.mkdir()
        assert "is a folder" in _one_error_line(_invoke(command, target, src))
    else:  # a file where the folder should go
        target = tmp_path / "file.txt"
        target.write_text("x")
        assert "file" in _one_error_line(_invoke(command, target, src))
        assert target.read_text() == "x"


@pytest.mark.parametrize("command", COMMANDS)
def test_parent_is_a_file(command: str, tmp_path: Path, src: Path) -> None:
    blocker = tmp_path / "blocker"
    blocker.write_text("x")
    line = _one_error_line(_invoke(command, _target(command, blocker / "sub"), src))
    assert "blocker" in line and "file" in line, line


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/proc stands in for a missing drive")
@pytest.mark.parametrize("command", COMMANDS)
def test_missing_drive(command: str, src: Path) -> None:
    # Like Z:\\ with no Z: drive: the path's root exists, nothing under it can be created.
    line = _one_error_line(_invoke(command, _target(command, Path("/proc/xlcompute-no-such-drive")), src))
    assert "/proc/xlcompute-no-such-drive" in line


def test_a_full_disk_while_writing_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from openpyxl.workbook.workbook import Workbook

    def full(wb: Workbook, filename: str, values: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr("xlcompute.workbook.builder.save_with_values", full)
    line = _one_error_line(runner.invoke(app, ["workbook", "-o", str(tmp_path / "w.xlsx")]))
    assert "No space left on device" in line and "w.xlsx" in line
    assert list(tmp_path.iterdir()) == []  # no temp file left


def test_batch_index_that_cannot_be_written(src: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import xlcompute.batch as batch
    from xlcompute._atomic import OutputNotWritableError

    def no_index(items: object, path: Path, lang: str) -> None:
        raise OutputNotWritableError(f"cannot write {str(path)!r}: No space left on device")

    monkeypatch.setattr(batch, "_write_index", no_index)
    res = runner.invoke(app, ["batch", str(src), "-o", str(tmp_path / "out"), "-j", "1", "--timeout", "0"])
    assert "index.xlsx not written" in _one_error_line(res)
    assert "1 written" in res.output  # the summary line still comes


# -- control characters -----------------------------------------------------------------------------


@pytest.fixture()
def dirty(tmp_path: Path) -> Path:
    path = tmp_path / "dirty.yaml"
    path.write_text(SCENARIO.format(name="a\\u0001b\\x0bc\\x1bd\\0e", description="x\\x7f\\x1b[2Jy"),
                    encoding="utf-8")
    return path


@pytest.mark.parametrize("command, out", [("workbook", "w.xlsx"), ("proposal", "p.pdf"), ("estimate", None)])
def test_control_characters_are_refused_naming_the_field(dirty: Path, tmp_path: Path, command: str,
                                                         out: str | None) -> None:
    # The scenario refuses them (xlcompute.scenario), so what a workbook or proposal shows is what was
    # typed; the message escapes them, so nothing reaches the terminal raw.
    args = [command, str(dirty)] + (["-o", str(tmp_path / out)] if out else [])
    res = runner.invoke(app, args)
    assert res.exit_code == 2, res.output
    lines = [ln for ln in res.output.splitlines() if ln.startswith("error:")]
    assert [ln.split(": ")[2] for ln in lines] == ["name", "description"], res.output
    assert all("control character" in ln for ln in lines)
    assert not any(ch in res.output for ch in "\x00\x01\x0b\x1b\x7f")
    assert out is None or not (tmp_path / out).exists()


def test_failure_lines_print_no_control_characters(tmp_path: Path) -> None:
    d = tmp_path / "in"
    d.mkdir()
    (d / "bad\x1b[31m.yaml").write_text(SCENARIO.format(name="x", description="").replace("0.4", "7"),
                                        encoding="utf-8")
    res = runner.invoke(app, ["batch", str(d), "-o", str(tmp_path / "out"), "-j", "1", "--timeout", "0"])
    assert res.exit_code == 1
    assert "\x1b" not in res.output and "bad\ufffd[31m.yaml" in res.output


def test_a_fit_with_little_headroom_says_so_where_the_proposal_lists_the_risk() -> None:
    """`xlcompute estimate` says "fits" only; above the proposal's memory threshold (one constant,
    core.memory.MEMORY_SHARE_WARN) it also says how much of HBM the plan uses: the planner may choose
    a layout at 99 % of HBM, which a finance user must not read as comfortably fitting."""
    from xlcompute.core.memory import MEMORY_SHARE_WARN
    from xlcompute.estimate import estimate
    from xlcompute.report.context import policy
    from xlcompute.scenario import parse_scenario

    assert policy.MEMORY_SHARE_WARN is MEMORY_SHARE_WARN
    args = ["-s", "model=llama2-70b", "-s", "tokens=2T", "-s", "accelerator=H800", "-s", "cards=1024",
            "-s", "training.tp=4", "-s", "training.pp=2", "-s", "training.recompute=none", "-s", "training.micro_batch=3"]
    r = estimate(parse_scenario({"model": {"preset": "llama2-70b"}, "training": {
        "tokens": "2T", "tp": 4, "pp": 2, "recompute": "none", "micro_batch": 3},
        "cluster": {"accelerator": "H800", "cards": 1024}}))
    share = r["mem_per_gpu"] / r["hbm_bytes"]
    assert r["mem_fits"] and share > MEMORY_SHARE_WARN, share  # the case under test
    out = CliRunner().invoke(app, ["estimate", *args])
    assert out.exit_code == 0, out.output
    flat = " ".join(out.output.replace("│", " ").split())
    from xlcompute import fmt

    assert f"(fits, {fmt.percent(share)} of HBM: little headroom)" in flat
    zh = CliRunner().invoke(app, ["estimate", *args, "--lang", "zh"])
    assert zh.exit_code == 0 and "余量很小" in zh.output
    plain = CliRunner().invoke(app, ["estimate"])
    assert plain.exit_code == 0 and "(fits)" in plain.output and "little headroom" not in plain.output


def test_plan_says_which_batch_it_aims_at_and_why() -> None:
    """`xlcompute plan` ranks layouts at a batch it does not choose: it prints the estimate's own target and
    source (the inputs table's words), here a MoE model's default token budget, capped at 64M tokens."""
    from typer.testing import CliRunner

    from xlcompute.cli import app
    from xlcompute.estimate import resolve
    from xlcompute.scenario import parse_scenario
    from xlcompute.sources import source_text

    sets = ["-s", "model=qwen3-235b-a22b", "-s", "tokens=20T", "-s", "accelerator=910C", "-s", "cards=8192"]
    target = resolve(parse_scenario({"model": {"preset": "qwen3-235b-a22b"}, "training": {"tokens": "20T"},
                                     "cluster": {"accelerator": "910C", "cards": 8192}}), plan=False).inputs["batch_target"]
    assert target.value == 15625  # 64M / 4,096
    for lang, words in (("en", "Global batch aimed at: 15,625 sequences, rounded to each layout. Source: "),
                        ("zh", "目标全局批量：15,625 条序列，按各布局取整。来源：")):
        out = CliRunner().invoke(app, ["plan", *sets, "--lang", lang])
        flat = "".join(out.output.split())
        assert out.exit_code == 0 and "".join((words + source_text(target, lang)).split()) in flat
