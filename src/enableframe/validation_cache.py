"""Remember, per workspace, which inputs already validated clean.

Consultants re-run an assessment many times an hour; validating an unchanged workspace file,
connector options or ruleset again would import jsonschema and networkx (0.45 s) for nothing.
An entry is keyed by a digest of everything the validation depends on (the bytes validated,
the enableframe version, the registered plugins), so a change of any of them validates again.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

from enableframe import __version__

FILE = "validated.json"


def digest(*parts: Any) -> str:
    """A key over enableframe's version and ``parts`` (bytes or JSON-able values)."""
    h = hashlib.sha256(__version__.encode())
    for part in parts:
        data = part if isinstance(part, bytes) else json.dumps(part, sort_keys=True,
                                                               default=str).encode()
        h.update(len(data).to_bytes(8, "big") + data)
    return h.hexdigest()


def recall(cache_dir: Path | None, kind: str, key: str) -> dict[str, Any] | None:
    """What was stored for ``kind`` when it last validated clean with this ``key``."""
    if cache_dir is None:
        return None
    try:
        entry = json.loads((cache_dir / FILE).read_text("utf-8")).get(kind)
    except (OSError, ValueError, AttributeError):
        return None
    return entry if isinstance(entry, dict) and entry.get("key") == key else None


def remember(cache_dir: Path | None, kind: str, key: str, **extra: Any) -> None:
    """Record that ``kind`` validated clean with ``key`` (atomic replace; best effort)."""
    if cache_dir is None:
        return
    path = cache_dir / FILE
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        try:
            data = json.loads(path.read_text("utf-8"))
        except (OSError, ValueError):
            data = {}
        data = data if isinstance(data, dict) else {}
        data[kind] = {"key": key, **extra}
        tmp = cache_dir / f"{FILE}.{os.getpid()}.tmp"
        tmp.write_text(json.dumps(data), "utf-8")
        os.replace(tmp, path)
    except OSError:
        pass  # a read-only workspace only loses the speed-up
