"""The plugin host: entry points, failures named, switches, registration, documentation."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from conftest import REPO

from enableframe import hookimpl, hookspecs
from enableframe.errors import UserError
from enableframe.plugin_host import get_plugin_host

HOOKS = sorted(n for n in dir(hookspecs) if n.startswith("enableframe_"))


pytestmark = pytest.mark.usefixtures("fresh_host")  # conftest.py


class _Connector:
    tables = ("requests",)
    options_schema = None

    def __init__(self, name: str) -> None:
        self.name = name

    def load(self, source, context):  # pragma: no cover - not loaded here
        raise NotImplementedError


class _Plugin:
    def __init__(self, *names: str) -> None:
        self.names = names

    @hookimpl
    def enableframe_register_connectors(self, register) -> None:
        for name in self.names:
            register(_Connector(name))


def test_builtin_plugins_load_through_entry_points() -> None:
    host = get_plugin_host()
    names = {p.name for p in host.plugins()}
    assert "csv" in names
    assert {"csv", "requests-csv"} <= set(host.registry.connectors)
    assert host.registry.connectors["csv"].plugin == "csv"
    csv = next(p for p in host.plugins() if p.name == "csv")
    assert csv.distribution == "enableframe" and csv.hooks == (
        "enableframe_register_connectors",)


def test_tests_can_skip_entry_points_and_register_their_own() -> None:
    host = get_plugin_host(entry_points=False, plugins=[("mine", _Plugin("mine-crm"))])
    assert set(host.registry.connectors) == {"mine-crm"}


def test_duplicate_names_are_refused_naming_both_plugins() -> None:
    host = get_plugin_host(entry_points=False,
                           plugins=[("one", _Plugin("crm")), ("two", _Plugin("crm"))])
    with pytest.raises(UserError) as info:
        host.registry  # noqa: B018 - collecting is what fails
    message = str(info.value)
    assert "connector 'crm'" in message and "'one'" in message and "'two'" in message


def test_a_plugin_raising_in_a_hook_is_named() -> None:
    class Broken:
        @hookimpl
        def enableframe_register_connectors(self, register) -> None:
            raise RuntimeError("boom")

    host = get_plugin_host(entry_points=False, plugins=[("broken", Broken())])
    with pytest.raises(UserError, match=r"plugin 'broken' failed in "
                       r"enableframe_register_connectors: RuntimeError: boom"):
        host.registry  # noqa: B018


def test_disable_by_name() -> None:
    host = get_plugin_host(disable=["csv"])
    assert "csv" not in host.registry.connectors


def test_misspelt_hook_fails_at_once() -> None:
    class Typo:
        @hookimpl
        def enableframe_register_conectors(self, register) -> None:
            pass

    with pytest.raises(Exception, match="unknown hook 'enableframe_register_conectors'"):
        get_plugin_host(entry_points=False, plugins=[("typo", Typo())])


def _make_distribution(root: Path, name: str, module_body: str) -> Path:
    """A tiny plugin distribution source tree: pyproject, one module, an entry point."""
    src = root / name
    (src / name).mkdir(parents=True)
    (src / name / "__init__.py").write_text(textwrap.dedent(module_body))
    (src / "pyproject.toml").write_text(textwrap.dedent(f"""
        [build-system]
        requires = ["hatchling"]
        build-backend = "hatchling.build"
        [project]
        name = "{name.replace('_', '-')}"
        version = "1.2.3"
        [project.entry-points.enableframe]
        {name} = "{name}"
        [tool.hatch.build.targets.wheel]
        packages = ["{name}"]
        """))
    return src


@pytest.mark.slow
def test_third_party_plugin_is_found_through_its_entry_point(tmp_path: Path) -> None:
    good = _make_distribution(tmp_path, "enableframe_acme_crm", """
        from enableframe import hookimpl

        class AcmeCrm:
            name = "acme-crm"
            tables = ("opportunities",)
            options_schema = None

            def load(self, source, context):
                raise NotImplementedError

        @hookimpl
        def enableframe_register_connectors(register):
            register(AcmeCrm())
        """)
    bad = _make_distribution(tmp_path, "enableframe_broken", """
        raise ImportError("this plugin needs a library that is not installed")
        """)
    target = tmp_path / "site"
    for dist in (good, bad):
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps",
                        "--no-build-isolation", "--target", str(target), str(dist)],
                       check=True, capture_output=True)
    env = {**os.environ, "PYTHONPATH": str(target)}
    result = subprocess.run([sys.executable, "-m", "enableframe", "plugins", "--format", "json"],
                            capture_output=True, text=True, env=env, check=True)
    plugins = {p["name"]: p for p in json.loads(result.stdout)["plugins"]}
    acme = plugins["enableframe_acme_crm"]
    assert (acme["distribution"], acme["version"]) == ("enableframe-acme-crm", "1.2.3")
    assert acme["provides"] == ["connector:acme-crm"]
    broken = plugins["enableframe_broken"]["error"]
    assert broken.startswith("plugin 'enableframe_broken' from enableframe-broken 1.2.3 failed "
                             "to load under enableframe ")
    assert "ImportError: this plugin needs a library" in broken
    assert "\n" not in broken
    assert "csv" in plugins and not plugins["csv"]["error"]  # the others still load


@pytest.mark.parametrize("hook", HOOKS)
def test_every_hook_is_documented(hook: str) -> None:
    doc = getattr(hookspecs, hook).__doc__ or ""
    assert ":param register:" in doc and "Added in" in doc and "Called" in doc
    assert hook in (REPO / "README.md").read_text(), f"README does not document {hook}"


def test_every_hook_has_a_test() -> None:
    tests = "".join(p.read_text() for p in (REPO / "tests").rglob("test_*.py")
                    if p.name != "test_plugin_host.py")
    here = Path(__file__).read_text()
    untested = [h for h in HOOKS if f"def test_{h}(" not in tests + here]
    assert untested == [], f"every hook needs a test named test_<hook>: {untested}"
