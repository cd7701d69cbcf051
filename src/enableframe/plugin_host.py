"""The plugin manager, built by a function (never at import), and the typed registry.

Entry points of the ``enableframe`` group are loaded one at a time: a plugin that fails to
import is recorded with its name, distribution and version, and the others still load.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from importlib import metadata
from typing import Any

import pluggy

from enableframe import __version__, hookspecs
from enableframe.errors import UserError

GROUP = "enableframe"


@dataclass(frozen=True)
class PluginInfo:
    """One plugin as ``enableframe plugins`` shows it."""

    name: str
    distribution: str
    version: str
    hooks: tuple[str, ...]
    error: str = ""


@dataclass
class Registered:
    """An object a plugin registered, and which plugin it came from."""

    name: str
    obj: Any
    plugin: str


@dataclass
class Registry:
    """What the plugins registered, by category and name."""

    connectors: dict[str, Registered] = field(default_factory=dict)
    renderers: dict[str, Registered] = field(default_factory=dict)
    metric_kinds: dict[str, Registered] = field(default_factory=dict)
    ruleset_folders: list[Registered] = field(default_factory=list)


class PluginHost:
    """The pluggy manager plus what the plugins registered; the engine calls hooks here."""

    def __init__(self, pm: pluggy.PluginManager, failures: list[PluginInfo],
                 dists: dict[str, tuple[str, str]], trace: bool = False) -> None:
        self.pm = pm
        self.trace = trace
        self.failures = failures
        self.dists = dists  # plugin name -> (distribution, version)
        self._registry: Registry | None = None

    @property
    def registry(self) -> Registry:
        if self._registry is None:
            self._registry = self._collect()
        return self._registry

    def plugins(self) -> list[PluginInfo]:
        """Loaded plugins with their distribution, version and hooks, then failures."""
        out = []
        for name, plugin in sorted(self.pm.list_name_plugin(), key=lambda p: p[0]):
            if plugin is None:
                continue
            dist, version = self.dists.get(name, ("", ""))
            hooks = tuple(sorted(h.name for h in self.pm.get_hookcallers(plugin) or ()))
            out.append(PluginInfo(name, dist, version, hooks))
        return out + self.failures

    def _collect(self) -> Registry:
        registry = Registry()
        for hook, category in (
            (self.pm.hook.enableframe_register_connectors, "connectors"),
            (self.pm.hook.enableframe_register_renderers, "renderers"),
            (self.pm.hook.enableframe_register_metric_kinds, "metric_kinds"),
            (self.pm.hook.enableframe_register_ruleset_folders, "ruleset_folders"),
        ):
            for impl in hook.get_hookimpls():
                plugin_name = impl.plugin_name
                register = _registrar(registry, category, plugin_name)
                if self.trace:  # each implementation is called here, so trace here
                    sys.stderr.write(f"enableframe: calling {hook.name} of plugin "
                                     f"'{plugin_name}'\n")
                try:
                    impl.function(register=register)
                except UserError:
                    raise
                except Exception as exc:  # a plugin's bug, named, not ours
                    dist = self.dists.get(plugin_name)
                    note = f" from {dist[0]} {dist[1]}" if dist else ""
                    raise UserError(
                        f"plugin '{plugin_name}'{note} failed "
                        f"in {hook.name}: {type(exc).__name__}: {exc}") from exc
        return registry


def _registrar(registry: Registry, category: str, plugin: str) -> Callable[[Any], None]:
    def register(obj: Any) -> None:
        if category == "ruleset_folders":
            registry.ruleset_folders.append(Registered(str(obj), obj, plugin))
            return
        name = getattr(obj, "name", None)
        if not isinstance(name, str) or not name:
            raise UserError(f"plugin '{plugin}' registered a {category[:-1]} without a name: "
                            f"{obj!r}")
        table: dict[str, Registered] = getattr(registry, category)
        if name in table:
            raise UserError(f"plugin '{plugin}' registers {category[:-1].replace('_', ' ')} "
                            f"'{name}', already registered by plugin '{table[name].plugin}'; "
                            f"disable one with -p no:NAME")
        table[name] = Registered(name, obj, plugin)

    return register


_HOST: PluginHost | None = None
_DEFAULTS: dict[str, Any] = {}


def configure_plugin_host(*, disable: Iterable[str] = (), only: Iterable[str] | None = None,
                          trace: bool = False) -> None:
    """Set the switches the host is built with when first needed (the CLI's ``-p`` and
    ``--trace-plugins``); building is deferred so commands that need no plugin pay nothing."""
    global _HOST
    _HOST = None
    _DEFAULTS.clear()
    _DEFAULTS.update(disable=list(disable), only=only, trace=trace)


def get_plugin_host(*, disable: Iterable[str] | None = None,
                    only: Iterable[str] | None = None, trace: bool | None = None,
                    entry_points: bool = True,
                    plugins: Iterable[tuple[str, Any]] = ()) -> PluginHost:
    """The plugin host, built on first use and cached until :func:`reset_plugin_host`.

    :param disable: plugin names not to load (``-p no:NAME``).
    :param only: when given, load only these entry-point plugins.
    :param trace: print every hook call to stderr.
    :param entry_points: ``False`` for tests that register their own plugins only.
    :param plugins: extra ``(name, plugin)`` pairs to register (tests, embedding).
    Arguments left out take the values given to :func:`configure_plugin_host`.
    """
    global _HOST
    if _HOST is None:
        disable = _DEFAULTS.get("disable", ()) if disable is None else disable
        only = _DEFAULTS.get("only") if only is None else only
        trace = _DEFAULTS.get("trace", False) if trace is None else trace
        _HOST = _build(set(disable), set(only) if only is not None else None, trace,
                       entry_points, list(plugins))
    return _HOST


def host_is_built() -> bool:
    """Whether this process holds a built host: it may carry plugins registered in-process
    (tests, embedding) that nothing on disk records, so no run memo can vouch for it."""
    return _HOST is not None


def reset_plugin_host() -> None:
    """Forget the cached host and switches (tests; after installing a plugin)."""
    global _HOST
    _HOST = None
    _DEFAULTS.clear()


def _build(disable: set[str], only: set[str] | None, trace: bool, entry_points: bool,
           extra: list[tuple[str, Any]]) -> PluginHost:
    pm = pluggy.PluginManager(GROUP)
    pm.add_hookspecs(hookspecs)
    failures: list[PluginInfo] = []
    dists: dict[str, tuple[str, str]] = {}
    for name in disable:
        pm.set_blocked(name)
    if entry_points:
        for ep in sorted(metadata.entry_points(group=GROUP), key=lambda e: e.name):
            if ep.name in disable or (only is not None and ep.name not in only):
                continue
            if pm.get_plugin(ep.name) is not None or pm.is_blocked(ep.name):
                continue
            dist = (ep.dist.metadata["name"], ep.dist.version) if ep.dist else ("?", "?")
            try:
                plugin = ep.load()
                pm.register(plugin, name=ep.name)
            except Exception as exc:  # one broken plugin must not take the others down
                failures.append(PluginInfo(
                    ep.name, dist[0], dist[1], (),
                    f"plugin '{ep.name}' from {dist[0]} {dist[1]} failed to load under "
                    f"enableframe {__version__}: {type(exc).__name__}: {exc}"))
                continue
            dists[ep.name] = dist
    for name, plugin in extra:
        if not pm.is_blocked(name):
            pm.register(plugin, name=name)
    pm.check_pending()
    return PluginHost(pm, failures, dists, trace)
