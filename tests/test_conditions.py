"""CEL conditions: names and functions a condition uses, and errors placed in the YAML file.

The YAML side (``yaml_loader.scalar_positions``: every character of a string value mapped
back to its line and column) is tested on values PyYAML writes in every style, folded at
narrow widths, with escapes, blank and more-indented lines.
"""

from __future__ import annotations

import random

import pytest
import yaml

from enableframe.conditions import (
    CEL_FUNCTIONS,
    CelSyntaxError,
    compile_condition,
    function_column,
    locate_in_scalar,
    name_column,
)
from enableframe.errors import Location
from enableframe.yaml_loader import load_bytes, load_text, scalar_positions


# -- names --------------------------------------------------------------------------------
@pytest.mark.parametrize(("source", "names"), [
    ("charter.signed && org.ratio > 0", {"charter", "org"}),
    ("[1].all(x, x > 1)", set()),
    ("[1].all(x, x > 1) && x > 0", {"x"}),  # a bound name used free elsewhere
    ("x > 0 && [1].exists(x, x > 1)", {"x"}),
    ("xs.all(x, ys.exists(y, y == x)) && y", {"xs", "ys", "y"}),
    ("xs.map(x, x > 0, x * 2).size() > 0", {"xs"}),
    ("xs.filter(x, x > 0).all(y, y < xs.size())", {"xs"}),
    ("[xs.all(x, x)].exists(z, z) && z", {"xs", "z"}),
    ('org.line == "x" && "y" in org.tags', {"org"}),
])
def test_free_names(source: str, names: set[str]) -> None:
    assert compile_condition(source).names == names


@pytest.mark.parametrize(("source", "name", "where"), [
    ('org.reporting_line == "cso" || cso.approved', "cso", (1, 32)),
    ("org.x == 'cso' || cso", "cso", (1, 19)),
    ('r"cso" == org.x || b"cso" == org.y || cso', "cso", (1, 39)),
    ('"""cso\ncso""" == org.x &&\n  cso', "cso", (3, 3)),
    ("org.x && // cso is not this\n  cso", "cso", (2, 3)),
    ("[1].all(cso, cso > 0) && cso.ok", "cso", (1, 26)),
    ("org.cso && cso", "cso", (1, 12)),  # a field is no use of the name
    ('"it\\"s cso" == org.x && cso', "cso", (1, 25)),
    ("unknown", "nowhere", (1, 1)),
])
def test_name_column_finds_the_free_use(source: str, name: str, where: tuple[int, int]) -> None:
    assert name_column(source, name) == where


# -- functions ----------------------------------------------------------------------------
def test_functions_called_by_name() -> None:
    condition = compile_condition('size(xs) > 0 && "a".startsWith("b") && foo(1) && !(1 in xs)')
    assert condition.functions == {"size", "startsWith", "foo"}
    assert function_column('"foo(" == x && x.foo(1)', "foo") == (1, 18)


def test_every_allowed_function_is_one_the_cel_library_evaluates() -> None:
    """CEL_FUNCTIONS was found by experiment; evaluating one call of each (and failing on
    a few well-known extension functions) keeps it true when the library is upgraded."""
    from enableframe.conditions import cel_engine

    cel = cel_engine()  # importing `cel` again after it would start its logger twice
    ts = 'timestamp("2024-05-01T10:20:30Z")'
    calls = {
        "size": "size([1])", "int": "int(1.5)", "uint": "uint(1)", "double": "double(1)",
        "string": "string(1)", "bytes": 'bytes("a")', "type": "type(1)", "dyn": "dyn(1)",
        "duration": 'duration("1s")', "timestamp": ts, "matches": '"a".matches("a")',
        "contains": '"ab".contains("a")', "startsWith": '"ab".startsWith("a")',
        "endsWith": '"ab".endsWith("b")',
        **{name: f"{ts}.{name}()" for name in CEL_FUNCTIONS if name.startswith("get")},
    }
    assert set(calls) == CEL_FUNCTIONS
    for call in calls.values():
        cel.compile(call).execute()  # raises on an undefined function
    for call in ("min(1, 2)", "max([1])", '"a".charAt(0)', '"A".lowerAscii()', "foo(1)"):
        with pytest.raises(RuntimeError, match="Undefined variable or function"):
            cel.compile(call).execute()


# -- syntax errors ------------------------------------------------------------------------
@pytest.mark.parametrize(("source", "end"), [
    ("a = 1", "token recognition error at: '= '; use == to compare"),
    ("a =1", "token recognition error at: '=1'; use == to compare"),
    ('a == "b', "token recognition error at: '\"b'; is a string not closed?"),
    ("a == 1", None),
])
def test_syntax_error_hints(source: str, end: str | None) -> None:
    if end is None:
        compile_condition(source)
        return
    with pytest.raises(CelSyntaxError) as caught:
        compile_condition(source)
    assert caught.value.message.endswith(end)


# -- positions in the YAML file -----------------------------------------------------------
def value_and_positions(text: str, key: str = "when") -> tuple[str, list[tuple[int, int]]]:
    doc = load_bytes(text.encode(), "t.yaml")  # a BOM is dropped, as from a file
    positions = scalar_positions(text.splitlines(), doc.value_locs[key],
                                 doc.value_styles[key], doc[key])
    assert positions is not None, text
    assert len(positions) == len(doc[key]) + 1
    return doc[key], positions


def assert_positions_point_at_the_source(text: str, value: str, style: str | None,
                                         positions: list[tuple[int, int]]) -> None:
    """Each character sits where it is written: itself, or the escape that writes it, or
    (a separator made by a line break) at the end of its line."""
    lines = text.splitlines()
    for ch, (line, col) in zip(value, positions, strict=False):
        raw = lines[line - 1]
        written = raw[col - 1:col]
        if written == ch:
            continue
        if style == '"' and written == "\\":
            continue
        assert ch in " \n" and not raw[col - 1:].strip(" \t\"'"), (
            f"{ch!r} placed at {line}:{col} on {raw!r}\n{text}")


def test_positions_of_a_simple_value() -> None:
    value, positions = value_and_positions("a: 1\nwhen: x > 1\n")
    assert value == "x > 1"
    assert positions == [(2, 7), (2, 8), (2, 9), (2, 10), (2, 11), (2, 12)]


@pytest.mark.parametrize(("text", "offset", "where"), [
    ('when: "a \\"b\\" && ) c"\n', 9, (1, 19)),
    ("when: 'a ''b'' && ) c'\n", 9, (1, 19)),
    ("when: a &&\n  b && ) c\n", 10, (2, 8)),
    ('when: "a &&\n\n  b && ) c"\n', 10, (3, 8)),
    ('when: "a \\\n  && ) c"\n', 5, (2, 6)),  # an escaped line break
    ("when: >\n  a &&\n\n  b && ) c\n", 10, (4, 8)),
    ("when: >\n  a &&\n    b &&\n  c && ) d\n", 17, (4, 8)),
    ("when: |2\n    a &&\n    b && ) c\n", 14, (3, 10)),
    ("when: |-\n   a\n   ) b\n", 2, (3, 4)),
    ("when: !!str &x 'a && ) b'\n", 5, (1, 22)),
    ("\ufeffwhen: a && ) b\n", 5, (1, 12)),
    ("when: \"caf\\u00e9 && ) b\"\n", 8, (1, 21)),
])
def test_positions_of_awkward_values(text: str, offset: int, where: tuple[int, int]) -> None:
    value, positions = value_and_positions(text)
    assert value[offset] == ")"
    assert positions[offset] == where, value


SIMPLE = ["charter.signed", "&&", "||", "org.ratio", ">", "0.5", "==", "!", "(", ")", "x",
          "size(xs)", "é", "[1, 2]"]
AWKWARD = ['"cso"', "'it''s'", '"say \\"hi\\""', "\t", "#", ":", "- a", "{'k': 1}", "\n",
           "\n\n", "  ", "\\", "@"]


def random_cel(rnd: random.Random, awkward: bool) -> str:
    words = SIMPLE + AWKWARD if awkward else SIMPLE
    return " ".join(rnd.choice(words) for _ in range(rnd.randint(1, 30))).strip(" ")


@pytest.mark.parametrize("style", [None, "'", '"', "|", ">"])
def test_positions_of_values_pyyaml_writes(style: str | None) -> None:
    """PyYAML writes random CEL-like text in each style it can (else double-quoted), at
    narrow widths, nested or not; every character maps back to where it is written."""
    rnd = random.Random(7)
    checked = 0
    for n in range(300):
        value = random_cel(rnd, awkward=n % 4 < 2)
        doc = {"criteria": [{"id": "c", "when": value}]} if n % 2 else {"when": value}
        text = yaml.dump(doc, default_style=style, width=rnd.choice([20, 40, 80]),
                         allow_unicode=bool(n % 3), indent=rnd.choice([2, 4]))
        if yaml.safe_load(text) != doc:
            continue  # PyYAML's own round trip fails (folded text after a wrap, rarely)
        loaded = load_text(text, "t.yaml")
        holder = loaded["criteria"][0] if n % 2 else loaded
        assert holder["when"] == value
        written = holder.value_styles["when"]
        positions = scalar_positions(text.splitlines(), holder.value_locs["when"], written,
                                     value)
        if positions is None:
            pytest.fail(f"no positions for style {written!r}:\n{text}")
        assert_positions_point_at_the_source(text, value, written, positions)
        checked += 1
    assert checked > 280


def test_locate_in_scalar_at_the_end_and_without_the_file() -> None:
    text = "when: |\n  a &&\n\nnext: 1\n"
    doc = load_text(text, "t.yaml")
    loc, style, source = doc.value_locs["when"], doc.value_styles["when"], doc["when"]
    assert source == "a &&\n"
    # `<EOF>` is reported after the last character, not on the line after the value
    assert locate_in_scalar(loc, style, text.splitlines(), 2, 1, source) == Location(
        "t.yaml", 2, 7)
    # without the file's lines: the position is estimated from the value's start
    assert locate_in_scalar(loc, style, None, 1, 3, source) == Location("t.yaml", 1, 9)
    assert locate_in_scalar(loc, style, None, 2, 1, source) == loc
