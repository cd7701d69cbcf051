"""Load a workspace's sources through their connectors into canonical DuckDB tables."""

from __future__ import annotations

import hashlib
import json
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from enableframe import __version__, canonical, resources
from enableframe.cache_files import identity
from enableframe.connectors import (
    PARALLEL_REFUSED,
    LoadContext,
    Source,
    line_of_record,
    sniff_csv,
)
from enableframe.errors import Location, RulesetError, UserError, display_path
from enableframe.plugin_host import PluginHost, get_plugin_host
from enableframe.workspace import CACHE_DIR, Workspace, source_problems

# sellers first: learning records are checked against them
LOAD_ORDER = ("sellers", "opportunities", "learning_records", "content_events", "requests")


@dataclass
class LoadedData:
    """The canonical tables in one DuckDB connection and the account of every row."""

    con: Any
    quality: dict[str, canonical.TableQuality]
    missing: list[str] = field(default_factory=list)
    cache_note: str = ""  # why the cache was not used, when it was not
    keys: dict[str, str] = field(default_factory=dict)  # table -> its source_key

    def digest(self, table: str, path: Path) -> str:
        """sha256 of a source's file(s), read once per change of its :func:`source_key`:
        the cache remembers it, so a re-run does not hash a large export again."""
        key = self.keys.get(table)
        if self.cache_note or key is None:
            return file_digest(path)
        self.con.execute(f"CREATE TABLE IF NOT EXISTS {_DIGESTS} "
                         "(tbl VARCHAR PRIMARY KEY, key VARCHAR, digest VARCHAR)")
        row = self.con.execute(f"SELECT digest FROM {_DIGESTS} WHERE tbl = ? AND key = ?",
                               [table, key]).fetchone()
        if row:
            return row[0]
        value = file_digest(path)
        self.con.execute(f"INSERT OR REPLACE INTO {_DIGESTS} VALUES (?, ?, ?)",
                         [table, key, value])
        return value

    @property
    def rejected(self) -> int:
        return sum(q.rejected for q in self.quality.values())

    def to_dict(self) -> dict[str, Any]:
        return {"tables": [q.to_dict() for q in self.quality.values()],
                "missing": self.missing, "cache": self.cache_note or "used"}


CACHE_FILE = "cache.duckdb"
MEMORY_LIMIT = "450MB"
_META = "_enableframe_cache"
_DIGESTS = "_enableframe_digests"


def file_digest(path: Path) -> str:
    """sha256 of a file, or of every file under a folder in name order."""
    h = hashlib.sha256()
    files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    for f in files:
        with f.open("rb") as handle:
            while chunk := handle.read(1 << 20):
                h.update(chunk)
    return "sha256:" + h.hexdigest()


def connect(database: str = ":memory:") -> Any:
    """A DuckDB connection that never downloads or autoloads extensions (air-gapped
    laptops) and computes in UTC."""
    import duckdb

    config = {"autoinstall_known_extensions": False, "autoload_known_extensions": False}
    if database != ":memory:":
        # DuckDB keeps up to 80 % of RAM resident by default (2.5 GiB at 5M rows); with a
        # limit it spills to <cache>.tmp beside the cache file (measured: bench/README.md)
        config["memory_limit"] = MEMORY_LIMIT
    con = duckdb.connect(database, config=config)
    con.execute("SET TimeZone = 'UTC'")
    return con


def _open_store(workspace: Workspace, cache: bool) -> tuple[Any, str]:
    """The workspace's columnar cache (a DuckDB file), or memory when it cannot be used."""
    if not cache:
        return connect(), "cache disabled"
    folder = workspace.root / CACHE_DIR
    try:
        folder.mkdir(exist_ok=True)
        con = connect(str(folder / CACHE_FILE))
    except Exception as exc:  # read-only folder, or another run holds the file's lock
        if not (_is_duckdb_error(exc) or isinstance(exc, OSError)):
            raise
        return connect(), f"cache not used ({str(exc).splitlines()[0]}); loaded in memory"
    con.execute(f"CREATE TABLE IF NOT EXISTS {_META} "
                "(tbl VARCHAR PRIMARY KEY, key VARCHAR, quality VARCHAR)")
    return con, ""


def source_key(source: Source, plugin_version: str, upstream: str = "") -> str:
    """Changes whenever the source's files, mapping, connector or our schema change.

    File identity is (size, mtime, ctime, inode): any write changes ctime, which no
    tool can set back, so a stale table is never read; contents are not hashed, so a
    re-run on unchanged data costs a few stat calls."""
    files = sorted(source.path.rglob("*")) if source.path.is_dir() else [source.path]
    stats = [[str(f), *stat] for f in files
             if f.is_file() and (stat := identity(f)) is not None]
    payload = {
        "enableframe": __version__, "connector": source.connector, "plugin": plugin_version,
        "options": {k: v for k, v in source.options.items() if not k.startswith("_")},
        "files": stats, "schema": resources.schema(f"tables/{source.table}"),
        "upstream": upstream,
    }
    text = json.dumps(payload, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def load_data(workspace: Workspace, host: PluginHost | None = None,
              progress: Callable[[str, int, int], None] | None = None, *,
              cache: bool = True) -> LoadedData:
    """Run every source's connector and conform its rows; see :class:`LoadedData`.

    With ``cache``, canonical tables live in ``.enableframe/cache.duckdb`` in the workspace
    and a table whose :func:`source_key` is unchanged is not loaded again."""
    host = host or get_plugin_host()
    connectors = host.registry.connectors
    for table, source in workspace.sources.items():
        if source.connector not in connectors:
            raise UserError(f"sources.{table}: unknown connector {source.connector!r}; "
                            f"available: {', '.join(sorted(connectors))}", source.location)
        tables = connectors[source.connector].obj.tables
        if table not in tables:
            raise UserError(f"sources.{table}: connector {source.connector!r} cannot fill "
                            f"{table}; it fills {', '.join(tables)}", source.location)
    problems = source_problems(workspace, {n: r.obj.options_schema
                                           for n, r in connectors.items()})
    if problems:
        raise RulesetError(problems)
    con, note = _open_store(workspace, cache)
    loaded = LoadedData(con, {}, cache_note=note)
    stored = ({t: (k, q) for t, k, q in con.execute(f"SELECT * FROM {_META}").fetchall()}
              if not note else {})
    existing = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    keys = loaded.keys
    for table in LOAD_ORDER:
        source = workspace.sources.get(table)
        if source is None:
            canonical.create_empty(con, table)
            loaded.missing.append(table)
            if not note:
                con.execute(f"DELETE FROM {_META} WHERE tbl = ?", [table])
            continue
        registered = connectors[source.connector]
        if not source.path.exists():
            raise UserError(f"sources.{table}: {source.display} does not exist",
                            source.location)
        upstream = keys.get("sellers", "no sellers") if table == "learning_records" else ""
        keys[table] = key = source_key(source, host.dists.get(registered.plugin, ("", ""))[1],
                                       upstream)
        if table in stored and stored[table][0] == key and table in existing:
            quality = canonical.TableQuality.from_dict(json.loads(stored[table][1]))
            quality.notes = [*quality.notes, "from the cache: inputs unchanged"]
            loaded.quality[table] = quality
            continue
        if progress:  # (what, sources done, sources in all): drives the CLI's progress bar
            done = sum(t in workspace.sources for t in LOAD_ORDER[:LOAD_ORDER.index(table)])
            progress(f"{table} from {source.display}", done, len(workspace.sources))
        con.begin()  # the table and its cache entry land together or not at all
        try:
            try:
                quality = _load_one(con, source, registered,
                                    known_sellers="sellers" not in loaded.missing)
            except _ParallelRefused:  # line breaks in quoted values: read it sequentially
                con.rollback()
                con.begin()
                quality = _load_one(con, source, registered, parallel=False,
                                    known_sellers="sellers" not in loaded.missing)
            if not note:
                con.execute(f"INSERT OR REPLACE INTO {_META} VALUES (?, ?, ?)",
                            [table, key, json.dumps(quality.to_dict())])
            con.commit()
        except BaseException:
            con.rollback()
            raise
        loaded.quality[table] = quality
    return loaded


class _ParallelRefused(Exception):
    """DuckDB's parallel CSV reader refused the file; the connector is asked again."""


def _load_one(con: Any, source: Source, registered: Any, known_sellers: bool,
              parallel: bool = True) -> canonical.TableQuality:
    context = LoadContext(con, parallel=parallel)
    try:
        relation = registered.obj.load(source, context)
    except UserError:
        raise
    except Exception as exc:
        if _is_duckdb_error(exc):
            raise _read_error(exc, source, parallel) from None
        raise UserError(f"connector {source.connector!r} from plugin {registered.plugin!r} "
                        f"failed on {source.display}: {type(exc).__name__}: {exc}") from exc
    present = {r[0] for r in con.execute(f'DESCRIBE "{relation}"').fetchall()}
    required = resources.schema(f"tables/{source.table}").get("required", [])
    unmapped = [c for c in required if c not in present]
    if unmapped:
        raise UserError(
            f"sources.{source.table}: {source.display} gives no column for required "
            f"{', '.join(unmapped)}; map them under columns: (canonical: source column)",
            source.location)
    opts = source.options
    formats = opts.get("date_format") or ()
    try:
        quality = canonical.conform(
            con, source.table, relation, values=opts.get("values"),
            date_formats=[formats] if isinstance(formats, str) else formats,
            decimal_comma=bool(opts.get("decimal_comma")), known_sellers=known_sellers)
        context.read_done(quality.read)  # deferred accounts (blank lines) read the file too
    except Exception as exc:
        if _is_duckdb_error(exc):
            raise _read_error(exc, source, parallel) from None
        raise
    quality.connector, quality.source = source.connector, source.display
    for skipped in context.skipped.values():
        quality.skips.append(canonical.Reason(skipped.reason, skipped.count,
                                              [s for s in skipped.samples]))  # type: ignore[misc]
        quality.skipped += skipped.count
    quality.read += quality.skipped
    quality.repairs.extend(  # the connector's repairs, after the core's
        canonical.Reason(r.reason, r.count, list(r.samples))  # type: ignore[arg-type]
        for r in context.repaired.values())
    quality.notes.extend(context.notes)
    if source.table == "learning_records" and not known_sellers:
        quality.notes.append("learners not checked against sellers: no sellers source")
    return quality


_CSV_LINE = re.compile(r"CSV Error on Line: (\d+)")
_FOLLOW_RECORDS = 2_000_000  # the csv module follows ~1M records a second; past: "record N"
_HINTS = {"not utf-8 encoded": "set encoding: latin-1 (or utf-16) on the source",
          "Maximum line size": "a value over 2 MB, or a quote that is never closed"}


def _read_error(exc: Exception, source: Source, parallel: bool) -> Exception:
    """What DuckDB's failure to read a source becomes: a retry without the parallel reader
    when that was what refused the file, or when it found an error in it (the sequential
    reader names the exact line); else one line at the file's line, with DuckDB's reason
    (its message is many lines: the first names the line, a later one what is wrong)."""
    text = str(exc)
    lines = [line.strip() for line in text.splitlines()] or [""]
    found = _CSV_LINE.search(lines[0])
    if parallel and (PARALLEL_REFUSED in text or found):
        return _ParallelRefused()
    if not found:
        return UserError(f"sources.{source.table}: cannot read {source.display}: {lines[0]}",
                         source.location)
    # DuckDB's reason is the line before its first "Possible Solution" (or its settings):
    # the "Original Line" before it may span lines of its own
    head = re.split(r"\n\s*\n(?=Possible Solution|  file = )", text, maxsplit=1)[0]
    reason = head.rstrip().splitlines()[-1].strip() if "\n" in head.strip() else lines[0]
    hint = next((f"; {h}" for key, h in _HINTS.items() if key in reason), "")
    record = int(found.group(1))
    line = None
    if source.path.is_file() and record <= _FOLLOW_RECORDS:
        line = line_of_record(source.path, sniff_csv(source.path, delimiter=source.options.get(
            "delimiter"), encoding=source.options.get("encoding")), record)
    where = f"line {line}" if line else f"record {record} (blank lines counted)"
    return UserError(f"sources.{source.table}: cannot read {where}: {reason[:300].rstrip('.')}"
                     f"{hint}", Location(display_path(source.path), line or 0))


def _is_duckdb_error(exc: Exception) -> bool:
    duckdb = sys.modules.get("duckdb")
    return duckdb is not None and isinstance(exc, duckdb.Error)
