"""Charter boundaries: each request of the intake log classified against the charter, in
DuckDB; the junk-drawer index, demand against capacity, owned metrics nobody measures, the
enablement-to-seller ratio and the reporting line."""

from __future__ import annotations

from typing import Any

from enableframe.metric_sql import ident
from enableframe.periods import Period

SAMPLES = 5


def _match_sql(match: dict[str, Any], params: list[Any]) -> str:
    """A request matches a rule when any of its categories, teams or keywords match."""
    ors = []
    for column, key in (("category", "categories"), ("requester_team", "requester_teams")):
        values = [str(v).lower() for v in match.get(key, [])]
        if values:
            ors.append(f"lower(trim({ident(column)})) IN ({', '.join('?' for _ in values)})")
            params.extend(values)
    for word in match.get("keywords", []):
        ors.append("contains(lower(coalesce(title, '') || ' ' || coalesce(description, '')),"
                   " ?)")
        params.append(str(word).lower())
    return "(" + " OR ".join(ors or ["FALSE"]) + ")"


def classify_requests(con: Any, charter: dict[str, Any], period: Period) -> dict[str, Any]:
    """Counts and effort in, out of and unclassified against the charter for requests
    logged in the period; out-of-charter requests by the owner they belong to.

    Out-of-scope rules are tried first: "not ours" wins over a broad in-scope keyword."""
    params: list[Any] = []
    cases = []
    for rule in charter.get("out_of_scope", []):
        cases.append(f"WHEN {_match_sql(rule['match'], params)} THEN 'out'")
    for rule in charter.get("in_scope", []):
        cases.append(f"WHEN {_match_sql(rule['match'], params)} THEN 'in'")
    owner_params: list[Any] = []
    owners = []
    for rule in charter.get("out_of_scope", []):
        condition = _match_sql(rule["match"], owner_params)
        owner_params.append(rule["owner"])  # text order: the match, then THEN ?
        owners.append(f"WHEN {condition} THEN ?")
    scope = f"CASE {' '.join(cases)} ELSE 'unclassified' END" if cases else "'unclassified'"
    owner = f"CASE {' '.join(owners)} END" if owners else "NULL"
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE _classified AS SELECT id, title, effort, "
        f"{scope} AS scope, {owner} AS owner FROM requests "
        f"WHERE created_at BETWEEN ? AND ?", [*params, *owner_params, period.start, period.end])
    total, effort = con.execute(
        "SELECT count(*), sum(effort) FROM _classified").fetchone()
    by_scope = {s: (n, e) for s, n, e in con.execute(
        "SELECT scope, count(*), sum(effort) FROM _classified GROUP BY 1").fetchall()}
    by_owner = [{"owner": o, "requests": int(n), "effort": e} for o, n, e in con.execute(
        "SELECT owner, count(*), sum(effort) FROM _classified WHERE scope = 'out' "
        "GROUP BY 1 ORDER BY 2 DESC, 1").fetchall()]
    unclassified = [t for (t,) in con.execute(
        f"SELECT title FROM _classified WHERE scope = 'unclassified' ORDER BY id "
        f"LIMIT {SAMPLES}").fetchall()]

    def share(scope_name: str, index: int, whole: Any) -> float | None:
        part = by_scope.get(scope_name, (0, 0))[index] or 0
        return float(part) / float(whole) if whole else None

    no_rules = not charter.get("out_of_scope")
    return {
        "period": period.label,
        # with nothing declared out of scope, "0 % out of charter" would be a lie
        "out_of_scope_rules": not no_rules,
        "total": int(total),
        "in_charter": int(by_scope.get("in", (0, 0))[0]),
        "out_of_charter": int(by_scope.get("out", (0, 0))[0]),
        "unclassified": int(by_scope.get("unclassified", (0, 0))[0]),
        "out_of_charter_share": None if no_rules else share("out", 0, total),
        "unclassified_share": share("unclassified", 0, total),
        "effort_hours": float(effort) if effort is not None else None,
        "effort_out_of_charter_share": None if no_rules else share("out", 1, effort),
        "by_owner": by_owner,
        "unclassified_samples": unclassified,
    }


def demand_to_capacity(summary: dict[str, Any], charter: dict[str, Any],
                       period: Period) -> float | None:
    """Requested effort over the team's capacity in the period (above 1: more asks than
    the team can fulfil, Jefferson's signal of success)."""
    capacity = charter.get("capacity_hours_per_quarter")
    effort = summary.get("effort_hours")
    if not capacity or effort is None:
        return None
    quarters = ((period.end - period.start).days + 1) / (365.25 / 4)
    return effort / (capacity * quarters)
