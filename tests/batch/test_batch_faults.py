"""Batch faults with real processes and signals: kills, orphans, hangs, crashes, temp files of
live and dead writers, and batches sharing one output folder.

Waits poll for a condition with a generous deadline (a hang fails the test, a slow machine does
not); nothing here asserts how fast anything runs.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest

import xlcompute.batch as batch
from xlcompute._atomic import pid_alive, remove_stale_temps, temp_path
from xlcompute.batch import RECORD_DIR, BatchItem, run_batch

LINUX = sys.platform.startswith("linux")
needs_linux = pytest.mark.skipif(not LINUX, reason="reads /proc and sends POSIX signals")

SCENARIO = """name: {name}
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


def _scenarios(folder: Path, n: int, prefix: str = "s") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        (folder / f"{prefix}{i:02d}.yaml").write_text(SCENARIO.format(name=f"{prefix} {i}"), encoding="utf-8")
    return folder


def _until(condition: Callable[[], bool], what: str, deadline: float = 60.0) -> None:
    """Poll ``condition``; fail (as a hang, not as slowness) if it is still false at ``deadline``."""
    end = time.monotonic() + deadline
    while not condition():
        if time.monotonic() > end:
            pytest.fail(f"still waiting after {deadline:g} s: {what}")
        time.sleep(0.05)


def _start_batch(args: list[str]) -> subprocess.Popen[bytes]:
    # Its own session: every process it starts (fork server, workers) can be found by session id.
    return subprocess.Popen([sys.executable, "-m", "xlcompute", "batch", *args], start_new_session=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _live_in_session(sid: int) -> list[int]:
    """PIDs of the session that still run (zombies have ended; who reaps them is not ours to say)."""
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[3]) == sid and fields[0] not in ("Z", "X"):
            pids.append(int(entry))
    return pids


def _temps(folder: Path) -> list[str]:
    found = [p.name for p in folder.iterdir() if p.name.endswith(".tmp")]
    if (folder / RECORD_DIR).is_dir():
        found += [p.name for p in (folder / RECORD_DIR).iterdir() if p.name.endswith(".tmp")]
    return found


def _assert_complete(folder: Path) -> None:
    """Every file under a final name is whole: each xlsx a valid zip (CRCs checked), each pdf parses."""
    for path in folder.glob("*.xlsx"):
        with zipfile.ZipFile(path) as z:
            assert z.testzip() is None, path
    for path in folder.glob("*.pdf"):
        import pypdf

        assert len(pypdf.PdfReader(path).pages) > 0, path


# -- killed batches ---------------------------------------------------------------------------------


@needs_linux
def test_sigterm_stops_the_batch_cleanly(tmp_path: Path) -> None:
    """SIGTERM (kill, a service manager's stop) ends the batch as Ctrl-C does: exit code 143, no traceback
    from the batch or its workers, the workers gone, no work folder or temp left behind."""
    src, out = _scenarios(tmp_path / "in", 8), tmp_path / "out"
    proc = _start_batch([str(src), "-o", str(out), "-j", "2"])
    try:
        _until(lambda: out.is_dir() and any(out.glob("*.xlsx")), "the first workbook")
        sid = proc.pid
        os.kill(proc.pid, signal.SIGTERM)  # the batch process only
        _, err = proc.communicate(timeout=30)
        _until(lambda: not _live_in_session(sid), "the workers to end with the batch process", deadline=10)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert proc.returncode == 143, err
    assert b"Traceback" not in err, err.decode(errors="replace")
    assert b"interrupted: the files written are complete and kept" in err  # said, not a silent stop
    assert _temps(out) == [] and not [p for p in out.iterdir() if p.name.startswith(".work")]
    _assert_complete(out)


@needs_linux
def test_workers_die_with_a_killed_batch_and_a_rerun_completes(tmp_path: Path) -> None:
    src, out = _scenarios(tmp_path / "in", 8), tmp_path / "out"
    proc = _start_batch([str(src), "-o", str(out), "-j", "2"])
    try:
        _until(lambda: out.is_dir() and any(out.glob("*.xlsx")), "the first workbook")
        sid = proc.pid
        assert len(_live_in_session(sid)) > 1  # the batch and its helpers are running
        os.kill(proc.pid, signal.SIGKILL)  # the batch process only, not its workers
        proc.wait(10)
        _until(lambda: not _live_in_session(sid), "the workers to end with the batch process", deadline=10)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    # Nobody writes any more: the folder holds still, and what is there is complete.
    before = sorted((p.name, p.stat().st_mtime_ns) for p in out.iterdir())
    time.sleep(0.5)
    assert sorted((p.name, p.stat().st_mtime_ns) for p in out.iterdir()) == before
    _assert_complete(out)
    report = run_batch(src, out, jobs=1, timeout=None)
    assert {i.status for i in report.items} <= {"ok", "skipped"}
    assert "ok" in {i.status for i in report.items}  # the killed batch had not finished
    assert _temps(out) == []  # the killed writers' temps and work folders are gone
    _assert_complete(out)
    assert len(list(out.glob("s*.xlsx"))) == 8


def test_a_failed_proposal_leaves_no_file_under_a_final_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The workbook and the proposal are made in the work folder and renamed into place only when
    both are whole (a kill mid-write is covered by the rename, tested with real kills above)."""
    import types

    def write_proposal(result, path, lang="en", attachments=()):  # type: ignore[no-untyped-def]
        Path(path).write_bytes(b"%PDF-1.7 half")
        raise RuntimeError("renderer crashed")

    fake = types.ModuleType("xlcompute.report")
    fake.write_proposal = write_proposal  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "xlcompute.report", fake)
    src, out = _scenarios(tmp_path / "in", 1), tmp_path / "out"
    report = run_batch(src, out, jobs=1, timeout=None, pdf=True)
    assert report.items[0].status == "failed" and "renderer crashed" in report.items[0].problems[0]
    assert sorted(p.name for p in out.iterdir()) == ["index.xlsx"]


# -- hangs and crashes (fork, so the patched _produce reaches the workers) --------------------------


def _hanging(pid_dir: Path) -> Callable[..., BatchItem]:
    def produce(job: batch._Job, outdir: str, lang: str, pdf: bool) -> BatchItem:
        (pid_dir / str(os.getpid())).write_text(job.source)
        time.sleep(120)  # a scenario that never ends: only the parent's death can stop this worker
        raise AssertionError("not reached")

    return produce


def _batch_that_hangs(src: Path, out: Path, pid_dir: Path) -> None:
    batch._START_METHOD = "fork"  # in this child process only
    batch._produce = _hanging(pid_dir)  # type: ignore[assignment]
    run_batch(src, out, jobs=2, timeout=None)


@pytest.mark.skipif(not LINUX, reason="fork start method and /proc")
def test_workers_busy_with_a_hung_scenario_die_with_the_batch(tmp_path: Path) -> None:
    """A worker orphaned mid-scenario does not finish it: the kernel (PR_SET_PDEATHSIG) or its
    watchdog ends it within moments of the batch process's death."""
    import multiprocessing

    src, out, pid_dir = _scenarios(tmp_path / "in", 3), tmp_path / "out", tmp_path / "pids"
    pid_dir.mkdir()
    parent = multiprocessing.get_context("fork").Process(target=_batch_that_hangs, args=(src, out, pid_dir))
    parent.start()
    try:
        _until(lambda: len(list(pid_dir.iterdir())) == 2, "both workers to start a scenario")
        workers = [int(p.name) for p in pid_dir.iterdir()]
        assert all(pid_alive(w) for w in workers)
    finally:
        os.kill(parent.pid, signal.SIGKILL)
        parent.join(10)
    try:
        _until(lambda: not any(pid_alive(w) for w in workers), "the orphaned workers to end", deadline=10)
    finally:
        for w in workers:  # on failure: no orphan outlives the test
            if pid_alive(w):
                os.kill(w, signal.SIGKILL)




def _misbehaving(hang_pid_file: Path) -> Callable[..., BatchItem]:
    real = batch._produce

    def produce(job: batch._Job, outdir: str, lang: str, pdf: bool) -> BatchItem:
        if job.source.startswith("hang"):
            hang_pid_file.write_text(str(os.getpid()))
            time.sleep(120)
        if job.source.startswith("crash"):
            os.kill(os.getpid(), signal.SIGKILL)
        return real(job, outdir, lang, pdf)

    return produce


@pytest.mark.skipif(sys.platform == "win32", reason="fork start method")
def test_timeout_and_crash_fail_one_scenario_each_and_the_batch_goes_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    src = _scenarios(tmp_path / "in", 3)
    (src / "hang.yaml").write_text(SCENARIO.format(name="Hang"), encoding="utf-8")
    (src / "crash.yaml").write_text(SCENARIO.format(name="Crash"), encoding="utf-8")
    pid_file = tmp_path / "hung.pid"
    monkeypatch.setattr(batch, "_START_METHOD", "fork")
    monkeypatch.setattr(batch, "_produce", _misbehaving(pid_file))
    out = tmp_path / "out"
    # 10 s, not less: an ordinary scenario timed out at 3 s once on a loaded 2-core machine (the whole
    # suite beside other work), which this test must not mistake for a hang
    report = run_batch(src, out, jobs=2, timeout=10.0)
    by = {i.source: i for i in report.items}
    assert [by[f"s0{i}.yaml"].status for i in range(3)] == ["ok", "ok", "ok"]
    hang, crash = by["hang.yaml"], by["crash.yaml"]
    assert hang.status == "failed" and len(hang.problems) == 1
    assert "10 s, the time limit per scenario (--timeout)" in hang.problems[0]
    assert crash.status == "failed" and "killed by SIGKILL" in crash.problems[0]
    assert pid_alive(int(pid_file.read_text())) is False  # the hung worker was killed, not left behind
    # The index lists every scenario, the failed ones with their reason.
    ws = openpyxl.load_workbook(out / "index.xlsx").active
    rows = {ws.cell(row=r, column=1).value: ws.cell(row=r, column=ws.max_column).value for r in range(2, ws.max_row + 1)}
    assert set(rows) == set(by) and "--timeout" in rows["hang.yaml"]
    assert _temps(out) == []


def test_timeout_option_is_checked() -> None:
    from typer.testing import CliRunner

    import xlcompute.cli.batch as cli_batch
    from xlcompute.cli import app

    # The command keeps its own copies (so `--help` does not import the batch module).
    assert (cli_batch.DEFAULT_TIMEOUT, cli_batch.INDEX_NAME) == (batch.DEFAULT_TIMEOUT, batch.INDEX_NAME)

    res = CliRunner().invoke(app, ["batch", ".", "-o", "x", "--timeout", "-1"])
    assert res.exit_code == 2 and "Traceback" not in res.output
    with pytest.raises(batch.BatchInputError, match="--timeout"):
        run_batch(".", "x", timeout=float("nan"))


# -- temp files of live and dead writers ----------------------------------------------------------


def _dead_pid() -> int:
    p = subprocess.Popen([sys.executable, "-c", "pass"])
    p.wait()
    return p.pid


def test_stale_temps_go_and_live_ones_stay(tmp_path: Path) -> None:
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        own = temp_path(tmp_path / "own.xlsx")
        if _host_of(own) == "abcdef":  # pragma: no cover
            pytest.skip("this host hashes to the made-up host id of the other-host cases")
        live = Path(str(temp_path(tmp_path / "live.xlsx")).replace(f"-{os.getpid()}-", f"-{sleeper.pid}-"))
        dead = Path(str(temp_path(tmp_path / "dead.xlsx")).replace(f"-{os.getpid()}-", f"-{_dead_pid()}-"))
        dead_dir = Path(str(temp_path(tmp_path / "work")).replace(f"-{os.getpid()}-", f"-{_dead_pid()}-"))
        other_host_young = tmp_path / ".far.xlsx.xlc-123-abcdef-0a1b2c3d.tmp"
        other_host_old = tmp_path / ".far2.xlsx.xlc-123-abcdef-0a1b2c3d.tmp"
        legacy_young, legacy_old = tmp_path / ".a.xlsx.k2j4h5_x.tmp", tmp_path / ".b.pdf.zz9x8y7w.tmp"
        user_file = tmp_path / ".notes.tmp"
        for p in (own, live, dead, other_host_young, other_host_old, legacy_young, legacy_old, user_file):
            p.write_bytes(b"x")
        dead_dir.mkdir()
        (dead_dir / "half.xlsx").write_bytes(b"x")
        old = time.time() - 2 * 3600
        for p in (other_host_old, legacy_old, user_file):
            os.utime(p, (old, old))
        assert remove_stale_temps(tmp_path) == 4
        left = {p.name for p in tmp_path.iterdir()}
        assert left == {p.name for p in (own, live, other_host_young, legacy_young, user_file)}
        # A worker the batch killed: its temps go at once, whatever their age; nobody else's.
        assert remove_stale_temps(tmp_path, pid=sleeper.pid) == 1
        assert live.name not in {p.name for p in tmp_path.iterdir()}
    finally:
        sleeper.kill()
        sleeper.wait()


def _host_of(temp: Path) -> str:
    return temp.name.rsplit(".xlc-", 1)[1].split("-")[1]


@pytest.mark.skipif(sys.platform == "win32", reason="os.kill(pid, 0) is not used there; see pid_alive")
def test_pid_alive() -> None:
    assert pid_alive(os.getpid()) is True
    assert pid_alive(_dead_pid()) is False
    assert pid_alive(0) is None and pid_alive(-5) is None
    zombie = subprocess.Popen([sys.executable, "-c", "pass"])
    _until(lambda: not LINUX or Path(f"/proc/{zombie.pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z",
           "the child to exit")
    try:
        if LINUX:
            assert pid_alive(zombie.pid) is False  # exited, only not reaped yet
    finally:
        zombie.wait()


def test_a_long_batch_survives_short_batches_into_the_same_folder(tmp_path: Path) -> None:
    long_src, out = _scenarios(tmp_path / "long", 10, "long"), tmp_path / "out"
    proc = _start_batch([str(long_src), "-o", str(out), "-j", "1", "--timeout", "0"])  # one process, serial
    try:
        # Its work folder (a temp of a live process) exists from the first scenario to the last.
        _until(lambda: out.is_dir() and any(p.name.startswith(".work.") for p in out.iterdir()),
               "the long batch to start writing")
        for k in range(5):
            short = _scenarios(tmp_path / f"short{k}", 1, f"short{k}-")
            report = run_batch(short, out, jobs=1, timeout=None)
            assert [i.status for i in report.items] == ["ok"]
        stdout, stderr = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert proc.returncode == 0, stderr.decode()
    assert b"10 written, 0 up to date (skipped), 0 failed" in stdout
    assert len(list(out.glob("long*.xlsx"))) == 10 and len(list(out.glob("short*.xlsx"))) == 5
    assert _temps(out) == []
    _assert_complete(out)


# -- two batches, one folder, one record -------------------------------------------------------------


def test_two_batches_into_one_folder_keep_the_record_sound(tmp_path: Path) -> None:
    src, out = _scenarios(tmp_path / "in", 4), tmp_path / "out"
    procs = [_start_batch([str(src), "-o", str(out), "-j", "1", "--timeout", "0", "--lang", lang])
             for lang in ("en", "zh")]
    try:
        for p in procs:
            _, stderr = p.communicate(timeout=120)
            assert p.returncode == 0, stderr.decode()
    finally:
        for p in procs:
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait()
    records = sorted((out / RECORD_DIR).glob("*.json"))
    assert len(records) == 4
    for r in records:
        batch._Record.model_validate_json(r.read_bytes())  # every record is whole
    # Whichever batch won each file, an English rerun leaves every workbook English, and the
    # record then says so: the next rerun skips them all.
    run_batch(src, out, jobs=1, timeout=None, lang="en")
    for wb in sorted(out.glob("s*.xlsx")):
        title = openpyxl.load_workbook(wb, read_only=True)["Inputs"]["A1"].value
        assert title.startswith("xlcompute planning workbook"), (wb.name, title)
    assert {i.status for i in run_batch(src, out, jobs=1, timeout=None, lang="en").items} == {"skipped"}


def test_one_blocked_output_fails_only_its_scenario(tmp_path: Path) -> None:
    src, out = _scenarios(tmp_path / "in", 3), tmp_path / "out"
    (out / "s01.xlsx").mkdir(parents=True)  # a folder where a workbook should go
    report = run_batch(src, out, jobs=1, timeout=None)
    assert [i.status for i in report.items] == ["ok", "failed", "ok"]
    assert report.items[1].problems == [f"cannot write {str(out / 's01.xlsx')!r}: it is a folder"]
    assert report.index is not None and _temps(out) == []
