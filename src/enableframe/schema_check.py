"""Validate a loaded document against one of our JSON Schemas, every error located."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from enableframe import resources
from enableframe.errors import Location, Problem
from enableframe.yaml_loader import key_location, locate, to_plain

ID_PATTERN = "^[a-z][a-z0-9_]*$"
# Every ``pattern`` of our schemas, in words: (what a match is, what is allowed).
# tests/test_checks.py checks that each pattern in schemas/ has an entry here.
PATTERNS = {
    ID_PATTERN: ("an id", "lowercase letters, digits and _, starting with a letter"),
    "^[a-z0-9][a-z0-9.-]*$": ("a ruleset name", "lowercase letters, digits, '.' and '-', "
                              "starting with a letter or digit"),
    "^[1-9]$": ("a level id", "one digit, 1 to 9"),
}


def json_path(parts: Iterable[Any]) -> str:
    """``$.criteria[3].level`` from ``("criteria", 3, "level")``."""
    out = "$"
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out


def schema_problems(doc: Any, schema_name: str, fallback: Location) -> list[Problem]:
    """Every schema error in ``doc`` as a located :class:`Problem`."""
    import jsonschema  # heavy: only commands that validate pay for it

    schema = resources.schema(schema_name)
    validator = jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )
    problems = []
    for error in validator.iter_errors(to_plain(doc)):
        problems.extend(_describe(error, doc, fallback))
    return problems


def _describe(error: Any, doc: Any, fallback: Location) -> list[Problem]:
    path = tuple(error.absolute_path)
    here = locate(doc, path)
    loc = here if here.file else fallback
    if "propertyNames" in error.relative_schema_path and isinstance(error.instance, str):
        parent = _node(doc, path)  # the error is about a key of the mapping at ``path``
        loc = key_location(parent, error.instance) if parent is not None else loc
        path = (*path, error.instance)
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        allowed = sorted(error.schema.get("properties", {}))
        extra = [k for k in error.instance if k not in error.schema.get("properties", {})]
        parent = _node(doc, path)
        return [
            Problem(key_location(parent, key) if parent is not None else loc,
                    json_path((*path, key)),
                    f"unknown key '{key}'; allowed: {', '.join(allowed)}")
            for key in extra
        ]
    if error.validator in ("minProperties", "minItems") and not error.instance:
        n = error.validator_value
        what = "entry" if n == 1 else "entries"
        hint = error.schema.get("description", "")
        message = f"is empty; at least {n} {what} needed" + (f" ({hint})" if hint else "")
    elif error.validator == "const":
        message = f"{error.instance!r} is not allowed; expected {error.validator_value!r}"
    elif error.validator in ("oneOf", "anyOf") and error.context:
        import jsonschema

        best = jsonschema.exceptions.best_match(error.context)
        message = f"{error.instance!r} is not valid here: {best.message}"
    elif error.validator == "pattern" and error.validator_value in PATTERNS:
        what, allowed = PATTERNS[error.validator_value]
        message = f"{error.instance!r} is not {what}; allowed: {allowed}"
    else:
        message = error.message
    return [Problem(loc, json_path(path), message)]


def _node(doc: Any, path: tuple) -> Any:
    node = doc
    for part in path:
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            return None
    return node
