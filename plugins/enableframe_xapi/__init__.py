"""Built-in plugin: the ``xapi`` connector, learning records from xAPI statements.

Uses only enableframe's public API (``hookimpl`` and ``enableframe.connectors``).

What it reads
    ``path`` is a file or a folder. A file holds a JSON array of statements, an LRS
    response object (``{"statements": [...], "more": "..."}``), one statement, or JSON lines
    (one statement per line); gzip-compressed files (``.gz``) too. A folder is read file by
    file in name order: the files matching ``pattern`` (default ``*.json``, ``*.jsonl``,
    ``*.ndjson`` and their ``.gz``, in the folder itself; ``**/statements.json`` reaches into
    subfolders). DuckDB's JSON reader parses everything; there is no Python loop over
    statements. An empty file holds no statements: alone it is an error, in a folder it adds
    nothing. An LRS page's ``more`` link is not followed (the connector never goes to the
    network): fetch every page into the folder.

How a statement becomes a learning record
    learner   the actor's identifier, by ``learner_from``: ``auto`` (default: account.name,
              else mbox without ``mailto:``, else mbox_sha1sum, else openid), ``account``,
              ``mbox``, ``email_local_part`` (the mbox before ``@``), ``mbox_sha1sum`` or
              ``openid``. An account's homePage is not part of the learner id: sellers.id is a
              plain CRM id, and the account name is what an LMS exports as the user id.
    activity  ``object.id``.
    kind      ``kinds`` option first (activity-type IRI or activity id, exactly or as a
              ``*`` glob, first match wins), then the activity types of ``_TYPES`` (ADL,
              cmi5, Moodle, Open edX), then the last word of the type IRI (course, module,
              lesson -> course; assessment, exam, quiz -> assessment; certificate,
              certification -> certification; accreditation), else ``other``.
    verb      ``verbs`` option first (verb IRI, exactly or as a glob, to a canonical verb or
              ``skip``), then the ADL verbs completed, passed, failed, attempted, launched
              (http or https, adlnet.gov or w3id.org/xapi/adl), cmi5's ``satisfied`` as
              completed and the TLA ``achieved`` (a certificate or badge issued) as completed.
    score     ``result.score.scaled``, else (raw - min) / (max - min) with min 0 when absent.
    time      ``timestamp``, else ``stored``.
    id        the statement id (a repeated id is rejected as a duplicate by the core).

Other verbs are skipped, each counted under a reason that names the verb, rather than loaded
as ``other``: viewed, answered, commented or registered outnumber completions many times in
real LRS data (Moodle: 50 viewed and 26 answered for 20 completed), and loading them would
make "any learning record" metrics count page views as learning. The account names every
skipped verb, so mapping one (``verbs: {IRI: other}``, or ``"*": other`` for all) is a
conscious choice.

Skipped, each with a counted reason and samples (``file:n``, the n-th statement of the file,
which is line n of JSON lines; statement ids are not unique enough in real exports to locate
one): values that are not JSON objects; statements without actor, verb or object; voiding
statements (verb ``voided``) and the statements they void, wherever they sit in the source;
Group actors (a team, not one learner); objects that are not activities (StatementRef,
SubStatement, Agent, Group; other object types, such as Open edX's GroupActivity, are
activities with an id); verbs not mapped. Everything else goes to the core, which types and
checks it (missing time, score outside 0-1, learner not among sellers) and counts rejections
by ``_row``: the statement's position in the source, counted across files in name order.
"""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path
from typing import Any

from enableframe import hookimpl
from enableframe.connectors import LoadContext, Source, create_view
from enableframe.errors import Location, UserError

KINDS = ("course", "certification", "accreditation", "assessment", "other")
VERBS = ("completed", "passed", "failed", "attempted", "launched", "other")
LEARNER_FROM = ("auto", "account", "mbox", "email_local_part", "mbox_sha1sum", "openid")
DEFAULT_PATTERNS = ("*.json", "*.jsonl", "*.ndjson", "*.json.gz", "*.jsonl.gz", "*.ndjson.gz")

# Built-in IRIs match exactly, written with http:// or https:// (both are seen in the wild)
_ADL = ("adlnet.gov/expapi/verbs/", "w3id.org/xapi/adl/verbs/")
_VERBS = {
    **{f"{base}{verb}": verb for base in _ADL
       for verb in ("completed", "passed", "failed", "attempted", "launched")},
    "w3id.org/xapi/adl/verbs/satisfied": "completed",  # cmi5: the course's moveOn is met
    "adlnet.gov/expapi/verbs/satisfied": "completed",
    "w3id.org/xapi/tla/verbs/achieved": "completed",  # a certificate or badge issued
}
_TYPES = {
    "adlnet.gov/expapi/activities/course": "course",
    "adlnet.gov/expapi/activities/module": "course",
    "adlnet.gov/expapi/activities/lesson": "course",
    "w3id.org/xapi/cmi5/activitytype/course": "course",
    "w3id.org/xapi/cmi5/activitytype/block": "course",
    "adlnet.gov/expapi/activities/assessment": "assessment",
    "adlnet.gov/expapi/activities/attempt": "assessment",  # Moodle: a quiz attempt
    "w3id.org/xapi/openedx/activity/practice-assessment": "assessment",
    "w3id.org/xapi/openedx/activity/proctored-assessment": "assessment",
    "w3id.org/xapi/openedx/activity/timed-assessment": "assessment",
    "xapi.edlm/profiles/edlm-lms/concepts/activity-types/certificate": "certification",
}
BUILTIN_VERBS = {f"{scheme}{iri}": v for iri, v in _VERBS.items()
                 for scheme in ("http://", "https://")}
BUILTIN_TYPES = {f"{scheme}{iri}": v for iri, v in _TYPES.items()
                 for scheme in ("http://", "https://")}
VOIDED = ("http://adlnet.gov/expapi/verbs/voided", "https://adlnet.gov/expapi/verbs/voided")
TYPE_WORDS: dict[str, str] = {
    "course": "course", "module": "course", "lesson": "course",
    "assessment": "assessment", "exam": "assessment", "quiz": "assessment",
    "certificate": "certification", "certification": "certification",
    "accreditation": "accreditation",
}
# What is read from each statement, parsed once by json_transform into a typed STRUCT
# (numbers become text, typed later by the core; a missing key or a JSON null is NULL)
_SHAPE = {
    "id": "VARCHAR",
    "actor": {"objectType": "VARCHAR", "account": {"name": "VARCHAR"}, "mbox": "VARCHAR",
              "mbox_sha1sum": "VARCHAR", "openid": "VARCHAR"},
    "verb": {"id": "VARCHAR"},
    "object": {"objectType": "VARCHAR", "id": "VARCHAR", "definition": {"type": "VARCHAR"}},
    "result": {"score": {"scaled": "VARCHAR", "raw": "VARCHAR", "min": "VARCHAR",
                         "max": "VARCHAR"}},
    "timestamp": "VARCHAR",
    "stored": "VARCHAR",
}
_F = {  # the flat columns the mapping reads
    "id": "x.id", "has_actor": "x.actor IS NOT NULL",
    "has_verb": "x.verb IS NOT NULL", "has_object": "x.object IS NOT NULL",
    "actor_type": "x.actor.objectType", "verb_id": "x.verb.id",
    "object_type": "x.object.objectType", "activity": "x.object.id",
    "activity_type": "x.object.definition.type",
    "ifi_account": "x.actor.account.name", "ifi_mbox": "x.actor.mbox",
    "ifi_mbox_sha1sum": "x.actor.mbox_sha1sum", "ifi_openid": "x.actor.openid",
    "scaled": "x.result.score.scaled", "raw": "x.result.score.raw",
    "min": "x.result.score.min", "max": "x.result.score.max",
    "timestamp": "x.timestamp", "stored": "x.stored",
}
MAX_OBJECT = 64 * 1024 * 1024  # one JSON value (an LRS response page) at most
LOCATE_LIMIT = 64 * 1024 * 1024  # files up to this size are re-read to locate a JSON error


def _lit(value: Any) -> str:
    return "'" + str(value).replace("'", "''") + "'"


def _is_glob(key: str) -> bool:
    return "*" in key  # IRIs often hold "?": only "*" makes a key a pattern


class XapiConnector:
    """xAPI statements (an LRS export, Moodle or Open edX xAPI output) -> learning_records."""

    name = "xapi"
    tables = ("learning_records",)
    options_schema: dict[str, Any] = {  # noqa: RUF012 (read-only, part of the API)
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "learner_from": {
                "enum": list(LEARNER_FROM),
                "description": "Which actor identifier is the learner (joins sellers.id): "
                               "auto (account, else mbox, else mbox_sha1sum, else openid), "
                               "account, mbox, email_local_part, mbox_sha1sum or openid.",
            },
            "kinds": {
                "type": "object",
                "description": "Activity-type IRI or activity id (exact, or a glob with *) "
                               "-> kind; the first match wins, before the built-in types.",
                "additionalProperties": {"enum": list(KINDS)},
            },
            "verbs": {
                "type": "object",
                "description": "Verb IRI (exact, or a glob with *) -> canonical verb, or "
                               "skip; the first match wins, before the built-in verbs.",
                "additionalProperties": {"enum": [*VERBS, "skip"]},
            },
            "pattern": {
                "type": "string", "minLength": 1,
                "description": "When path is a folder: the files to read (a glob relative "
                               "to it, ** for subfolders); default *.json, *.jsonl, "
                               "*.ndjson and their .gz.",
            },
        },
    }

    def load(self, source: Source, context: LoadContext) -> str:
        import duckdb

        files = _files(source)
        array_files, other_files, empty = [], [], []
        for path in files:
            first = _first_byte(path, source)
            if first is None:
                empty.append(path)
            elif first == "[":
                array_files.append(path)
            else:
                other_files.append(path)
        if source.path.is_file() and empty:
            raise UserError(f"{source.display}: the file is empty; expected xAPI statements "
                            "(a JSON array, an LRS response or JSON lines)", source.location)
        labels = {str(p): _label(source, p) for p in files}
        numbers = {str(p): i for i, p in enumerate(files, 1)}

        parsed, work = f"_xapi_{source.table}_parsed", f"_xapi_{source.table}"
        con = context.con
        try:
            con.execute(f"CREATE OR REPLACE TEMP TABLE {parsed} AS "
                        f"{_parse_sql(array_files, other_files, numbers)}")
            # LRS response pages: their files are read again, each page's statements
            # unnested (a second pass only for the files that hold pages)
            paged = {r[0] for r in con.execute(
                f"SELECT DISTINCT _file_no FROM {parsed} WHERE _page").fetchall()}
            if paged:
                context.note(f"{len(paged)} file(s) hold LRS response pages; their 'more' "
                             "links are not followed (no network): fetch every page into "
                             "the folder")
                con.execute(f"DELETE FROM {parsed} WHERE _file_no IN "
                            f"({', '.join(str(n) for n in sorted(paged))})")
                con.execute(f"INSERT INTO {parsed} " + _parse_sql(
                    [p for p in array_files if numbers[str(p)] in paged],
                    [p for p in other_files if numbers[str(p)] in paged], numbers, pages=True))
        except duckdb.Error as exc:
            raise _json_error(exc, source, labels) from None
        # each file's statements are contiguous and in order (one scan per file format,
        # numbered as read): a statement's position is its file's offset plus its place
        # in the file, found without sorting a million rows
        offsets, total = [], 0
        for file_no, count, first, last in con.execute(
                f"SELECT _file_no, count(*), min(_seq), max(_seq) FROM {parsed} "
                f"GROUP BY 1 ORDER BY 1").fetchall():
            if file_no not in paged and last - first + 1 != count:  # DuckDB changed
                raise RuntimeError("statements of one file were not read contiguously")
            offsets.append(f"({file_no}, {first}, {total})")
            total += count
        voided = f"{work}_voided"
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE {voided} AS SELECT DISTINCT activity AS target "
            f"FROM {parsed} WHERE verb_id IN ({', '.join(_lit(v) for v in VOIDED)}) "
            f"AND object_type = 'StatementRef' AND activity IS NOT NULL")
        con.execute(f"CREATE OR REPLACE TEMP TABLE {work} AS "
                    f"{_map_sql(source, parsed, voided, offsets)}")
        con.execute(f"DROP TABLE {parsed}")
        con.execute(f"DROP TABLE {voided}")

        label_of = {n: labels[p] for p, n in numbers.items()}
        for reason, count, samples in con.execute(
                f"SELECT _reason, count(*), list([_file_no, _n] ORDER BY _row)[1:5] "
                f"FROM {work} WHERE _reason IS NOT NULL GROUP BY _reason "
                f"ORDER BY count(*) DESC, _reason").fetchall():
            context.skip(reason, int(count), [f"{label_of[f]}:{n}" for f, n in samples])
        return create_view(
            context, source,
            f"SELECT _row, id, learner, activity, kind, verb, score, time FROM {work} "
            f"WHERE _reason IS NULL")


# -- files --------------------------------------------------------------------------------

def _files(source: Source) -> list[Path]:
    path = source.path
    if path.is_file():
        return [path]
    if not path.is_dir():
        raise UserError(f"{source.display} is neither a file nor a folder", source.location)
    pattern = source.options.get("pattern")
    patterns = (pattern,) if pattern else DEFAULT_PATTERNS
    try:
        if pattern and Path(pattern).is_absolute():
            raise ValueError("it is an absolute path")
        if pattern and ".." in Path(pattern).parts:
            raise ValueError("it leaves the folder")
        found = sorted({p for pat in patterns for p in path.glob(pat) if p.is_file()})
    except (ValueError, NotImplementedError) as exc:
        raise UserError(f"{source.display}: pattern {pattern!r} cannot be used: {exc}; give "
                        "a glob relative to the folder", source.location) from None
    if not found:
        raise UserError(f"{source.display}: no files matching {', '.join(patterns)} in the "
                        "folder (set pattern: to choose the files)", source.location)
    return found


def _label(source: Source, path: Path) -> str:
    """How a file is named in samples: its name, or its path inside the source folder."""
    if source.path.is_file():
        return path.name
    return path.relative_to(source.path).as_posix()


def _open(path: Path):
    return gzip.open(path, "rb") if path.name.endswith(".gz") else path.open("rb")


def _first_byte(path: Path, source: Source) -> str | None:
    """The first significant character of a file (after a UTF-8 BOM), None when empty."""
    try:
        with _open(path) as handle:
            head = handle.read(4)
            if head.startswith((b"\xff\xfe", b"\xfe\xff")):
                raise UserError(f"{_display(source, path)}: UTF-16 text; xAPI statements "
                                "must be UTF-8 JSON", source.location)
            if head.startswith(b"\xef\xbb\xbf"):
                head = head[3:]
            chunk = head
            while chunk:
                stripped = chunk.lstrip()
                if stripped:
                    return chr(stripped[0])
                chunk = handle.read(64 * 1024)
    except OSError as exc:
        raise UserError(f"cannot read {_display(source, path)}: {exc.strerror or exc}",
                        source.location) from None
    return None


def _display(source: Source, path: Path) -> str:
    if source.path.is_file():
        return source.display
    return f"{source.display.rstrip('/')}/{path.relative_to(source.path).as_posix()}"


# -- SQL ----------------------------------------------------------------------------------

def _read_sql(files: list[Path], fmt: str) -> str:
    names = ", ".join(_lit(str(p)) for p in files)
    return (f"SELECT filename, json AS s, row_number() OVER () AS seq "
            f"FROM read_json_objects([{names}], format = {_lit(fmt)}, filename = true, "
            f"maximum_object_size = {MAX_OBJECT})")


# an LRS response page: an object with a statements array and no actor
_IS_PAGE = ("(x.statements IS NOT NULL AND x.actor IS NULL "
            "AND json_type(x.statements) = 'ARRAY')")


def _parse_sql(array_files: list[Path], other_files: list[Path], numbers: dict[str, int],
               pages: bool = False) -> str:
    """One row per top-level value (with ``pages``: per statement, LRS pages unnested):
    file number, position, whether it is a JSON object or a page, and the fields of ``_F``.

    Each value is parsed once, by json_transform into a typed STRUCT whose fields become
    columns; the JSON text is not kept. Without ``pages``, a page is one row (``_page``)."""
    reads = ([_read_sql(array_files, "array")] if array_files else []) + (
        [_read_sql(other_files, "auto")] if other_files else [])
    if not reads:
        reads = ["SELECT NULL::VARCHAR AS filename, NULL::JSON AS s, 0 AS seq WHERE false"]
    files = ", ".join(f"({_lit(str(p))}, {numbers[str(p)]})"
                      for p in [*array_files, *other_files]) or "(NULL, 0)"
    shape = _lit(json.dumps({**_SHAPE, "statements": "JSON"}))
    head = f"""
    WITH vals AS ({" UNION ALL ".join(reads)}),
    files(filename, file_no) AS (VALUES {files}),
    top AS (SELECT file_no, seq, s, json_transform(s, {shape}) AS x
            FROM vals JOIN files USING (filename))"""
    fields = ", ".join(f"{path} AS {name}" for name, path in _F.items())
    if not pages:
        return f"""{head}
        SELECT file_no AS _file_no, seq AS _seq, NULL::BIGINT AS _n,
            starts_with(CAST(s AS VARCHAR), '{{') AS _object, {_IS_PAGE} AS _page, {fields}
        FROM top"""
    return f"""{head},
    listed AS (
        SELECT file_no, seq, s, x, {_IS_PAGE} AS page,
            CASE WHEN {_IS_PAGE} THEN json_extract(x.statements, '$[*]')
                 ELSE [NULL::JSON] END AS l FROM top),
    unnested AS (
        SELECT file_no, seq, page, s, x, unnest(l) AS e, generate_subscripts(l, 1) AS sub
        FROM listed),
    statements AS (
        SELECT file_no, seq, sub,
            starts_with(CAST(CASE WHEN page THEN e ELSE s END AS VARCHAR), '{{') AS _object,
            CASE WHEN page THEN json_transform(e, {shape}) ELSE x END AS x
        FROM unnested)
    SELECT file_no AS _file_no, seq AS _seq,
        row_number() OVER (PARTITION BY file_no ORDER BY seq, sub) AS _n,
        _object, false AS _page, {fields}
    FROM statements"""


def _map_sql(source: Source, parsed: str, voided: str, offsets: list[str]) -> str:
    """Every statement's canonical columns and, when it is skipped, the reason.

    ``offsets``: per file, (number, first scan position, statements in earlier files)."""
    opts = source.options
    learner, no_learner = _learner_sql(opts.get("learner_from") or "auto")
    verb = _mapping_sql(opts.get("verbs") or {}, ["verb_id"], BUILTIN_VERBS)
    kind = _kind_sql(opts.get("kinds") or {})
    raw, lo, hi = (f"TRY_CAST({k} AS DOUBLE)" for k in ("raw", "min", "max"))
    score = (f"CASE WHEN scaled IS NOT NULL THEN scaled "
             f"WHEN raw IS NOT NULL AND {raw} IS NULL THEN raw "
             f"ELSE CAST(({raw} - coalesce({lo}, 0)) / "
             f"NULLIF({hi} - coalesce({lo}, 0), 0) AS VARCHAR) END")
    void_verbs = ", ".join(_lit(v) for v in VOIDED)
    return f"""
    WITH offsets(_file_no, _first, _offset) AS (VALUES {", ".join(offsets) or "(0, 0, 0)"}),
    placed AS (
        SELECT p.* EXCLUDE (_n), coalesce(p._n, p._seq - o._first + 1) AS _pos, o._offset
        FROM {parsed} AS p JOIN offsets AS o USING (_file_no)),
    mapped AS (
        SELECT _offset + _pos AS _row, _pos AS _n, *,
            verb_id IN ({void_verbs}) AS _voiding,
            id IN (SELECT target FROM {voided}) AS _voided, {learner} AS learner,
            {kind} AS kind, {verb} AS verb, {score} AS score,
            coalesce(timestamp, stored) AS time
        FROM placed)
    SELECT _row, _file_no, _n, CASE
        WHEN NOT _object THEN 'not a JSON object'
        WHEN NOT has_actor THEN 'statement has no actor'
        WHEN NOT has_verb THEN 'statement has no verb'
        WHEN NOT has_object THEN 'statement has no object'
        WHEN _voiding THEN 'voiding statement'
        WHEN _voided THEN 'voided by a later statement'
        WHEN actor_type = 'Group' THEN 'actor is a Group, not one learner'
        WHEN object_type IN ('Agent', 'Group', 'StatementRef', 'SubStatement')
            THEN 'object is a ' || object_type || ', not an activity'
        WHEN verb_id IS NULL THEN 'verb has no id'
        WHEN verb IS NULL THEN 'verb not mapped: ' || verb_id
        WHEN verb = 'skip' THEN 'verb skipped by the verbs option: ' || verb_id
        WHEN learner IS NULL THEN {_lit(no_learner)}
    END AS _reason, id, learner, activity, kind, verb, score, time
    FROM mapped"""


def _learner_sql(learner_from: str) -> tuple[str, str]:
    """The learner expression and the reason given when it is missing."""
    def clean(expr: str) -> str:
        return f"NULLIF(trim({expr}), '')"

    mbox = clean("CASE WHEN lower(ifi_mbox) LIKE 'mailto:%' THEN ifi_mbox[8:] "
                 "ELSE ifi_mbox END")
    exprs = {
        "account": clean("ifi_account"), "mbox": mbox,
        "email_local_part": clean(f"split_part({mbox}, '@', 1)"),
        "mbox_sha1sum": clean("ifi_mbox_sha1sum"), "openid": clean("ifi_openid"),
    }
    if learner_from == "auto":
        order = ("account", "mbox", "mbox_sha1sum", "openid")
        return (f"coalesce({', '.join(exprs[k] for k in order)})",
                "actor has no identifier (account, mbox, mbox_sha1sum or openid)")
    field = "mbox" if learner_from == "email_local_part" else learner_from
    return exprs[learner_from], f"actor has no {field} (learner_from: {learner_from})"


def _mapping_sql(user: dict[str, str], columns: list[str], builtin: dict[str, str]) -> str:
    """CASE over the user's keys (exact or glob, in order, against each column), then the
    built-in IRIs (against the first column); NULL when nothing matches."""
    whens = []
    for key, value in user.items():
        op = "GLOB" if _is_glob(key) else "="
        test = " OR ".join(f"{col} {op} {_lit(key)}" for col in columns)
        whens.append(f"WHEN {test} THEN {_lit(value)}")
    by_value: dict[str, list[str]] = {}
    for iri, value in builtin.items():
        by_value.setdefault(value, []).append(iri)
    for value, iris in by_value.items():
        whens.append(f"WHEN {columns[0]} IN ({', '.join(_lit(i) for i in iris)}) "
                     f"THEN {_lit(value)}")
    return f"CASE {' '.join(whens)} END"


def _kind_sql(user: dict[str, str]) -> str:
    """User kinds, then built-in type IRIs, then the type IRI's last word, else other."""
    mapped = _mapping_sql(user, ["activity_type", "activity"], BUILTIN_TYPES)
    word = "lower(regexp_extract(rtrim(activity_type, '/'), '[^/#]+$'))"
    by_value: dict[str, list[str]] = {}
    for w, value in TYPE_WORDS.items():
        by_value.setdefault(value, []).append(w)
    words = " ".join(f"WHEN {word} IN ({', '.join(_lit(w) for w in ws)}) THEN {_lit(v)}"
                     for v, ws in by_value.items())
    return (f"CASE WHEN activity_type IS NULL THEN coalesce({mapped}, 'other') "
            f"ELSE coalesce({mapped}, CASE {words} END, 'other') END")


# -- errors -------------------------------------------------------------------------------

def _json_error(exc: Exception, source: Source, labels: dict[str, str]) -> Exception:
    """A DuckDB read error as one located line; other errors pass through unchanged."""
    message = str(exc).splitlines()[0]
    match = re.search(r'Malformed JSON in file "(.+?)", at byte \d+ in [^:]+: (.*)', message)
    if not match:
        return exc
    path = Path(match.group(1))
    display = _display(source, path) if str(path) in labels else str(path)
    found = _locate_json_error(path)
    if found:
        line, col, what = found
        return UserError(f"invalid JSON: {what}", Location(display, line, col))
    return UserError(f"{display}: invalid JSON: {match.group(2).strip().rstrip('.')}",
                     source.location)


def _locate_json_error(path: Path) -> tuple[int, int, str] | None:
    """Line, column and message of the first JSON error in a file (up to LOCATE_LIMIT),
    found with Python's parser; only called after DuckDB refused the file."""
    try:
        with _open(path) as handle:
            data = handle.read(LOCATE_LIMIT + 1)
    except OSError:
        return None
    if len(data) > LOCATE_LIMIT:
        return None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        before = data[:exc.start]
        line = before.count(b"\n") + 1
        col = exc.start - (before.rfind(b"\n") + 1) + 1
        return line, col, "not UTF-8 text"
    decoder = json.JSONDecoder()
    space = re.compile(r"\s*")
    index = space.match(text, 0).end()  # type: ignore[union-attr]
    while index < len(text):
        try:
            _, index = decoder.raw_decode(text, index)
        except json.JSONDecodeError as exc:
            return exc.lineno, exc.colno, exc.msg
        index = space.match(text, index).end()  # type: ignore[union-attr]
        if index < len(text) and text[index] == ",":  # a comma between top-level values
            line = text.count("\n", 0, index) + 1
            return line, index - (text.rfind("\n", 0, index) + 1) + 1, "unexpected ','"
    return None


@hookimpl
def enableframe_register_connectors(register) -> None:
    register(XapiConnector())
