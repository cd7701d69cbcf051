"""CEL conditions: compiled once, errors placed inside the YAML file, names extracted.

Criteria ``when`` and formula ``expression`` strings are CEL (Common Expression Language):
side-effect free and not Turing complete, so a shared ruleset cannot run code. The top-level
names a compiled expression references are the ruleset's own ids (metrics, programs,
questions, a criterion's params) and a few fact namespaces; they come from the compiled
program, never from matching the text. A small scan of the text (string literals and
comments blanked) only tells a variable a comprehension binds from a free use of the same
name, and finds where each name and function call is written.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from enableframe.errors import Location

# Facts the assessment provides to every condition, besides the ruleset's own ids.
# Their fields are the contract between rulesets and the assessment; see README "Facts".
FACT_NAMES = {
    "charter": "the workspace charter: purpose, scope, owned metrics, capacity",
    "org": "organisation facts: enablement and seller headcount, reporting line",
    "requests": "the intake log summary: counts, out-of-charter share, demand vs capacity",
    "inventory": "the company's program inventory as a list",
    "graph": "analyses of the model graph (programs linked to CSO metrics...)",
}
RESERVED = {"in", "as", "break", "const", "continue", "else", "for", "function", "if",
            "import", "let", "loop", "package", "namespace", "return", "var", "void",
            "while", "true", "false", "null", "has", "size", "int", "uint", "double",
            "string", "bytes", "bool", "list", "map", "type", "dyn", "duration",
            "timestamp", "matches"}

_ERROR = re.compile(r"<input>:(\d+):(\d+): (.*)")
# Functions the CEL library (cel-python 0.5, its Rust core) evaluates without extensions,
# found by experiment: tests/test_conditions.py evaluates each and checks that a few
# well-known others (min, max, charAt, lowerAscii...) are still undefined. The macros
# (has, all, exists, exists_one, map, filter) are expanded by the parser and are no
# functions; operators have internal names (`_&&_`, `!_`, `@in`, `_[_]`...) that are no
# identifiers. Optional values (optional.of...) need a variable `optional`: not offered.
CEL_FUNCTIONS = frozenset({
    "size", "int", "uint", "double", "string", "bytes", "type", "dyn", "duration",
    "timestamp", "matches", "contains", "startsWith", "endsWith", "getDate", "getDayOfMonth",
    "getDayOfWeek", "getDayOfYear", "getFullYear", "getHours", "getMilliseconds",
    "getMinutes", "getMonth", "getSeconds",
})
_IDENT = re.compile(r"[A-Za-z_]\w*")
_MACROS = frozenset({"all", "exists", "exists_one", "map", "filter"})
# Hints for syntax errors whose CEL message does not say what to do.
_HINTS = (
    ("token recognition error at: '=", "use == to compare"),
    ("token recognition error at: '\"", "is a string not closed?"),
    ("token recognition error at: ''", "is a string not closed?"),
)


@dataclass(frozen=True)
class Condition:
    """A compiled CEL expression and the free names it references."""

    source: str
    program: Any = field(repr=False, compare=False)
    names: frozenset[str]
    functions: frozenset[str] = frozenset()  # called by name (operators left out)


class CelSyntaxError(Exception):
    """A CEL expression that does not parse; ``line`` and ``col`` are inside the expression."""

    def __init__(self, message: str, line: int, col: int) -> None:
        super().__init__(message)
        self.message, self.line, self.col = message, line, col


def compile_condition(source: str) -> Condition:
    """Compile ``source``; raise :class:`CelSyntaxError` with its position on failure."""
    cel = cel_engine()

    try:
        program = cel.compile(source)
    except (ValueError, RuntimeError) as exc:
        text = str(exc)
        found = _ERROR.search(text)
        if not found:
            raise CelSyntaxError(f"CEL error: {text.splitlines()[0]}", 1, 1) from None
        line, col, message = int(found[1]), int(found[2]), found[3]
        hint = next((f"; {hint}" for start, hint in _HINTS if start in message), "")
        raise CelSyntaxError(f"CEL {message[0].lower()}{message[1:]}{hint}", line,
                             col) from None
    uses = _scan(source)
    # The program lists every identifier, the variables comprehension macros bind too
    # (`xs.all(x, x > 0)`): a name is free when the text uses it outside such a scope, or
    # when the scan does not find it at all (then it is kept, to be checked).
    names = {n for n in program.variables() if n in uses.free or n not in uses.seen}
    functions = {f for f in program.functions() if _IDENT.fullmatch(f)}
    return Condition(source, program, frozenset(names), frozenset(functions))


def locate_in_scalar(value_loc: Location, style: str | None, lines: list[str] | None,
                     line: int, col: int, source: str | None = None) -> Location:
    """Where position (line, col) of the CEL text ``source`` lies in its YAML file.

    ``source`` is the string value the loader read at ``value_loc`` in ``style`` (None
    plain, ``'`` or ``"`` quoted, ``|`` literal, ``>`` folded); ``lines`` are the file's
    lines. The value's characters are mapped back to the file one by one
    (:func:`~enableframe.yaml_loader.scalar_positions`); should that fail, the position is
    estimated from the value's start.
    """
    from enableframe.yaml_loader import scalar_positions

    positions = (scalar_positions(lines, value_loc, style, source)
                 if lines is not None and source else None)
    if positions is None or source is None:
        if line != 1:
            return value_loc
        shift = 1 if style in ("'", '"') else 0
        return Location(value_loc.file, value_loc.line, value_loc.col + shift + col - 1)
    parts = source.split("\n")
    line = max(1, min(line, len(parts)))
    offset = sum(len(part) + 1 for part in parts[:line - 1]) + col - 1
    end = len(source.rstrip())
    if offset >= end > 0:  # at the end (`<EOF>`): just after the last character
        row, column = positions[end - 1]
        return Location(value_loc.file, row, column + 1)
    row, column = positions[max(0, offset)]
    return Location(value_loc.file, row, column)


def name_column(source: str, name: str) -> tuple[int, int]:
    """Line and column of the first free use of variable ``name`` in ``source`` (for
    messages): not inside a string literal or comment, not a field (``x.name``), not a
    variable a comprehension binds; (1, 1) when there is none."""
    uses = _scan(source)
    return _line_col(source, uses.free.get(name, uses.first.get(name, 0)))


def function_column(source: str, name: str) -> tuple[int, int]:
    """Line and column of the first call of function ``name`` (``name(`` or ``.name(``)."""
    return _line_col(source, _scan(source).calls.get(name, 0))


def _line_col(source: str, offset: int) -> tuple[int, int]:
    before = source[:offset]
    return before.count("\n") + 1, offset - (before.rfind("\n") + 1) + 1


@dataclass
class _Uses:
    """Identifiers of a CEL text by first offset: free variables, every variable, calls."""

    free: dict[str, int] = field(default_factory=dict)
    first: dict[str, int] = field(default_factory=dict)
    calls: dict[str, int] = field(default_factory=dict)

    @property
    def seen(self) -> set[str]:
        return set(self.first)


_TOKEN = re.compile(r"(?P<num>\d(?:[\w.]|(?<=[eE])[+-])*)|(?P<id>[A-Za-z_]\w*)|(?P<sym>\S)")


def _scan(source: str) -> _Uses:
    """A small CEL-aware scan for locating names (the names themselves come from the
    compiled program): string literals and comments are blanked, then identifiers are
    sorted into fields (after a dot), calls (before a parenthesis), the variable a
    comprehension macro binds (``xs.all(x, ...)``: bound until the macro's closing
    parenthesis) and uses, free or bound.

    Limits: identifiers only; a name written with a leading dot (``.x``, the root
    namespace) is treated as a field. It never fails: whatever it misses stays free.
    """
    tokens = [(m.lastgroup, m.group(), m.start()) for m in _TOKEN.finditer(_blank(source))]
    uses = _Uses()
    scopes: list[str | None] = []  # per open bracket: the name a macro binds inside it
    declared: set[int] = set()
    for k, (kind, text, start) in enumerate(tokens):
        before = tokens[k - 1][1] if k else ""
        after = tokens[k + 1][1] if k + 1 < len(tokens) else ""
        if kind == "sym":
            if text in "([{":
                bound = None
                if (text == "(" and k >= 2 and tokens[k - 1][1] in _MACROS
                        and tokens[k - 2][1] == "." and k + 2 < len(tokens)
                        and tokens[k + 1][0] == "id" and tokens[k + 2][1] == ","):
                    bound = tokens[k + 1][1]
                    declared.add(k + 1)
                scopes.append(bound)
            elif text in ")]}" and scopes:
                scopes.pop()
        elif kind == "id" and k not in declared:
            if after == "(":
                uses.calls.setdefault(text, start)
            elif before != ".":
                uses.first.setdefault(text, start)
                if text not in scopes:
                    uses.free.setdefault(text, start)
    return uses


def _blank(source: str) -> str:
    """``source`` with string literals (quotes and r/b prefixes included) and ``//``
    comments replaced by spaces, line breaks kept, so offsets stay the same."""
    out = list(source)
    i, n = 0, len(source)
    while i < n:
        ch = source[i]
        if ch == "/" and source.startswith("//", i):
            end = source.find("\n", i)
            end = n if end < 0 else end
        elif ch in "\"'":
            begin = i
            while begin > 0 and i - begin < 2 and source[begin - 1] in "rRbB":
                begin -= 1
            if begin > 0 and (source[begin - 1].isalnum() or source[begin - 1] == "_"):
                begin = i  # the letters end an identifier: no prefix
            raw = "r" in source[begin:i].lower()
            quote = ch * 3 if source.startswith(ch * 3, i) else ch
            end = i + len(quote)
            while end < n:
                if source[end] == "\\" and not raw:
                    end += 2
                elif source.startswith(quote, end):
                    end += len(quote)
                    break
                elif source[end] == "\n" and len(quote) == 1:
                    break  # not closed: the compiler reports it
                else:
                    end += 1
            i = begin
        else:
            i += 1
            continue
        for j in range(i, min(end, n)):
            if out[j] != "\n":
                out[j] = " "
        i = end
    return "".join(out)


@functools.cache
def cel_engine() -> Any:
    """The CEL library's compiled core.

    ``import cel`` also imports the package's command-line tool (typer, rich,
    prompt_toolkit): 0.6 s measured, against 0.06 s for the Rust extension alone. The
    extension is loaded directly from the installed package; should its layout change, the
    plain import still works, only slower."""
    import importlib.machinery
    import importlib.util

    try:
        spec = importlib.util.find_spec("cel")
        folder = Path(next(iter(spec.submodule_search_locations)))  # type: ignore[union-attr]
        binary = next(p for p in folder.iterdir() if p.name.startswith("cel.")
                      and p.suffix in (".so", ".pyd"))
        loader = importlib.machinery.ExtensionFileLoader("cel.cel", str(binary))
        module_spec = importlib.util.spec_from_file_location("cel.cel", binary, loader=loader)
        module = importlib.util.module_from_spec(module_spec)  # type: ignore[arg-type]
        loader.exec_module(module)
        module.compile("1 + 1")
        return module
    except Exception:  # any surprise: the supported, slower path
        import cel

        return cel


def compile_owned(doc: Mapping[str, Any]) -> dict[str, Condition]:
    """Compile every criterion ``when`` and formula ``expression`` of an already validated
    document, keyed like the checks key them (``criterion:ID``, ``metric:ID``)."""
    out = {}
    for criterion in doc.get("criteria", []):
        out[f"criterion:{criterion['id']}"] = compile_condition(criterion["when"])
    for metric in doc.get("metrics", []):
        if metric.get("kind") == "formula":
            out[f"metric:{metric['id']}"] = compile_condition(metric["expression"])
    return out
