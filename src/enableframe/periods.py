"""Assessment periods: the workspace's period and its comparison periods."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from enableframe.errors import UserError


@dataclass(frozen=True)
class Period:
    """A closed date range ``[start, end]`` with a label (``2017-Q4``)."""

    start: dt.date
    end: dt.date
    label: str

    def to_dict(self) -> dict[str, str]:
        return {"label": self.label, "start": self.start.isoformat(),
                "end": self.end.isoformat()}

    @property
    def is_quarter(self) -> bool:
        return self.label[4:6] == "-Q"

    def previous(self) -> Period:
        """The period just before (quarter over quarter for a quarter)."""
        if self.is_quarter:
            year, q = int(self.label[:4]), int(self.label[-1])
            return quarter(year - 1, 4) if q == 1 else quarter(year, q - 1)
        months = _whole_months(self.start, self.end)
        if months:  # a calendar year or run of months: the same number of months before
            start = _add_months(self.start, -months)
            end = self.start - dt.timedelta(days=1)
        else:
            days = (self.end - self.start).days + 1
            end = self.start - dt.timedelta(days=1)
            start = end - dt.timedelta(days=days - 1)
        return Period(start, end, f"{start.isoformat()}..{end.isoformat()}")

    def year_before(self) -> Period:
        """The same period one year earlier (year over year)."""
        if self.is_quarter:
            return quarter(int(self.label[:4]) - 1, int(self.label[-1]))
        start, end = _minus_year(self.start), _minus_year(self.end)
        return Period(start, end, f"{start.isoformat()}..{end.isoformat()}")


def _add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def _whole_months(start: dt.date, end: dt.date) -> int:
    """How many calendar months ``[start, end]`` spans exactly, or 0."""
    after = end + dt.timedelta(days=1)
    if start.day != 1 or after.day != 1:
        return 0
    return (after.year - start.year) * 12 + after.month - start.month


def quarter(year: int, q: int) -> Period:
    start = dt.date(year, 3 * q - 2, 1)
    end = dt.date(year, 12, 31) if q == 4 else \
        dt.date(year, 3 * q + 1, 1) - dt.timedelta(days=1)
    return Period(start, end, f"{year}-Q{q}")


def _minus_year(day: dt.date) -> dt.date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def resolve_period(spec: dict[str, Any], latest: dt.date | None) -> Period:
    """The period a workspace asks for; without one, the quarter of the latest data."""
    if "quarter" in spec:
        return quarter(int(spec["quarter"][:4]), int(spec["quarter"][-1]))
    if "start" in spec or "end" in spec:
        if not ("start" in spec and "end" in spec):
            raise UserError("period: give both start and end, or quarter: YYYY-Qn")
        start, end = dt.date.fromisoformat(spec["start"]), dt.date.fromisoformat(spec["end"])
        if end < start:
            raise UserError(f"period: end {end} is before start {start}")
        for q in range(1, 5):
            candidate = quarter(start.year, q)
            if (candidate.start, candidate.end) == (start, end):
                return candidate
        return Period(start, end, f"{start.isoformat()}..{end.isoformat()}")
    if latest is None:
        raise UserError("no period given and no dated data to infer one; set period: in "
                        "enableframe.yaml")
    return quarter(latest.year, (latest.month - 1) // 3 + 1)
