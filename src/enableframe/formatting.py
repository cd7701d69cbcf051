"""How values are shown to people, the same in every command and renderer (public API)."""

from __future__ import annotations

import math
from typing import Any


def format_value(value: Any, unit: str | None = None) -> str:
    """A metric value as a person reads it: ``60.3%`` for a ratio, ``2,343`` for currency,
    ``51 days``; ``unknown`` for None."""
    if value is None:
        return "unknown"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if not isinstance(value, int | float) or math.isnan(value) or math.isinf(value):
        return str(value)
    if unit == "ratio":
        return f"{value:.1%}"
    if unit == "currency":
        return f"{value:,.0f}"
    if unit == "days":
        return f"{value:,.0f} day{'' if round(value) == 1 else 's'}"
    if unit == "per_month":
        return f"{value:,.2f} a month"
    if float(value).is_integer():
        return f"{value:,.0f}"
    return f"{value:,.3g}" if abs(value) < 1 else f"{value:,.2f}".rstrip("0").rstrip(".")


def direction(value: float | None, before: float | None, better: str | None) -> str:
    """``up (better)``, ``down (worse)``, ``unchanged`` or ``no comparison``."""
    if value is None or before is None:
        return "no comparison"
    if value == before:
        return "unchanged"
    up = value > before
    good = up == ((better or "higher") == "higher")
    return f"{'up' if up else 'down'} ({'better' if good else 'worse'})"
