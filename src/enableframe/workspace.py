"""The workspace file (``enableframe.yaml``): one client's assessment inputs."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from enableframe.connectors import Source
from enableframe.errors import Location, Problem, RulesetError, UserError, display_path
from enableframe.yaml_loader import YamlError, YMap, check_size, load_bytes, to_plain

FILENAME = "enableframe.yaml"
CACHE_DIR = ".enableframe"  # per-workspace caches: canonical tables, validations


@dataclass(frozen=True)
class Workspace:
    """A loaded, schema-checked workspace; paths are absolute."""

    path: Path
    client: str
    ruleset: str
    period: dict[str, Any]
    sources: dict[str, Source]
    people: dict[str, Any] = field(default_factory=dict)
    document: YMap = field(default_factory=YMap, repr=False)

    @property
    def root(self) -> Path:
        return self.path.parent

    @property
    def ruleset_location(self) -> Location:
        """Where ``ruleset:`` is written, for errors about the ruleset it names."""
        return self.document.value_locs.get("ruleset", Location(str(self.path)))

    @property
    def ruleset_ref(self) -> str:
        """The ruleset reference resolved against the workspace folder."""
        if self.ruleset.startswith("builtin:"):
            return self.ruleset
        return str((self.root / self.ruleset).resolve())


def find_workspace_file(path: str | Path) -> Path:
    """``path`` itself, or ``path/enableframe.yaml`` for a folder."""
    path = Path(path)
    if path.is_dir():
        path = path / FILENAME
    if not path.is_file():
        raise UserError(f"no workspace at {path}; expected a folder with {FILENAME} or the "
                        "file itself")
    return path


def load_workspace(path: str | Path) -> Workspace:
    """Read and check a workspace; every problem is reported at once."""
    from enableframe import validation_cache

    file = find_workspace_file(path)
    display = display_path(file)
    try:
        check_size(file.stat().st_size, display)
        raw = file.read_bytes()
        doc = load_bytes(raw, display)
    except YamlError:
        raise
    except OSError as exc:
        raise UserError(f"cannot read {display}: {exc.strerror}") from None
    if not isinstance(doc, YMap):
        raise UserError("top level must be a mapping with apiVersion: enableframe/v1 and "
                        "kind: Workspace", Location(display, 1, 1))
    cache_dir = file.parent / CACHE_DIR
    key = validation_cache.digest(raw)
    if validation_cache.recall(cache_dir, "workspace", key) is None:
        from enableframe.schema_check import schema_problems

        problems = schema_problems(doc, "workspace", Location(display, 1, 1))
        if problems:
            raise RulesetError(problems)
        validation_cache.remember(cache_dir, "workspace", key)
    sources = {}
    for table, spec in doc["sources"].items():
        options = {k: v for k, v in to_plain(spec).items() if k not in ("connector", "path")}
        options["_display_path"] = spec["path"]
        try:
            path = (file.parent / spec["path"]).resolve()
        except (RuntimeError, OSError) as exc:  # a symlink loop (RuntimeError before 3.13)
            reason = getattr(exc, "strerror", None) or str(exc).split(" from ")[0]
            raise UserError(f"sources.{table}: cannot resolve path {spec['path']}: {reason}",
                            spec.value_locs.get("path", doc.loc)) from None
        sources[table] = Source(
            table=table, connector=spec["connector"],
            path=path, options=options,
            location=doc["sources"].key_locs.get(table, doc.loc), node=spec)
    return Workspace(path=file.resolve(), client=doc["client"], ruleset=doc["ruleset"],
                     period=to_plain(doc.get("period", {})), sources=sources,
                     people=to_plain(doc.get("people", {})), document=doc)


def source_problems(workspace: Workspace, option_schemas: dict[str, Any]) -> list[Problem]:
    """Each source's options checked against its connector's schema, located."""
    from enableframe import validation_cache

    cache_dir = workspace.root / CACHE_DIR
    key = validation_cache.digest(
        {t: [s.connector, {k: v for k, v in s.options.items() if not k.startswith("_")},
             option_schemas.get(s.connector)] for t, s in workspace.sources.items()})
    if validation_cache.recall(cache_dir, "sources", key) is not None:
        return []
    problems = _option_problems(workspace, option_schemas)
    if not problems:
        validation_cache.remember(cache_dir, "sources", key)
    return problems


def _option_problems(workspace: Workspace, option_schemas: dict[str, Any]) -> list[Problem]:
    import jsonschema

    from enableframe.schema_check import json_path
    from enableframe.yaml_loader import locate

    problems = []
    for table, source in workspace.sources.items():
        schema = option_schemas.get(source.connector)
        if not schema:
            continue
        options = {k: v for k, v in source.options.items() if not k.startswith("_")}
        validator = jsonschema.Draft202012Validator(schema)
        for error in validator.iter_errors(options):
            path = ("sources", table, *error.absolute_path)
            problems.append(Problem(locate(workspace.document, path), json_path(path),
                                    f"{source.connector} connector: {error.message}"))
    return problems


