"""Safe YAML loading that keeps positions and refuses hostile input.

PyYAML's safe loader still expands aliases without bound, recurses on deep nesting and
silently keeps the last of two duplicate keys. Rulesets and workspaces are shared between
consultants and clients, so this module builds values straight from the parser's event
stream (no recursion), with limits on size, depth and alias expansion, and remembers where
each value came from so every later error can say ``file:line:col``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml

from enableframe.errors import Location, UserError

MAX_BYTES = 8 * 1024 * 1024  # a ruleset of 5,000 metrics is ~2 MiB
MAX_DEPTH = 64
MAX_NODES = 1_000_000  # values built, aliases expanded included

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_resolver = yaml.resolver.Resolver()
_constructor = yaml.constructor.SafeConstructor()
# YAML 1.1 turns dates into datetime objects; documents here are JSON-shaped, keep strings.
_KEEP_AS_STRING = {"tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:binary"}
_SCALAR_TAGS = {
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
    *_KEEP_AS_STRING,
}


class YamlError(UserError):
    """A YAML file that cannot be read as a document."""


class YMap(dict):
    """A mapping that remembers where it, its keys and its values were written."""

    loc: Location
    key_locs: dict[str, Location]
    value_locs: dict[str, Location]
    value_styles: dict[str, str | None]  # YAML scalar style: None, ', ", | or >

    def __init__(self, *args: Any, loc: Location | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.loc = loc or Location("")
        self.key_locs = {}
        self.value_locs = {}
        self.value_styles = {}


class YList(list):
    """A sequence that remembers where it and each item were written."""

    loc: Location
    item_locs: list[Location]

    def __init__(self, *args: Any, loc: Location | None = None) -> None:
        super().__init__(*args)
        self.loc = loc or Location("")
        self.item_locs = []


_MISSING = object()


@dataclass
class _Frame:
    value: YMap | YList
    key: str | None = None  # pending key of a mapping
    key_loc: Location | None = None
    anchor: str | None = None
    nodes_before: int = 0


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
    stack: list[_Frame] = []
    anchors: dict[str, tuple[Any, Location, int]] = {}
    nodes = 0
    root: Any = _MISSING
    documents = 0
    try:
        for event in yaml.parse(text, Loader=_Loader):
            if isinstance(event, yaml.DocumentStartEvent):
                documents += 1
                if documents > 1:
                    raise YamlError(
                        "more than one YAML document ('---'); one document per file allowed",
                        _loc(name, event.start_mark),
                    )
                continue
            if isinstance(event, (yaml.StreamStartEvent, yaml.StreamEndEvent,
                                  yaml.DocumentEndEvent)):
                continue
            style = None
            if isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                frame = stack.pop()
                if frame.anchor:
                    anchors[frame.anchor] = (frame.value, frame.value.loc,
                                             nodes - frame.nodes_before)
                value, loc = frame.value, frame.value.loc
            else:
                loc = _loc(name, event.start_mark)
                if isinstance(event, yaml.AliasEvent):
                    if event.anchor not in anchors:
                        raise YamlError(f"unknown alias *{event.anchor}", loc)
                    value, _, size = anchors[event.anchor]
                    nodes += size
                    if nodes > MAX_NODES:
                        raise YamlError(
                            f"aliases expand to more than {MAX_NODES:,} values "
                            "(an alias bomb?); use fewer or smaller aliases",
                            loc,
                        )
                elif isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                    _check_tag(event.tag, loc, mapping=isinstance(event, yaml.MappingStartEvent))
                    if len(stack) >= MAX_DEPTH:
                        raise YamlError(
                            f"nesting deeper than {MAX_DEPTH} levels; at most {MAX_DEPTH} allowed",
                            loc,
                        )
                    nodes += 1
                    container = (YMap(loc=loc) if isinstance(event, yaml.MappingStartEvent)
                                 else YList(loc=loc))
                    stack.append(_Frame(container, anchor=event.anchor, nodes_before=nodes))
                    continue
                else:  # scalar
                    nodes += 1
                    if stack and isinstance(stack[-1].value, YMap) and stack[-1].key is None:
                        _start_key(stack[-1], event, loc)
                        continue
                    value = _scalar(event, loc)
                    style = event.style
                    if event.anchor:
                        anchors[event.anchor] = (value, loc, 1)
                if nodes > MAX_NODES:
                    raise YamlError(f"more than {MAX_NODES:,} values in one file", loc)
            if not stack:
                root = value
                continue
            parent = stack[-1]
            if isinstance(parent.value, YList):
                parent.value.append(value)
                parent.value.item_locs.append(loc)
            elif parent.key is None:
                raise YamlError("mapping keys must be plain strings, not lists or mappings", loc)
            else:
                parent.value[parent.key] = value
                parent.value.value_locs[parent.key] = loc
                parent.value.value_styles[parent.key] = style
                parent.key = None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = _loc(name, mark) if mark else Location(name)
        problem = exc.problem or exc.context or "invalid YAML"
        raise YamlError(f"YAML syntax error: {problem}", where) from None
    except yaml.YAMLError as exc:  # pragma: no cover - reader errors carry no mark
        raise YamlError(f"YAML error: {exc}", Location(name)) from None
    if root is _MISSING or root is None:
        raise YamlError("file is empty; a YAML mapping is expected", Location(name, 1, 1))
    return root


def _start_key(frame: _Frame, event: yaml.ScalarEvent, loc: Location) -> None:
    # Keys stay strings as written: YAML 1.1 would turn `on:` or `yes:` into True.
    key = event.value
    mapping = frame.value
    assert isinstance(mapping, YMap)
    if key in mapping:
        first = mapping.key_locs[key]
        raise YamlError(
            f"duplicate key '{key}' (first at line {first.line}); each key may appear once",
            loc,
        )
    if key == "<<":
        raise YamlError("YAML merge keys ('<<') are not supported; write the keys out", loc)
    frame.key, frame.key_loc = key, loc
    mapping.key_locs[key] = loc


def _check_tag(tag: str | None, loc: Location, *, mapping: bool) -> None:
    allowed = "tag:yaml.org,2002:map" if mapping else "tag:yaml.org,2002:seq"
    if tag not in (None, "!", allowed):
        raise YamlError(f"tag {tag} is not allowed; plain YAML only", loc)


def _scalar(event: yaml.ScalarEvent, loc: Location) -> Any:
    tag = event.tag
    if tag in (None, "!"):
        tag = _resolver.resolve(yaml.ScalarNode, event.value, event.implicit)
    if tag not in _SCALAR_TAGS:
        raise YamlError(f"tag {tag} is not allowed; plain YAML only", loc)
    if tag in _KEEP_AS_STRING:
        return event.value
    node = yaml.ScalarNode(tag, event.value, style=event.style)
    try:
        return _constructor.construct_object(node)
    except (yaml.YAMLError, ValueError) as exc:
        raise YamlError(f"cannot read {event.value!r} as {tag.rsplit(':', 1)[-1]}: {exc}",
                        loc) from None


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
