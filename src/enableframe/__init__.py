"""enableframe: assess a company's sales-enablement function from its own data.

The public API for plugin authors and scripts lives here; everything else is internal.
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["Problem", "RulesetError", "UserError", "__version__", "hookimpl", "load_ruleset"]

import pluggy

from enableframe.errors import Problem, RulesetError, UserError

#: Marks a plugin's hook implementations: ``@hookimpl def enableframe_register_...``.
hookimpl = pluggy.HookimplMarker("enableframe")


def load_ruleset(ref: str, *, base: str | None = None):
    """Load, merge and validate a ruleset reference (``builtin:NAME`` or a path)."""
    from enableframe.ruleset import load_ruleset as _load

    return _load(ref, base=base)
