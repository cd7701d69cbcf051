"""Shared fixtures: small rulesets written to a temporary folder."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

REPO = Path(__file__).resolve().parent.parent


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
