"""The metric set of ``builtin:enablement-3.0`` as the pandas script a consultant would write.

    python bench/hand_pandas.py DATA_DIR [--period 2024-Q4]

pandas is NOT a dependency of enableframe; it is installed into the benchmark's virtualenv
only (``/tmp/v/bin/pip install pandas``). Same output as ``bench/hand_duckdb.py``: each
metric in the period, the previous quarter and a year before, plus win rate by team and
quarter and pipeline created by quarter. Idiomatic pandas: ``read_csv`` with ``usecols``,
parsed dates, boolean masks, ``groupby`` by quarter (``dt.to_period("Q")``).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import pandas as pd

WON, LOST = "Closed Won", "Closed Lost"
UPSELL = ["Existing Business - Upsell", "Existing Business - Cross-Sell"]


def quarters(period: str) -> dict[str, str]:
    year, q = int(period[:4]), int(period[-1])
    prev = f"{year - 1}-Q4" if q == 1 else f"{year}-Q{q - 1}"
    return {"current": period, "previous": prev, "year_before": f"{year - 1}-Q{q}"}


def qtr(dates: pd.Series) -> pd.Series:
    return dates.dt.to_period("Q")


def label(q: pd.Period) -> str:
    return f"{q.year}-Q{q.quarter}"


def started_by(sellers: pd.DataFrame, label: str) -> pd.Series:
    """Sellers who had started by the end of quarter ``label`` (or have no start date)."""
    end = pd.Period(label, freq="Q").end_time.normalize()
    start = sellers["Start_Date__c"]
    return start.isna() | (start <= end)


def num(v) -> float | None:
    return None if v is None or pd.isna(v) else float(v)


def run(data: Path, period: str) -> dict:
    o = pd.read_csv(data / "opportunities.csv",
                    usecols=["Id", "OwnerId", "StageName", "Amount", "CreatedDate",
                             "CloseDate", "Type"], parse_dates=["CloseDate"])
    o["created"] = pd.to_datetime(o["CreatedDate"], utc=True).dt.tz_localize(None).dt.normalize()
    s = pd.read_csv(data / "sellers.csv",
                    usecols=["Id", "Team__c", "Start_Date__c", "Quarterly_Quota__c"],
                    parse_dates=["Start_Date__c"])
    learning = pd.read_csv(data / "learning_records.csv",
                           usecols=["UserId", "ActivityType", "Status", "Timestamp"])
    learning["day"] = pd.to_datetime(learning["Timestamp"], utc=True).dt.tz_localize(None) \
        .dt.normalize()

    qs = quarters(period)
    wanted = list(qs.values())
    by_q: dict[str, dict[str, float | None]] = {q: {} for q in wanted}

    def fill(frame: pd.DataFrame) -> None:
        for q, row in frame.iterrows():
            if label(q) in by_q:
                by_q[label(q)].update({k: num(v) for k, v in row.items()})

    o["close_q"] = qtr(o["CloseDate"])
    o["create_q"] = qtr(o["created"])
    o["won"] = o["StageName"] == WON
    closed = o[o["StageName"].isin([WON, LOST])]
    won = closed[closed["won"]].copy()
    won["cycle"] = (won["CloseDate"] - won["created"]).dt.days
    won["upsell"] = won["Type"].isin(UPSELL)
    g = won.groupby("close_q")
    fill(pd.DataFrame({
        "win_rate": closed.groupby("close_q")["won"].mean(),
        "average_sales_price": g["Amount"].mean(),
        "sales_cycle_days": g["cycle"].median(),
        "deals_won": g.size(),
        "cross_sell_upsell_share": g["upsell"].mean(),
    }))
    fill(o.groupby("create_q").agg(pipeline_created_count=("Id", "size"),
                                   pipeline_created_amount=("Amount", "sum")))

    # quota attainment: every seller with a quota who had started by the quarter's end,
    # won amount / quota
    won_by = won.groupby(["close_q", "OwnerId"])["Amount"].sum()
    for q in wanted:
        quota = s[(s["Quarterly_Quota__c"] > 0) & started_by(s, q)]
        qp = pd.Period(q, freq="Q")
        in_q = (won_by.loc[qp] if qp in won_by.index.levels[0]
                else pd.Series(dtype=float))
        amounts = quota["Id"].map(in_q).fillna(0)
        ratio = amounts.to_numpy() / quota["Quarterly_Quota__c"].to_numpy()
        by_q[q]["quota_attainment"] = float(ratio.mean())
        by_q[q]["quota_attainment_share"] = float((ratio >= 1.0).mean())

    # time to first / second close: days from start to the seller's 1st / 2nd won deal
    ev = won.merge(s, left_on="OwnerId", right_on="Id", suffixes=("", "_s"))
    ev = ev[ev["CloseDate"] >= ev["Start_Date__c"]].sort_values(["OwnerId", "CloseDate", "Id"])
    ev["rn"] = ev.groupby("OwnerId").cumcount() + 1
    ev["days"] = (ev["CloseDate"] - ev["Start_Date__c"]).dt.days
    for n, name in ((1, "time_to_first_close_days"), (2, "time_to_second_close_days")):
        fill(ev[ev["rn"] == n].groupby("close_q")["days"].median().to_frame(name))

    # learning: shares of the sellers started by the quarter's end with a record in it;
    # pass rate, completions
    learning["q"] = qtr(learning["day"])
    kind, status = learning["ActivityType"], learning["Status"]
    passed = status.isin(["Passed", "Completed"])
    for name, mask in (("certification_rate", (kind == "Certification") & passed),
                       ("accreditation_rate", (kind == "Accreditation") & passed),
                       ("elearning_active_learners_share", kind == "Course")):
        for q in wanted:
            sellers = s.loc[started_by(s, q), "Id"]
            who = learning.loc[mask & (learning["q"] == pd.Period(q, freq="Q")), "UserId"]
            by_q[q][name] = float(who[who.isin(sellers)].nunique() / len(sellers))
    assess = learning[(kind == "Assessment") & status.isin(["Passed", "Failed"])]
    fill((assess["Status"] == "Passed").groupby(assess["q"]).mean()
         .to_frame("assessment_pass_rate"))
    fill(learning[(kind == "Course") & (status == "Completed")].groupby("q").size()
         .to_frame("elearning_completions"))

    for values in by_q.values():
        values["average_deal_size"] = values.get("average_sales_price")
        inputs = [values.get(n) for n in ("pipeline_created_count", "win_rate",
                                          "average_sales_price", "sales_cycle_days")]
        values["deal_velocity"] = (None if None in inputs or not inputs[3] else
                                   inputs[0] * inputs[1] * inputs[2] / inputs[3])
    names = sorted({n for v in by_q.values() for n in v})
    out = {"period": period,
           "metrics": {n: {label: by_q[q].get(n) for label, q in qs.items()} for n in names}}
    team = closed.merge(s[["Id", "Team__c"]], left_on="OwnerId", right_on="Id")
    rates = team.groupby(["Team__c", "close_q"])["won"].mean()
    out["win_rate_by_team_quarter"] = {f"{t} {label(q)}": float(v)
                                       for (t, q), v in rates.items()}
    pipe = o.groupby("create_q").agg(n=("Id", "size"), a=("Amount", "sum"))
    out["pipeline_created_by_quarter"] = {label(q): [int(r.n), float(r.a)]
                                          for q, r in pipe.iterrows()}
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("data", type=Path)
    parser.add_argument("--period", default="2024-Q4")
    args = parser.parse_args(argv)
    json.dump(run(args.data, args.period), sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main()
