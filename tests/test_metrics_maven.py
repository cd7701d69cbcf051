"""``enableframe metrics`` on the public Maven CRM data against an independent computation.

The expected numbers are computed here from the CSV files with Python's csv, datetime and
statistics modules only (no DuckDB), and compared with the engine's JSON output exactly:

* counts and sums of the Maven amounts are integers, so they are exact in both;
* win rate is int / int: Python's true division and DuckDB's DOUBLE division are both the
  correctly rounded quotient, so the floats are identical;
* average sales price: the sum of integer amounts is exact in floating point (far below
  2**53), and the mean is that sum divided by the count, rounded once, in both engines
  (``statistics.mean`` converts the exact fraction sum/n to the nearest float);
* median sales cycle: the median of integer day counts is an integer or an integer + 0.5,
  exact in both;
* deal velocity is evaluated in the formula's order (count * win rate * ASP / cycle) from
  those same floats, so it agrees to the last bit too.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import statistics
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from conftest import MAVEN, maven_workspace, needs_maven

from enableframe.cli import cli

pytestmark = [needs_maven, pytest.mark.usefixtures("fresh_host")]  # conftest.py

Q4 = (dt.date(2017, 10, 1), dt.date(2017, 12, 31))
Q3 = (dt.date(2017, 7, 1), dt.date(2017, 9, 30))
Q4_2016 = (dt.date(2016, 10, 1), dt.date(2016, 12, 31))
YEAR_2017 = (dt.date(2017, 1, 1), dt.date(2017, 12, 31))
YEAR_2016 = (dt.date(2016, 1, 1), dt.date(2016, 12, 31))
CHECKED = ("win_rate", "average_sales_price", "average_deal_size", "sales_cycle_days",
           "deals_won", "pipeline_created_count", "pipeline_created_amount", "deal_velocity")




# -- the independent computation ------------------------------------------------------------

def _date(text: str) -> dt.date | None:
    return dt.date.fromisoformat(text) if text else None


def _opportunities() -> list[dict[str, Any]]:
    stages = {"Won": "won", "Lost": "lost", "Engaging": "open", "Prospecting": "open"}
    with open(MAVEN / "sales_pipeline.csv", newline="", encoding="utf-8") as f:
        return [{"owner": r["sales_agent"], "stage": stages[r["deal_stage"]],
                 "created": _date(r["engage_date"]), "closed": _date(r["close_date"]),
                 "amount": int(r["close_value"]) if r["close_value"] else None}
                for r in csv.DictReader(f)]


def _managers() -> dict[str, str]:
    with open(MAVEN / "sales_teams.csv", newline="", encoding="utf-8") as f:
        return {r["sales_agent"]: r["manager"] for r in csv.DictReader(f)}


def _quarter(day: dt.date) -> str:
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def _within(day: dt.date | None, period: tuple[dt.date, dt.date]) -> bool:
    return day is not None and period[0] <= day <= period[1]


def _group(rows: Iterable[dict], key: Callable[[dict], str]) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for r in rows:
        out.setdefault(key(r), []).append(r)
    return out


def expected(period: tuple[dt.date, dt.date], by: str | None = None) -> dict[str, Any]:
    """metric id -> value (or, with ``by``, metric id -> {group: value}), from the CSVs."""
    opps = _opportunities()
    managers = _managers()
    closed = [o for o in opps if _within(o["closed"], period)]
    created = [o for o in opps if _within(o["created"], period)]

    def key(anchor: str) -> Callable[[dict], str]:
        if by is None:
            return lambda o: "all"
        if by == "manager":  # owners missing from sales_teams.csv would be "(none)"
            return lambda o: managers.get(o["owner"], "(none)")
        return lambda o: _quarter(o[anchor])

    def by_group(rows: list[dict], anchor: str, fn: Callable[[list[dict]], Any]) -> dict:
        return {g: fn(rs) for g, rs in _group(rows, key(anchor)).items()}

    def win_rate(rs: list[dict]) -> float | None:
        won = sum(o["stage"] == "won" for o in rs)
        decided = sum(o["stage"] in ("won", "lost") for o in rs)
        return won / decided if decided else None

    def won_amounts(rs: list[dict]) -> list[int]:
        return [o["amount"] for o in rs if o["stage"] == "won" and o["amount"] is not None]

    def cycle(rs: list[dict]) -> float:
        return statistics.median((o["closed"] - o["created"]).days for o in rs
                                 if o["stage"] == "won" and o["created"] is not None)

    won = [o for o in closed if o["stage"] == "won"]
    out = {
        "win_rate": by_group(closed, "closed", win_rate),
        "average_sales_price": by_group(won, "closed",
                                        lambda rs: statistics.mean(won_amounts(rs))),
        "sales_cycle_days": by_group(won, "closed", cycle),
        "deals_won": by_group(won, "closed", len),
        "pipeline_created_count": by_group(created, "created", len),
        "pipeline_created_amount": by_group(
            created, "created", lambda rs: sum(o["amount"] for o in rs
                                               if o["amount"] is not None)),
    }
    out["average_deal_size"] = out["average_sales_price"]
    groups = set.intersection(*(set(out[m]) for m in (
        "pipeline_created_count", "win_rate", "average_sales_price", "sales_cycle_days")))
    out["deal_velocity"] = {
        g: out["pipeline_created_count"][g] * out["win_rate"][g]
        * out["average_sales_price"][g] / out["sales_cycle_days"][g] for g in groups}
    if by is None:
        return {m: v.get("all") for m, v in out.items()}
    return out


# -- the engine -----------------------------------------------------------------------------

def metrics_json(tmp_path: Path, period: str, *args: str) -> dict[str, dict[str, Any]]:
    (tmp_path / "enableframe.yaml").write_text(
        maven_workspace(period), encoding="utf-8")
    result = CliRunner().invoke(cli, ["metrics", "--format", "json", *args, str(tmp_path)],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return {m["id"]: m for m in json.loads(result.stdout)["metrics"]}


def _assert_exact(got: Any, want: Any, what: str) -> None:
    # == on floats is exact; also compare repr so 1196 vs 1196.0 cannot hide a type slip
    assert got == want, f"{what}: engine {got!r}, independent {want!r}"
    if isinstance(want, float):
        assert repr(float(got)) == repr(want), what


@pytest.fixture(scope="module")
def q4_expected() -> dict[str, Any]:
    return expected(Q4)


def test_q4_values_agree_to_the_last_digit(tmp_path, q4_expected) -> None:
    got = metrics_json(tmp_path, "{quarter: 2017-Q4}")
    for metric in CHECKED:
        assert got[metric]["status"] == "known", got[metric]
        _assert_exact(got[metric]["value"], q4_expected[metric], metric)
    # sanity: the independent side is not empty or trivially equal
    assert q4_expected["deals_won"] == 1196
    assert q4_expected["pipeline_created_count"] == 1165
    assert 0 < q4_expected["win_rate"] < 1


def test_q4_evidence(tmp_path) -> None:
    got = metrics_json(tmp_path, "{quarter: 2017-Q4}")
    opps = _opportunities()
    closed = [o for o in opps if _within(o["closed"], Q4)]
    created = [o for o in opps if _within(o["created"], Q4)]
    won = [o for o in closed if o["stage"] == "won"]
    period = {"label": "2017-Q4", "start": "2017-10-01", "end": "2017-12-31"}
    for metric in CHECKED:
        assert got[metric]["period"] == period
    # rows behind each value: decided deals for win rate, won deals for ASP and the cycle,
    # created deals (with an amount, for the sum) for pipeline
    assert got["win_rate"]["rows"] == sum(o["stage"] in ("won", "lost") for o in closed)
    assert got["deals_won"]["rows"] == len(won)
    assert got["average_sales_price"]["rows"] == len(won)
    assert got["sales_cycle_days"]["rows"] == len(won)
    assert got["pipeline_created_count"]["rows"] == len(created)
    assert got["pipeline_created_amount"]["rows"] == sum(o["amount"] is not None
                                                          for o in created)
    assert got["win_rate"]["tables"] == ["opportunities"]
    assert got["win_rate"]["definition"]["kind"] == "ratio"
    assert got["win_rate"]["definition"]["anchor"] == "closed_at"
    assert got["pipeline_created_count"]["definition"]["anchor"] == "created_at"


def test_quota_attainment_is_unknown_without_quotas(tmp_path) -> None:
    got = metrics_json(tmp_path, "{quarter: 2017-Q4}")
    for metric in ("quota_attainment", "quota_attainment_share"):
        assert got[metric]["status"] == "unknown"
        assert got[metric]["value"] is None
        assert "quota" in got[metric]["reason"], got[metric]["reason"]
        assert got[metric]["by"] == {}


def test_q4_previous_quarter_and_year_before(tmp_path) -> None:
    got = metrics_json(tmp_path, "{quarter: 2017-Q4}")
    q3 = expected(Q3)
    q4_2016 = expected(Q4_2016)
    for metric in CHECKED:
        previous = got[metric]["comparisons"]["previous"]
        assert previous["period"] == {"label": "2017-Q3", "start": "2017-07-01",
                                      "end": "2017-09-30"}
        _assert_exact(previous["value"], q3[metric], f"{metric} in 2017-Q3")
        year_before = got[metric]["comparisons"]["year_before"]
        assert year_before["period"]["label"] == "2016-Q4"
        assert year_before["value"] == q4_2016[metric], metric
    # Maven closes nothing in 2016: the closed-date metrics are unknown then, not 0,
    # while pipeline created in 2016-Q4 exists (engage dates start 2016-10-20)
    assert q4_2016["deals_won"] is None and q4_2016["win_rate"] is None
    assert got["deals_won"]["comparisons"]["year_before"]["reason"] == "no rows in 2016-Q4"
    assert q4_2016["pipeline_created_count"] == 358


def test_whole_2017(tmp_path) -> None:
    got = metrics_json(tmp_path, "{start: 2017-01-01, end: 2017-12-31}")
    want = expected(YEAR_2017)
    for metric in CHECKED:
        assert got[metric]["period"] == {"label": "2017-01-01..2017-12-31",
                                         "start": "2017-01-01", "end": "2017-12-31"}
        _assert_exact(got[metric]["value"], want[metric], metric)
    # every won deal closes in 2017
    assert want["deals_won"] == 4238
    # year over year: calendar 2016
    before = expected(YEAR_2016)
    for metric in CHECKED:
        year_before = got[metric]["comparisons"]["year_before"]
        assert (year_before["period"]["start"], year_before["period"]["end"]) == \
            ("2016-01-01", "2016-12-31")
        assert year_before["value"] == before[metric], metric


@pytest.mark.parametrize("period, bounds", [("{quarter: 2017-Q4}", Q4),
                                            ("{start: 2017-01-01, end: 2017-12-31}",
                                             YEAR_2017)])
@pytest.mark.parametrize("by", ["manager", "quarter"])
def test_breakdowns(tmp_path, period, bounds, by) -> None:
    got = metrics_json(tmp_path, period, "--by", by)
    want = expected(bounds, by)
    for metric in CHECKED:
        groups = got[metric]["by"][by]
        assert set(groups) == set(want[metric]), metric
        for group, value in want[metric].items():
            _assert_exact(groups[group], value, f"{metric} {by}={group}")
    if by == "manager":
        assert len(want["deals_won"]) == 6  # Maven's six managers, every owner is known
    if by == "quarter" and bounds == YEAR_2017:
        # closes anchor on the close quarter, pipeline on the created (engage) quarter
        assert set(want["deals_won"]) == {"2017-Q1", "2017-Q2", "2017-Q3", "2017-Q4"}
        assert set(want["pipeline_created_count"]) == {"2017-Q1", "2017-Q2", "2017-Q3",
                                                       "2017-Q4"}
        assert sum(want["deals_won"].values()) == 4238
    # the whole is the sum of its parts for the additive metrics
    overall = expected(bounds)
    for metric in ("deals_won", "pipeline_created_count", "pipeline_created_amount"):
        assert sum(got[metric]["by"][by].values()) == overall[metric]
