"""Files shipped inside the package: built-in rulesets and JSON Schemas.

Read with :mod:`importlib.resources`, never with paths relative to ``__file__``, so they
work from a wheel, a zip or an editable install alike.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from importlib.abc import Traversable
from typing import Any

BUILTIN_PREFIX = "builtin:"


def _root() -> Traversable:
    return resources.files("enableframe")


def builtin_rulesets() -> dict[str, Traversable]:
    """Built-in rulesets by name (``maturity-curve`` for ``builtin:maturity-curve``)."""
    folder = _root() / "rulesets"
    return {
        entry.name.removesuffix(".yaml"): entry
        for entry in sorted(folder.iterdir(), key=lambda e: e.name)
        if entry.is_file() and entry.name.endswith(".yaml")
    }


def builtin_display_name(name: str) -> str:
    """How a built-in ruleset file is named in messages and provenance."""
    return f"rulesets/{name}.yaml"


@cache
def schema(name: str) -> dict[str, Any]:
    """A JSON Schema from ``schemas/`` by file stem, e.g. ``ruleset`` or ``tables/sellers``."""
    return json.loads((_root() / "schemas" / f"{name}.schema.json").read_text("utf-8"))


def table_names() -> list[str]:
    """Canonical table names, from the schemas under ``schemas/tables/``."""
    folder = _root() / "schemas" / "tables"
    return sorted(e.name.removesuffix(".schema.json") for e in folder.iterdir()
                  if e.name.endswith(".schema.json"))


@cache
def table_columns(table: str) -> dict[str, dict[str, Any]]:
    """Column name to its JSON Schema for one canonical table."""
    return dict(schema(f"tables/{table}")["properties"])


def files_root() -> Traversable:
    """The package's resource root (``rulesets/`` and ``schemas/`` live under it)."""
    return _root()
