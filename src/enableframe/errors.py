"""User-facing errors: one base class, located problems, one line each.

Only the CLI turns a :class:`UserError` into a message and exit code 2; anything else is a
bug and keeps its traceback.
"""

from __future__ import annotations

import difflib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple


class Location(NamedTuple):
    """A place in a file, 1-based line and column (0 when unknown).

    A named tuple, not a frozen dataclass: the YAML loader makes one per value it reads,
    and a tuple is built several times faster (bench: yaml_loader on a 5,000-metric file).
    """

    file: str
    line: int = 0
    col: int = 0

    def __str__(self) -> str:
        if not self.line:
            return self.file
        return f"{self.file}:{self.line}:{self.col}" if self.col else f"{self.file}:{self.line}"


@dataclass(frozen=True)
class Problem:
    """One thing wrong (or worth a warning) in a user's file."""

    location: Location
    path: str
    message: str
    severity: str = "error"  # "error" | "warning"

    def __str__(self) -> str:
        where = f"{self.location}: " if self.location.file else ""
        path = f"{self.path}: " if self.path else ""
        prefix = "warning: " if self.severity == "warning" else ""
        return f"{where}{path}{prefix}{self.message}"

    def sort_key(self) -> tuple:
        return (self.location.file, self.location.line, self.location.col, self.path, self.message)

    def to_dict(self) -> dict:
        return {
            "file": self.location.file,
            "line": self.location.line,
            "col": self.location.col,
            "path": self.path,
            "severity": self.severity,
            "message": self.message,
        }


class UserError(Exception):
    """A mistake in the user's input: printed as one line, exit code 2, no traceback."""

    exit_code = 2

    def __init__(self, message: str, location: Location | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.location = location

    def __str__(self) -> str:
        return f"{self.location}: {self.message}" if self.location else self.message


class RulesetError(UserError):
    """A ruleset (or its extends chain) has one or more problems; all are kept."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(problems, key=Problem.sort_key)
        errors = [p for p in self.problems if p.severity == "error"]
        super().__init__(str(errors[0]) if errors else "ruleset is invalid")

    def __str__(self) -> str:
        return "\n".join(str(p) for p in self.problems)


def allowed_hint(found: str, known: list[str], limit: bool = False) -> str:
    """``did you mean 'x'? allowed: a, b, c`` for a message about an unknown ``found``.

    With ``limit``, a list of more than 12 names is only counted.
    """
    close = difflib.get_close_matches(found, known, n=1)
    hint = f"did you mean {close[0]!r}? " if close else ""
    if limit and len(known) > 12:
        return f"{hint}{len(known)} names are defined".strip()
    return f"{hint}allowed: {', '.join(known) if known else 'none defined'}"


def display_path(path: str | Path) -> str:
    """A path as messages show it: relative to the current folder when inside it."""
    try:
        rel = os.path.relpath(path)
    except ValueError:  # another drive on Windows
        return str(path)
    return str(path) if rel.startswith("..") else rel
