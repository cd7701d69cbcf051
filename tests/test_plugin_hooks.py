"""Each registration hook, used the way a third-party plugin uses it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from enableframe import hookimpl
from enableframe.errors import UserError
from enableframe.metric_kinds import KindSpec
from enableframe.plugin_host import get_plugin_host, reset_plugin_host

OVERLAY = """\
apiVersion: enableframe/v1
kind: Ruleset
metadata: {name: client-x, version: "1", description: A consultancy's house ruleset}
extends: [builtin:enablement-3.0]
"""


pytestmark = pytest.mark.usefixtures("fresh_host")  # conftest.py


def _with(plugin: object) -> None:
    """A host with the built-in plugins plus ``plugin``, as if it were installed."""
    reset_plugin_host()
    get_plugin_host(plugins=[("third_party", plugin)])


def test_enableframe_register_ruleset_folders(tmp_path: Path, run) -> None:
    (tmp_path / "client-x.yaml").write_text(OVERLAY)

    class Folders:
        @hookimpl
        def enableframe_register_ruleset_folders(self, register) -> None:
            register(tmp_path)

    _with(Folders())
    rows = json.loads(run("ruleset", "list", "--format", "json").stdout)["rulesets"]
    mine = next(r for r in rows if r["ref"] == "builtin:client-x")
    assert mine["plugin"] == "third_party" and mine["extends"] == ["builtin:enablement-3.0"]
    from enableframe.ruleset import load_ruleset

    assert load_ruleset("builtin:client-x").chain[-1] == "third_party:client-x.yaml"
    (tmp_path / "maturity-curve.yaml").write_text(OVERLAY)  # a name we already ship
    with pytest.raises(UserError, match="already provided by 'enableframe'"):
        load_ruleset("builtin:client-x")


def test_enableframe_register_metric_kinds(write, run) -> None:
    def compute(con, metric, period, by):
        rows = con.execute("SELECT count(DISTINCT owner) FROM opportunities").fetchone()[0]
        return [("all", float(rows), int(rows))]

    class Kinds:
        @hookimpl
        def enableframe_register_metric_kinds(self, register) -> None:
            register(KindSpec("distinct_owners", ("table",), compute=compute))

    ruleset = write("ruleset.yaml", OVERLAY + """
metrics:
  - {id: owners, name: Owners, kind: distinct_owners, ownership: influenced,
     table: opportunities}
criteria:
  - {id: enough_owners, dimension: people, level: 2, when: owners >= 2.0,
     recommendation: Hire.}
""")
    result = run("validate", str(ruleset))
    assert result.exit_code == 2 and "unknown metric kind 'distinct_owners'" in result.stdout
    _with(Kinds())
    assert run("validate", str(ruleset)).exit_code == 0
    write("data/opportunities.csv", "id,owner,stage\na,ann,won\nb,bob,lost\nc,ann,open\n")
    path = write("enableframe.yaml", "apiVersion: enableframe/v1\nkind: Workspace\n"
                 "client: T\nruleset: ruleset.yaml\nperiod: {quarter: 2017-Q1}\nsources:\n"
                 "  opportunities: {connector: csv, path: data/opportunities.csv}\n")
    out = json.loads(run("metrics", str(path.parent), "--metric", "owners", "--format",
                         "json").stdout)
    (owners,) = out["metrics"]
    assert (owners["value"], owners["rows"], owners["status"]) == (2.0, 2, "known")


def test_enableframe_register_renderers() -> None:
    from enableframe.assessment import Assessment
    from enableframe.rendering import render, renderer_for_path

    class Summary:
        name = "one-line"
        extensions = (".line",)

        def render(self, result: dict) -> str:
            return f"{result['client']}: level {result['overall']['level']}\n"

    class Renderers:
        @hookimpl
        def enableframe_register_renderers(self, register) -> None:
            register(Summary())

    _with(Renderers())
    assessment = Assessment({"client": "Acme", "overall": {"level": 2}})
    assert render(assessment, "one-line") == "Acme: level 2\n"
    assert renderer_for_path("q3.line") == "one-line"
    with pytest.raises(UserError, match=r"unknown format 'nope'; available: .*one-line"):
        render(assessment, "nope")


def test_enableframe_register_connectors(write, run) -> None:
    from enableframe.connectors import create_view

    class Inline:
        name, tables, options_schema = "inline", ("requests",), None

        def load(self, source, context):
            return create_view(context, source, "SELECT 1 AS _row, 'r1' AS id, "
                               "'Pricing approval' AS title, '2017-01-03' AS created_at")

    class Connectors:
        @hookimpl
        def enableframe_register_connectors(self, register) -> None:
            register(Inline())

    _with(Connectors())
    write("log.txt", "not read: the connector makes its rows\n")
    path = write("enableframe.yaml", "apiVersion: enableframe/v1\nkind: Workspace\n"
                 "client: T\nruleset: builtin:enablement-3.0\nsources:\n"
                 "  requests: {connector: inline, path: log.txt}\n")
    out = json.loads(run("data", "check", "--format", "json", str(path.parent)).stdout)
    (requests,) = out["tables"]
    assert (requests["connector"], requests["read"], requests["accepted"]) == ("inline", 1, 1)
