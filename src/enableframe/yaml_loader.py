"""Safe YAML loading that keeps positions and refuses hostile input.

PyYAML's safe loader still expands aliases without bound, recurses on deep nesting and
silently keeps the last of two duplicate keys. Rulesets and workspaces are shared between
consultants and clients, so this module builds values straight from the parser's event
stream (no recursion), with limits on size, depth and alias expansion, and remembers where
each value came from so every later error can say ``file:line:col``.

Loading is on the path of every command, so the event loop is kept lean (bench numbers in
the commit that made it so: a 5,000-metric ruleset 3.1 s -> 1.0 s): quoted and block
scalars are strings without asking the resolver, a plain scalar is resolved once per
distinct text, containers and locations are built without ``__init__`` calls, and the
cyclic garbage collector is paused while the document grows. Most of what is left is
PyYAML building its event objects.
"""

from __future__ import annotations

import gc
import math
from typing import Any

import yaml

from enableframe.errors import Location, UserError

MAX_BYTES = 8 * 1024 * 1024  # a ruleset of 5,000 metrics is ~2 MiB
MAX_DEPTH = 64
# The most YAML nodes one file may build: each scalar (mapping keys included) counts one,
# each list or mapping two (its end is another parser event), an alias what it expands to.
# A 5,000-metric synthetic ruleset (bench/synthetic_ruleset.py 5000) is ~253,000, the
# built-ins a few thousand. Parsing costs ~3.5 us a node, so any file under MAX_BYTES is
# loaded or refused in about a second (an alias bomb in microseconds).
MAX_NODES = 300_000

_C_PARSER = hasattr(yaml, "CSafeLoader")
_Parser = yaml.CSafeLoader if _C_PARSER else yaml.SafeLoader
_resolver = yaml.resolver.Resolver()
_constructor = yaml.constructor.SafeConstructor()
# First characters of a plain scalar that may resolve to something other than a string.
_MAYBE_NOT_STR = frozenset(yaml.resolver.Resolver.yaml_implicit_resolvers)
_STR = "tag:yaml.org,2002:str"
# Tags a scalar may carry (explicitly or resolved). YAML 1.1 turns dates into datetime
# objects; documents here are JSON-shaped, timestamps and binary stay strings.
_CONSTRUCTED = {
    "tag:yaml.org,2002:int": _constructor.construct_yaml_int,
    "tag:yaml.org,2002:float": _constructor.construct_yaml_float,
    "tag:yaml.org,2002:bool": _constructor.construct_yaml_bool,
    "tag:yaml.org,2002:null": _constructor.construct_yaml_null,
}
_KEEP_AS_STRING = {_STR, "tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:binary"}
_SCALAR_TAGS = {*_CONSTRUCTED, *_KEEP_AS_STRING}


class YamlError(UserError):
    """A YAML file that cannot be read as a document."""


class YMap(dict):
    """A mapping that remembers where it, its keys and its values were written."""

    __slots__ = ("key_locs", "loc", "value_locs", "value_styles")
    loc: Location
    key_locs: dict[str, Location]
    value_locs: dict[str, Location]
    value_styles: dict[str, str | None]  # YAML scalar style: None (plain), ', ", | or >

    def __init__(self, *args: Any, loc: Location | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.loc = loc or Location("")
        self.key_locs = {}
        self.value_locs = {}
        self.value_styles = {}


class YList(list):
    """A sequence that remembers where it and each item were written."""

    __slots__ = ("item_locs", "loc")
    loc: Location
    item_locs: list[Location]

    def __init__(self, *args: Any, loc: Location | None = None) -> None:
        super().__init__(*args)
        self.loc = loc or Location("")
        self.item_locs = []


_MISSING = object()


def _loc(name: str, mark: Any) -> Location:
    return Location(name, mark.line + 1, mark.column + 1)


def check_size(size: int, name: str) -> None:
    """Refuse a file over :data:`MAX_BYTES` before reading it."""
    if size > MAX_BYTES:
        raise YamlError(
            f"file is {size / 1048576:.1f} MiB; at most {MAX_BYTES // 1048576} MiB allowed",
            Location(name),
        )


def decode(data: bytes, name: str) -> str:
    """UTF-8 (with or without BOM) only; a bad byte is reported at its line and column."""
    check_size(len(data), name)
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = data[: exc.start]
        line = before.count(b"\n") + 1
        col = exc.start - (before.rfind(b"\n") + 1) + 1
        raise YamlError(
            f"byte 0x{data[exc.start]:02x} is not UTF-8; save the file as UTF-8",
            Location(name, line, col),
        ) from None


def load_bytes(data: bytes, name: str) -> Any:
    """Parse one YAML document; raise :class:`YamlError` with a location on any problem."""
    return load_text(decode(data, name), name)


def load_text(text: str, name: str) -> Any:
    """Parse one YAML document from text (see :func:`load_bytes`)."""
    check_size(len(text), name)
    parser = None
    # Values form no reference cycles; the cyclic GC would only rescan the growing document
    # again and again (a third of the load time of a large file).
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        parser = _Parser(text)  # the Python parser checks characters here
        root = _build(parser, name)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = _loc(name, mark) if mark else Location(name)
        problem = exc.problem or exc.context or "invalid YAML"
        if exc.problem and exc.context:
            problem += f" ({exc.context}"
            if exc.context_mark and exc.context_mark is not mark:
                cm = exc.context_mark
                problem += f" that starts at line {cm.line + 1}, column {cm.column + 1}"
            problem += ")"
        raise YamlError(f"YAML syntax error: {problem}", where) from None
    except yaml.reader.ReaderError as exc:
        raise YamlError(_reader_message(exc), _reader_location(text, name, exc)) from None
    except yaml.YAMLError as exc:  # pragma: no cover - every parser error carries a mark
        raise YamlError(f"YAML error: {' '.join(str(exc).split())}", Location(name)) from None
    finally:
        if parser is not None:
            parser.dispose()
        if gc_was_enabled:
            gc.enable()
    if root is _MISSING:
        if not text.strip():
            raise YamlError("file is empty; a YAML mapping is expected", Location(name, 1, 1))
        raise YamlError("file has no YAML content (only comments or blank lines); "
                        "a YAML mapping is expected", Location(name, 1, 1))
    if root is None:
        raise YamlError("the document is empty (null); a YAML mapping is expected",
                        Location(name, 1, 1))
    return root


def _build(parser: Any, name: str) -> Any:
    """Values from the parser's events, without recursion (see the module docstring).

    The hot loop of every load: the container being filled lives in local variables (its
    parents on ``stack``), each event costs a few dict and list operations.
    """
    Scalar, MapStart, SeqStart = yaml.ScalarEvent, yaml.MappingStartEvent, yaml.SequenceStartEvent
    MapEnd, SeqEnd, Alias = yaml.MappingEndEvent, yaml.SequenceEndEvent, yaml.AliasEvent
    DocStart, StreamEnd = yaml.DocumentStartEvent, yaml.StreamEndEvent
    new, dict_new, list_new = tuple.__new__, dict.__new__, list.__new__
    get_event = parser.get_event
    maybe_not_str = _MAYBE_NOT_STR
    # Parents of the container being filled: (container, is_map, pending key, anchor,
    # values built before it).
    stack: list[tuple[Any, bool, Any, str | None, int]] = []
    cur: Any = None  # the container being filled (None: the document root is next)
    cur_map = False  # it is a mapping
    key: Any = None  # the mapping's key waiting for its value
    anchor: str | None = None
    before = 0
    anchors: dict[str, tuple[Any, int]] = {}
    plain: dict[str, Any] = {}  # plain scalar text -> value (resolution is slow)
    nodes = 0
    root: Any = _MISSING
    documents = 0
    while True:
        event = get_event()
        cls = event.__class__
        style = None
        if cls is Scalar:
            mark = event.start_mark
            loc = new(Location, (name, mark.line + 1, mark.column + 1))
            nodes += 1
            if nodes > MAX_NODES:
                raise YamlError(f"more than {MAX_NODES:,} values in one file", loc)
            value = event.value
            if cur_map and key is None:  # a key: stays a string as written (not `on` = True)
                if event.tag is not None:
                    raise YamlError(f"tag {_written(event.tag)} is not allowed on a key; "
                                    "plain YAML only", loc)
                if value in cur:
                    first = cur.key_locs[value]
                    raise YamlError(f"duplicate key '{value}' (first at line {first.line}); "
                                    "each key may appear once", loc)
                if value == "<<" and not event.style:
                    raise YamlError("YAML merge keys ('<<') are not supported; "
                                    "write the keys out", loc)
                key = value
                cur.key_locs[value] = loc
                continue
            style = event.style
            if not style:
                style = None  # the C parser says '' for plain
            if event.tag is not None:
                value = _tagged(event, loc)
            elif style is None and value[:1] in maybe_not_str:
                found = plain.get(value, _MISSING)
                if found is _MISSING:
                    found = plain[value] = _resolve_plain(value, loc)
                value = found
            if event.anchor:
                anchors[event.anchor] = (value, 1)
        elif cls is MapEnd or cls is SeqEnd:
            value = cur
            loc = value.loc
            if anchor:
                anchors[anchor] = (value, nodes - before)
            cur, cur_map, key, anchor, before = stack.pop()
        elif cls is MapStart or cls is SeqStart:
            mark = event.start_mark
            loc = new(Location, (name, mark.line + 1, mark.column + 1))
            is_map = cls is MapStart
            _check_tag(event.tag, loc, mapping=is_map)
            if len(stack) >= MAX_DEPTH:
                raise YamlError(
                    f"nesting deeper than {MAX_DEPTH} levels; at most {MAX_DEPTH} allowed", loc)
            if cur_map and key is None:
                raise YamlError("mapping keys must be plain strings, not lists or mappings", loc)
            stack.append((cur, cur_map, key, anchor, before))
            before = nodes
            nodes += 2
            if nodes > MAX_NODES:
                raise YamlError(f"more than {MAX_NODES:,} values in one file", loc)
            if is_map:  # YMap(loc=loc), without the cost of calling __init__
                cur = dict_new(YMap)
                cur.key_locs, cur.value_locs, cur.value_styles = {}, {}, {}
            else:
                cur = list_new(YList)
                cur.item_locs = []
            cur.loc, cur_map, key, anchor = loc, is_map, None, event.anchor
            continue
        elif cls is Alias:
            mark = event.start_mark
            loc = new(Location, (name, mark.line + 1, mark.column + 1))
            if event.anchor not in anchors:
                raise YamlError(f"unknown alias *{event.anchor}", loc)
            value, size = anchors[event.anchor]
            nodes += size
            if nodes > MAX_NODES:
                raise YamlError(f"aliases expand to more than {MAX_NODES:,} values "
                                "(an alias bomb?); use fewer or smaller aliases", loc)
        elif cls is DocStart:
            documents += 1
            if documents > 1:
                raise YamlError(
                    "more than one YAML document ('---'); one document per file allowed",
                    _loc(name, event.start_mark))
            continue
        elif cls is StreamEnd:
            return root
        else:  # stream start, document end
            continue
        if cur is None:
            root = value
        elif not cur_map:
            cur.append(value)
            cur.item_locs.append(loc)
        elif key is None:  # an alias as a key
            raise YamlError("mapping keys must be plain strings, not lists or mappings", loc)
        else:
            cur[key] = value
            cur.value_locs[key] = loc
            cur.value_styles[key] = style
            key = None


def _reader_message(exc: yaml.reader.ReaderError) -> str:
    char = exc.character
    code = char if isinstance(char, int) else ord(char) if isinstance(char, str) else None
    if code is None:  # pragma: no cover - a byte error; decode() reports those first
        return f"YAML error: {exc.reason}"
    return (f"character U+{code:04X} (#x{code:04x}) is not allowed in YAML: control "
            "characters and U+FFFE/U+FFFF may not appear; remove it")


def _reader_location(text: str, name: str, exc: yaml.reader.ReaderError) -> Location:
    # The C parser counts UTF-8 bytes, the Python one characters.
    position = exc.position
    if _C_PARSER:
        position = len(text.encode("utf-8")[:position].decode("utf-8", "replace"))
    before = text[:position]
    line_start = before.rfind("\n") + 1
    return Location(name, before.count("\n") + 1, position - line_start + 1)


def _written(tag: str) -> str:
    """A tag as it is usually written: ``!!str`` for ``tag:yaml.org,2002:str``."""
    prefix = "tag:yaml.org,2002:"
    return "!!" + tag[len(prefix):] if tag.startswith(prefix) else tag


def _check_tag(tag: str | None, loc: Location, *, mapping: bool) -> None:
    allowed = "tag:yaml.org,2002:map" if mapping else "tag:yaml.org,2002:seq"
    if tag not in (None, "!", allowed):
        raise YamlError(f"tag {_written(tag)} is not allowed; plain YAML only", loc)


def _resolve_plain(text: str, loc: Location) -> Any:
    """The value of a plain (unquoted) scalar: YAML 1.1 numbers, booleans and null."""
    return _construct(_resolver.resolve(yaml.ScalarNode, text, (True, False)), text, loc)


def _tagged(event: yaml.ScalarEvent, loc: Location) -> Any:
    tag = event.tag
    if tag == "!":  # the non-specific tag: a string
        return event.value
    if tag not in _SCALAR_TAGS:
        raise YamlError(f"tag {_written(tag)} is not allowed; plain YAML only", loc)
    return _construct(tag, event.value, loc)


def _construct(tag: str, text: str, loc: Location) -> Any:
    construct = _CONSTRUCTED.get(tag)
    if construct is None:  # strings, timestamps, binary, YAML 1.1 '=' and '<<' values
        return text
    try:
        value = construct(yaml.ScalarNode(tag, text))
    except (yaml.YAMLError, ValueError, KeyError) as exc:
        raise YamlError(f"cannot read {text!r} as {tag.rsplit(':', 1)[-1]}: {exc}",
                        loc) from None
    if isinstance(value, float) and not math.isfinite(value):
        raise YamlError(f"{text!r} is not a finite number; rulesets and workspaces are "
                        "JSON-shaped (quote it to mean text)", loc)
    return value


# -- where each character of a string scalar is written -------------------------------------
_ESCAPES = {"0": "\0", "a": "\a", "b": "\b", "t": "\t", "\t": "\t", "n": "\n", "v": "\v",
            "f": "\f", "r": "\r", "e": "\x1b", " ": " ", '"': '"', "/": "/", "\\": "\\",
            "N": "\x85", "_": "\xa0", "L": "\u2028", "P": "\u2029"}
_HEX_DIGITS = {"x": 2, "u": 4, "U": 8}


def scalar_positions(lines: list[str], loc: Location, style: str | None,
                     value: str) -> list[tuple[int, int]] | None:
    """The 1-based (line, col) in the file of every character of ``value``, plus one for
    the end of the value; None when the source does not decode to ``value``.

    ``value`` is the string scalar the loader read at ``loc`` (its start mark) in a file
    whose lines are ``lines``, written in ``style`` (:attr:`YMap.value_styles`). The raw
    text is decoded again from there: escapes and ``''`` in quoted scalars, line folding
    (a break is a space, an empty line a newline, leading and trailing blanks dropped),
    block indentation (found by matching the value, so ``|2`` indicators need no parsing),
    and the newlines that folded ``>`` keeps around blank and more-indented lines. Each
    separator a line break produces is placed at the end of its line.
    """
    row, col = loc.line - 1, loc.col - 1
    if not value or not 0 <= row < len(lines):
        return None
    text = _line(lines, row)
    while text[col:col + 1] in ("!", "&"):  # a tag or anchor before the scalar
        while col < len(text) and text[col] not in " \t":
            col += 1
        while col < len(text) and text[col] in " \t":
            col += 1
    if style in ("|", ">"):
        found = _block_positions(lines, row + 1, value)
    elif style in ("'", '"'):
        if text[col:col + 1] != style:
            return None
        found = _flow_positions(lines, row, col + 1, style, value)
    else:
        found = _flow_positions(lines, row, col, None, value)
    return None if found is None else [(r + 1, c + 1) for r, c in found]


def _line(lines: list[str], row: int) -> str:
    text = lines[row]
    return text[1:] if row == 0 and text.startswith("\ufeff") else text  # columns skip a BOM


def _flow_positions(lines: list[str], row: int, col: int, quote: str | None,
                    value: str) -> list[tuple[int, int]] | None:
    out: list[tuple[int, int]] = []
    i = 0
    while i < len(value):
        text, v = _line(lines, row), value[i]
        if not text[col:].strip(" \t"):  # a line break: a space, or a newline per empty line
            if row + 1 >= len(lines):
                return None
            if v in " \n":
                out.append((row, col))
                i += 1
            row += 1
            following = _line(lines, row)
            col = len(following) - len(following.lstrip(" \t"))
            continue
        ch = text[col]
        if quote == '"' and ch == "\\":
            if col + 1 == len(text):  # an escaped line break: no character
                if row + 1 >= len(lines):
                    return None
                row += 1
                following = _line(lines, row)
                col = len(following) - len(following.lstrip(" \t"))
                continue
            decoded, width = _escape(text, col)
            if decoded != v:
                return None
            out.append((row, col))
            col += width
            i += 1
            continue
        if quote == "'" and ch == "'":
            if text[col + 1:col + 2] != "'" or v != "'":
                return None  # the closing quote before the value ended
            out.append((row, col))
            col += 2
            i += 1
            continue
        if ch != v:
            return None
        out.append((row, col))
        col += 1
        i += 1
    out.append((row, col))
    return out


def _escape(text: str, col: int) -> tuple[str | None, int]:
    """The character a double-quoted escape at ``text[col]`` (a backslash) stands for."""
    kind = text[col + 1:col + 2]
    if kind in _ESCAPES:
        return _ESCAPES[kind], 2
    digits = _HEX_DIGITS.get(kind)
    if digits:
        try:
            return chr(int(text[col + 2:col + 2 + digits], 16)), 2 + digits
        except ValueError:
            return None, 1
    return None, 1


def _block_positions(lines: list[str], row: int, value: str) -> list[tuple[int, int]] | None:
    first = next((part for part in value.split("\n") if part.strip(" ")), None)
    content = next((r for r in range(row, len(lines)) if lines[r].strip(" ")), None)
    if first is None or content is None:
        return None
    text = lines[content]
    indent = (len(text) - len(text.lstrip(" "))) - (len(first) - len(first.lstrip(" ")))
    if indent < 0:
        return None
    out: list[tuple[int, int]] = []
    i, col = 0, indent
    while i < len(value):
        if row >= len(lines):
            return None
        text, v = lines[row], value[i]
        if col < len(text):
            if text[col] != v:
                return None
            out.append((row, col))
            col += 1
            i += 1
            continue
        if v in " \n":  # the line break (folded: a space, unless kept)
            out.append((row, max(col, len(text))))
            i += 1
        row, col = row + 1, indent
    out.append((row, col))
    return out


def locate(root: Any, path: tuple[str | int, ...]) -> Location:
    """The best known location of ``path`` inside a loaded document."""
    node, best = root, getattr(root, "loc", Location(""))
    for part in path:
        if isinstance(node, YMap) and part in node:
            best = node.value_locs.get(part, best)
            node = node[part]
        elif isinstance(node, YList) and isinstance(part, int) and 0 <= part < len(node):
            best = node.item_locs[part] if part < len(node.item_locs) else best
            node = node[part]
        else:
            break
    return best


def key_location(mapping: Any, key: str) -> Location:
    """Where ``key`` is written in ``mapping`` (or the mapping itself)."""
    if isinstance(mapping, YMap):
        return mapping.key_locs.get(key, mapping.loc)
    return Location("")


def to_plain(value: Any) -> Any:
    """Drop positions: plain dicts and lists, ready for JSON."""
    if isinstance(value, dict):
        return {k: to_plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [to_plain(v) for v in value]
    return value
