"""enableframe: assess a company's sales-enablement function from its own data.

The public API for plugin authors and scripts lives here; everything else is internal.
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["Problem", "RulesetError", "UserError", "__version__", "hookimpl", "load_ruleset"]

from typing import TYPE_CHECKING, Any

from enableframe.errors import Problem, RulesetError, UserError

if TYPE_CHECKING:
    import pluggy

    hookimpl: pluggy.HookimplMarker


def __getattr__(name: str) -> Any:
    # ``hookimpl`` marks a plugin's hook implementations (``@hookimpl def
    # enableframe_register_...``). It is made on first use: pluggy is not imported by a
    # command that needs no plugin (a re-run served from the run memo).
    if name == "hookimpl":
        import pluggy

        marker = pluggy.HookimplMarker("enableframe")
        globals()["hookimpl"] = marker
        return marker
    raise AttributeError(f"module 'enableframe' has no attribute {name!r}")


def load_ruleset(ref: str, *, base: str | None = None):
    """Load, merge and validate a ruleset reference (``builtin:NAME`` or a path)."""
    from enableframe.ruleset import load_ruleset as _load

    return _load(ref, base=base)
