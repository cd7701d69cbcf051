"""The model graph: edges, checks (cycles, unlinked programs), analyses, exports."""

from __future__ import annotations

import json

import pytest
from conftest import BASE

from enableframe.errors import RulesetError
from enableframe.ruleset import check_ruleset, load_ruleset

MORE = BASE + """
questions:
  - {id: kickoff_has_education, text: Does the kickoff teach?, type: boolean}
"""

HEAD = """
apiVersion: enableframe/v1
kind: Ruleset
metadata: {name: client, version: "1"}
extends: [base.yaml]
"""


def metric(mid: str, expression: str) -> str:
    return f"""
  - id: {mid}
    name: {mid}
    kind: formula
    ownership: influenced
    expression: {expression}
"""


@pytest.fixture
def ruleset(write):
    write("base.yaml", BASE)
    path = write("client.yaml", HEAD + """
metrics:""" + metric("deals", "win_rate * 10.0") + metric("velocity", "deals * win_rate") + """
programs:
  - {id: coaching, name: Coaching, depends_on: [onboarding], influences: [deals]}
  - {id: playbooks, name: Playbooks, depends_on: [coaching], influences: [velocity]}
  - {id: newsletter, name: Newsletter, influences: [velocity]}
criteria:
  - id: velocity_up
    dimension: performance
    level: 3
    when: velocity > 1.0 && charter.exists
    recommendation: Coach.
    programs: [playbooks]
""")
    return load_ruleset(str(path))


def test_edges_have_kinds(ruleset) -> None:
    graph = ruleset.graph
    assert graph.needs("metric:win_rate") == [("program:onboarding", "influences"),
                                              ("source:opportunities", "feeds")]
    assert graph.needs("metric:velocity") == [("metric:deals", "input"),
                                              ("metric:win_rate", "input"),
                                              ("program:newsletter", "influences"),
                                              ("program:playbooks", "influences")]
    assert ("criterion:velocity_up", "condition") in graph.needed_by("fact:charter")
    assert graph.needed_by("criterion:velocity_up") == [("dimension:performance", "belongs_to"),
                                                        ("level:3", "required_for")]
    assert graph.needs("program:playbooks") == [("program:coaching", "prerequisite")]


def test_evaluation_order_puts_inputs_first(ruleset) -> None:
    order = ruleset.graph.evaluation_order()
    assert order.index("win_rate") < order.index("deals") < order.index("velocity")


def test_programs_without_a_cso_path_warn_by_name(ruleset) -> None:
    graph = ruleset.graph
    assert graph.cso_path("program:onboarding") == ["program:onboarding", "metric:win_rate"]
    assert graph.cso_path("program:coaching") == []  # moves deals, which feeds no CSO metric
    assert graph.cso_path("program:newsletter") == []
    warned = {p.message.split()[0] for p in ruleset.warnings if "CSO" in p.message}
    assert warned == {"program:coaching", "program:newsletter", "program:playbooks"}


def test_unknown_without_a_source(ruleset) -> None:
    lost = ruleset.graph.unknown_without("opportunities")
    assert lost["metrics"] == ["metric:deals", "metric:velocity", "metric:win_rate"]
    assert lost["criteria"] == ["criterion:velocity_up", "criterion:win_rate_tracked"]


def test_road_map_orders_prerequisites_first(ruleset) -> None:
    steps = ruleset.graph.road_map({"velocity_up": ["playbooks"]})
    assert [s.program for s in steps] == ["program:onboarding", "program:coaching",
                                          "program:playbooks"]
    assert steps[0].cso_metrics == ("metric:win_rate",)
    assert steps[2].moves == ("metric:velocity",)
    active = ruleset.graph.road_map({"velocity_up": ["playbooks"]}, active_programs=["onboarding"])
    assert [s.program for s in active] == ["program:coaching", "program:playbooks"]


def test_derived_metric_cycle_is_refused_with_its_path_and_lines(write) -> None:
    write("base.yaml", BASE)
    path = write("client.yaml", HEAD + "metrics:" + metric("a", "b * 2.0")
                 + metric("b", "c + win_rate") + metric("c", "a / 2.0"))
    with pytest.raises(RulesetError) as info:
        load_ruleset(str(path))
    (problem,) = [p for p in info.value.problems if "cycle" in p.message]
    assert "metric:a --> metric:c --> metric:b --> metric:a" in problem.message
    lines = path.read_text().splitlines()
    for name in "abc":
        line = lines.index(f"  - id: {name}") + 1
        assert f"metric:{name} at {path}:{line}" in problem.message
    assert str(problem).startswith(f"{path}:{lines.index('  - id: a') + 1}:9: ")


def test_program_dependency_cycle(write) -> None:
    write("base.yaml", BASE)
    path = write("client.yaml", HEAD + """
programs:
  - {id: onboarding, depends_on: [coaching]}
  - {id: coaching, name: Coaching, depends_on: [onboarding], influences: [win_rate]}
""")
    _, problems = check_ruleset(str(path))
    cycles = [p.message for p in problems if "cycle" in p.message]
    assert len(cycles) == 1
    assert "program:coaching --> program:onboarding --> program:coaching" in cycles[0]
    assert "program:onboarding at" in cycles[0] and "program:coaching at" in cycles[0]


def test_program_influencing_nothing_is_an_error(write) -> None:
    write("base.yaml", BASE)
    path = write("client.yaml", HEAD + "programs:\n  - {id: lonely, name: Lonely}\n")
    _, problems = check_ruleset(str(path))
    errors = [str(p) for p in problems if p.severity == "error"]
    assert errors == [f"{path}:6:10: $.programs[id=lonely]: program:lonely influences no "
                      "metric; every program must name the metrics it moves (influences: [...])"]


def test_unused_metric_is_a_warning(write) -> None:
    write("base.yaml", BASE)
    path = write("client.yaml", HEAD + "metrics:" + metric("spare", "win_rate * 2.0"))
    ruleset = load_ruleset(str(path))
    assert [p.message for p in ruleset.warnings] == [
        "metric:spare is used by no criterion or formula"]


def test_graph_json_is_sorted_node_link_data(ruleset, run, write) -> None:
    path = ruleset.chain[-1]
    result = run("graph", path, "--format", "json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    ids = [n["id"] for n in data["nodes"]]
    assert ids == sorted(ids)
    assert {"source": "metric:deals", "target": "metric:velocity", "kind": "input"} in \
        data["edges"]
    assert run("graph", path, "--format", "json").stdout == result.stdout


@pytest.mark.parametrize("fmt", ["mermaid", "dot", "graphml"])
def test_graph_formats(ruleset, run, fmt) -> None:
    out = run("graph", ruleset.chain[-1], "--format", fmt, "--focus", "metric:deals").stdout
    assert "metric:deals" in out and "program:coaching" in out
    assert "criterion:win_rate_tracked" not in out  # not upstream or downstream of deals


def test_explain_program(ruleset, run) -> None:
    out = run("explain", ruleset.chain[-1], "program:onboarding").stdout
    assert "path to a CSO key metric: program:onboarding --> metric:win_rate" in out
    out = run("explain", ruleset.chain[-1], "program:newsletter").stdout
    assert "path to a CSO key metric: none." in out


def test_explain_unknown_node_suggests(ruleset, run) -> None:
    result = run("explain", ruleset.chain[-1], "program:onboardin")
    assert result.exit_code == 2
    assert "did you mean 'program:onboarding'?" in result.stderr
