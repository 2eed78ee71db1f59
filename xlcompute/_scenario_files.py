"""Reading a scenario file within the input limits (size, nesting, keys, values, aliases, text).

The file is refused quickly, before or while it is parsed, with one line naming the limit
(:class:`FileRefused`); :func:`xlcompute.scenario.load_scenario` turns that line into a
``ScenarioError``. YAML is composed by a loader that counts every node (aliases expanded) before
building it; JSON refuses duplicate keys and deep nesting; TOML is pre-scanned, because
``tomllib`` needs seconds and hundreds of MB for some small hostile files. The limits themselves
are documented in :mod:`xlcompute.scenario`, whose schema messages share :func:`path_text` and
:func:`escape`.
"""

from __future__ import annotations

import functools
import json
import re
from pathlib import Path
from collections.abc import Callable
from typing import Any

from xlcompute.quantity import show_value

__all__ = [
    "MAX_SCENARIO_BYTES", "MAX_DEPTH", "MAX_KEYS", "MAX_VALUES", "MAX_ALIASES", "MAX_STRING_CHARS",
    "CONTROL_ONE_LINE", "FileRefused", "ParseError", "JsonObject", "escape", "path_text", "read_mapping",
]

MAX_SCENARIO_BYTES = 128 * 1024
"""Largest scenario file read: 128 KiB (a real one is 1-5 KB, a heavily commented one 20 KB).
libyaml (in PyYAML's wheels) scans a 128 KiB scalar in milliseconds, PyYAML's pure-Python
fallback in about 0.4 s: even the worst file at the limit is refused quickly."""
MAX_DEPTH = 16
"""Mappings and lists nested at most this deep (a scenario nests 3: model.arch.layers)."""
MAX_KEYS = 1_000
"""Keys in one scenario, counted over every mapping (a scenario has about 100 fields)."""
MAX_VALUES = 10_000
"""Values (scalars, mappings, lists) in one scenario after YAML aliases are expanded."""
MAX_ALIASES = 100
"""YAML aliases (``*name``) in one file."""
MAX_STRING_CHARS = 10_000
"""Characters in any one string of a scenario (each text field has a smaller limit of its own)."""

CONTROL_ONE_LINE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
_PLAIN_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_\-]{0,59}$")


def escape(text: str) -> str:
    """Text for a one-line message: control characters escaped, nothing else changed."""
    return CONTROL_ONE_LINE.sub(lambda m: repr(m.group())[1:-1], text)


def path_text(parts: tuple[Any, ...] | list[Any]) -> str:
    """``cluster.accelerator.hbm_gb``, ``training.offload[1]``; odd keys quoted and escaped."""
    text = ""
    for part in parts:
        if isinstance(part, int) and not isinstance(part, bool):
            text += f"[{part}]"
            continue
        key = part if isinstance(part, str) else str(part)
        shown = key if _PLAIN_KEY.match(key) else show_value(key)
        text += f".{shown}" if text else shown
    return text


class FileRefused(Exception):
    """A limit or parse problem found while reading a file: one line, wrapped into ScenarioError."""


class JsonObject(dict):  # type: ignore[type-arg]
    """A JSON object that remembers keys given twice (json keeps the last silently)."""

    duplicates: list[str]


def _read_text(path: Path) -> str:
    size = path.stat().st_size
    if size > MAX_SCENARIO_BYTES:
        raise FileRefused(f"file: {size:,} bytes; a scenario file may have at most {MAX_SCENARIO_BYTES:,} bytes "
                       "(a real one has a few thousand)")
    with path.open("rb") as f:
        raw = f.read(MAX_SCENARIO_BYTES + 1)  # the file may have grown since stat()
    if len(raw) > MAX_SCENARIO_BYTES:
        raise FileRefused(f"file: more than {MAX_SCENARIO_BYTES:,} bytes, the limit for a scenario file")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise FileRefused(f"file: not UTF-8 text (byte 0x{raw[exc.start]:02x} at position {exc.start:,}); "
                       "save the file as UTF-8") from None


@functools.cache
def _yaml_loader() -> type:
    """PyYAML's safe loader with the input limits enforced while composing, before recursing.

    Events come from libyaml's parser when PyYAML has it (the wheels do): it scans a 256 KiB
    string in milliseconds where the pure-Python scanner needs most of a second. Composing stays
    in Python, here, so every node is counted before it is built; construction is SafeLoader's.
    """
    import yaml
    from yaml.composer import Composer
    from yaml.constructor import SafeConstructor
    from yaml.events import AliasEvent, MappingEndEvent, MappingStartEvent, SequenceEndEvent, SequenceStartEvent
    from yaml.nodes import MappingNode, ScalarNode, SequenceNode
    from yaml.resolver import Resolver

    merge_tag = "tag:yaml.org,2002:merge"
    if getattr(yaml, "__with_libyaml__", False):
        from yaml.cyaml import CParser

        parser_bases: tuple[type, ...] = (CParser,)
    else:
        from yaml.parser import Parser
        from yaml.reader import Reader
        from yaml.scanner import Scanner

        parser_bases = (Reader, Scanner, Parser)

    # Composer first: its get_single_node (Python, below) must win over CParser's C composer.
    class LimitedSafeLoader(Composer, SafeConstructor, Resolver, *parser_bases):  # type: ignore[misc]
        def __init__(self, stream: str) -> None:
            parser_bases[0].__init__(self, stream)  # CParser or Reader take the text
            for base in parser_bases[1:]:
                base.__init__(self)  # type: ignore[misc]
            Composer.__init__(self)
            SafeConstructor.__init__(self)
            Resolver.__init__(self)
            self._depth = 0
            self._values = 0
            self._keys = 0
            self._aliases = 0
            self._sizes: dict[str, tuple[int, int]] = {}  # anchor -> (values, keys) it expands to
            self._path: list[Any] = []

        def _refuse(self, mark: Any, text: str, field: bool = False) -> FileRefused:
            # Limits name the file and line; a duplicate key or a long text also names the field.
            where = (path_text(self._path) if field else "") or "file"
            return FileRefused(f"{where}: line {mark.line + 1}: {text}")

        def _count(self, values: int, keys: int, mark: Any) -> None:
            self._values += values
            self._keys += keys
            if self._keys > MAX_KEYS:
                raise self._refuse(mark, f"more than {MAX_KEYS:,} keys (the limit for a scenario file"
                                         f"{', aliases expanded' if self._aliases else ''})")
            if self._values > MAX_VALUES:
                raise self._refuse(mark, f"more than {MAX_VALUES:,} values (the limit for a scenario file"
                                         f"{', aliases expanded' if self._aliases else ''})")

        def compose_node(self, parent: Any, index: Any) -> Any:
            if self.check_event(AliasEvent):
                event = self.peek_event()
                self._aliases += 1
                if self._aliases > MAX_ALIASES:
                    raise self._refuse(event.start_mark, f"more than {MAX_ALIASES} YAML aliases (*name), the "
                                                         "limit for a scenario file")
                size = self._sizes.get(event.anchor)
                if size is None and event.anchor in self.anchors:
                    raise self._refuse(event.start_mark, f"alias *{escape(str(event.anchor))[:40]} stands inside "
                                                         "the mapping or list it names (a loop)", field=True)
                node = super().compose_node(parent, index)  # an undefined alias raises here
                self._count(*(size or (1, 0)), event.start_mark)
                return node
            event = self.peek_event()
            container = isinstance(event, (MappingStartEvent, SequenceStartEvent))
            if container:
                self._depth += 1
                if self._depth > MAX_DEPTH:
                    raise self._refuse(event.start_mark, f"mappings and lists nested more than {MAX_DEPTH} "
                                                         "levels deep (the limit for a scenario file)")
            before = (self._values, self._keys)
            self._count(1, 0, event.start_mark)
            node = super().compose_node(parent, index)
            if container:
                self._depth -= 1
            if event.anchor is not None:
                self._sizes[event.anchor] = (self._values - before[0], self._keys - before[1])
            return node

        def compose_scalar_node(self, anchor: Any) -> Any:
            event = self.peek_event()
            if len(event.value) > MAX_STRING_CHARS:
                raise self._refuse(event.start_mark, f"text of {len(event.value):,} characters; the limit for any "
                                                     f"text in a scenario is {MAX_STRING_CHARS:,}", field=True)
            return super().compose_scalar_node(anchor)

        def compose_sequence_node(self, anchor: Any) -> Any:
            start = self.get_event()
            tag = start.tag
            if tag is None or tag == "!":
                tag = self.resolve(SequenceNode, None, start.implicit)
            node = SequenceNode(tag, [], start.start_mark, None, flow_style=start.flow_style)
            if anchor is not None:
                self.anchors[anchor] = node
            while not self.check_event(SequenceEndEvent):
                self._path.append(len(node.value))
                node.value.append(self.compose_node(node, len(node.value)))
                self._path.pop()
            node.end_mark = self.get_event().end_mark
            return node

        def compose_mapping_node(self, anchor: Any) -> Any:
            # PyYAML's own, plus the key count and duplicate keys (PyYAML keeps the last silently).
            start = self.get_event()
            tag = start.tag
            if tag is None or tag == "!":
                tag = self.resolve(MappingNode, None, start.implicit)
            node = MappingNode(tag, [], start.start_mark, None, flow_style=start.flow_style)
            if anchor is not None:
                self.anchors[anchor] = node
            seen: dict[tuple[str, str], int] = {}
            while not self.check_event(MappingEndEvent):
                key_mark = self.peek_event().start_mark
                key = self.compose_node(node, None)
                self._count(0, 1, key_mark)
                label: Any = "?"
                if isinstance(key, ScalarNode):
                    label = key.value
                    ident = (key.tag, key.value)
                    if ident in seen and key.tag != merge_tag:
                        self._path.append(label)
                        raise self._refuse(key_mark, f"given twice in the same mapping (first at line "
                                                     f"{seen[ident]}); keep one", field=True)
                    seen[ident] = key_mark.line + 1
                self._path.append(label)
                value = self.compose_node(node, key)
                self._path.pop()
                node.value.append((key, value))
            node.end_mark = self.get_event().end_mark
            return node

    return LimitedSafeLoader


class ParseError(Exception):
    """A file that is not valid YAML / TOML / JSON: the parser's message, on one line."""


def _load_yaml(text: str) -> Any:
    import yaml

    loader = None
    try:
        loader = _yaml_loader()(text)  # the pure-Python reader checks the characters here
        return loader.get_single_data()
    except yaml.MarkedYAMLError as exc:
        if "maximum nesting depth" in str(exc.problem):  # libyaml's own limit (1,000), met while scanning ahead
            raise FileRefused(f"file: mappings and lists nested more than {MAX_DEPTH} levels deep (the limit for a "
                           "scenario file)") from None
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
        context = f" ({exc.context})" if exc.context and exc.problem else ""
        raise ParseError(f"{where}{exc.problem or exc.context}{context}") from None
    except yaml.reader.ReaderError as exc:  # a raw control character in the file
        raise ParseError(f"character U+{exc.character:04X} at position {exc.position:,} is not allowed in YAML "
                          "(write it as an escape in a double-quoted string, or remove it)") from None
    except yaml.YAMLError as exc:
        raise ParseError(str(exc)) from None
    finally:
        if loader is not None:
            loader.dispose()


def _load_json(text: str) -> Any:
    keys = 0

    def pairs(items: list[tuple[str, Any]]) -> JsonObject:
        nonlocal keys
        keys += len(items)
        if keys > MAX_KEYS:
            raise FileRefused(f"file: more than {MAX_KEYS:,} keys (the limit for a scenario file)")
        obj = JsonObject()
        obj.duplicates = []
        for key, value in items:
            if key in obj:
                obj.duplicates.append(key)
            obj[key] = value
        return obj

    try:
        return json.loads(text, object_pairs_hook=pairs)
    except RecursionError:  # the C scanner recurses per level; MAX_DEPTH is checked after parsing
        raise FileRefused(f"file: mappings and lists nested more than {MAX_DEPTH} levels deep (the limit for a "
                       "scenario file)") from None
    except json.JSONDecodeError as exc:
        raise ParseError(f"line {exc.lineno}, column {exc.colno}: {exc.msg}") from None


# TOML strings and comments, found in one linear pass so the checks below see only keys and values.
_TOML_START = re.compile(r"\"\"\"|'''|[\"'#]")


def _toml_skeleton(text: str) -> str:
    """The TOML text with every string replaced by ``s`` and comments removed (linear time)."""
    out: list[str] = []
    pos = 0
    while True:
        m = _TOML_START.search(text, pos)
        if m is None:
            out.append(text[pos:])
            break
        out.append(text[pos:m.start()])
        token, i = m.group(), m.end()
        if token == "#":
            end = text.find("\n", i)
        elif token in ('"""', "'''"):
            end = _toml_string_end(text, i, token, escapes=token == '"""', one_line=False)
        else:
            end = _toml_string_end(text, i, token, escapes=token == '"', one_line=True)
        if end < 0:
            break  # unterminated: tomllib reports it
        if token != "#":
            out.append("s")
        pos = end
    return "".join(out)


def _toml_string_end(text: str, i: int, quote: str, *, escapes: bool, one_line: bool) -> int:
    """The index after the closing ``quote`` from ``i``, or -1."""
    limit = text.find("\n", i) if one_line else -1
    while True:
        j = text.find(quote, i)
        if j < 0 or (one_line and 0 <= limit < j):
            return -1
        if escapes:
            k = j
            while k > i and text[k - 1] == "\\":
                k -= 1
            if (j - k) % 2:  # an escaped quote
                i = j + 1
                continue
        end = j + len(quote)
        if len(quote) == 3:  # up to two quotes of content may precede the closing three
            while end < len(text) and text[end] == quote[0] and end - j < 5:
                end += 1
        return end


def _toml_prescan(text: str) -> None:
    """Refuse what makes tomllib slow or recurse before it runs: deep brackets, long dotted keys
    (its cost grows with the square of a key's parts), too many keys or values."""
    skeleton = _toml_skeleton(text)
    depth = deepest = 0
    for ch in _TOML_NOT_BRACKET.sub("", skeleton):
        depth += 1 if ch in "[{" else -1
        deepest = max(deepest, depth)
        if deepest > MAX_DEPTH:
            raise FileRefused(f"file: mappings and lists nested more than {MAX_DEPTH} levels deep (the limit for a "
                           "scenario file)")
    if skeleton.count("=") > MAX_KEYS:
        raise FileRefused(f"file: more than {MAX_KEYS:,} keys (the limit for a scenario file)")
    if skeleton.count(",") > MAX_VALUES:
        raise FileRefused(f"file: more than {MAX_VALUES:,} values (the limit for a scenario file)")
    for chunk in skeleton.split("=")[:-1]:
        key = chunk[max(chunk.rfind(c) for c in "\n{,") + 1:]
        if key.count(".") >= MAX_DEPTH:
            raise FileRefused(f"file: a dotted key nested more than {MAX_DEPTH} levels deep (the limit for a "
                           "scenario file)")
    for header in _TOML_HEADER.finditer(skeleton):
        if header.group(1).count(".") >= MAX_DEPTH:
            raise FileRefused(f"file: a table name nested more than {MAX_DEPTH} levels deep (the limit for a "
                           "scenario file)")


_TOML_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_TOML_HEADER = re.compile(r"(?m)^[ \t]*\[\[?([^\]\n]*)")


def _load_toml(text: str) -> Any:
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib  # type: ignore[no-redef]
    _toml_prescan(text)
    try:
        return tomllib.loads(text)
    except RecursionError:
        raise FileRefused(f"file: mappings and lists nested more than {MAX_DEPTH} levels deep (the limit for a "
                       "scenario file)") from None
    except tomllib.TOMLDecodeError as exc:
        raise ParseError(str(exc)) from None


_READERS: dict[str, Callable[[str], Any]] = {
    ".yaml": _load_yaml, ".yml": _load_yaml, ".toml": _load_toml, ".json": _load_json,
}


def read_mapping(path: Path) -> Any:
    reader = _READERS.get(path.suffix.lower())
    if reader is None:
        raise FileRefused(f"file: {show_value(path.name)} has an unsupported type; use .yaml, .yml, .toml or .json")
    return reader(_read_text(path))
