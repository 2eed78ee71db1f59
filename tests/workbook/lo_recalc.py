"""Recalculate .xlsx files with LibreOffice headless and read the values back.

LibreOffice does not recalculate Excel files on load by default; a fresh profile directory per
run whose ``registrymodifications.xcu`` sets ``/org.openoffice.Office.Calc/Formula/Load``
``OOXMLRecalcMode`` = 0 ("always recalculate", ScRecalcOptions RECALC_ALWAYS in sc/inc/calcconfig.hxx)
forces it. Several files go through one ``soffice`` call, because starting LibreOffice is most
of the cost.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

__all__ = ["soffice", "recalc", "convert"]

_XCU = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" \
xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse">\
<value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="ODFRecalcMode" oor:op="fuse">\
<value>0</value></prop></item>
</oor:items>
"""


def soffice() -> str | None:
    """Path of the LibreOffice binary, or None when it is not installed."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def convert(files: list[Path], outdir: Path, target: str = "xlsx", timeout: float = 300) -> list[Path]:
    """Convert ``files`` with one headless LibreOffice run (fresh recalculate-always profile)."""
    exe = soffice()
    if exe is None:
        raise RuntimeError("LibreOffice (soffice) is not installed; run scripts/install-system-deps.sh")
    outdir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="xlcompute-lo-") as profile:
        user = Path(profile) / "user"
        user.mkdir(parents=True)
        (user / "registrymodifications.xcu").write_text(_XCU, encoding="utf-8")
        cmd = [exe, f"-env:UserInstallation={Path(profile).as_uri()}", "--headless", "--norestore",
               "--convert-to", target, "--outdir", str(outdir), *[str(f) for f in files]]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    suffix = target.split(":", 1)[0]
    out = [outdir / (Path(f).stem + "." + suffix) for f in files]
    missing = [p for p in out if not p.is_file()]
    if proc.returncode != 0 or missing:
        raise RuntimeError(f"soffice failed ({proc.returncode}): {proc.stdout}\n{proc.stderr}\nmissing: {missing}")
    return out


def recalc(files: list[Path], outdir: Path) -> list[Path]:
    """Recalculated copies of ``files`` (xlsx) in ``outdir``, in the same order."""
    return convert(files, outdir, "xlsx")
