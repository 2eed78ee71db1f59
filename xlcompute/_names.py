"""Safe output file names from scenario text (no path traversal, no reserved names, no clashes)."""

from __future__ import annotations

import re
import unicodedata

__all__ = ["slug", "unique_slugs"]

# Windows device names cannot be file names on any extension (CON.xlsx is still CON).
_RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)), *(f"lpt{i}" for i in range(10))}
_MAX = 80


def slug(text: str, fallback: str = "scenario") -> str:
    """A file-name stem: letters (any script), digits, ``-`` and ``_`` only.

    Path separators, dots, spaces and control characters become ``-``; the result never starts
    with ``-`` or ``.``, is at most 80 characters and is never a reserved device name, so
    ``../../etc/passwd`` becomes ``etc-passwd`` and cannot leave the output folder.
    """
    norm = unicodedata.normalize("NFKC", text).strip().lower()
    stem = re.sub(r"[^\w]+", "-", norm, flags=re.UNICODE).strip("-_")[:_MAX].strip("-_")
    if not stem:
        stem = fallback
    if stem in _RESERVED:
        stem = f"{stem}-file"
    return stem


def unique_slugs(texts: list[str], fallback: str = "scenario", taken: set[str] | None = None) -> list[str]:
    """:func:`slug` of each text, with ``-2``, ``-3`` … added where two would clash
    (compared case-insensitively, as on Windows and macOS file systems)."""
    seen = {t.lower() for t in (taken or set())}
    out: list[str] = []
    for t in texts:
        base = slug(t, fallback)
        stem, n = base, 2
        while stem.lower() in seen:
            stem = f"{base}-{n}"
            n += 1
        seen.add(stem.lower())
        out.append(stem)
    return out
