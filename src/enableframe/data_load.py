"""Load a workspace's sources through their connectors into canonical DuckDB tables."""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from enableframe import canonical, resources
from enableframe.connectors import LoadContext, Source
from enableframe.errors import RulesetError, UserError
from enableframe.plugin_host import PluginHost, get_plugin_host
from enableframe.workspace import Workspace, source_problems

# sellers first: learning records are checked against them
LOAD_ORDER = ("sellers", "opportunities", "learning_records", "content_events", "requests")


@dataclass
class LoadedData:
    """The canonical tables in one DuckDB connection and the account of every row."""

    con: Any
    quality: dict[str, canonical.TableQuality]
    missing: list[str] = field(default_factory=list)

    @property
    def rejected(self) -> int:
        return sum(q.rejected for q in self.quality.values())

    def to_dict(self) -> dict[str, Any]:
        return {"tables": [q.to_dict() for q in self.quality.values()],
                "missing": self.missing}


def connect() -> Any:
    """A DuckDB connection that never downloads or autoloads extensions (air-gapped
    laptops) and computes in UTC."""
    import duckdb

    con = duckdb.connect(config={"autoinstall_known_extensions": False,
                                 "autoload_known_extensions": False})
    con.execute("SET TimeZone = 'UTC'")
    return con


def load_data(workspace: Workspace, host: PluginHost | None = None,
              progress: Callable[[str], None] | None = None) -> LoadedData:
    """Run every source's connector and conform its rows; see :class:`LoadedData`."""
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
    con = connect()
    loaded = LoadedData(con, {})
    for table in LOAD_ORDER:
        source = workspace.sources.get(table)
        if source is None:
            canonical.create_empty(con, table)
            loaded.missing.append(table)
            continue
        if progress:
            progress(f"loading {table} from {source.display}")
        loaded.quality[table] = _load_one(con, source, connectors[source.connector],
                                          known_sellers="sellers" not in loaded.missing)
    return loaded


def _load_one(con: Any, source: Source, registered: Any,
              known_sellers: bool) -> canonical.TableQuality:
    if not source.path.exists():
        raise UserError(f"sources.{source.table}: {source.display} does not exist",
                        source.location)
    context = LoadContext(con)
    try:
        relation = registered.obj.load(source, context)
    except UserError:
        raise
    except Exception as exc:
        if _is_duckdb_error(exc):
            first = str(exc).splitlines()[0]
            raise UserError(f"sources.{source.table}: cannot read {source.display}: {first}",
                            source.location) from None
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
    except Exception as exc:
        if _is_duckdb_error(exc):
            first = str(exc).splitlines()[0]
            raise UserError(f"sources.{source.table}: cannot read {source.display}: {first}",
                            source.location) from None
        raise
    quality.connector, quality.source = source.connector, source.display
    for skipped in context.skipped.values():
        quality.skips.append(canonical.Reason(skipped.reason, skipped.count,
                                              [s for s in skipped.samples]))  # type: ignore[misc]
        quality.skipped += skipped.count
    quality.read += quality.skipped
    if source.table == "learning_records" and not known_sellers:
        quality.notes.append("learners not checked against sellers: no sellers source")
    return quality


def _is_duckdb_error(exc: Exception) -> bool:
    duckdb = sys.modules.get("duckdb")
    return duckdb is not None and isinstance(exc, duckdb.Error)
