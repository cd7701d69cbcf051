"""Every built-in metric of ``builtin:enablement-3.0`` on a small workspace worked out by hand.

The data below is small enough to check with a pencil. Each expected value is derived in
the comments next to its assertion; ``pytest.approx(rel=1e-12)`` is used only where the
value is a fraction with no exact binary form (2/3, 5/9 ...), exact ``==`` everywhere else.

The assessment period is 2017-Q2 (2017-04-01 .. 2017-06-30); 2017-Q1 is its previous
quarter (also hand-worked) and 2016-Q2, its year before, has no data at all.
"""

from __future__ import annotations

import datetime as dt
import textwrap
from pathlib import Path
from typing import Any

import pytest

from enableframe.metric_run import run_metrics


def approx(value: float) -> Any:
    return pytest.approx(value, rel=1e-12, abs=0)


pytestmark = pytest.mark.usefixtures("fresh_host")  # conftest.py


# -- the data -------------------------------------------------------------------------------
#
# Quotas are quarterly. s5 (an SDR) has no quota; s6 has no start date.
SELLERS = """\
id,name,role,team,manager,region,start_date,quota
s1,Ana,ae,East,Mia,EMEA,2016-07-01,10000
s2,Ben,ae,East,Mia,EMEA,2017-01-16,8000
s3,Cai,am,West,Noa,AMER,2017-02-01,6000
s4,Dee,ae,West,Noa,AMER,2017-04-03,5000
s5,Eli,sdr,East,Mia,EMEA,2017-03-01,
s6,Fay,am,West,Noa,AMER,,4000
"""

# days_to_close (closed - created) of each won deal is in the last comment column.
OPPORTUNITIES = """\
id,owner,stage,amount,created_at,closed_at,type,product,segment
o01,s1,won,3000,2016-12-01,2017-01-20,new_business,P1,smb
o02,s1,lost,2000,2017-01-05,2017-02-10,new_business,P1,smb
o03,s2,won,1000,2017-01-10,2017-01-14,new_business,P2,smb
o04,s2,won,2000,2017-02-01,2017-03-15,upsell,P2,mid
o05,s3,lost,1500,2017-02-05,2017-03-20,new_business,P1,mid
o06,s3,won,4000,2017-02-10,2017-03-31,cross_sell,P2,ent
o07,s1,won,5000,2017-03-01,2017-04-01,upsell,P1,ent
o08,s1,won,6000,2017-04-05,2017-05-15,new_business,P2,ent
o09,s2,won,2500,2017-03-20,2017-04-20,cross_sell,P1,mid
o10,s2,lost,3000,2017-04-02,2017-05-02,new_business,P2,mid
o11,s3,won,6000,2017-04-10,2017-06-30,new_business,P1,ent
o12,s4,won,1000,2017-04-10,2017-05-10,new_business,P2,smb
o13,s4,won,1500,2017-05-01,2017-06-12,upsell,P1,smb
o14,s4,lost,800,2017-05-05,2017-06-01,new_business,P1,smb
o15,s6,won,2000,2017-04-15,2017-05-20,new_business,P2,mid
o16,s5,won,500,2017-04-20,2017-05-25,new_business,P1,smb
o17,s3,won,,2017-05-01,2017-06-05,cross_sell,P2,ent
o18,s1,open,7000,2017-05-20,,new_business,P1,ent
o19,s2,open,4000,2017-06-10,,upsell,P2,mid
o20,s5,open,,2017-06-30,,new_business,P1,smb
o21,s3,open,3000,2017-03-10,,cross_sell,P2,ent
o22,s6,lost,1200,2017-03-25,2017-04-25,new_business,P2,mid
"""
# Won deals, days from created to closed:
#   Q1: o01 2016-12-01 -> 2017-01-20 = 30 (rest of Dec) + 20 = 50
#       o03 01-10 -> 01-14 = 4
#       o04 02-01 -> 03-15 = 28 (Feb) + 14 = 42
#       o06 02-10 -> 03-31 = 18 (rest of Feb) + 31 = 49
#   Q2: o07 03-01 -> 04-01 = 31            o08 04-05 -> 05-15 = 25 + 15 = 40
#       o09 03-20 -> 04-20 = 31            o11 04-10 -> 06-30 = 20 + 31 + 30 = 81
#       o12 04-10 -> 05-10 = 30            o13 05-01 -> 06-12 = 31 + 11 = 42
#       o15 04-15 -> 05-20 = 15 + 20 = 35  o16 04-20 -> 05-25 = 10 + 25 = 35
#       o17 05-01 -> 06-05 = 31 + 4 = 35   (o17 has no amount: a won deal all the same)

# m1 is a marketer, not a seller: counted among content events, not per seller.
CONTENT_EVENTS = """\
asset,user,event,time,opportunity
deck1,s1,view,2017-04-03T09:00:00Z,o08
deck1,s1,share,2017-04-10T10:00:00Z,o08
sheet,s1,download,2017-05-02T08:00:00Z,
deck1,s2,present,2017-04-18T14:00:00Z,o09
sheet,s2,view,2017-06-01T00:00:00Z,
video,s3,view,2017-06-15T12:00:00Z,
deck2,s4,view,2017-05-11 09:00:00,o13
deck2,s4,view,2017-05-12 09:00:00,
deck2,s4,share,2017-06-02 09:00:00,o13
deck1,m1,view,2017-05-05T00:00:00Z,
deck1,s1,view,2017-03-30T12:00:00Z,o07
sheet,s5,download,2017-02-15T12:00:00Z,
deck1,s3,view,2017-06-30T23:59:59Z,o11
"""

LEARNING_RECORDS = """\
id,learner,activity,kind,verb,score,time
l01,s1,cert-methodology,certification,passed,0.9,2017-04-10T10:00:00Z
l02,s2,cert-methodology,certification,failed,0.4,2017-04-11T10:00:00Z
l03,s2,cert-methodology,certification,passed,0.85,2017-05-11T10:00:00Z
l04,s3,cert-product,certification,completed,,2017-06-01T10:00:00Z
l05,s4,cert-methodology,certification,failed,0.3,2017-06-02T10:00:00Z
l06,s5,cert-methodology,certification,passed,0.8,2017-03-15T10:00:00Z
l07,s6,partner-accreditation,accreditation,passed,,2017-05-01T10:00:00Z
l08,s4,partner-accreditation,accreditation,attempted,,2017-05-02T10:00:00Z
l09,s1,quiz-pricing,assessment,passed,0.75,2017-04-05T10:00:00Z
l10,s2,quiz-pricing,assessment,failed,0.5,2017-04-06T10:00:00Z
l11,s3,quiz-pricing,assessment,passed,0.8,2017-04-07T10:00:00Z
l12,s4,quiz-pricing,assessment,passed,0.7,2017-05-08T10:00:00Z
l13,s4,quiz-discovery,assessment,attempted,,2017-05-09T10:00:00Z
l14,s5,quiz-pricing,assessment,failed,0.2,2017-03-20T10:00:00Z
l15,s1,course-negotiation,course,completed,,2017-04-12T10:00:00Z
l16,s1,course-discovery,course,completed,,2017-05-12T10:00:00Z
l17,s2,course-negotiation,course,launched,,2017-05-13T10:00:00Z
l18,s6,course-negotiation,course,completed,,2017-06-14T10:00:00Z
l19,s3,course-discovery,course,attempted,,2017-01-20T10:00:00Z
l20,s5,course-discovery,course,completed,,2017-02-20T10:00:00Z
"""

TABLES = {"sellers": SELLERS, "opportunities": OPPORTUNITIES,
          "content_events": CONTENT_EVENTS, "learning_records": LEARNING_RECORDS}

BUILTIN_METRICS = {
    "win_rate", "average_sales_price", "sales_cycle_days", "average_deal_size", "deals_won",
    "pipeline_created_count", "pipeline_created_amount", "deal_velocity",
    "cross_sell_upsell_share", "quota_attainment", "quota_attainment_share",
    "time_to_first_close_days", "time_to_second_close_days",
    "collateral_use_per_seller_month", "certification_rate", "accreditation_rate",
    "assessment_pass_rate", "elearning_completions", "elearning_active_learners_share",
    "content_active_users_share", "content_deal_linked_share",
}


def make_workspace(root: Path, period: str = "{quarter: 2017-Q2}",
                   tables: dict[str, str] | None = None,
                   ruleset: str = "builtin:enablement-3.0") -> Path:
    tables = TABLES if tables is None else tables
    sources = []
    for table, text in tables.items():
        (root / "data").mkdir(parents=True, exist_ok=True)
        (root / "data" / f"{table}.csv").write_text(text, encoding="utf-8")
        sources.append(f"  {table}:\n    connector: csv\n    path: data/{table}.csv\n")
    (root / "enableframe.yaml").write_text(
        "apiVersion: enableframe/v1\nkind: Workspace\nclient: Handworked\n"
        f"ruleset: {ruleset}\nperiod: {period}\nsources:\n" + "".join(sources),
        encoding="utf-8")
    return root


def results(root: Path, **kwargs: Any) -> dict[str, Any]:
    report = run_metrics(root, **kwargs)
    return {m.id: m for m in report.metrics}


@pytest.fixture(scope="module")
def q2(tmp_path_factory) -> dict[str, Any]:
    return results(make_workspace(tmp_path_factory.mktemp("q2")))


def test_every_row_is_admitted(tmp_path) -> None:
    report = run_metrics(make_workspace(tmp_path))
    accepted = {t["table"]: (t["read"], t["accepted"]) for t in report.quality["tables"]}
    assert accepted == {"sellers": (6, 6), "opportunities": (22, 22),
                        "learning_records": (20, 20), "content_events": (13, 13)}
    assert report.period.label == "2017-Q2"
    assert {m.id for m in report.metrics} == BUILTIN_METRICS


# -- 2017-Q2, every metric ------------------------------------------------------------------
#
# Closed in Q2 (closed_at in 2017-04-01 .. 2017-06-30):
#   won:  o07 o08 o09 o11 o12 o13 o15 o16 o17          = 9
#   lost: o10 o14 o22                                   = 3
# (o06 closes 2017-03-31: Q1; o11 closes 2017-06-30: Q2; o07 closes 2017-04-01: Q2)
# Created in Q2 (created_at in the quarter), any stage:
#   o08 o10 o11 o12 o13 o14 o15 o16 o17 o18 o19 o20     = 12
#   (o07 03-01, o09 03-20, o21 03-10, o22 03-25 were created in Q1)

def test_q2_opportunity_metrics(q2) -> None:
    # win rate = won / (won + lost) = 9 / 12 = 0.75
    assert q2["win_rate"].value == 0.75
    assert q2["win_rate"].rows == 12
    # deals won: 9 (o17, without an amount, is still a won deal)
    assert q2["deals_won"].value == 9
    # ASP = mean amount of won deals with an amount (o17 has none):
    #   5000 + 6000 + 2500 + 6000 + 1000 + 1500 + 2000 + 500 = 24500 over 8 = 3062.5
    assert q2["average_sales_price"].value == 3062.5
    assert q2["average_sales_price"].rows == 8
    assert q2["average_deal_size"].value == 3062.5  # formula: = average_sales_price
    # sales cycle = median days to close of the 9 won deals:
    #   30 31 31 35 [35] 35 40 42 81 -> 35
    assert q2["sales_cycle_days"].value == 35
    assert q2["sales_cycle_days"].rows == 9
    # pipeline created: 12 deals; value = sum of those with an amount (o17, o20 have none):
    #   6000 + 3000 + 6000 + 1000 + 1500 + 800 + 2000 + 500 + 7000 + 4000 = 31800
    assert q2["pipeline_created_count"].value == 12
    assert q2["pipeline_created_amount"].value == 31800
    assert q2["pipeline_created_amount"].rows == 10
    # deal velocity = 12 * 0.75 * 3062.5 / 35 = 9 * 3062.5 / 35 = 27562.5 / 35 = 787.5
    # (every step exact in binary floating point)
    assert q2["deal_velocity"].value == 787.5
    # cross-sell and upsell share of won deals: o07 upsell, o09 cross_sell, o13 upsell,
    #   o17 cross_sell = 4 of 9
    assert q2["cross_sell_upsell_share"].value == approx(4 / 9)


# Quota attainment, Q2, per seller with a quota (s5 has none), quota used as is (per quarter):
#   s1: o07 5000 + o08 6000 = 11000 / 10000 = 1.1
#   s2: o09 2500            =  2500 /  8000 = 0.3125
#   s3: o11 6000 + o17 (no amount) = 6000 / 6000 = 1.0   (exactly at quota: counts as reached)
#   s4: o12 1000 + o13 1500 =  2500 /  5000 = 0.5
#   s6: o15 2000            =  2000 /  4000 = 0.5
#   mean = (1.1 + 0.3125 + 1.0 + 0.5 + 0.5) / 5 = 3.4125 / 5 = 0.6825
#   at or above 100%: s1, s3 -> 2 / 5 = 0.4

def test_q2_quota_attainment(q2) -> None:
    assert q2["quota_attainment"].value == approx(0.6825)  # 1.1 has no exact binary form
    assert q2["quota_attainment"].rows == 5
    assert q2["quota_attainment_share"].value == 0.4
    assert q2["quota_attainment_share"].rows == 5


# nth won deal on or after each seller's start date (deals closed before the start do not
# count, not even as the first):
#   s1 start 2016-07-01: o01 2017-01-20 (1st), o07 2017-04-01 (2nd), o08 2017-05-15
#       1st: Jul 31 + Aug 31 + Sep 30 + Oct 31 + Nov 30 + Dec 31 = 184 to Jan 1, + 19 = 203
#       2nd: 184 + Jan 31 + Feb 28 + Mar 31 = 274 to Apr 1
#   s2 start 2017-01-16: o03 closed 2017-01-14 is BEFORE the start (not counted);
#       o04 2017-03-15 (1st) = 31 (to Feb 16) + 28 (to Mar 16) - 1 = 58
#       o09 2017-04-20 (2nd) = 31 + 28 + 31 = 90 (to Apr 16) + 4 = 94
#   s3 start 2017-02-01: o06 2017-03-31 (1st) = 28 + 30 = 58
#       o17 2017-06-05 (2nd, before o11 on 06-30) = 28 + 31 + 30 + 31 = 120 (to Jun 1) + 4 = 124
#   s4 start 2017-04-03: o12 2017-05-10 (1st) = 30 (to May 3) + 7 = 37
#       o13 2017-06-12 (2nd) = 30 + 31 = 61 (to Jun 3) + 9 = 70
#   s5 start 2017-03-01: o16 2017-05-25 (1st) = 31 + 30 = 61 (to May 1) + 24 = 85
#   s6 has no start date: not counted.
# A seller counts in the period in which their nth close falls:
#   Q2 first closes:  s4 37, s5 85             -> median (37 + 85) / 2 = 61
#   Q2 second closes: s4 70, s2 94, s3 124, s1 274 -> median (94 + 124) / 2 = 109
#   Q1 first closes:  s2 58, s3 58, s1 203     -> median 58
#   Q1 second closes: none (had o03 counted, s2's second would be o04 in Q1)

def test_q2_time_to_first_and_second_close(q2) -> None:
    assert q2["time_to_first_close_days"].value == 61
    assert q2["time_to_first_close_days"].rows == 2
    assert q2["time_to_second_close_days"].value == 109
    assert q2["time_to_second_close_days"].rows == 4


# Content events in Q2 (time in 2017-04-01 .. 2017-06-30, the last one at 23:59:59 on 06-30):
#   s1: 3 (04-03, 04-10, 05-02)   s2: 2 (04-18, 06-01)   s3: 2 (06-15, 06-30)
#   s4: 3 (05-11, 05-12, 06-02)   s5: 0                  s6: 0
#   m1: 1 (not a seller)          total events: 11
# collateral use per seller per month: every seller x every month of the quarter, sellers
#   without events as zero: (3 + 2 + 2 + 3 + 0 + 0) / (6 sellers x 3 months) = 10 / 18 = 5/9
# content active users: s1 s2 s3 s4 of 6 sellers = 4/6 = 2/3
# content tied to deals: events with an opportunity: s1 x2 (o08), s2 (o09), s4 x2 (o13),
#   s3 06-30 (o11) = 6 of all 11 events (m1's included) = 6/11

def test_q2_content_metrics(q2) -> None:
    assert q2["collateral_use_per_seller_month"].value == approx(10 / 18)
    assert q2["collateral_use_per_seller_month"].rows == 18
    assert q2["content_active_users_share"].value == approx(4 / 6)
    assert q2["content_active_users_share"].rows == 6
    assert q2["content_deal_linked_share"].value == approx(6 / 11)
    assert q2["content_deal_linked_share"].rows == 11


# Learning records in Q2:
#   certification passed or completed: s1 (l01 passed), s2 (l03 passed, after failing l02),
#     s3 (l04 completed); s4 only failed (l05); s5 passed in Q1 (l06) -> 3 of 6 sellers = 0.5
#   accreditation passed: s6 (l07); s4 only attempted (l08)     -> 1 of 6 sellers = 1/6
#   assessments: passed l09 l11 l12 = 3; passed or failed l09 l10 l11 l12 = 4 (l13 only
#     attempted, l14 is Q1) -> 3 / 4 = 0.75
#   course completions: l15 l16 l18 = 3 (l20 is Q1)
#   active e-learners (any course record): s1 (l15, l16), s2 (l17 launched), s6 (l18)
#     -> 3 of 6 = 0.5

def test_q2_learning_metrics(q2) -> None:
    assert q2["certification_rate"].value == 0.5
    assert q2["certification_rate"].rows == 6
    assert q2["accreditation_rate"].value == approx(1 / 6)
    assert q2["assessment_pass_rate"].value == 0.75
    assert q2["assessment_pass_rate"].rows == 4
    assert q2["elearning_completions"].value == 3
    assert q2["elearning_active_learners_share"].value == 0.5


def test_q2_everything_known_with_evidence(q2) -> None:
    assert set(q2) == BUILTIN_METRICS
    for m in q2.values():
        assert m.status == "known", (m.id, m.reason)
        assert m.reason == ""
        assert m.period.label == "2017-Q2"
        assert (m.period.start, m.period.end) == (dt.date(2017, 4, 1), dt.date(2017, 6, 30))
        assert m.definition["kind"]
    assert q2["certification_rate"].tables == ["learning_records", "sellers"]
    assert q2["time_to_first_close_days"].tables == ["opportunities", "sellers"]
    assert q2["certification_rate"].ownership == "owned"
    assert q2["win_rate"].cso_key and not q2["deals_won"].cso_key


# -- 2017-Q1, the previous quarter ----------------------------------------------------------
#
# Closed in Q1: won o01 o03 o04 o06 (4), lost o02 o05 (2)
#   win rate 4/6 = 2/3; ASP (3000 + 1000 + 2000 + 4000) / 4 = 2500
#   cycle: 4 42 49 50 -> median (42 + 49) / 2 = 45.5
#   cross-sell/upsell: o04 upsell, o06 cross_sell = 2 of 4 = 0.5
# Created in Q1: o02 o03 o04 o05 o06 o07 o09 o21 o22 = 9 (o01 was created in 2016)
#   value 2000 + 1000 + 2000 + 1500 + 4000 + 5000 + 2500 + 3000 + 1200 = 22200
#   velocity 9 * (2/3) * 2500 / 45.5
# A seller counts only from the bucket in which they started (s4 starts 2017-04-03: not a
# zero in Q1; s6 has no start date and always counts).
# Attainment Q1: s1 3000/10000 = 0.3; s2 (o03 + o04: a deal before the start date still
#   counts toward quota) 3000/8000 = 0.375; s3 4000/6000 = 2/3; s6 0 (s4 not started)
#   mean = (0.3 + 0.375 + 2/3) / 4 = (36 + 45 + 80) / 120 / 4 = 161/480; none at quota: 0
# Content Q1: seller-months Jan s1 s2 s6, Feb + s3, Mar + s5 = 3 + 4 + 5 = 12; events
#   s1 (03-30, o07) counts, s5 (02-15) falls before s5 started -> 1/12; active (of the 5
#   sellers started by the end of Q1) s1, s5 = 2/5; linked 1/2
# Learning Q1: certified s5 -> 1/5; no accreditation passed -> unknown (no matching rows);
#   assessments: l14 failed -> 0/1 = 0 (a real zero); completions l20 = 1;
#   active e-learners s3 (l19 attempted), s5 (l20) -> 2/5
PREVIOUS = {
    "win_rate": 2 / 3, "deals_won": 4, "average_sales_price": 2500,
    "average_deal_size": 2500, "sales_cycle_days": 45.5, "pipeline_created_count": 9,
    "pipeline_created_amount": 22200, "deal_velocity": 9 * (2 / 3) * 2500 / 45.5,
    "cross_sell_upsell_share": 0.5, "quota_attainment": 161 / 480,
    "quota_attainment_share": 0.0, "time_to_first_close_days": 58,
    "time_to_second_close_days": None, "collateral_use_per_seller_month": 1 / 12,
    "content_active_users_share": 2 / 5, "content_deal_linked_share": 0.5,
    "certification_rate": 1 / 5, "accreditation_rate": None, "assessment_pass_rate": 0.0,
    "elearning_completions": 1, "elearning_active_learners_share": 2 / 5,
}


def test_previous_quarter_comparison(q2) -> None:
    assert set(PREVIOUS) == BUILTIN_METRICS
    for metric, want in PREVIOUS.items():
        previous = q2[metric].comparisons["previous"]
        assert previous["period"] == {"label": "2017-Q1", "start": "2017-01-01",
                                      "end": "2017-03-31"}
        if want is None:
            assert previous["value"] is None, metric
            assert previous["reason"], metric
        else:
            assert previous["value"] == approx(want), metric
    assert q2["time_to_second_close_days"].comparisons["previous"]["reason"] == \
        "no rows in 2017-Q1"
    assert q2["accreditation_rate"].comparisons["previous"]["reason"] == \
        "no learning_records rows in 2017-Q1"


# -- unknowns -------------------------------------------------------------------------------

def test_year_before_has_no_rows(q2) -> None:
    # 2016-Q2: no opportunity, learning record or content event at all
    for metric in ("win_rate", "deals_won", "pipeline_created_count",
                   "pipeline_created_amount", "average_sales_price", "sales_cycle_days",
                   "assessment_pass_rate", "elearning_completions",
                   "content_deal_linked_share", "time_to_first_close_days"):
        year_before = q2[metric].comparisons["year_before"]
        assert year_before["period"]["label"] == "2016-Q2"
        assert (year_before["value"], year_before["reason"]) == (None, "no rows in 2016-Q2"), \
            metric
    for metric, table in (("certification_rate", "learning_records"),
                          ("content_active_users_share", "content_events"),
                          ("collateral_use_per_seller_month", "content_events")):
        year_before = q2[metric].comparisons["year_before"]
        assert (year_before["value"], year_before["reason"]) == \
            (None, f"no {table} rows in 2016-Q2"), metric
    # a formula over unknown inputs is unknown and says which input
    year_before = q2["deal_velocity"].comparisons["year_before"]
    assert year_before["value"] is None
    assert year_before["reason"].startswith("input ")
    assert "no rows in 2016-Q2" in year_before["reason"]


def test_attainment_without_any_deal_in_the_period_is_unknown(q2) -> None:
    for metric in ("quota_attainment", "quota_attainment_share"):
        year_before = q2[metric].comparisons["year_before"]
        assert year_before["value"] is None, (metric, year_before)
        assert "2016-Q2" in year_before["reason"]


def test_missing_sources_and_empty_columns(tmp_path) -> None:
    # no content_events or learning_records source; opportunities' type column present but
    # blank; sellers' start_date and quota columns present but blank
    sellers = "id,name,role,team,start_date,quota\n" + "".join(
        f"{s},{n},ae,East,,\n" for s, n in (("s1", "Ana"), ("s2", "Ben")))
    opportunities = textwrap.dedent("""\
        id,owner,stage,amount,created_at,closed_at,type
        a,s1,won,100,2017-04-01,2017-04-11,
        b,s1,lost,50,2017-04-02,2017-05-02,
        c,s2,won,300,2017-04-03,2017-06-03,
        """)
    got = results(make_workspace(tmp_path, tables={"sellers": sellers,
                                                   "opportunities": opportunities}))
    assert set(got) == BUILTIN_METRICS
    for metric in ("collateral_use_per_seller_month", "content_active_users_share",
                   "content_deal_linked_share"):
        assert (got[metric].status, got[metric].value, got[metric].reason) == \
            ("unknown", None, "no content_events source in the workspace"), metric
        assert got[metric].rows == 0
    for metric in ("certification_rate", "accreditation_rate", "assessment_pass_rate",
                   "elearning_completions", "elearning_active_learners_share"):
        assert (got[metric].status, got[metric].reason) == \
            ("unknown", "no learning_records source in the workspace"), metric
    assert got["cross_sell_upsell_share"].reason == "opportunities.type is empty in the data"
    for metric in ("quota_attainment", "quota_attainment_share"):
        assert got[metric].status == "unknown"
        assert got[metric].reason == "no quotas: sellers.quota is empty"
    for metric in ("time_to_first_close_days", "time_to_second_close_days"):
        assert got[metric].status == "unknown"
        assert "start date" in got[metric].reason
    # what the data does hold is still computed:
    #   win rate 2/3; ASP (100 + 300) / 2 = 200; cycle: a 10, c 61 -> (10 + 61) / 2 = 35.5
    #   created 3, value 450; velocity 3 * (2/3) * 200 / 35.5
    assert got["win_rate"].value == approx(2 / 3)
    assert got["average_sales_price"].value == 200
    assert got["sales_cycle_days"].value == 35.5
    assert got["pipeline_created_amount"].value == 450
    assert got["deal_velocity"].value == approx(3 * (2 / 3) * 200 / 35.5)
    # nothing unknown is ever reported as a number, and no metric raised
    for m in got.values():
        assert (m.value is None) == (m.status == "unknown"), m.id


def test_only_computes_the_metric_and_its_inputs(tmp_path) -> None:
    got = results(make_workspace(tmp_path), only={"deal_velocity"})
    assert set(got) == {"deal_velocity"}
    assert got["deal_velocity"].value == 787.5


# -- breakdowns -----------------------------------------------------------------------------

def test_q2_by_team(tmp_path) -> None:
    got = results(make_workspace(tmp_path), by="team")
    by = {m: got[m].by["team"] for m in got}
    # East = s1 s2 s5, West = s3 s4 s6
    # win rate: East won o07 o08 o09 o16, lost o10 -> 4/5; West won o11 o12 o13 o15 o17,
    #   lost o14 o22 -> 5/7
    assert by["win_rate"] == {"East": 0.8, "West": approx(5 / 7)}
    assert by["deals_won"] == {"East": 4, "West": 5}
    # ASP: East (5000 + 6000 + 2500 + 500) / 4 = 3500; West (6000 + 1000 + 1500 + 2000) / 4
    #   = 2625 (o17 has no amount)
    assert by["average_sales_price"] == {"East": 3500, "West": 2625}
    # cycle: East 31 31 35 40 -> 33; West 30 35 35 42 81 -> 35
    assert by["sales_cycle_days"] == {"East": 33, "West": 35}
    # created: East o08 o10 o16 o18 o19 o20 = 6; West o11 o12 o13 o14 o15 o17 = 6
    assert by["pipeline_created_count"] == {"East": 6, "West": 6}
    # value: East 6000 + 3000 + 500 + 7000 + 4000 = 20500; West 6000 + 1000 + 1500 + 800
    #   + 2000 = 11300 (together 31800)
    assert by["pipeline_created_amount"] == {"East": 20500, "West": 11300}
    # velocity: East 6 * 0.8 * 3500 / 33 = 16800 / 33; West 6 * 5/7 * 2625 / 35 = 11250 / 35
    assert by["deal_velocity"] == {"East": approx(16800 / 33), "West": approx(11250 / 35)}
    # attainment: East (1.1 + 0.3125) / 2 = 0.70625 (s5 has no quota); West
    #   (1.0 + 0.5 + 0.5) / 3 = 2/3; at quota: East s1 -> 1/2, West s3 -> 1/3
    assert by["quota_attainment"] == {"East": approx(0.70625), "West": approx(2 / 3)}
    assert by["quota_attainment_share"] == {"East": 0.5, "West": approx(1 / 3)}
    # second close: East s1 274, s2 94 -> 184; West s3 124, s4 70 -> 97
    assert by["time_to_second_close_days"] == {"East": 184, "West": 97}
    # first close: East s5 85; West s4 37
    assert by["time_to_first_close_days"] == {"East": 85, "West": 37}
    # collateral: East (3 + 2 + 0) / 9 = 5/9; West (2 + 3 + 0) / 9 = 5/9
    assert by["collateral_use_per_seller_month"] == {"East": approx(5 / 9),
                                                     "West": approx(5 / 9)}
    # certified: East s1 s2 of 3; West s3 of 3
    assert by["certification_rate"] == {"East": approx(2 / 3), "West": approx(1 / 3)}
    # content active: East s1 s2 of 3; West s3 s4 of 3
    assert by["content_active_users_share"] == {"East": approx(2 / 3), "West": approx(2 / 3)}


def test_q2_by_role(tmp_path) -> None:
    got = results(make_workspace(tmp_path), by="role")
    by = {m: got[m].by["role"] for m in got}
    # ae = s1 s2 s4, am = s3 s6, sdr = s5
    # certified: ae s1 s2 -> 2/3; am s3 -> 1/2; sdr none -> 0 (s5 certified in Q1 only)
    assert by["certification_rate"] == {"ae": approx(2 / 3), "am": 0.5, "sdr": 0.0}
    # first close in Q2: ae s4 37; sdr s5 85
    assert by["time_to_first_close_days"] == {"ae": 37, "sdr": 85}
    # second close in Q2: ae s1 274, s2 94, s4 70 -> 94; am s3 124
    assert by["time_to_second_close_days"] == {"ae": 94, "am": 124}
    # active e-learners: ae s1 s2 of 3; am s6 of 2; sdr none
    assert by["elearning_active_learners_share"] == {"ae": approx(2 / 3), "am": 0.5,
                                                     "sdr": 0.0}
    # collateral per seller month: ae (3 + 2 + 3) / 9 = 8/9; am (2 + 0) / 6 = 1/3; sdr 0
    assert by["collateral_use_per_seller_month"] == {"ae": approx(8 / 9), "am": approx(1 / 3),
                                                     "sdr": 0.0}


# -- several quarters: attainment per quarter, breakdown by quarter and month ---------------
#
# Period 2017-01-01 .. 2017-06-30 (not a quarter). Attainment stays per quarter: each
# seller-quarter is won amount in that quarter over the quarterly quota, so the half year
# has 4 + 5 = 9 seller-quarters (s4 starts in Q2; values from the Q1 and Q2 workings):
#   Q1: 0.3 + 0.375 + 2/3 + 0 = 161/120      Q2: 3.4125 = 273/80
#   mean = (161/120 + 273/80) / 9 = (322 + 819) / 240 / 9 = 1141/2160
#   at or above quota: s1 and s3 in Q2 only -> 2/9
# (Dividing a seller's half-year won amount by one quarterly quota would be wrong: s1 alone
#  would be (3000 + 5000 + 6000) / 10000 = 1.4.)
# Collateral: 1 (Q1) + 10 (Q2) seller events over 12 + 18 seller-months = 11/30

@pytest.fixture(scope="module")
def half(tmp_path_factory) -> dict[str, Any]:
    root = make_workspace(tmp_path_factory.mktemp("h1"),
                          period="{start: 2017-01-01, end: 2017-06-30}")
    return results(root, by="quarter")


def test_half_year_attainment_is_per_quarter(half) -> None:
    assert half["quota_attainment"].value == approx(1141 / 2160)
    assert half["quota_attainment"].rows == 9
    assert half["quota_attainment_share"].value == approx(2 / 9)
    # by quarter: Q1 161/120 / 4 = 161/480; Q2 0.6825; at quota Q1 0, Q2 2/5
    assert half["quota_attainment"].by["quarter"] == {"2017-Q1": approx(161 / 480),
                                                      "2017-Q2": approx(0.6825)}
    assert half["quota_attainment_share"].by["quarter"] == {"2017-Q1": 0.0, "2017-Q2": 0.4}


def test_half_year_values_and_quarters(half) -> None:
    # won 4 + 9 = 13 of 6 + 12 decided = 13/18
    assert half["win_rate"].value == approx(13 / 18)
    assert half["deals_won"].value == 13
    # created in H1: 9 + 12 = 21 (o01, created 2016-12-01, is not)
    assert half["pipeline_created_count"].value == 21
    assert half["pipeline_created_amount"].value == 22200 + 31800
    # ASP: (10000 + 24500) / (4 + 8) = 34500 / 12 = 2875
    assert half["average_sales_price"].value == 2875
    # cycle over 13 won: 4 30 31 31 35 35 [35] 40 42 42 49 50 81 -> 35
    assert half["sales_cycle_days"].value == 35
    assert half["collateral_use_per_seller_month"].value == approx(11 / 30)
    # time to first close in H1: s1 203, s2 58, s3 58, s4 37, s5 85 -> median 58
    # time to second close in H1: s4 70, s2 94, s3 124, s1 274 -> (94 + 124) / 2 = 109
    assert half["time_to_first_close_days"].value == 58
    assert half["time_to_second_close_days"].value == 109
    # by quarter, each anchored on its own date (closes on closed_at, pipeline on created_at)
    assert half["win_rate"].by["quarter"] == {"2017-Q1": approx(2 / 3), "2017-Q2": 0.75}
    assert half["deals_won"].by["quarter"] == {"2017-Q1": 4, "2017-Q2": 9}
    assert half["average_sales_price"].by["quarter"] == {"2017-Q1": 2500, "2017-Q2": 3062.5}
    assert half["sales_cycle_days"].by["quarter"] == {"2017-Q1": 45.5, "2017-Q2": 35}
    assert half["pipeline_created_count"].by["quarter"] == {"2017-Q1": 9, "2017-Q2": 12}
    assert half["pipeline_created_amount"].by["quarter"] == {"2017-Q1": 22200,
                                                             "2017-Q2": 31800}
    assert half["deal_velocity"].by["quarter"] == {"2017-Q1": approx(9 * (2 / 3) * 2500 / 45.5),
                                                   "2017-Q2": 787.5}
    assert half["time_to_second_close_days"].by["quarter"] == {"2017-Q2": 109}
    assert half["time_to_first_close_days"].by["quarter"] == {"2017-Q1": 58,
                                                              "2017-Q2": 61}


def test_half_year_per_month_metric_by_quarter(half) -> None:
    # collateral per seller-month within each quarter: Q1 1 / 12 (see the Q1 working);
    #   Q2 10 / (6 x 3) = 5/9
    assert half["collateral_use_per_seller_month"].by["quarter"] == {
        "2017-Q1": approx(1 / 12), "2017-Q2": approx(5 / 9)}


def test_per_quarter_attainment_by_month_has_no_quarter_labels(tmp_path) -> None:
    got = results(make_workspace(tmp_path), by="month", only={"quota_attainment"})
    # a quarterly attainment cannot be split by month: the breakdown is either empty (does
    # not apply) or keyed by month, never by quarter
    assert set(got["quota_attainment"].by["month"]) <= {"2017-04", "2017-05", "2017-06"}


def test_half_year_by_month(tmp_path) -> None:
    root = make_workspace(tmp_path, period="{start: 2017-01-01, end: 2017-06-30}")
    got = results(root, by="month", only={"elearning_completions",
                                          "collateral_use_per_seller_month"})
    # course completions: l20 Feb, l15 Apr, l16 May, l18 Jun
    assert got["elearning_completions"].value == 4
    assert got["elearning_completions"].by["month"] == {
        "2017-02": 1, "2017-04": 1, "2017-05": 1, "2017-06": 1}
    # seller events per month over the sellers started by then (Jan 3, Feb 4, Mar 5, then
    #   6): Jan 0, Feb 0 (s5's event is before s5 started), Mar 1 (s1), Apr 3 (s1 x2, s2),
    #   May 3 (s1, s4 x2; m1 is no seller), Jun 4 (s2, s3 x2, s4)
    assert got["collateral_use_per_seller_month"].by["month"] == {
        "2017-01": 0.0, "2017-02": 0.0, "2017-03": approx(1 / 5),
        "2017-04": 0.5, "2017-05": 0.5, "2017-06": approx(4 / 6)}


# -- kinds the built-in ruleset does not use: percentile, median and sum of a column,
# distinct count, attainment per month --------------------------------------------------

OVERLAY = """\
apiVersion: enableframe/v1
kind: Ruleset
metadata: {name: handworked, version: "1.0", description: enablement 3.0 and column stats}
extends: [builtin:enablement-3.0]
metrics:
  - id: won_amount_p75
    name: Won amount, 75th percentile
    ownership: influenced
    unit: currency
    kind: percentile
    p: 0.75
    table: opportunities
    column: amount
    where: {stage: won}
    anchor: closed_at
  - id: won_amount_median
    name: Won amount, median
    ownership: influenced
    unit: currency
    kind: median
    table: opportunities
    column: amount
    where: {stage: won}
    anchor: closed_at
  - id: won_amount_total
    name: Won amount
    ownership: influenced
    unit: currency
    kind: sum
    table: opportunities
    column: amount
    where: {stage: won}
    anchor: closed_at
  - id: sellers_losing
    name: Sellers who lost a deal
    ownership: influenced
    unit: count
    kind: count
    distinct: true
    column: owner
    table: opportunities
    where: {stage: lost}
    anchor: closed_at
  - id: monthly_attainment_share
    name: Seller-months at or above the monthly quota
    ownership: influenced
    unit: ratio
    kind: attainment
    table: opportunities
    column: amount
    key: owner
    where: {stage: won}
    anchor: closed_at
    entity: {table: sellers, quota: quota, where: {quota: {gt: 0}}}
    per: month
    statistic: share_at_or_above
    at_or_above: 1.0
  - id: monthly_attainment
    name: Monthly attainment
    ownership: influenced
    unit: ratio
    kind: attainment
    table: opportunities
    column: amount
    key: owner
    where: {stage: won}
    anchor: closed_at
    entity: {table: sellers, quota: quota, where: {quota: {gt: 0}}}
    per: month
    statistic: mean
"""


def test_column_statistics_and_monthly_attainment(tmp_path) -> None:
    (tmp_path / "handworked.yaml").write_text(OVERLAY, encoding="utf-8")
    got = results(make_workspace(tmp_path, ruleset="handworked.yaml"))
    assert set(got) > BUILTIN_METRICS
    # Q2 won amounts (o17 has none), sorted: 500 1000 1500 2000 2500 5000 6000 6000 (n = 8)
    # 75th percentile, continuous: position (8 - 1) * 0.75 = 5.25 -> 5000 + 0.25 * 1000 = 5250
    assert got["won_amount_p75"].value == 5250
    # median: (2000 + 2500) / 2 = 2250
    assert got["won_amount_median"].value == 2250
    assert got["won_amount_total"].value == 24500
    assert got["won_amount_total"].rows == 8
    # distinct owners of deals lost in Q2: o10 s2, o14 s4, o22 s6 = 3
    assert got["sellers_losing"].value == 3
    # Monthly quota = quarterly / 3. Won amount per seller and month in Q2:
    #   s1 Apr 5000 / (10000/3) = 1.5, May 6000 / (10000/3) = 1.8, Jun 0
    #   s2 Apr 2500 / (8000/3) = 0.9375, May 0, Jun 0
    #   s3 Jun 6000 / 2000 = 3.0, Apr 0, May 0
    #   s4 May 1000 / (5000/3) = 0.6, Jun 1500 / (5000/3) = 0.9, Apr 0
    #   s6 May 2000 / (4000/3) = 1.5, Apr 0, Jun 0
    # at or above 1: s1 Apr, s1 May, s3 Jun, s6 May = 4 of 15 seller-months
    # mean: (1.5 + 1.8 + 0.9375 + 3.0 + 0.6 + 0.9 + 1.5) / 15 = 10.2375 / 15 = 0.6825,
    #   the quarterly mean, as it must be (three months of quota/3 each)
    assert got["monthly_attainment_share"].value == approx(4 / 15)
    assert got["monthly_attainment_share"].rows == 15
    assert got["monthly_attainment"].value == approx(0.6825)


# -- the comparison period of a calendar year -----------------------------------------------

def test_previous_of_a_calendar_year_is_the_year_before(tmp_path) -> None:
    root = make_workspace(tmp_path, period="{start: 2017-01-01, end: 2017-12-31}")
    got = results(root, only={"deals_won"})
    previous = got["deals_won"].comparisons["previous"]["period"]
    assert (previous["start"], previous["end"]) == ("2016-01-01", "2016-12-31")


def test_metric_results_are_remembered_until_a_kind_plugin_changes(tmp_path,
                                                                    monkeypatch) -> None:
    import enableframe.metric_run as metric_run
    from enableframe.plugin_host import get_plugin_host

    root = make_workspace(tmp_path)
    calls = []
    real = metric_run.compute_metrics

    def counting(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(metric_run, "compute_metrics", counting)
    first = results(root)
    assert results(root)["win_rate"].value == first["win_rate"].value and len(calls) == 1
    host = get_plugin_host()  # the built-in kinds' plugin "upgraded"
    monkeypatch.setitem(host.dists, "metrics", ("enableframe", "99.0"))
    results(root)
    assert len(calls) == 2
