"""Shared fixtures: small rulesets written to a temporary folder."""

from __future__ import annotations

import os
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True, scope="session")
def private_user_cache(tmp_path_factory: pytest.TempPathFactory):
    """Validated rulesets are remembered in the user's cache folder: keep the tests' own
    (and out of the home folder), shared by the session like a user's would be."""
    folder = tmp_path_factory.mktemp("user-cache")
    saved = os.environ.get("ENABLEFRAME_CACHE_DIR")
    os.environ["ENABLEFRAME_CACHE_DIR"] = str(folder)
    yield folder
    if saved is None:
        os.environ.pop("ENABLEFRAME_CACHE_DIR", None)
    else:
        os.environ["ENABLEFRAME_CACHE_DIR"] = saved


@pytest.fixture
def fresh_host():
    """A plugin host built for this test alone: modules use it with
    ``pytestmark = pytest.mark.usefixtures("fresh_host")``."""
    from enableframe.plugin_host import reset_plugin_host

    reset_plugin_host()
    yield
    reset_plugin_host()


@pytest.fixture
def write(tmp_path: Path) -> Callable[[str, str], Path]:
    """Write a dedented file under tmp_path and return its path."""

    def _write(name: str, text: str) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return path

    return _write


@pytest.fixture
def run() -> Callable[..., object]:
    """Invoke the CLI in-process; returns click's Result (stdout and stderr apart)."""
    from enableframe.cli import cli

    def _run(*args: str):
        return CliRunner().invoke(cli, list(args), catch_exceptions=False)

    return _run


BASE = """
apiVersion: enableframe/v1
kind: Ruleset
metadata: {name: base, version: "1.0", description: Base for tests}
levels:
  - {id: 1, name: Ad hoc}
  - {id: 2, name: Tactical}
  - {id: 3, name: Integrated}
dimensions:
  - {id: purpose, name: Purpose}
  - {id: performance, name: Performance}
metrics:
  - id: win_rate
    name: Win rate
    kind: ratio
    ownership: influenced
    cso_key: true
    table: opportunities
    anchor: closed_at
    numerator: {agg: count, where: {stage: won}}
    denominator: {agg: count, where: {stage: [won, lost]}}
programs:
  - id: onboarding
    name: Onboarding
    influences: [win_rate]
criteria:
  - id: win_rate_tracked
    dimension: performance
    level: 2
    when: win_rate >= min_win_rate
    params: {min_win_rate: 0.2}
    recommendation: Track win rate.
  - id: charter_written
    dimension: purpose
    level: 2
    when: charter.exists
    recommendation: Write the charter.
  - id: onboarding_runs
    dimension: purpose
    level: 3
    when: onboarding.active
    recommendation: Run onboarding.
scoring: {method: staged, overall: minimum}
"""


@pytest.fixture
def base_ruleset(write: Callable[[str, str], Path]) -> Path:
    return write("base.yaml", BASE)


# -- the public Maven "CRM Sales Opportunities" data (../shared/data; never in the wheel) ----

SHARED = Path(os.environ.get("ENABLEFRAME_SHARED_DATA", REPO.parent / "shared" / "data"))
MAVEN = SHARED / "maven_crm_sales_opportunities"
needs_maven = pytest.mark.skipif(
    not (MAVEN / "sales_pipeline.csv").is_file() or not (MAVEN / "sales_teams.csv").is_file(),
    reason=f"public Maven CRM data (sales_pipeline.csv, sales_teams.csv) not found at {MAVEN}; "
           "set ENABLEFRAME_SHARED_DATA to the folder holding maven_crm_sales_opportunities")


def maven_workspace(period: str | None = None) -> str:
    """A workspace over the Maven CSVs, mapped as in the connectors issue."""
    when = f"period: {period}\n" if period else ""
    return f"""\
apiVersion: enableframe/v1
kind: Workspace
client: MavenTech
ruleset: builtin:enablement-3.0
{when}sources:
  opportunities:
    connector: csv
    path: {MAVEN}/sales_pipeline.csv
    columns: {{id: opportunity_id, owner: sales_agent, product: product, account: account,
              stage: deal_stage, created_at: engage_date, closed_at: close_date,
              amount: close_value}}
    values: {{stage: {{Won: won, Lost: lost, Engaging: open, Prospecting: open}}}}
  sellers:
    connector: csv
    path: {MAVEN}/sales_teams.csv
    columns: {{id: sales_agent, name: sales_agent, manager: manager, region: regional_office}}
"""
