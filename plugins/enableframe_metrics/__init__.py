"""Built-in plugin: the metric kinds every ruleset can use, registered through the same
hook a third-party kind uses (``enableframe_register_metric_kinds``)."""

from __future__ import annotations

from enableframe import hookimpl
from enableframe.metric_kinds import BUILTIN_KINDS


@hookimpl
def enableframe_register_metric_kinds(register) -> None:
    for spec in BUILTIN_KINDS.values():
        register(spec)
