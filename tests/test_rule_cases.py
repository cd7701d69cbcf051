"""Rule behaviour tested with data: every case file in tests/rule_cases/ (a ruleset, facts,
expected statuses and levels) runs through enableframe.testing, the helper consultants use
for their own rulesets. A few tests below check the helper's own messages."""

from __future__ import annotations

from pathlib import Path

import pytest

from enableframe.testing import CaseError, check_case, collect_cases, load_case, run_case

CASES = Path(__file__).parent / "rule_cases"


@pytest.mark.parametrize("path", collect_cases(CASES))
def test_rule_case(path: Path) -> None:
    check_case(path)


def test_cases_cover_the_builtin_and_an_inline_ruleset() -> None:
    rulesets = {load_case(p.values[0]).ruleset.name for p in collect_cases(CASES)}
    assert {"enablement-3.0", "tight-junk-drawer", "small"} <= rulesets
    assert len(collect_cases(CASES)) >= 10


def test_an_unmet_expectation_is_a_located_readable_diff(write) -> None:
    path = write("case.yaml", """
        ruleset: builtin:enablement-3.0
        facts:
          charter: {exists: true, has_purpose: false}
        expect:
          criteria: {charter_written: pass, charter_defines_success: unknown}
          dimensions: {purpose: 2}
    """)
    with pytest.raises(AssertionError) as caught:
        check_case(path)
    lines = str(caught.value).splitlines()
    assert lines[0].endswith("case.yaml: 2 of 3 expectations not met")
    assert "case.yaml:5:14: criterion charter_written: expected pass, got fail (read " \
           "charter={'exists': True" in lines[1]
    assert "case.yaml:6:16: dimension purpose: expected level 2, got 1 (next level blocked " \
           "by: collaboration_intake unknown, charter_written fail)" in lines[2]
    # charter_defines_success reads a field the charter fact lacks: unknown, as expected
    assert len(lines) == 3


def test_outcome_carries_reasons_and_evidence(write) -> None:
    path = write("case.yaml", """
        ruleset: builtin:enablement-3.0
        facts: {win_rate: null, average_sales_price: 2000, sales_cycle_days: 40}
        expect: {overall: 1}
    """)
    outcome = run_case(path)
    result = outcome.results["pc_cso_metrics_measured"]
    assert result.status == "unknown"
    assert result.reason == "metric win_rate is unknown: null in the case's facts"
    assert result.evidence["average_sales_price"] == 2000.0
    assert outcome.levels["performance"].blocked_by[:1] == ["alignment_targets_named"]


def test_mistakes_in_a_case_are_reported_together_with_locations(write) -> None:
    path = write("case.yaml", """
        ruleset: builtin:enablement-3.0
        facts:
          win_rte: 0.3
          inventory: [{id: onboarding, status: actve}]
          ideal_employee_profile: "yes"
        expect:
          criteria: {charter_writen: pass}
          overall: 9
    """)
    with pytest.raises(CaseError) as caught:
        load_case(path)
    text = str(caught.value)
    assert "case.yaml:3:3: $.facts.win_rte: unknown fact 'win_rte'" in text
    assert "did you mean 'win_rate'?" in text
    assert "case.yaml:4:40: $.facts.inventory[0].status: 'actve' is not one of" in text
    assert "case.yaml:5:27: $.facts.ideal_employee_profile: 'yes' is not a boolean answer" \
           in text
    assert "case.yaml:7:14: $.expect.criteria.charter_writen: unknown criterion" in text
    assert "case.yaml:8:12: $.expect.overall: 9 is not a level; allowed: 0, 1, 2, 3, 4" in text


def test_inline_ruleset_problems_point_into_the_case_file(write) -> None:
    path = write("case.yaml", """
        description: a typo in an inline ruleset
        ruleset:
          apiVersion: enableframe/v1
          kind: Ruleset
          metadata: {name: tiny, version: "1.0", description: Tiny}
          levels: [{id: 1, name: One}, {id: 2, name: Two}]
          dimensions: [{id: purpose, name: Purpose}]
          criteria:
            - id: charter_written
              dimension: purpose
              level: 2
              when: charter.exists && chartr.has_purpose
              recommendation: Write it.
        expect: {overall: 2}
    """)
    with pytest.raises(CaseError) as caught:
        load_case(path)
    assert "case.yaml:12:31: $.criteria[0].when: 'chartr' is not defined" \
        in str(caught.value)


def test_collect_cases_refuses_an_empty_folder(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="no case files"):
        collect_cases(tmp_path)
