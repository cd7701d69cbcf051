"""Metrics computed together give what each gives alone.

``compute_metrics`` computes a metric's period and its comparison periods in one statement,
and metrics that read the same rows in one scan (win rate, deals won and average price all
read the deals closed in the period). Here every built-in metric of the hand-worked
workspace, in every period, is checked against the same metric computed alone for one
period (``SQL_KINDS``, the path of breakdowns), including periods that overlap or cut
through a quarter; and the statements are counted. Values are compared at a relative 1e-12:
a mean's last bit depends on the order its terms are summed in, which the joins of a
statement computing several periods may change (the order of one period's rows was never
defined either).
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from test_metrics_handworked import make_workspace

from enableframe import hookimpl
from enableframe.data_load import load_data
from enableframe.metric_kinds import KindSpec
from enableframe.metrics import SQL_KINDS, Unknown, compute_metrics
from enableframe.periods import Period, resolve_period
from enableframe.plugin_host import get_plugin_host
from enableframe.ruleset import load_ruleset
from enableframe.workspace import load_workspace
from enableframe.yaml_loader import to_plain

pytestmark = pytest.mark.usefixtures("fresh_host")  # conftest.py


class Counted:
    """A DuckDB connection that counts the statements it runs."""

    def __init__(self, con: Any) -> None:
        self._con, self.statements = con, 0

    def execute(self, *args: Any) -> Any:
        self.statements += 1
        return self._con.execute(*args)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._con, name)


def _open(root: Path) -> tuple[Any, Any, Period, set[str]]:
    workspace = load_workspace(root)
    loaded = load_data(workspace, cache=False)
    return (loaded.con, load_ruleset(workspace.ruleset_ref),
            resolve_period(workspace.period, None), set(loaded.missing))


def _alone(con: Any, metric: dict[str, Any], period: Period) -> tuple[Any, str, int]:
    """(value, reason, rows) of one metric in one period, computed on its own."""
    try:
        rows = SQL_KINDS[metric["kind"]](con, metric, period, None)
    except Unknown as exc:
        return None, str(exc), 0
    if not rows or rows[0][2] == 0:
        return None, f"no rows in {period.label}", 0
    _, value, n = rows[0]
    if value is None:
        return None, f"no rows to compute it from in {period.label}", n
    return pytest.approx(value, rel=1e-12, abs=0), "", n


@pytest.mark.parametrize("period", [
    "{quarter: 2017-Q2}",
    # the year before is the previous period: the same rows twice
    "{start: 2016-07-01, end: 2017-06-30}",
    # 18 months: the year before overlaps the period itself
    "{start: 2016-01-01, end: 2017-06-30}",
    # cuts through quarters: a quarter's attainment straddles two periods
    "{start: 2017-02-15, end: 2017-05-14}",
])
def test_every_metric_and_period_as_if_computed_alone(tmp_path, period) -> None:
    con, ruleset, current, missing = _open(make_workspace(tmp_path, period=period))
    results = compute_metrics(con, ruleset, current, missing=missing)
    checked = 0
    for result in results:
        metric = to_plain(ruleset.metrics[result.id])
        if metric["kind"] == "formula":
            continue
        got = {"current": (result.value, result.reason, result.rows)}
        want = {"current": _alone(con, metric, current)}
        for label, comparison in result.comparisons.items():
            got[label] = (comparison["value"], comparison["reason"], comparison["rows"])
            start, end = (comparison["period"][k] for k in ("start", "end"))
            other = Period(*(type(current.start).fromisoformat(d) for d in (start, end)),
                           comparison["period"]["label"])
            want[label] = _alone(con, metric, other)
        assert got == want, result.id
        checked += 1
    assert checked == 19  # every built-in metric but the two formulas


def test_comparisons_and_metrics_sharing_rows_cost_no_statement(tmp_path) -> None:
    con, ruleset, period, missing = _open(make_workspace(tmp_path))

    def statements(only: set[str], comparisons: bool = True) -> int:
        counted = Counted(con)
        compute_metrics(counted, ruleset, period, missing=missing, only=only,
                        comparisons=comparisons)
        return counted.statements

    closed_deals = {"win_rate", "deals_won", "average_sales_price", "sales_cycle_days",
                    "cross_sell_upsell_share"}
    assert statements(closed_deals) == statements({"win_rate"}) == 2  # values, then metrics
    assert statements(closed_deals) == statements(closed_deals, comparisons=False)
    learning = {"certification_rate", "accreditation_rate", "elearning_active_learners_share"}
    assert statements(learning) == statements({"certification_rate"})
    attainment = {"quota_attainment", "quota_attainment_share"}
    assert statements(attainment) == statements({"quota_attainment"})


def test_a_plugin_kind_is_still_asked_once_per_period(tmp_path) -> None:
    calls = []

    def compute(con, metric, period, by):
        calls.append((metric["id"], period.label, by))
        if period.label == "2016-Q2":
            raise Unknown("nothing that early")
        return [("all", 2.0, 3)]

    class Kinds:
        @hookimpl
        def enableframe_register_metric_kinds(self, register) -> None:
            register(KindSpec("two", ("table",), compute=compute))

    get_plugin_host(plugins=[("third_party", Kinds())])
    con, _, period, missing = _open(make_workspace(tmp_path))
    ruleset = SimpleNamespace(metrics={"two": {"id": "two", "kind": "two",
                                               "table": "opportunities"}},
                              evaluation_order=lambda: ["two"], scoring={}, conditions={})
    (result,) = compute_metrics(con, ruleset, period, missing=missing)
    assert calls == [("two", "2017-Q2", None), ("two", "2017-Q1", None),
                     ("two", "2016-Q2", None)]
    assert (result.value, result.rows) == (2.0, 3)
    assert result.comparisons["year_before"]["reason"] == "nothing that early"
