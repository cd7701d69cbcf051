"""CEL conditions: compiled once, errors placed inside the YAML file, names extracted.

Criteria ``when`` and formula ``expression`` strings are CEL (Common Expression Language):
side-effect free and not Turing complete, so a shared ruleset cannot run code. The top-level
names a compiled expression references are the ruleset's own ids (metrics, programs,
questions, a criterion's params) and a few fact namespaces; they come from the compiled
program, never from matching the text.
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
# Comprehension macros bind a variable (`xs.all(x, ...)`); the compiled program lists it
# among the variables, so it is recognised here as bound, not as a free name.
_BOUND = re.compile(r"\.\s*(?:all|exists|exists_one|map|filter)\s*\(\s*([A-Za-z_]\w*)\s*,")


@dataclass(frozen=True)
class Condition:
    """A compiled CEL expression and the free names it references."""

    source: str
    program: Any = field(repr=False, compare=False)
    names: frozenset[str]


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
        raise CelSyntaxError(f"CEL {message[0].lower()}{message[1:]}", line, col) from None
    bound = set(_BOUND.findall(source))
    return Condition(source, program, frozenset(set(program.variables()) - bound))


def locate_in_scalar(value_loc: Location, style: str | None, lines: list[str] | None,
                     line: int, col: int) -> Location:
    """Where position (line, col) of a YAML string value lies in its file.

    ``style`` is the YAML scalar style (None plain, ``'`` or ``"`` quoted, ``|`` literal,
    ``>`` folded); ``lines`` are the file's lines, needed to find a block's indentation.
    """
    if style in ("|", ">") and lines is not None:
        first = value_loc.line  # the line holding the indicator; content starts below
        content = [n for n in range(first, len(lines)) if lines[n].strip()]
        if not content:
            return value_loc
        indent = len(lines[content[0]]) - len(lines[content[0]].lstrip(" "))
        if style == "|":
            target = first + line - 1  # 0-based index of the file line
            return Location(value_loc.file, target + 1, indent + col)
        offset = col - 1  # folded: one logical line, walk the physical ones
        for n in content:
            width = len(lines[n].rstrip("\n")) - indent
            if offset <= width:
                return Location(value_loc.file, n + 1, indent + offset + 1)
            offset -= width + 1
        return value_loc
    shift = 1 if style in ("'", '"') else 0
    if line == 1:
        return Location(value_loc.file, value_loc.line, value_loc.col + shift + col - 1)
    return Location(value_loc.file, value_loc.line + line - 1, col)


def name_column(source: str, name: str) -> tuple[int, int]:
    """Line and column of the first use of identifier ``name`` in ``source`` (for messages)."""
    found = re.search(rf"(?<![\w.]){re.escape(name)}(?!\w)", source)
    if not found:
        return 1, 1
    before = source[: found.start()]
    return before.count("\n") + 1, found.start() - (before.rfind("\n") + 1) + 1


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
