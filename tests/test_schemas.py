"""Our JSON Schemas are valid Draft 2020-12 and document every property for editors."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import jsonschema
import pytest

from enableframe import resources


def schema_names() -> list[str]:
    """Every schema file shipped in schemas/ (and schemas/tables/), by resource name."""
    root = resources.files_root() / "schemas"
    return sorted([e.name.removesuffix(".schema.json") for e in root.iterdir()
                   if e.name.endswith(".schema.json")]
                  + [f"tables/{t}" for t in resources.table_names()])


SCHEMAS = schema_names()


def properties(node: Any, path: str = "$") -> Iterator[tuple[str, Any]]:
    """Every (path, schema) under a ``properties`` keyword, recursively."""
    if isinstance(node, dict):
        for name, sub in node.get("properties", {}).items():
            yield f"{path}.{name}", sub
        for key, sub in node.items():
            if key != "if":  # conditions select a branch; they document nothing
                yield from properties(sub, f"{path}/{key}")
    elif isinstance(node, list):
        for n, sub in enumerate(node):
            yield from properties(sub, f"{path}[{n}]")


@pytest.mark.parametrize("name", SCHEMAS)
def test_schema_is_valid_and_self_describing(name: str) -> None:
    schema = resources.schema(name)
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    for key in ("$id", "title", "description"):
        assert schema.get(key), f"{name} lacks {key}"


@pytest.mark.parametrize("name", SCHEMAS)
def test_every_property_has_a_description(name: str) -> None:
    schema = resources.schema(name)
    missing = [path for path, sub in properties(schema)
               if "description" not in sub and "$ref" not in sub]
    assert missing == []


def test_every_schema_file_is_checked() -> None:
    assert {"assessment", "ruleset", "workspace", "charter", "programs", "answers",
            "organisation", "waivers", "tables/requests"} <= set(SCHEMAS)


def test_table_schemas_cover_the_designs_tables() -> None:
    assert resources.table_names() == [
        "content_events", "learning_records", "opportunities", "requests", "sellers"]
    assert resources.table_columns("opportunities")["stage"]["enum"] == ["open", "won", "lost"]
