"""Validate ruleset files and folders: the library side of ``enableframe validate``."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from enableframe.errors import Problem
from enableframe.ruleset import check_ruleset

SUFFIXES = (".yaml", ".yml")


@dataclass
class FileResult:
    path: str
    problems: list[Problem]

    @property
    def ok(self) -> bool:
        return not any(p.severity == "error" for p in self.problems)


@dataclass
class ValidationReport:
    files: list[FileResult] = field(default_factory=list)

    @property
    def problems(self) -> list[Problem]:
        return [p for f in self.files for p in f.problems]

    @property
    def ok(self) -> bool:
        return all(f.ok for f in self.files)

    def count(self, severity: str) -> int:
        return sum(p.severity == severity for p in self.problems)

    def summary(self) -> str:
        bad = sum(not f.ok for f in self.files)
        return (f"{len(self.files)} file(s) checked, {bad} invalid: "
                f"{self.count('error')} error(s), {self.count('warning')} warning(s)")

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "errors": self.count("error"),
            "warnings": self.count("warning"),
            "files": [{"path": f.path, "ok": f.ok,
                       "problems": [p.to_dict() for p in f.problems]} for f in self.files],
        }


def expand(paths: Iterable[str | Path]) -> list[Path]:
    """Files as given, and YAML files found under folders, sorted."""
    out: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            out.extend(sorted(p for p in path.rglob("*") if p.suffix in SUFFIXES
                              and p.is_file() and not any(part.startswith(".")
                                                          for part in p.parts)))
        else:
            out.append(path)
    return out


def validate_paths(paths: Iterable[str | Path]) -> ValidationReport:
    """Check every ruleset file under ``paths``; each file with its own problems."""
    report = ValidationReport()
    for path in expand(paths):
        _, problems = check_ruleset(str(path))
        report.files.append(FileResult(str(path), sorted(problems, key=Problem.sort_key)))
    return report
