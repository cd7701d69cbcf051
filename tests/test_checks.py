"""Unit tests of the ruleset checks and their messages (schema patterns, ids, where filters)."""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from enableframe import resources
from enableframe.errors import allowed_hint
from enableframe.metric_kinds import BUILTIN_KINDS, missing_fields
from enableframe.ruleset import check_ruleset
from enableframe.schema_check import PATTERNS

HEADER = """\
apiVersion: enableframe/v1
kind: Ruleset
metadata: {name: checks, version: "1"}
levels:
  - {id: 1, name: Ad hoc}
dimensions:
  - {id: people, name: People}
"""


def problems(tmp_path: Path, body: str) -> list[str]:
    """The problems of HEADER + ``body`` as printed, the file name being ``r.yaml``."""
    path = tmp_path / "r.yaml"
    path.write_text(HEADER + textwrap.dedent(body), encoding="utf-8")
    _, found = check_ruleset(str(path))
    return [str(p).replace(str(path), "r.yaml") for p in found if p.severity == "error"]


def patterns(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, sub in node.items():
            if key == "pattern" and isinstance(sub, str):
                yield sub
            else:
                yield from patterns(sub)
    elif isinstance(node, list):
        for sub in node:
            yield from patterns(sub)


@pytest.mark.parametrize("name", ["ruleset", *(f"tables/{t}" for t in resources.table_names())])
def test_every_schema_pattern_is_described_in_words(name: str) -> None:
    for pattern in patterns(resources.schema(name)):
        assert pattern in PATTERNS, f"{name}: describe {pattern} in schema_check.PATTERNS"


def test_threshold_key_that_is_not_a_level_id(tmp_path: Path) -> None:
    found = problems(tmp_path, """\
        scoring:
          method: weighted
          thresholds: {"10": 0.5, "2": 0.3, "1": 0.2}
        criteria:
          - {id: c, dimension: people, level: 1, when: "true", recommendation: R.}
        """)
    assert found == [
        "r.yaml:10:16: $.scoring.thresholds.10: '10' is not a level id; allowed: one digit, "
        "1 to 9",
        "r.yaml:10:27: $.scoring.thresholds.2: unknown level 2; allowed: 1",
    ]


def test_missing_fields_quotes_each_name() -> None:
    assert missing_fields(BUILTIN_KINDS["percentile"], {}) == [
        "'table'", "'p'", "'column' or 'measure'"]
    assert missing_fields(BUILTIN_KINDS["count"], {"table": "sellers"}) == []


def test_allowed_hint() -> None:
    assert allowed_hint("peeple", ["people", "purpose"]) == (
        "did you mean 'people'? allowed: people, purpose")
    assert allowed_hint("x", []) == "allowed: none defined"
    many = [f"name_{n}" for n in range(13)]
    assert allowed_hint("name_1x", many, limit=True) == (
        "did you mean 'name_1'? 13 names are defined")


def test_where_values_are_located_one_by_one(tmp_path: Path) -> None:
    found = problems(tmp_path, """\
        metrics:
          - id: reps
            name: Reps
            kind: count
            ownership: owned
            table: sellers
            where:
              role: {in: [ae, rep, sdr], ne: boss}
              region: {eq: anything}
        criteria:
          - {id: c, dimension: people, level: 1, when: reps > 1, recommendation: R.}
        """)
    roles = "allowed: bdr, sdr, ae, am, csm, se, manager, channel_partner, other"
    assert found == [
        f"r.yaml:15:23: $.metrics[0].where.role: 'rep' is not a value of sellers.role; {roles}",
        f"r.yaml:15:38: $.metrics[0].where.role: 'boss' is not a value of sellers.role; {roles}",
    ]


def test_every_item_of_a_repeated_id_is_checked(tmp_path: Path) -> None:
    found = problems(tmp_path, """\
        criteria:
          - {id: c, dimension: peeple, level: 1, when: "true", recommendation: R.}
          - {id: c, dimension: people, level: 7, when: "true", recommendation: R.}
        """)
    assert sorted(line.split(": ", 2)[1] for line in found) == [
        "$.criteria[0].dimension", "$.criteria[1].id", "$.criteria[1].level"]
