"""Atomic file writes: a temp file in the target folder, then ``os.replace``.

Used by every face that writes a file (workbooks, batch index, proposals), so an interrupted run
never leaves a half-written file under the final name (design.md, "Conventions"). The temp file
lives in the same folder because ``os.replace`` is only atomic within one file system.

Temp names carry their writer: ``.<name>.xlc-<pid>-<host>-<random>.tmp``. Only a process that was
killed outright (SIGKILL, power loss) leaves one behind; :func:`remove_stale_temps` removes those
whose writer is gone, and never a temp of a live process (another batch writing into the same
folder). Where liveness cannot be told (another host on a shared folder, a temp of an older
version) it falls back on the file's age. The name part is cut in UTF-8 bytes so a temp name
always fits the 255-byte limit, whatever the target's name.
"""

from __future__ import annotations

import contextlib
import errno
import functools
import hashlib
import os
import re
import secrets
import shutil
import socket
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Optional

__all__ = [
    "atomic_write",
    "OutputNotWritableError",
    "check_writable_folder",
    "move_into_place",
    "remove_stale_temps",
    "pid_alive",
    "temp_path",
    "NAME_MAX_BYTES",
    "TEMP_NAME_EXTRA",
    "STALE_AGE_SECONDS",
]

NAME_MAX_BYTES = 255  # ext4, XFS, APFS, NTFS (in UTF-16 units, never more than the UTF-8 bytes)
# Bytes a temp name adds around the target's name: "." + ".xlc-" + pid (Windows: up to 10 digits)
# + "-" + host (6) + "-" + random (8) + ".tmp" = 35; rounded up.
TEMP_NAME_EXTRA = 40
# A temp whose writer cannot be checked is removed once it is this old: a temp lives for the few
# seconds a file takes to save, so an hour-old one has no writer left.
STALE_AGE_SECONDS = 3600.0
# A temp whose writer's PID is alive is still removed past this age: the PID was reused.
REUSED_PID_AGE_SECONDS = 24 * 3600.0

_TEMP_RE = re.compile(r"^\..*\.xlc-(?P<pid>\d{1,10})-(?P<host>[0-9a-f]{6})-[0-9a-z]{8}\.tmp$", re.DOTALL)
# Temps of earlier versions (tempfile.mkstemp names): no writer recorded, only their age tells.
_LEGACY_RE = re.compile(r"^\..*\.(xlsx|pdf|html|csv|json|xlcompute-write-test)\.[a-z0-9_]{8}\.tmp$", re.DOTALL)
_ERRNO_WRITE = {errno.ENOSPC, errno.EROFS, errno.EFBIG, getattr(errno, "EDQUOT", errno.ENOSPC)}


class OutputNotWritableError(OSError):
    """The output folder cannot be created or written to, or the output file cannot be replaced."""


@functools.lru_cache(maxsize=1)
def _host() -> str:
    # A PID means something only on the host, and in the PID namespace (container), that wrote
    # the temp: a shared folder or volume sees temps of other machines and containers.
    where = socket.gethostname()
    with contextlib.suppress(OSError):
        where += ":" + os.readlink("/proc/self/ns/pid")
    return hashlib.sha1(where.encode("utf-8", "replace")).hexdigest()[:6]


def temp_path(target: Path) -> Path:
    """A fresh temp name next to ``target`` (not created): fits 255 bytes, names this process."""
    from xlcompute._names import cut_utf8

    name = cut_utf8(target.name, NAME_MAX_BYTES - TEMP_NAME_EXTRA)
    return target.parent / f".{name}.xlc-{os.getpid()}-{_host()}-{secrets.token_hex(4)}.tmp"


def _reason(exc: OSError) -> str:
    return exc.strerror or str(exc) or type(exc).__name__


def _blocking_file(folder: Path) -> Optional[Path]:
    """The nearest existing ancestor of ``folder`` when it is a file (mkdir cannot pass it)."""
    for p in (folder, *folder.parents):
        if p.exists():
            return None if p.is_dir() else p
    return None


def _folder_error(folder: Path, exc: OSError) -> OutputNotWritableError:
    blocker = _blocking_file(folder)
    if blocker is not None:
        return OutputNotWritableError(
            f"cannot write to the output folder {str(folder)!r}: {str(blocker)!r} is a file, not a folder")
    return OutputNotWritableError(f"cannot write to the output folder {str(folder)!r}: {_reason(exc)}")


def _file_error(target: Path, exc: OSError) -> OutputNotWritableError:
    if target.is_dir():
        return OutputNotWritableError(f"cannot write {str(target)!r}: it is a folder")
    hint = ""
    if sys.platform == "win32" and isinstance(exc, PermissionError):
        hint = " (is it open in Excel or another program?)"
    return OutputNotWritableError(f"cannot write {str(target)!r}: {_reason(exc)}{hint}")


def _create(target: Path) -> Path:
    folder = target.parent if str(target.parent) else Path(".")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise _folder_error(folder, exc) from None
    for _ in range(100):
        tmp = temp_path(target)
        try:
            # 0o666 less the umask: the final file gets the usual permissions, unlike mkstemp's 0600.
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
        except FileExistsError:
            continue
        except OSError as exc:
            raise _folder_error(folder, exc) from None
        os.close(fd)
        return tmp
    raise OutputNotWritableError(f"cannot write to the output folder {str(folder)!r}: no free temporary name")


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path next to ``path``; on success move it onto ``path`` atomically.

    The caller writes the whole file to the yielded path. If the ``with`` body raises, the temp
    file is removed and ``path`` is left untouched. Parent folders are created. A folder that
    cannot be written, a disk that is full or a target that cannot be replaced raises
    :class:`OutputNotWritableError` with one readable line naming the folder or the file.
    """
    target = Path(path)
    tmp = _create(target)
    try:
        try:
            yield tmp
        except OSError as exc:
            # Only errors of writing this temp (disk full, quota, read-only) are about the output.
            if isinstance(exc, OutputNotWritableError):
                raise
            named = isinstance(exc.filename, (str, os.PathLike)) and Path(exc.filename) == tmp
            if exc.errno in _ERRNO_WRITE or named:
                raise _file_error(target, exc) from None
            raise
        move_into_place(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


def move_into_place(source: Path, target: Path) -> None:
    """``os.replace(source, target)`` (atomic on one file system), failing with one readable line:
    a target that is a folder, or on Windows one open in Excel."""
    try:
        os.replace(source, target)
    except OSError as exc:
        raise _file_error(target, exc) from None


def check_writable_folder(folder: str | os.PathLike[str]) -> Path:
    """Create ``folder`` if needed and prove a file can be created in it (then removed).

    Raises :class:`OutputNotWritableError` with one readable line. The probe is a temp file of
    this process, so batches probing the same folder at once never disturb each other.
    """
    f = Path(folder)
    if f.exists() and not f.is_dir():
        raise OutputNotWritableError(f"cannot write to the output folder {str(f)!r}: it is a file, not a folder")
    tmp = _create(f / ".xlcompute-write-test")
    with contextlib.suppress(OSError):
        tmp.unlink()
    return f


# -- liveness of a writer -----------------------------------------------------------------------------


def pid_alive(pid: int) -> Optional[bool]:
    """Whether process ``pid`` of this host still runs: True, False, or None when it cannot be told.

    Never signals the process: on Windows ``os.kill(pid, 0)`` would terminate it, so Windows asks
    the kernel for the exit code instead. A Linux zombie (exited, not yet reaped) counts as gone.
    """
    if pid <= 0:
        return None
    if sys.platform == "win32":
        return _win_pid_alive(pid)
    try:
        os.kill(pid, 0)  # signal 0: only the existence and permission checks
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, owned by another user
    except OSError:
        return None
    if sys.platform.startswith("linux"):
        try:
            stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
        except FileNotFoundError:
            return False
        except OSError:
            return True
        fields = stat.rsplit(")", 1)[-1].split()
        if fields and fields[0] in ("Z", "X"):
            return False
    return True


def _win_pid_alive(pid: int) -> Optional[bool]:
    try:
        import ctypes
        from ctypes import wintypes

        kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)  # type: ignore[attr-defined]
        kernel32.OpenProcess.restype = wintypes.HANDLE
        kernel32.OpenProcess.argtypes = (wintypes.DWORD, wintypes.BOOL, wintypes.DWORD)
        kernel32.GetExitCodeProcess.restype = wintypes.BOOL
        kernel32.GetExitCodeProcess.argtypes = (wintypes.HANDLE, ctypes.POINTER(wintypes.DWORD))
        kernel32.CloseHandle.argtypes = (wintypes.HANDLE,)
        handle = kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
        if not handle:
            err = ctypes.get_last_error()  # type: ignore[attr-defined]
            return False if err == 87 else (True if err == 5 else None)  # no such process / access denied
        try:
            code = wintypes.DWORD()
            if not kernel32.GetExitCodeProcess(handle, ctypes.byref(code)):
                return None
            return code.value == 259  # STILL_ACTIVE
        finally:
            kernel32.CloseHandle(handle)
    except (OSError, AttributeError, ValueError):
        return None


def remove_stale_temps(folder: str | os.PathLike[str], *, pid: Optional[int] = None,
                       max_age: float = STALE_AGE_SECONDS) -> int:
    """Remove the temp files (and temp folders) in ``folder`` that no live process is writing.

    With ``pid``, only those of that process (which the caller knows has ended). Otherwise a temp
    goes when its writer on this host is gone, or when its writer cannot be checked and it is
    older than ``max_age`` seconds. This process's own temps are never touched. Returns how many
    were removed; errors (a temp removed by someone else meanwhile) are ignored.
    """
    removed = 0
    here, me, now = _host(), os.getpid(), time.time()
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return 0
    for entry in entries:
        name = entry.name
        if not (name.startswith(".") and name.endswith(".tmp")):
            continue
        m = _TEMP_RE.match(name)
        try:
            age = now - entry.stat(follow_symlinks=False).st_mtime
        except OSError:
            continue
        if m is not None:
            writer, host = int(m["pid"]), m["host"]
            if pid is not None:
                stale = writer == pid and host == here
            elif writer == me and host == here:
                stale = False
            elif host == here:
                alive = pid_alive(writer)
                stale = alive is False or (alive is None and age > max_age) or age > REUSED_PID_AGE_SECONDS
            else:
                stale = age > max_age
        else:
            stale = pid is None and _LEGACY_RE.match(name) is not None and age > max_age
        if not stale:
            continue
        try:
            if entry.is_dir(follow_symlinks=False):
                shutil.rmtree(entry.path)
            else:
                os.unlink(entry.path)
            removed += 1
        except OSError:
            pass
    return removed
