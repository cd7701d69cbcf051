"""Hook specifications: everything a plugin can contribute to enableframe.

A plugin is a module (or object) with functions marked ``@hookimpl``, found through the
``enableframe`` entry-point group, the same way for built-in and third-party plugins::

    # pyproject.toml of the plugin distribution
    [project.entry-points.enableframe]
    my_crm = "enableframe_my_crm"

    # enableframe_my_crm/__init__.py
    from enableframe import hookimpl

    @hookimpl
    def enableframe_register_connectors(register):
        register(MyCrmConnector())

Registration hooks receive a ``register`` callback rather than returning lists: the host
checks each object, refuses a duplicate name with a message naming both plugins, and
remembers which plugin supplied what (``enableframe plugins``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pluggy

hookspec = pluggy.HookspecMarker("enableframe")

# -- data ---------------------------------------------------------------------------------


@hookspec
def enableframe_register_connectors(register: Callable[[Any], None]) -> None:
    """Register connectors that turn a company's exports into canonical tables.

    Called once, when the plugin manager is first used to load data.

    :param register: call ``register(connector)`` for each connector; a connector has a
        unique ``name`` (what a workspace's ``sources.*.connector`` names), ``tables`` (the
        canonical tables it can produce), an ``options_schema`` (JSON Schema of its options,
        or ``None``) and ``load(source, context)``; see :class:`enableframe.connectors.Connector`.
    :return: nothing; the return value is ignored.

    Added in 0.1.
    """


# -- computation -------------------------------------------------------------------------


@hookspec
def enableframe_register_metric_kinds(register: Callable[[Any], None]) -> None:
    """Register metric kinds a ruleset can use (``kind:`` of a metric).

    Called once, when a ruleset is validated or metrics are computed.

    :param register: call ``register(kind)`` for each kind; a kind is a
        :class:`enableframe.metric_kinds.KindSpec` (name, required fields).
    :return: nothing; the return value is ignored.

    Added in 0.1.
    """


# -- rules --------------------------------------------------------------------------------


@hookspec
def enableframe_register_ruleset_folders(register: Callable[[Any], None]) -> None:
    """Contribute folders of rulesets, usable as ``builtin:NAME`` and listed by
    ``enableframe ruleset list``.

    Called once, when built-in rulesets are first looked up.

    :param register: call ``register(folder)`` with an ``importlib.resources`` Traversable
        or a ``pathlib.Path``; every ``*.yaml`` file directly in it is a ruleset named after
        the file. A name already taken is refused.
    :return: nothing; the return value is ignored.

    Added in 0.1.
    """


# -- output -------------------------------------------------------------------------------


@hookspec
def enableframe_register_renderers(register: Callable[[Any], None]) -> None:
    """Register report renderers (``--format`` choices of ``assess``).

    Called once, when a command lists or uses renderers.

    :param register: call ``register(renderer)`` for each renderer; a renderer has a unique
        ``name`` and ``render(assessment, options) -> str | bytes``.
    :return: nothing; the return value is ignored.

    Added in 0.1.
    """
