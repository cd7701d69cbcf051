"""What rulesets are available as ``builtin:NAME``: ours, and those plugins contribute
through ``enableframe_register_ruleset_folders``."""

from __future__ import annotations

from dataclasses import dataclass
from importlib.abc import Traversable
from pathlib import Path
from typing import Any

from enableframe import resources
from enableframe.errors import UserError
from enableframe.yaml_loader import load_bytes


@dataclass(frozen=True)
class Available:
    """A ruleset file that ``builtin:NAME`` refers to."""

    name: str
    entry: Traversable | Path
    folder: Traversable | Path  # where its relative extends resolve
    display: str  # its name in messages and provenance
    plugin: str  # "enableframe" for our own


def available_rulesets() -> dict[str, Available]:
    """Every ``builtin:`` ruleset by name; a plugin may not reuse a taken name."""
    from enableframe.plugin_host import get_plugin_host

    out = {name: Available(name, entry, resources.files_root() / "rulesets",
                           resources.builtin_display_name(name), "enableframe")
           for name, entry in resources.builtin_rulesets().items()}
    for registered in get_plugin_host().registry.ruleset_folders:
        folder = registered.obj
        for entry in sorted(folder.iterdir(), key=lambda e: e.name):
            if not (entry.is_file() and entry.name.endswith(".yaml")):
                continue
            name = entry.name.removesuffix(".yaml")
            if name in out:
                raise UserError(f"plugin '{registered.plugin}' contributes ruleset "
                                f"'builtin:{name}', already provided by '{out[name].plugin}'")
            out[name] = Available(name, entry, folder, f"{registered.plugin}:{entry.name}",
                                  registered.plugin)
    return dict(sorted(out.items()))


def builtin_summaries() -> list[dict[str, Any]]:
    """ref, name, version, description and origin of each available ruleset."""
    rows = []
    for name, found in available_rulesets().items():
        doc = load_bytes(found.entry.read_bytes(), found.display)
        meta = doc.get("metadata", {}) if isinstance(doc, dict) else {}
        rows.append({
            "ref": f"{resources.BUILTIN_PREFIX}{name}",
            "name": meta.get("name", name),
            "version": str(meta.get("version", "")),
            "description": " ".join(str(meta.get("description", "")).split()),
            "extends": list(doc.get("extends", [])) if isinstance(doc, dict) else [],
            "plugin": found.plugin,
        })
    return rows
