"""Bad rulesets as data: every folder under ``tests/bad_rulesets/`` is one case.

A case folder holds ``ruleset.yaml`` (the file validated, run from inside the folder, so it
may extend sibling files), ``expected.txt`` (the exact lines ``enableframe validate
ruleset.yaml`` prints on stdout) and, for a known engine bug, ``xfail.txt`` with the reason;
its ``expected.txt`` then holds the correct output. Once the engine produces it the case
fails, as a reminder to delete ``xfail.txt``.

In ``expected.txt``, ``{builtins}`` stands for the built-in rulesets as the engine lists
them (``builtin:a, builtin:b``), so a case does not change when a built-in is added.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from enableframe import resources
from enableframe.cli import cli

CASES_DIR = Path(__file__).resolve().parent / "bad_rulesets"
CASES = sorted(p for p in CASES_DIR.iterdir() if p.is_dir())


def runner() -> CliRunner:
    """A runner whose ``stdout`` is stdout alone (click 8.1 mixes stderr in by default)."""
    try:
        return CliRunner(mix_stderr=False)  # type: ignore[call-arg]  # click < 8.2
    except TypeError:
        return CliRunner()


def expected_lines(case: Path) -> list[str]:
    builtins = ", ".join(f"{resources.BUILTIN_PREFIX}{name}"
                         for name in resources.builtin_rulesets())
    text = (case / "expected.txt").read_text("utf-8").replace("{builtins}", builtins)
    return text.splitlines()


@pytest.mark.parametrize("case", CASES, ids=[p.name for p in CASES])
def test_bad_ruleset(case: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(case)
    expected = expected_lines(case)
    result = runner().invoke(cli, ["validate", "ruleset.yaml"], catch_exceptions=False)
    got = result.stdout.splitlines()
    xfail = case / "xfail.txt"
    if xfail.exists():
        if result.exit_code == 2 and got == expected:
            pytest.fail(f"{case.name} now gives the expected output: delete its xfail.txt")
        pytest.xfail(xfail.read_text("utf-8").strip())
    assert result.exit_code == 2, result.output
    assert got == expected
