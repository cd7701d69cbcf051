"""Render an assessment through the renderer plugins."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from enableframe.errors import UserError
from enableframe.plugin_host import get_plugin_host


def renderers() -> dict[str, Any]:
    return {name: reg.obj for name, reg in get_plugin_host().registry.renderers.items()}


def renderer_for_path(path: str | Path) -> str:
    """The renderer whose extensions include the file's (``report.md`` -> markdown)."""
    suffix = Path(path).suffix.lower()
    for name, renderer in renderers().items():
        if suffix in getattr(renderer, "extensions", ()):
            return name
    known = sorted({e for r in renderers().values() for e in getattr(r, "extensions", ())})
    raise UserError(f"cannot tell the format of {path} from {suffix or 'no extension'!r}; "
                    f"known extensions: {', '.join(known)}")


def render(assessment: Any, name: str) -> str:
    available = renderers()
    if name not in available:
        raise UserError(f"unknown format {name!r}; available: {', '.join(sorted(available))}")
    try:
        return available[name].render(assessment.to_dict())
    except UserError:
        raise
    except Exception as exc:
        plugin = get_plugin_host().registry.renderers[name].plugin
        raise UserError(f"renderer {name!r} from plugin {plugin!r} failed: "
                        f"{type(exc).__name__}: {exc}") from exc
