"""A column with a one-sided range (requests.effort: minimum 0, no maximum) loads: the open
bound is a DOUBLE infinity in SQL, not the bare word Infinity (which DuckDB took for a column
and refused every requests source)."""

from __future__ import annotations

import json

import pytest

pytestmark = pytest.mark.usefixtures("fresh_host")  # conftest.py


def test_requests_with_effort_load_and_a_negative_effort_is_rejected(write, run) -> None:
    write("requests.csv", """
        id,title,created_at,effort
        r1,Onboarding for May starters,2017-04-03,12.5
        r2,Fix the CRM picklist,2017-04-04,
        r3,Negative hours,2017-04-05,-2
        """)
    path = write("enableframe.yaml", """
        apiVersion: enableframe/v1
        kind: Workspace
        client: Test
        ruleset: builtin:enablement-3.0
        sources:
          requests: {connector: requests-csv, path: requests.csv}
        """)
    result = run("data", "check", "--format", "json", str(path.parent))
    assert result.exit_code == 0, result.output
    (table,) = json.loads(result.stdout)["tables"]
    assert (table["read"], table["accepted"], table["rejected"]) == (3, 2, 1)
    reasons = {r["reason"] for r in table["rejections"]}
    assert "negative effort" in reasons
