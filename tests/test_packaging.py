"""The wheel carries the built-in rulesets and schemas, read through importlib.resources."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from conftest import REPO


@pytest.mark.slow
def test_wheel_contains_rulesets_and_schemas(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(tmp_path),
         str(REPO)],
        check=True, capture_output=True, text=True,
    )
    (wheel,) = tmp_path.glob("enableframe-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for builtin in sorted((REPO / "rulesets").glob("*.yaml")):
        assert f"enableframe/rulesets/{builtin.name}" in names
    for schema in sorted((REPO / "schemas").rglob("*.json")):
        assert f"enableframe/schemas/{schema.relative_to(REPO / 'schemas')}" in names
    assert "enableframe/rulesets/maturity-curve.yaml" in names
    assert "enableframe/rulesets/enablement-3.0.yaml" in names
    assert "enableframe/schemas/ruleset.schema.json" in names
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    assert "enableframe = enableframe.cli:main" in zipfile.ZipFile(wheel).read(
        entry_points).decode()


def test_builtins_are_found_through_importlib_resources() -> None:
    from enableframe import resources

    assert {"maturity-curve", "enablement-3.0"} <= set(resources.builtin_rulesets())
    assert resources.schema("ruleset")["title"] == "enableframe ruleset"
