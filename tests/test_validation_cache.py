"""Validated rulesets are remembered across workspaces in the user's cache folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from enableframe import prevalidated, ruleset as ruleset_module, validation_cache
from enableframe.ruleset import load_ruleset


@pytest.fixture
def no_shipped(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The package's own validations of its built-in rulesets left out."""
    monkeypatch.setattr(prevalidated, "FILE", tmp_path / "none.json")
    prevalidated._entries.cache_clear()
    yield
    prevalidated._entries.cache_clear()


@pytest.fixture
def validations(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, no_shipped) -> list[str]:
    """Counts full validations; a user cache folder of this test's own."""
    monkeypatch.setenv("ENABLEFRAME_CACHE_DIR", str(tmp_path / "user"))
    calls: list[str] = []
    real = ruleset_module._validate

    def counting(doc, loader, *args, **kwargs):
        calls.append(loader.chain[-1])
        return real(doc, loader, *args, **kwargs)

    monkeypatch.setattr(ruleset_module, "_validate", counting)
    return calls


def test_a_second_workspace_does_not_validate_a_builtin_again(tmp_path, validations) -> None:
    first = load_ruleset("builtin:enablement-3.0", cache_dir=tmp_path / "a" / ".enableframe")
    second = load_ruleset("builtin:enablement-3.0", cache_dir=tmp_path / "b" / ".enableframe")
    assert len(validations) == 1
    assert second.evaluation_order() == first.evaluation_order()
    assert list((tmp_path / "user" / "validated").glob("ruleset-*.json"))


def test_an_edited_ruleset_validates_again(write, tmp_path, validations) -> None:
    path = write("r.yaml", "apiVersion: enableframe/v1\nkind: Ruleset\n"
                 "extends: builtin:enablement-3.0\nmetadata: {name: r, version: '1'}\n")
    load_ruleset(str(path), cache_dir=tmp_path / "a")
    load_ruleset(str(path), cache_dir=tmp_path / "b")
    path.write_text(path.read_text() + "# a comment changes the bytes\n")
    load_ruleset(str(path), cache_dir=tmp_path / "c")
    assert len(validations) == 2


def test_no_user_cache_when_turned_off(monkeypatch, tmp_path, validations) -> None:
    monkeypatch.setenv("ENABLEFRAME_CACHE_DIR", "")
    assert validation_cache.user_cache_dir() is None
    load_ruleset("builtin:enablement-3.0", cache_dir=tmp_path / "a")
    load_ruleset("builtin:enablement-3.0", cache_dir=tmp_path / "b")
    assert len(validations) == 2


def test_the_user_cache_keeps_the_newest_entries(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("ENABLEFRAME_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(validation_cache, "SHARED_ENTRIES", 3)
    for n in range(5):
        validation_cache.remember(None, "ruleset", f"k{n}", shared=True)
    kept = sorted(p.name for p in (tmp_path / "validated").glob("*.json"))
    assert len(kept) == 3 and "ruleset-k4.json" in kept
    assert validation_cache.recall(None, "ruleset", "k4", shared=True) == {"key": "k4"}
    assert validation_cache.recall(None, "ruleset", "k4") is None  # not shared: not read


def test_the_shipped_validations_of_the_builtin_rulesets_are_current() -> None:
    # after editing a built-in ruleset, the ruleset schema, the kinds or the version:
    # python -m enableframe.prevalidated
    import json

    assert prevalidated.compute() == json.loads(prevalidated.FILE.read_text("utf-8"))


def test_a_first_run_on_a_new_machine_uses_the_shipped_validation(monkeypatch,
                                                                   tmp_path) -> None:
    monkeypatch.setenv("ENABLEFRAME_CACHE_DIR", str(tmp_path / "empty"))
    calls = []
    monkeypatch.setattr(ruleset_module, "_validate", lambda *a, **k: calls.append(a))
    ruleset = load_ruleset("builtin:enablement-3.0", cache_dir=tmp_path / ".enableframe")
    assert calls == [] and "win_rate" in ruleset.evaluation_order()
