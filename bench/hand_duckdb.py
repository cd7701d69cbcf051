"""The metric set of ``builtin:enablement-3.0`` as a hand-written DuckDB script.

    python bench/hand_duckdb.py DATA_DIR [--period 2024-Q4]

What an analyst fluent in SQL would write against the exports of
``bench/generate_exports.py``: read the columns it needs from each CSV once into a table,
then one grouped query per metric family, by quarter. It prints JSON: for each metric its
value in the period, the previous quarter and the same quarter a year before (the numbers
``enableframe metrics`` gives), plus win rate by team and quarter and pipeline created by
quarter. Definitions follow ``enablement-3.0.yaml`` (so the numbers can be compared to the
last digit); the exports are clean, so no row checks are needed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path

import duckdb

WON, LOST = "Closed Won", "Closed Lost"
UPSELL = ("Existing Business - Upsell", "Existing Business - Cross-Sell")


def quarters(period: str) -> dict[str, str]:
    year, q = int(period[:4]), int(period[-1])
    prev = f"{year - 1}-Q4" if q == 1 else f"{year}-Q{q - 1}"
    return {"current": period, "previous": prev, "year_before": f"{year - 1}-Q{q}"}


def quarter_end(label: str) -> dt.date:
    year, q = int(label[:4]), int(label[-1])
    first_after = dt.date(year + 1, 1, 1) if q == 4 else dt.date(year, 3 * q + 1, 1)
    return first_after - dt.timedelta(days=1)


def run(data: Path, period: str) -> dict:
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    f = {name: str(data / f"{name}.csv").replace("'", "''")
         for name in ("opportunities", "sellers", "learning_records")}
    con.execute(f"""
        CREATE TABLE o AS
        SELECT Id AS id, OwnerId AS owner, StageName AS stage, Amount AS amount,
               CAST(CreatedDate AS DATE) AS created, CloseDate AS closed, Type AS type
        FROM read_csv('{f["opportunities"]}')""")
    con.execute(f"""
        CREATE TABLE s AS
        SELECT Id AS id, Team__c AS team, Start_Date__c AS start,
               Quarterly_Quota__c AS quota FROM read_csv('{f["sellers"]}')""")
    con.execute(f"""
        CREATE TABLE l AS
        SELECT UserId AS learner, ActivityType AS kind, Status AS status,
               CAST(CAST("Timestamp" AS TIMESTAMPTZ) AS DATE) AS day
        FROM read_csv('{f["learning_records"]}')""")
    con.execute("""CREATE MACRO qtr(d) AS
                   CAST(year(d) AS VARCHAR) || '-Q' || CAST(quarter(d) AS VARCHAR)""")
    qs = quarters(period)
    wanted = list(qs.values())
    ends = [quarter_end(q) for q in wanted]
    by_q: dict[str, dict[str, float | None]] = {q: {} for q in wanted}

    def fill(sql: str, names: list[str], params: list | None = None) -> None:
        for q, *values in con.execute(sql, params or []).fetchall():
            if q in by_q:
                by_q[q].update({n: None if v is None else float(v)
                                for n, v in zip(names, values, strict=True)})

    fill(f"""
        SELECT qtr(closed),
               count(*) FILTER (stage = '{WON}') / count(*) FILTER (stage IN ('{WON}',
                   '{LOST}')),
               avg(amount) FILTER (stage = '{WON}'),
               median(closed - created) FILTER (stage = '{WON}'),
               count(*) FILTER (stage = '{WON}'),
               count(*) FILTER (stage = '{WON}' AND type IN {UPSELL})
                   / count(*) FILTER (stage = '{WON}')
        FROM o WHERE stage IN ('{WON}', '{LOST}') GROUP BY 1""",
         ["win_rate", "average_sales_price", "sales_cycle_days", "deals_won",
          "cross_sell_upsell_share"])
    fill("SELECT qtr(created), count(*), sum(amount) FROM o GROUP BY 1",
         ["pipeline_created_count", "pipeline_created_amount"])
    # quota attainment: every seller with a quota who had started by the quarter's end,
    # won amount / quota
    fill(f"""
        WITH w AS (SELECT owner, qtr(closed) AS q, sum(amount) AS amt FROM o
                   WHERE stage = '{WON}' GROUP BY 1, 2),
             p AS (SELECT unnest(?::VARCHAR[]) AS q, unnest(?::DATE[]) AS qend)
        SELECT p.q, avg(COALESCE(w.amt, 0) / s.quota),
               avg(CASE WHEN COALESCE(w.amt, 0) / s.quota >= 1.0 THEN 1.0 ELSE 0.0 END)
        FROM s CROSS JOIN p LEFT JOIN w ON w.owner = s.id AND w.q = p.q
        WHERE s.quota > 0 AND (s.start IS NULL OR s.start <= p.qend) GROUP BY 1""",
         ["quota_attainment", "quota_attainment_share"], [wanted, ends])
    # time to first / second close: days from start to the seller's 1st / 2nd won deal
    fill(f"""
        WITH ev AS (SELECT o.closed, s.start, row_number() OVER (PARTITION BY o.owner
                           ORDER BY o.closed, o.id) AS rn
                    FROM o JOIN s ON s.id = o.owner
                    WHERE o.stage = '{WON}' AND o.closed >= s.start)
        SELECT qtr(closed), median(closed - start) FILTER (rn = 1),
               median(closed - start) FILTER (rn = 2)
        FROM ev WHERE rn <= 2 GROUP BY 1""",
         ["time_to_first_close_days", "time_to_second_close_days"])
    # learning: shares of the sellers started by the quarter's end with a record in it;
    # pass rate, completions
    fill("""
        WITH per AS (
            SELECT learner, qtr(day) AS q,
                   bool_or(kind = 'Certification' AND status IN ('Passed', 'Completed'))
                       AS cert,
                   bool_or(kind = 'Accreditation' AND status IN ('Passed', 'Completed'))
                       AS accr,
                   bool_or(kind = 'Course') AS course
            FROM l GROUP BY 1, 2),
             p AS (SELECT unnest(?::VARCHAR[]) AS q, unnest(?::DATE[]) AS qend)
        SELECT p.q, avg(CASE WHEN per.cert THEN 1.0 ELSE 0.0 END),
               avg(CASE WHEN per.accr THEN 1.0 ELSE 0.0 END),
               avg(CASE WHEN per.course THEN 1.0 ELSE 0.0 END)
        FROM s CROSS JOIN p LEFT JOIN per ON per.learner = s.id AND per.q = p.q
        WHERE s.start IS NULL OR s.start <= p.qend
        GROUP BY 1""",
         ["certification_rate", "accreditation_rate", "elearning_active_learners_share"],
         [wanted, ends])
    fill("""
        SELECT qtr(day),
               count(*) FILTER (kind = 'Assessment' AND status = 'Passed')
                   / count(*) FILTER (kind = 'Assessment' AND status IN ('Passed', 'Failed')),
               count(*) FILTER (kind = 'Course' AND status = 'Completed')
        FROM l GROUP BY 1""", ["assessment_pass_rate", "elearning_completions"])
    for values in by_q.values():
        values["average_deal_size"] = values.get("average_sales_price")
        inputs = [values.get(n) for n in ("pipeline_created_count", "win_rate",
                                          "average_sales_price", "sales_cycle_days")]
        values["deal_velocity"] = (None if None in inputs or not inputs[3] else
                                   inputs[0] * inputs[1] * inputs[2] / inputs[3])
    names = sorted({n for v in by_q.values() for n in v})
    out = {"period": period,
           "metrics": {n: {label: by_q[q].get(n) for label, q in qs.items()} for n in names}}
    rows = con.execute(f"""
        SELECT s.team, qtr(o.closed), count(*) FILTER (o.stage = '{WON}') / count(*)
        FROM o JOIN s ON s.id = o.owner WHERE o.stage IN ('{WON}', '{LOST}')
        GROUP BY 1, 2 ORDER BY 1, 2""").fetchall()
    out["win_rate_by_team_quarter"] = {f"{t} {q}": v for t, q, v in rows}
    out["pipeline_created_by_quarter"] = {
        q: [n, a] for q, n, a in con.execute(
            "SELECT qtr(created), count(*), sum(amount) FROM o GROUP BY 1 ORDER BY 1"
        ).fetchall()}
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
