"""A fixed corpus of hostile input files, each run through the command a user would run.

Bombs (YAML aliases, XML entities, zip), deep nesting, huge strings and key counts, duplicate
keys, odd encodings, formula-injection payloads and broken tables. Each must end in one clear line
(exit 2, or a failed row of a batch with the index written), never a traceback, a hang or memory
exhaustion; an injection payload that is a legal name stays text in the workbook. The files are
built by the test (deterministic, so the corpus is fixed without committing megabytes).
"""

from __future__ import annotations

import subprocess
import sys
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from scenario_gen import message_problem

from xlcompute.scenario import ScenarioError, load_scenario

pytestmark = pytest.mark.fuzz

GOOD = "model: {preset: llama2-7b}\ntraining: {tokens: 1T, tp: 1, pp: 1}\ncluster: {cards: 8}\nassumptions: {mfu: 0.4}\n"


def _billion_laughs() -> str:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i, name in enumerate("bcdefghij"):
        prev = "abcdefghij"[i]
        lines.append(f"{name}: &{name} [{','.join(['*' + prev] * 9)}]")
    return "\n".join(lines) + "\nmodel: {preset: llama2-7b}\ntraining: {tokens: 1T}\n"


def _write(path: Path, content: str | bytes) -> Path:
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


# name → builder of the file in a folder; every one must be refused.
REFUSED: dict[str, Callable[[Path], Path]] = {
    "billion-laughs.yaml": lambda d: _write(d / "billion-laughs.yaml", _billion_laughs()),
    "deep-flow.yaml": lambda d: _write(d / "deep-flow.yaml", "model: " + "[" * 100_000 + "]" * 100_000 + "\n"),
    "deep-block.yaml": lambda d: _write(d / "deep-block.yaml", "".join(f"{' ' * i}k{i}:\n" for i in range(2_000))),
    "deep.json": lambda d: _write(d / "deep.json", '{"model": ' + "[" * 100_000 + "]" * 100_000 + "}"),
    "deep.toml": lambda d: _write(d / "deep.toml", "model = " + "[" * 100_000 + "]" * 100_000 + "\n"),
    "huge-string.yaml": lambda d: _write(d / "huge-string.yaml", GOOD + "name: " + "x" * 20_000_000 + "\n"),
    "many-keys.yaml": lambda d: _write(d / "many-keys.yaml", GOOD + "".join(f"k{i}: {i}\n" for i in range(100_000))),
    "many-keys.json": lambda d: _write(
        d / "many-keys.json", "{" + ",".join(f'"k{i}": {i}' for i in range(100_000)) + "}"),
    "duplicate-key.yaml": lambda d: _write(d / "duplicate-key.yaml", GOOD + "cluster: {cards: 16}\n"),
    "duplicate-key.json": lambda d: _write(
        d / "duplicate-key.json", '{"model": {"preset": "llama2-7b"}, "training": {"tokens": "1T"}, '
                                  '"training": {"tokens": "2T"}}'),
    "inf.yaml": lambda d: _write(d / "inf.yaml", GOOD.replace("tokens: 1T", "tokens: .inf")),
    "1e999.json": lambda d: _write(
        d / "1e999.json", '{"model": {"preset": "llama2-7b"}, "training": {"tokens": 1e999}}'),
    "nan.toml": lambda d: _write(d / "nan.toml", '[model]\npreset = "llama2-7b"\n[training]\ntokens = nan\n'),
    "control-char.yaml": lambda d: _write(d / "control-char.yaml", GOOD + 'name: "a\\u0001b"\n'),
    "nul.json": lambda d: _write(
        d / "nul.json", '{"name": "a\\u0000b", "model": {"preset": "llama2-7b"}, "training": {"tokens": "1T"}}'),
    "latin1.yaml": lambda d: _write(d / "latin1.yaml", (GOOD + "name: caf\xe9\n").encode("latin-1")),
    "binary.yaml": lambda d: _write(d / "binary.yaml", bytes(range(256)) * 40),
    "empty.yaml": lambda d: _write(d / "empty.yaml", ""),
    "list.yaml": lambda d: _write(d / "list.yaml", "- 1\n- 2\n"),
    "python-tag.yaml": lambda d: _write(d / "python-tag.yaml", GOOD + "name: !!python/object/apply:os.system [echo]\n"),
    "oversized.yaml": lambda d: _write(d / "oversized.yaml", GOOD + "# " + "pad " * 3_000_000 + "\n"),
}

# Legal files in unusual clothes: they must load (and the payload stays text).
ACCEPTED: dict[str, Callable[[Path], Path]] = {
    "bom.yaml": lambda d: _write(d / "bom.yaml", "\ufeff" + GOOD),
    "crlf.yaml": lambda d: _write(d / "crlf.yaml", GOOD.replace("\n", "\r\n")),
    "injection.yaml": lambda d: _write(d / "injection.yaml", GOOD + "name: \"=HYPERLINK(\\\"http://evil\\\",\\\"x\\\")\"\n"
                                       "organisation: \"+cmd|' /C calc'!A0\"\n"
                                       "description: \"@SUM(1+1)*cmd|' /C calc'!A0 <script>alert(1)</script>\"\n"),
}


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    # The time limit is a hang guard for a whole interpreter start, not a performance assertion.
    return subprocess.run([sys.executable, "-m", "xlcompute", *args], capture_output=True, text=True,
                          timeout=60, encoding="utf-8", errors="replace")


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_hostile_file_is_refused_quickly_in_one_line(name: str, tmp_path: Path, fuzz_report) -> None:
    path = REFUSED[name](tmp_path)
    started = time.perf_counter()
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    seconds = time.perf_counter() - started
    assert seconds < 2.0, f"{name}: refused after {seconds:.1f} s"
    for line in info.value.problems:
        assert message_problem(line) is None, line[:300]
        assert len(line) < 1_000, f"{name}: a {len(line):,}-character message"
    proc = _cli("estimate", str(path))
    assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr[-500:]
    errors = [ln for ln in proc.stderr.splitlines() if ln.startswith("error:")]
    assert errors and all(len(ln) < 1_100 for ln in errors), proc.stderr[-500:]
    fuzz_report.add("hostile files", "refused")


@pytest.mark.parametrize("name", sorted(ACCEPTED))
def test_legal_file_in_odd_clothes_loads_and_its_text_stays_text(name: str, tmp_path: Path, fuzz_report) -> None:
    path = ACCEPTED[name](tmp_path)
    scenario = load_scenario(path)
    out = tmp_path / "out.xlsx"
    proc = _cli("workbook", str(path), "-o", str(out))
    assert proc.returncode == 0, proc.stderr[-500:]
    wb = load_workbook(out)
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.value == scenario.name and scenario.name.startswith("="):
                    assert cell.data_type == "s", f"{ws.title}!{cell.coordinate} became a formula"
    fuzz_report.add("hostile files", "accepted")


def _xlsx_declaring_everything(path: Path) -> Path:
    """A tiny XLSX whose sheet claims the dimension A1:XFD1048576 (a memory bomb for a naive reader)."""
    wb = Workbook()
    wb.active.append(["name", "model.preset", "training.tokens"])
    wb.active.append(["a", "llama2-7b", "1T"])
    wb.save(path)
    with zipfile.ZipFile(path) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    sheet = "xl/worksheets/sheet1.xml"
    parts[sheet] = parts[sheet].replace(b'<dimension ref="A1:C2"/>', b'<dimension ref="A1:XFD1048576"/>')
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for n, data in parts.items():
            z.writestr(n, data)
    return path


def _xlsx_formula_without_cache(path: Path) -> Path:
    wb = Workbook()
    wb.active.append(["name", "model.preset", "training.tokens", "cluster.cards"])
    wb.active.append(["a", "llama2-7b", "1T", "=4*2"])  # openpyxl writes no cached value
    wb.save(path)
    return path


def _xml_bomb_xlsx(path: Path) -> Path:
    _xlsx_formula_without_cache(path)
    with zipfile.ZipFile(path) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    bomb = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
            b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>')
    parts["xl/sharedStrings.xml"] = bomb + b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">' \
                                           b"<si><t>&lol2;</t></si></sst>"
    with zipfile.ZipFile(path, "w") as z:
        for n, data in parts.items():
            z.writestr(n, data)
    return path


TABLES: dict[str, Callable[[Path], Path]] = {
    "wide-header.csv": lambda d: _write(d / "wide-header.csv", ",".join(f"c{i}" for i in range(1_000_000)) + "\n1\n"),
    "nul.csv": lambda d: _write(d / "nul.csv", "name,model.preset,training.tokens\na\x00b,llama2-7b,1T\n"),
    "dimension-bomb.xlsx": lambda d: _xlsx_declaring_everything(d / "dimension-bomb.xlsx"),
    "formula-no-cache.xlsx": lambda d: _xlsx_formula_without_cache(d / "formula-no-cache.xlsx"),
    "xml-bomb.xlsx": lambda d: _xml_bomb_xlsx(d / "xml-bomb.xlsx"),
    "not-a-zip.xlsx": lambda d: _write(d / "not-a-zip.xlsx", b"PK\x03\x04 broken"),
}


@pytest.mark.parametrize("name", sorted(TABLES))
def test_hostile_table_ends_in_a_clear_line(name: str, tmp_path: Path, fuzz_report) -> None:
    path = TABLES[name](tmp_path)
    out = tmp_path / "out"
    proc = _cli("batch", str(path), "-o", str(out))
    assert "Traceback" not in proc.stderr, proc.stderr[-800:]
    if proc.returncode == 2:  # the table as a whole is refused: one line
        errors = [ln for ln in proc.stderr.splitlines() if ln.startswith("error:")]
        assert len(errors) == 1 and len(errors[0]) < 1_100, proc.stderr[-500:]
    else:  # rows read (a declared range may lie; only real cells count), any bad row reported
        assert proc.returncode in (0, 1), proc.stderr[-500:]
        assert (out / "index.xlsx").is_file()
        assert (proc.returncode == 1) == ("failed:" in proc.stderr)
    fuzz_report.add("hostile files", "tables refused")
