"""Assessment history: every ``enableframe assess`` run kept in the workspace, so a client
assessed every quarter can be compared with itself.

One SQLite file per workspace, ``WORKSPACE/.enableframe/history.sqlite`` (standard library,
nothing to install). Why it survives crashes and concurrent runs:

- **WAL journal** (``journal_mode=WAL``, persistent in the file): a writer appends to the
  write-ahead log and readers keep reading the last committed state, so ``enableframe
  history`` works while an assessment is being stored.
- **One transaction per run**: ``BEGIN IMMEDIATE``, one ``INSERT`` of the whole run, ``COMMIT``.
  A process killed before the commit leaves uncommitted frames that SQLite ignores and
  discards on the next open: the history is the runs finished so far, never half a run.
  ``synchronous=FULL`` makes a committed run survive a power cut too, not only a crash.
- **Busy timeout**: a second run waiting for the write lock retries for ``BUSY_TIMEOUT_S``
  instead of failing, so two runs started at once both land (one after the other).
- Each row carries the sha256 of its result JSON, checked on read: a damaged row is named,
  never silently used.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import sqlite3
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from enableframe.errors import UserError

FILENAME = "history.sqlite"
STORE_VERSION = 1  # PRAGMA user_version
BUSY_TIMEOUT_S = 60.0
TREND_PERIODS = 12  # trend points kept in a report: three years of quarters

# Called inside the write transaction, after the INSERT and before the COMMIT, with the new
# run's id. None in normal use; tests set it to stop a process at the worst moment.
_in_transaction: Callable[[int], None] | None = None

_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,  -- never reused, so references stay
    created_at      TEXT NOT NULL,     -- when the run was stored, UTC, ISO 8601
    assessed_on     TEXT NOT NULL,     -- the assessment's date
    client          TEXT NOT NULL,
    ruleset_name    TEXT NOT NULL,
    ruleset_version TEXT NOT NULL,
    ruleset_digest  TEXT NOT NULL,     -- sha256 of the resolved ruleset (overlays merged)
    input_digests   TEXT NOT NULL,     -- JSON: {"sources": {table: digest}, "inputs": {...}}
    period          TEXT NOT NULL,     -- label, e.g. 2017-Q2
    period_start    TEXT NOT NULL,
    period_end      TEXT NOT NULL,
    overall_level   INTEGER NOT NULL,
    summary         TEXT NOT NULL,     -- JSON: levels and CSO metrics (history, trend)
    result          TEXT NOT NULL,     -- JSON: the full assessment result
    result_sha256   TEXT NOT NULL      -- of `result`, checked on read
);
CREATE INDEX IF NOT EXISTS runs_by_period ON runs (period_start, id);
"""


@dataclass(frozen=True)
class Run:
    """One stored run; ``result`` is loaded only when asked for."""

    id: int
    created_at: str
    assessed_on: str
    client: str
    ruleset_name: str
    ruleset_version: str
    ruleset_digest: str
    input_digests: dict[str, Any]
    period: dict[str, str]
    overall_level: int
    summary: dict[str, Any]
    result: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        out = {"id": self.id, "created_at": self.created_at, "assessed_on": self.assessed_on,
               "client": self.client,
               "ruleset": {"name": self.ruleset_name, "version": self.ruleset_version,
                           "digest": self.ruleset_digest},
               "period": self.period, "overall_level": self.overall_level,
               "input_digests": self.input_digests, **self.summary}
        return out


def store_path(root: Path) -> Path:
    from enableframe.workspace import CACHE_DIR

    return Path(root) / CACHE_DIR / FILENAME


# -- the store -------------------------------------------------------------------------------

def _open(path: Path, *, create: bool) -> sqlite3.Connection:
    """A connection in autocommit mode (transactions are explicit), WAL, busy timeout."""
    if not create and not path.is_file():
        raise UserError(f"no history at {path}: run `enableframe assess` on the workspace "
                        "first (runs are stored unless --no-history)")
    try:
        if create:
            path.parent.mkdir(parents=True, exist_ok=True)
        con = sqlite3.connect(path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
    except (OSError, sqlite3.Error) as exc:
        raise UserError(f"cannot open the history {path}: {exc}") from None
    try:
        con.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
        con.execute("PRAGMA synchronous = FULL")
        version = con.execute("PRAGMA user_version").fetchone()[0]
        if version > STORE_VERSION:
            raise UserError(f"the history {path} was written by a newer enableframe "
                            f"(store version {version}); upgrade enableframe to read it")
        if version < STORE_VERSION:
            if not create:
                raise UserError(f"no history at {path}: run `enableframe assess` first")
            _create(con)
    except sqlite3.DatabaseError as exc:
        con.close()
        raise UserError(f"the history {path} is not readable: {exc}") from None
    except BaseException:
        con.close()
        raise
    return con


def _create(con: sqlite3.Connection) -> None:
    """WAL mode, then the tables in one transaction (two first runs may race here)."""
    deadline = time.monotonic() + BUSY_TIMEOUT_S
    while True:
        try:
            # Switching to WAL takes an exclusive lock; SQLite may answer "locked" without
            # waiting when another process does the same, so retry until the deadline.
            mode = con.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if mode.lower() == "wal":
                break
        except sqlite3.OperationalError:
            if time.monotonic() > deadline:
                raise
        time.sleep(0.05)
    con.execute("BEGIN IMMEDIATE")
    try:
        if con.execute("PRAGMA user_version").fetchone()[0] < STORE_VERSION:
            for statement in _SCHEMA.split(";"):
                if statement.strip():
                    con.execute(statement)
            con.execute(f"PRAGMA user_version = {STORE_VERSION}")
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


def input_digests(workspace: Any, result: Mapping[str, Any]) -> dict[str, Any]:
    """What a run read: each data source's digest (from the result) and each workspace
    input's (charter, programs, answers, ...: its file's bytes, or its inline value)."""
    from enableframe.data_load import file_digest
    from enableframe.inputs import KINDS
    from enableframe.yaml_loader import to_plain

    sources = {s["table"]: s["digest"] for s in result["inputs"]["sources"]}
    inputs = {}
    for kind in KINDS:
        if kind not in workspace.document:
            continue
        value = workspace.document[kind]
        if isinstance(value, str):
            path = (workspace.root / value).resolve()
            inputs[kind] = file_digest(path) if path.exists() else "missing"
        else:
            text = json.dumps(to_plain(value), sort_keys=True, default=str)
            inputs[kind] = "sha256:" + hashlib.sha256(text.encode()).hexdigest()
    return {"sources": sources, "inputs": inputs}


def record_run(workspace_path: str | Path, result: Any) -> int:
    """Store one assessment result (an :class:`Assessment` or its dict) as a new run, in one
    transaction; return the run's id."""
    from enableframe.workspace import load_workspace

    data = result.to_dict() if hasattr(result, "to_dict") else dict(result)
    workspace = load_workspace(workspace_path)
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), default=str)
    row = {
        "created_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "assessed_on": data["assessed_on"], "client": data["client"],
        "ruleset_name": data["ruleset"]["name"], "ruleset_version": data["ruleset"]["version"],
        "ruleset_digest": data["ruleset"]["digest"],
        "input_digests": json.dumps(input_digests(workspace, data), sort_keys=True),
        "period": data["period"]["label"], "period_start": data["period"]["start"],
        "period_end": data["period"]["end"], "overall_level": int(data["overall"]["level"]),
        "summary": json.dumps(summary(data), ensure_ascii=False),
        "result": text, "result_sha256": hashlib.sha256(text.encode()).hexdigest(),
    }
    path = store_path(workspace.root)
    con = _open(path, create=True)
    try:
        con.execute("BEGIN IMMEDIATE")  # the write lock now, or wait for it (busy timeout)
        try:
            cur = con.execute(f"INSERT INTO runs ({', '.join(row)}) "
                              f"VALUES ({', '.join('?' * len(row))})", tuple(row.values()))
            run_id = int(cur.lastrowid or 0)
            if _in_transaction is not None:
                _in_transaction(run_id)
            con.execute("COMMIT")
        except BaseException:
            if con.in_transaction:
                con.execute("ROLLBACK")
            raise
    except sqlite3.OperationalError as exc:
        hint = (f"another run held it for more than {BUSY_TIMEOUT_S:.0f} s"
                if "locked" in str(exc) or "busy" in str(exc) else "")
        raise UserError(f"cannot store the run in {path}: {exc}"
                        + (f" ({hint})" if hint else "")
                        + "; run again, or pass --no-history") from None
    finally:
        con.close()
    return run_id


_COLUMNS = ("id, created_at, assessed_on, client, ruleset_name, ruleset_version, "
            "ruleset_digest, input_digests, period, period_start, period_end, overall_level, "
            "summary")


def _run(row: tuple, result: dict[str, Any] | None = None) -> Run:
    (run_id, created, assessed, client, rs_name, rs_version, rs_digest, digests, label,
     start, end, level, summ) = row
    return Run(id=run_id, created_at=created, assessed_on=assessed, client=client,
               ruleset_name=rs_name, ruleset_version=rs_version, ruleset_digest=rs_digest,
               input_digests=json.loads(digests),
               period={"label": label, "start": start, "end": end},
               overall_level=level, summary=json.loads(summ), result=result)


def list_runs(root: str | Path, *, missing_ok: bool = False) -> list[Run]:
    """Every stored run, oldest first, without the full results."""
    path = store_path(Path(root))
    if missing_ok and not path.is_file():
        return []
    con = _open(path, create=False)
    try:
        rows = con.execute(f"SELECT {_COLUMNS} FROM runs ORDER BY id").fetchall()
    except sqlite3.DatabaseError as exc:
        raise UserError(f"cannot read the history {path}: {exc}") from None
    finally:
        con.close()
    return [_run(r) for r in rows]


def load_run(root: str | Path, selector: str | int) -> Run:
    """One run with its result: an id, ``latest`` or ``previous`` (the one before latest)."""
    path = store_path(Path(root))
    con = _open(path, create=False)
    try:
        ids = [r[0] for r in con.execute("SELECT id FROM runs ORDER BY id")]
        run_id = _select(ids, selector, path)
        row = con.execute(f"SELECT {_COLUMNS}, result, result_sha256 FROM runs WHERE id = ?",
                          (run_id,)).fetchone()
    except sqlite3.DatabaseError as exc:
        raise UserError(f"cannot read the history {path}: {exc}") from None
    finally:
        con.close()
    *head, text, sha = row
    if hashlib.sha256(text.encode()).hexdigest() != sha:
        raise UserError(f"run {run_id} in {path} is damaged (its result does not match its "
                        "checksum)")
    return _run(tuple(head), json.loads(text))


def _select(ids: list[int], selector: str | int, path: Path) -> int:
    if not ids:
        raise UserError(f"no runs stored in {path} yet")
    key = str(selector).strip().lower()
    if key == "latest":
        return ids[-1]
    if key == "previous":
        if len(ids) < 2:
            raise UserError(f"only one run stored in {path}: there is no previous run")
        return ids[-2]
    if key.isdigit() and int(key) in ids:
        return int(key)
    shown = ", ".join(map(str, ids[-10:])) + (" ..." if len(ids) > 10 else "")
    raise UserError(f"no run {selector!r} in {path}; use latest, previous or an id "
                    f"({shown})")


# -- what history and trend read -------------------------------------------------------------

def summary(result: Mapping[str, Any]) -> dict[str, Any]:
    """The small part of a result that ``history`` and trends show."""
    return {
        "overall": {"level": result["overall"]["level"], "name": result["overall"]["name"],
                    "provisional": bool(result["overall"].get("provisional"))},
        "dimensions": [{"id": d["id"], "name": d["name"], "level": d["level"],
                        "provisional": bool(d.get("provisional"))}
                       for d in result["dimensions"]],
        "cso_metrics": [{"id": m["id"], "name": m["name"], "value": m["value"],
                         "unit": m.get("unit"),
                         "better": (m.get("definition") or {}).get("better", "higher")}
                        for m in result["metrics"] if m.get("cso_key")],
    }


def trend(runs: list[Run], current: Mapping[str, Any], *,
          from_history: bool) -> dict[str, Any]:
    """Each CSO metric and each dimension's level over the stored runs plus this one.

    One point per period, the latest run of it (re-running a quarter after fixing its data
    replaces that quarter's point); the current run replaces stored runs of its own period.
    Points assessed with another ruleset are marked: their levels are not like for like.
    """
    this = summary(current)
    label = current["period"]["label"]
    digest = current["ruleset"]["digest"]
    points: dict[str, dict[str, Any]] = {}
    for run in runs:
        if run.period["label"] != label:
            points[run.period["label"]] = _point(run.summary, run.period, run.id,
                                                 run.assessed_on, run.ruleset_name,
                                                 run.ruleset_version, run.ruleset_digest,
                                                 digest)
    points[label] = _point(this, current["period"], None, current["assessed_on"],
                           current["ruleset"]["name"], current["ruleset"]["version"],
                           digest, digest)
    ordered = sorted(points.values(), key=lambda p: (p["period"]["start"], p["period"]["end"]))
    ordered = [p for p in ordered if p["period"]["start"] <= current["period"]["start"]] or \
        ordered
    omitted = max(0, len(ordered) - TREND_PERIODS)
    return {
        "from_history": from_history,
        "omitted_periods": omitted,
        "metrics": [{k: m[k] for k in ("id", "name", "unit", "better")}
                    for m in this["cso_metrics"]],
        "dimensions": [{"id": d["id"], "name": d["name"]} for d in this["dimensions"]],
        "points": ordered[omitted:],
    }


def _point(summ: Mapping[str, Any], period: Mapping[str, str], run_id: int | None,
           assessed_on: str, rs_name: str, rs_version: str, rs_digest: str,
           current_digest: str) -> dict[str, Any]:
    return {
        "run": run_id, "period": dict(period), "assessed_on": assessed_on,
        "ruleset": f"{rs_name} {rs_version}", "same_ruleset": rs_digest == current_digest,
        "overall_level": summ["overall"]["level"],
        "levels": {d["id"]: d["level"] for d in summ["dimensions"]},
        "metrics": {m["id"]: m["value"] for m in summ["cso_metrics"]},
    }


def history_report(workspace_path: str | Path) -> dict[str, Any]:
    """``enableframe history``: the stored runs of a workspace, oldest first."""
    from enableframe.workspace import find_workspace_file

    root = find_workspace_file(workspace_path).parent
    runs = list_runs(root)
    return {"workspace": str(root), "store": str(store_path(root)),
            "runs": [r.to_dict() for r in runs]}
