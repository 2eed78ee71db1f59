"""Atomic file writes: a temp file in the target folder, then ``os.replace``.

Used by every face that writes a file (workbooks, batch index, proposals), so an interrupted run
never leaves a half-written file under the final name (design.md, "Conventions"). The temp file
lives in the same folder because ``os.replace`` is only atomic within one file system.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

__all__ = ["atomic_write", "OutputNotWritableError"]


class OutputNotWritableError(OSError):
    """The output folder cannot be created or written to."""


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path next to ``path``; on success move it onto ``path`` atomically.

    The caller writes the whole file to the yielded path. If the ``with`` body raises, the temp
    file is removed and ``path`` is left untouched. Parent folders are created. A folder that
    cannot be written raises :class:`OutputNotWritableError` naming it.
    """
    target = Path(path)
    folder = target.parent if str(target.parent) else Path(".")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise OutputNotWritableError(
            f"cannot write to the output folder {str(folder)!r}: {exc.strerror or exc}"
        ) from None
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        # mkstemp creates 0600; give the final file the usual permissions (umask applied).
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
