"""What rulesets are available: the built-ins (and, later, those plugins contribute)."""

from __future__ import annotations

from typing import Any

from enableframe import resources
from enableframe.yaml_loader import load_bytes


def builtin_summaries() -> list[dict[str, Any]]:
    """ref, name, version and description of each built-in ruleset, by name."""
    rows = []
    for name, entry in resources.builtin_rulesets().items():
        doc = load_bytes(entry.read_bytes(), resources.builtin_display_name(name))
        meta = doc.get("metadata", {}) if isinstance(doc, dict) else {}
        rows.append({
            "ref": f"{resources.BUILTIN_PREFIX}{name}",
            "name": meta.get("name", name),
            "version": str(meta.get("version", "")),
            "description": " ".join(str(meta.get("description", "")).split()),
            "extends": list(doc.get("extends", [])) if isinstance(doc, dict) else [],
        })
    return rows
