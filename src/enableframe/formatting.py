"""How values are shown to people, the same in every command and renderer (public API)."""

from __future__ import annotations


def format_value(value: float | None, unit: str | None) -> str:
    """``60.3%`` for a ratio, ``2,343`` for currency, ``51 days``; ``unknown`` for None."""
    if value is None:
        return "unknown"
    if unit == "ratio":
        return f"{value:.1%}"
    if unit == "currency":
        return f"{value:,.0f}"
    if unit == "days":
        return f"{value:,.0f} days"
    return f"{value:,.2f}".rstrip("0").rstrip(".") if value % 1 else f"{value:,.0f}"


def direction(value: float | None, before: float | None, better: str | None) -> str:
    """``up (better)``, ``down (worse)``, ``unchanged`` or ``no comparison``."""
    if value is None or before is None:
        return "no comparison"
    if value == before:
        return "unchanged"
    up = value > before
    good = up == ((better or "higher") == "higher")
    return f"{'up' if up else 'down'} ({'better' if good else 'worse'})"
