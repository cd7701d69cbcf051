"""JSON files the caches keep (validations, run memos), read leniently and written
atomically, and the stat identity that tells an unchanged input without reading it.

A cache file that cannot be read is an empty one, and one that cannot be written costs only
the speed-up (a read-only workspace): neither is an error. Standard library only: the run
memo reads these before anything heavy is imported.
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path
from typing import Any


def identity(path: str | Path) -> list[int] | None:
    """(size, mtime_ns, ctime_ns, inode) of a file or folder, or None when it is gone: any
    write changes ctime, which no tool sets back, so an unchanged identity is an unchanged
    file without reading it."""
    try:
        s = os.stat(path)
    except (OSError, ValueError):
        return None
    return [s.st_size, s.st_mtime_ns, s.st_ctime_ns, s.st_ino]


def read_json(path: Path) -> dict[str, Any]:
    """The object in ``path``, or an empty one when it is missing, unreadable or not one."""
    try:
        data = json.loads(path.read_bytes())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def write_json(path: Path, data: dict[str, Any]) -> bool:
    """Replace ``path`` with ``data`` at once (a temporary file per process and thread,
    then a rename); False when the folder cannot be written."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.parent / f"{path.name}.{os.getpid()}.{threading.get_ident()}.tmp"
        tmp.write_text(json.dumps(data), "utf-8")
        os.replace(tmp, path)
    except OSError:
        return False
    return True
