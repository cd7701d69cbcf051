"""Layering (STYLE.md habit 14): the core never imports the CLI or a plugin; plugins use
only enableframe's public API. Checked on the import statements themselves."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from conftest import REPO

PUBLIC = {"enableframe", "enableframe.connectors", "enableframe.errors",
          "enableframe.formatting", "enableframe.metric_kinds", "enableframe.testing"}
CORE = sorted(p for p in (REPO / "src" / "enableframe").rglob("*.py")
              if "cli" not in p.relative_to(REPO / "src" / "enableframe").parts
              and p.name != "__main__.py")
PLUGINS = sorted((REPO / "plugins").rglob("*.py"))


def imports(path: Path) -> list[tuple[int, str]]:
    out = []
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            out += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            out.append((node.lineno, node.module))
    return out


@pytest.mark.parametrize("path", CORE, ids=lambda p: p.name)
def test_core_imports_neither_cli_nor_plugins(path: Path) -> None:
    bad = [f"{path.name}:{line}: {name}" for line, name in imports(path)
           if name.startswith(("enableframe.cli", "enableframe_"))]
    assert bad == []


@pytest.mark.parametrize("path", PLUGINS, ids=lambda p: str(p.relative_to(REPO / "plugins")))
def test_plugins_use_only_the_public_api(path: Path) -> None:
    own = path.relative_to(REPO / "plugins").parts[0]
    bad = [f"{path.name}:{line}: {name}" for line, name in imports(path)
           if (name.split(".")[0] == "enableframe" and name not in PUBLIC)
           or (name.startswith("enableframe_") and name.split(".")[0] != own)]
    assert bad == []
