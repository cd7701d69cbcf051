"""A command's last result, served again while nothing it depended on has changed.

A re-run of ``enableframe metrics`` on unchanged data used to spend half a second importing
DuckDB, building the plugin host and parsing the ruleset only to print what it printed
before. After a full run a command stores its result in ``WORKSPACE/.enableframe/memo.json``
with every file the result depended on, each with its stat identity (size, mtime, ctime,
inode, as the table cache keys its sources: any write changes ctime, which no tool sets
back), under a key over the command's options, enableframe's and Python's versions and the
installed distributions. A re-run whose key and files all match is given the stored result;
anything else, an unreadable memo included, takes the normal path, which stores a new memo.

This module imports only the standard library: it runs before anything heavy is imported.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from enableframe import __version__
from enableframe.cache_files import identity, read_json, write_json

FILE = "memo.json"
# workspace.FILENAME and workspace.CACHE_DIR, not imported from there: that pulls in PyYAML
WORKSPACE_FILE = "enableframe.yaml"
CACHE_DIR = ".enableframe"
# A file changed this close to a run's start (or during it) may have been read before or
# after its change: the run's result is not stored. Covers coarse file-system clocks.
SETTLE_NS = 2_000_000_000
# what installing a distribution leaves in a sys.path folder
_DISTRIBUTIONS = (".dist-info", ".egg-info", ".egg-link", ".pth")


def installed_fingerprint() -> list[list[Any]]:
    """Each ``sys.path`` entry with the identity of every distribution's metadata in it
    (``*.dist-info``, ...): installing, upgrading or removing a distribution (a plugin,
    DuckDB...) adds, replaces or removes one. A listing and a few stat calls, where
    finding the plugins' entry points reads every distribution's metadata."""
    out: list[list[Any]] = []
    for entry in sys.path:
        folder = entry or "."
        try:
            names = sorted(n for n in os.listdir(folder) if n.endswith(_DISTRIBUTIONS))
        except (OSError, ValueError):  # a zip file, or not there
            out.append([entry, identity(folder)])
            continue
        out.append([entry, [[n, identity(os.path.join(folder, n))] for n in names]])
    return out


def development_files() -> list[str]:
    """Files of the loaded modules that live outside the Python installation: code under
    development (an editable install, ``PYTHONPATH``) changes without any distribution
    changing, so each such file is a dependency of a result."""
    roots = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix}
    user_site = getattr(sys.modules.get("site"), "USER_SITE", None)
    prefixes = tuple(os.path.join(r, "") for r in (*roots, user_site) if r)
    files = {os.path.abspath(f) for m in list(sys.modules.values())
             if isinstance(f := getattr(m, "__file__", None), str)}
    return sorted(f for f in files if not f.startswith(prefixes))


def workspace_file(path: str | Path) -> Path | None:
    """The workspace file ``path`` names (itself, or ``path/enableframe.yaml``), resolved."""
    file = Path(path)
    if file.is_dir():
        file = file / WORKSPACE_FILE
    return file.resolve() if file.is_file() else None


@dataclass(frozen=True)
class Memo:
    """One command's memo in one workspace, opened before the command does any work."""

    path: Path  # the memo file
    command: str
    key: str
    started_ns: int

    @classmethod
    def open(cls, workspace: str | Path, command: str, options: Any) -> Memo | None:
        """The memo for ``command`` run with ``options`` (JSON-able) on ``workspace``, or
        None when the workspace file is not there (the normal path reports it)."""
        started = time.time_ns()  # before any input is read: see remember()
        file = workspace_file(workspace)
        if file is None:
            return None
        key = {"enableframe": __version__, "python": sys.version, "workspace": str(file),
               "options": options, "installed": installed_fingerprint()}
        return cls(file.parent / CACHE_DIR / FILE, command,
                   json.dumps(key, sort_keys=True, default=str), started)

    def recall(self) -> Any | None:
        """The stored result, when its key matches and none of its files changed."""
        try:
            entry = read_json(self.path).get(self.command)
            if entry.get("key") != self.key:
                return None
            files = entry["files"]
            if not files or any(identity(path) != stat for path, stat in files) \
                    or not all(os.path.exists(path) for path in entry["present"]):
                return None
            return entry["value"]
        except (OSError, ValueError, AttributeError, KeyError, TypeError):
            return None  # no memo yet, or an unreadable one: take the normal path

    def remember(self, value: Any, files: Iterable[str | Path],
                 present: Iterable[str | Path] = ()) -> bool:
        """Store ``value`` (JSON-able) as this command's result, depending on ``files`` (and
        on the code under development), served only while every path in ``present`` exists
        (a cache the result was read from: deleting it asks for a full run); best effort,
        atomic. Not stored when a file is gone, or changed since shortly before this run
        began: the run may have read it either side of the change."""
        deps = {os.path.abspath(f): identity(f) for f in [*files, *development_files()]}
        settled = self.started_ns - SETTLE_NS
        if not deps or any(s is None or s[2] >= settled for s in deps.values()):
            return False
        entry = {"key": self.key, "files": sorted(deps.items()),
                 "present": [os.path.abspath(p) for p in present], "value": value}
        data = read_json(self.path)
        data[self.command] = entry
        return write_json(self.path, data)  # a read-only workspace only loses the speed-up
