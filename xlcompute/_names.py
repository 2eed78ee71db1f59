"""Safe output file names from scenario text (no path traversal, no reserved names, no clashes,
no names too long for the file system), and scenario text safe to write into XML files.

File systems limit a name in bytes (ext4, XFS, APFS: 255 bytes of UTF-8; NTFS: 255 UTF-16 units,
never more than the UTF-8 bytes), not in characters: 80 × ``中`` is 240 bytes, and with an
extension and a temporary-file prefix it no longer fits. So a stem is cut in UTF-8 bytes, to
:data:`MAX_STEM_BYTES`, which leaves room for the longest suffix the package adds to a stem
(``-proposal-en.html``, a de-duplicating ``-12``) and for the temporary name of an atomic write
(:data:`xlcompute._atomic.TEMP_NAME_EXTRA`) within 255 bytes; ``tests/batch`` checks the sum.

Workbooks (and the PDF's XMP metadata) are XML, which cannot hold C0 control characters other
than tab, newline and carriage return; :func:`xml_safe` replaces them (and lone surrogates) with
U+FFFD. (The scenario refuses control characters in its text fields; the writers still pass
every cell and property through :func:`xml_safe`, as the XML boundary's own guard.)
"""

from __future__ import annotations

import re
import unicodedata
__all__ = ["slug", "unique_slugs", "cut_utf8", "xml_safe", "MAX_STEM_BYTES", "MAX_STEM_CHARS"]

# Characters XML 1.0 cannot hold: C0 controls but tab/LF/CR, lone surrogates, U+FFFE and U+FFFF.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")

# Windows device names cannot be file names on any extension (CON.xlsx is still CON).
_RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)), *(f"lpt{i}" for i in range(10))}
MAX_STEM_CHARS = 80
# 120 bytes = 40 CJK characters or 80 Latin ones (with MAX_STEM_CHARS); also keeps paths short for
# Windows' 260-character MAX_PATH and eCryptfs' 143-byte names.
MAX_STEM_BYTES = 120


def cut_utf8(text: str, max_bytes: int) -> str:
    """The longest prefix of ``text`` whose UTF-8 encoding fits ``max_bytes`` (never half a character)."""
    data = text.encode("utf-8", "surrogatepass")
    if len(data) <= max_bytes:
        return text
    # Dropping the bytes of a character cut in two leaves whole characters only.
    return data[:max_bytes].decode("utf-8", "ignore")


def _fit(stem: str, max_bytes: int) -> str:
    return cut_utf8(stem[:MAX_STEM_CHARS], max_bytes).strip("-_")


def slug(text: str, fallback: str = "scenario") -> str:
    """A file-name stem: letters (any script), digits, ``-`` and ``_`` only.

    Path separators, dots, spaces and control characters become ``-``; the result never starts
    with ``-`` or ``.``, is at most 80 characters and :data:`MAX_STEM_BYTES` bytes of UTF-8 and is
    never a reserved device name, so ``../../etc/passwd`` becomes ``etc-passwd`` and cannot leave
    the output folder.
    """
    norm = unicodedata.normalize("NFKC", text).strip().lower()
    stem = _fit(re.sub(r"[^\w]+", "-", norm, flags=re.UNICODE).strip("-_"), MAX_STEM_BYTES)
    if not stem:
        stem = fallback
    if stem in _RESERVED:
        stem = f"{stem}-file"
    return stem


def unique_slugs(texts: list[str], fallback: str = "scenario", taken: set[str] | None = None) -> list[str]:
    """:func:`slug` of each text, with ``-2``, ``-3`` … added where two would clash
    (compared case-insensitively, as on Windows and macOS file systems). A stem that is already at
    the length limit is cut further for its number, so every stem stays within the limit."""
    seen = {t.lower() for t in (taken or set())}
    out: list[str] = []
    for t in texts:
        base = slug(t, fallback)
        stem, n = base, 2
        while stem.lower() in seen:
            suffix = f"-{n}"
            stem = _fit(base, MAX_STEM_BYTES - len(suffix)) + suffix
            n += 1
        seen.add(stem.lower())
        out.append(stem)
    return out


def xml_safe(text: str) -> str:
    """``text`` with every character XML cannot hold replaced by U+FFFD (visible, and the text
    keeps its length, so a required name never becomes empty)."""
    return _NOT_XML.sub("\ufffd", text)
