"""Remember which inputs already validated clean.

Consultants re-run an assessment many times an hour; validating an unchanged workspace file,
connector options or ruleset again would import jsonschema and networkx (0.45 s) for nothing.
An entry is keyed by a digest of everything the validation depends on (the bytes validated,
the enableframe version, the registered plugins), so a change of any of them validates again.

Entries live in the workspace's ``.enableframe/``; a ruleset's also in the user's cache
folder (:func:`user_cache_dir`), one small file per key, so that a new workspace on a
built-in ruleset does not validate it again either: the key is a digest of the ruleset's
bytes, which are the same in every workspace.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

from enableframe import __version__
from enableframe.cache_files import read_json, write_json

FILE = "validated.json"


def digest(*parts: Any) -> str:
    """A key over enableframe's version and ``parts`` (bytes or JSON-able values)."""
    h = hashlib.sha256(__version__.encode())
    for part in parts:
        data = part if isinstance(part, bytes) else json.dumps(part, sort_keys=True,
                                                               default=str).encode()
        h.update(len(data).to_bytes(8, "big") + data)
    return h.hexdigest()


SHARED_ENTRIES = 256  # ruleset versions kept in the user's cache folder, newest first


def user_cache_dir() -> Path | None:
    """The user's cache folder for enableframe: ``$ENABLEFRAME_CACHE_DIR`` (empty: none),
    else ``$XDG_CACHE_HOME/enableframe``, else ``~/.cache/enableframe``."""
    if "ENABLEFRAME_CACHE_DIR" in os.environ:
        value = os.environ["ENABLEFRAME_CACHE_DIR"]
        return Path(value) if value else None
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "enableframe"


def recall(cache_dir: Path | None, kind: str, key: str, *,
           shared: bool = False) -> dict[str, Any] | None:
    """What was stored for ``kind`` when it last validated clean with this ``key``; with
    ``shared``, also what any workspace stored in the user's cache folder, and what
    shipped with the package (:mod:`enableframe.prevalidated`)."""
    entry = read_json(cache_dir / FILE).get(kind) if cache_dir is not None else None
    if isinstance(entry, dict) and entry.get("key") == key:
        return entry
    if not shared:
        return None
    user = user_cache_dir()
    if user is not None:
        entry = read_json(user / "validated" / f"{kind}-{key}.json")
        if entry.get("key") == key:
            return entry
    from enableframe import prevalidated  # the built-in rulesets, validated before release

    return prevalidated.lookup(kind, key)


def remember(cache_dir: Path | None, kind: str, key: str, *, shared: bool = False,
             **extra: Any) -> None:
    """Record that ``kind`` validated clean with ``key`` (atomic replace; best effort);
    with ``shared``, in the user's cache folder too."""
    entry = {"key": key, **extra}
    if cache_dir is not None:
        data = read_json(cache_dir / FILE)
        data[kind] = entry
        write_json(cache_dir / FILE, data)
    user = user_cache_dir() if shared else None
    if user is not None:
        folder = user / "validated"
        write_json(folder / f"{kind}-{key}.json", entry)
        try:
            entries = sorted(folder.glob("*.json"),
                             key=lambda p: (p.stat().st_mtime_ns, p.name))
            for old in entries[:-SHARED_ENTRIES]:
                old.unlink()
        except OSError:
            pass

