"""Overlays: merge by id, remove, append, deep maps, provenance, extends cycles."""

from __future__ import annotations

from pathlib import Path

import pytest

from enableframe.errors import RulesetError
from enableframe.ruleset import check_ruleset, load_ruleset

OVERLAY = """
apiVersion: enableframe/v1
kind: Ruleset
metadata: {name: client, version: "2.0"}
extends: [base.yaml]
criteria:
  - id: win_rate_tracked
    params: {min_win_rate: 0.3}
  - id: charter_written
    remove: true
  - id: reps_and_managers
    dimension: purpose
    level: 3
    when: onboarding.active && "managers" in onboarding.audience
    recommendation: Include managers.
scoring: {overall: median}
"""


def test_overlay_tightens_removes_and_adds(base_ruleset: Path, write) -> None:
    path = write("client.yaml", OVERLAY)
    ruleset = load_ruleset(str(path))
    criteria = ruleset.criteria
    assert list(criteria) == ["win_rate_tracked", "onboarding_runs", "reps_and_managers"]
    assert criteria["win_rate_tracked"]["params"] == {"min_win_rate": 0.3}
    # field by field: the rest of the criterion is inherited
    assert criteria["win_rate_tracked"]["when"] == "win_rate >= min_win_rate"
    assert ruleset.scoring["overall"] == "median"
    assert ruleset.scoring["method"] == "staged"  # deep map merge keeps the base's key
    assert ruleset.name == "client" and ruleset.version == "2.0"
    assert ruleset.document["metadata"]["description"] == "Base for tests"
    assert [Path(p).name for p in ruleset.chain] == ["base.yaml", "client.yaml"]


def test_provenance_names_the_file_and_line_that_set_each_field(base_ruleset, write) -> None:
    path = write("client.yaml", OVERLAY)
    data = load_ruleset(str(path)).to_data(provenance=True)
    tracked = next(c for c in data["criteria"] if c["id"] == "win_rate_tracked")
    prov = tracked["_provenance"]
    assert prov["params.min_win_rate"] == f"{path}:{line_of(path, 'min_win_rate: 0.3')}"
    assert prov["when"] == f"{base_ruleset}:{line_of(base_ruleset, 'when: win_rate >=')}"
    added = next(c for c in data["criteria"] if c["id"] == "reps_and_managers")
    assert added["_provenance"]["when"] == f"{path}:{line_of(path, 'when: onboarding.active &&')}"
    assert data["scoring"]["_provenance"]["overall"] == f"{path}:{line_of(path, 'scoring:')}"
    assert data["scoring"]["_provenance"]["method"] == (
        f"{base_ruleset}:{line_of(base_ruleset, 'scoring:')}")


def line_of(path: Path, needle: str) -> int:
    """1-based number of the first line of ``path`` containing ``needle``."""
    lines = path.read_text().splitlines()
    return next(n for n, line in enumerate(lines, 1) if needle in line)


def test_removing_an_id_that_is_not_inherited_is_an_error(base_ruleset, write) -> None:
    path = write("client.yaml", """
        apiVersion: enableframe/v1
        kind: Ruleset
        metadata: {name: client, version: "1"}
        extends: [base.yaml]
        criteria:
          - {id: no_such_criterion, remove: true}
        """)
    with pytest.raises(RulesetError) as info:
        load_ruleset(str(path))
    assert "client.yaml:6:37" in str(info.value)
    assert "no inherited item with id 'no_such_criterion'" in str(info.value)


def test_extends_cycle_names_the_whole_chain(write, tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    head = 'apiVersion: enableframe/v1\nkind: Ruleset\nmetadata: {name: x, version: "1"}\n'
    write("a.yaml", head + "extends: [b.yaml]\n")
    write("b.yaml", head + "extends: [c.yaml]\n")
    path = write("c.yaml", head + "extends: [a.yaml]\n")
    _, problems = check_ruleset(str(path))
    messages = [str(p) for p in problems]
    assert len(messages) == 1
    assert messages == [
        "b.yaml:4:11: $.extends: extends cycle: c.yaml -> a.yaml -> b.yaml -> c.yaml"
    ]


def test_later_extends_win_over_earlier(base_ruleset, write) -> None:
    write("tight.yaml", """
        apiVersion: enableframe/v1
        kind: Ruleset
        metadata: {name: tight, version: "1"}
        extends: [base.yaml]
        criteria:
          - {id: win_rate_tracked, params: {min_win_rate: 0.5}}
        """)
    path = write("both.yaml", """
        apiVersion: enableframe/v1
        kind: Ruleset
        metadata: {name: both, version: "1"}
        extends: [base.yaml, tight.yaml]
        """)
    ruleset = load_ruleset(str(path))
    assert ruleset.criteria["win_rate_tracked"]["params"]["min_win_rate"] == 0.5


def test_digest_changes_with_a_threshold(base_ruleset, write) -> None:
    before = load_ruleset(str(base_ruleset)).digest
    path = write("client.yaml", OVERLAY)
    assert load_ruleset(str(path)).digest != before
    assert load_ruleset(str(base_ruleset)).digest == before
