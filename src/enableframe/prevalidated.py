"""Validations of the built-in rulesets, shipped with the package.

A built-in ruleset's bytes are the same on every machine, so its validation is done once,
here, and stored in ``prevalidated.json`` under the same key the validation cache uses
(:mod:`enableframe.validation_cache`: enableframe's version, the metric kinds, the ruleset
schema and the bytes of every file of the chain). A first run on a new machine then does
not import jsonschema and networkx to validate ``builtin:enablement-3.0`` again (0.4 s). A
different key (another enableframe version, a plugin adding metric kinds, an edited file)
only misses: the ruleset is validated as usual. ``tests/test_validation_cache.py`` checks
that the file is current; ``python -m enableframe.prevalidated`` writes it again.
"""

from __future__ import annotations

import json
import os
import tempfile
from functools import cache
from pathlib import Path
from typing import Any

FILE = Path(__file__).with_name("prevalidated.json")


@cache
def _entries() -> dict[str, Any]:
    try:
        data = json.loads(FILE.read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def lookup(kind: str, key: str) -> dict[str, Any] | None:
    """The shipped entry for ``kind`` and ``key``, if any."""
    entry = _entries().get(f"{kind}-{key}")
    return entry if isinstance(entry, dict) and entry.get("key") == key else None


def compute() -> dict[str, Any]:
    """Validate every built-in ruleset of ours afresh, with the installed metric kinds,
    and return the entries the validation cache would store for them."""
    from enableframe import resources
    from enableframe.ruleset import load_ruleset

    global FILE
    saved, shipped = os.environ.get("ENABLEFRAME_CACHE_DIR"), FILE
    with tempfile.TemporaryDirectory() as folder:
        # an empty user cache of its own, and no shipped entries: every ruleset validates
        os.environ["ENABLEFRAME_CACHE_DIR"] = folder
        FILE = Path(folder) / "none.json"
        _entries.cache_clear()
        try:
            for name in resources.builtin_rulesets():
                load_ruleset(f"{resources.BUILTIN_PREFIX}{name}")
        finally:
            FILE = shipped
            _entries.cache_clear()
            if saved is None:
                os.environ.pop("ENABLEFRAME_CACHE_DIR", None)
            else:
                os.environ["ENABLEFRAME_CACHE_DIR"] = saved
        return {p.stem: json.loads(p.read_text("utf-8"))
                for p in sorted((Path(folder) / "validated").glob("*.json"))}


if __name__ == "__main__":
    FILE.write_text(json.dumps(compute(), indent=1, sort_keys=True) + "\n", "utf-8")
    print(f"wrote {FILE}")
