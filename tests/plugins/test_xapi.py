"""The ``xapi`` connector: learning records from xAPI statements.

Real data: the xAPI specification's examples, the Moodle logstore_xapi fixtures and the Open
edX event-routing fixtures, read in place from ../shared/data (or $ENABLEFRAME_SHARED_DATA);
those tests are skipped, saying so, where the folder is absent (a fresh clone in CI).
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import os
import textwrap
from collections import Counter
from pathlib import Path

import pytest

from enableframe.data_load import load_data
from enableframe.workspace import load_workspace

REPO = Path(__file__).resolve().parents[2]
SHARED = Path(os.environ.get("ENABLEFRAME_SHARED_DATA", REPO / ".." / "shared" / "data"))
SPEC = SHARED / "xapi_spec_examples"
MOODLE = SHARED / "moodle_logstore_xapi_fixtures"
OPENEDX = SHARED / "openedx_event_routing_fixtures" / "xapi_expected"


def _needs(folder: Path):
    return pytest.mark.skipif(not folder.is_dir(), reason=f"public xAPI data not found at "
                              f"{folder} (set ENABLEFRAME_SHARED_DATA)")


pytestmark = pytest.mark.usefixtures("fresh_host")  # conftest.py


def _workspace(write, path: Path | str, options: str = "", sellers: str | None = None) -> Path:
    text = (f"apiVersion: enableframe/v1\nkind: Workspace\nclient: Test\n"
            f"ruleset: builtin:enablement-3.0\nsources:\n  learning_records:\n"
            f"    connector: xapi\n    path: {json.dumps(str(path))}\n")
    text += textwrap.indent(textwrap.dedent(options).strip("\n"), "    ") + "\n"
    if sellers is not None:
        write("sellers.csv", sellers)
        text += "  sellers:\n    connector: csv\n    path: sellers.csv\n"
    return write("enableframe.yaml", text)


def _load(write, path, options: str = "", sellers: str | None = None):
    loaded = load_data(load_workspace(_workspace(write, path, options, sellers)), cache=False)
    quality = loaded.quality["learning_records"]
    assert quality.read == quality.accepted + quality.rejected + quality.skipped
    return loaded, quality


def _skips(quality) -> dict[str, int]:
    return {r.reason: r.count for r in quality.skips}


def _rejections(quality) -> dict[str, int]:
    return {r.reason: r.count for r in quality.rejections}


def _records(loaded) -> list[tuple]:
    return loaded.con.execute(
        "SELECT id, learner, activity, kind, verb, score, time FROM learning_records "
        "ORDER BY time, activity").fetchall()


def _count_statements(files) -> int:
    """Counted independently: a file holds one statement (an object) or an array."""
    total = 0
    for f in files:
        doc = json.loads(Path(f).read_text(encoding="utf-8"))
        total += len(doc) if isinstance(doc, list) else 1
    return total


def _statement(i: int | str, verb: str = "completed", **extra) -> dict:
    s = {"id": f"s{i}", "actor": {"mbox": f"mailto:user{i}@example.com"},
         "verb": {"id": f"http://adlnet.gov/expapi/verbs/{verb}"},
         "object": {"id": f"http://lms.example.com/course/{i}",
                    "definition": {"type": "http://adlnet.gov/expapi/activities/course"}},
         "timestamp": "2024-03-01T10:00:00Z"}
    s.update(extra)
    return s


# -- real data ------------------------------------------------------------------------------

@_needs(SPEC)
def test_spec_examples_every_statement_accounted(write) -> None:
    loaded, q = _load(write, SPEC)
    assert q.read == _count_statements(SPEC.glob("*.json")) == 10
    assert (q.accepted, q.rejected, q.skipped) == (2, 0, 8)
    assert _skips(q) == {
        "voiding statement": 1,  # 01: voids a statement not in the data
        "verb not mapped: http://adlnet.gov/expapi/verbs/created": 1,  # 02
        "object is a StatementRef, not an activity": 2,  # 03 commented, 07 confirmed
        "object is a SubStatement, not an activity": 1,  # 04 planned
        "actor is a Group, not one learner": 1,  # 06 attended
        "verb not mapped: http://adlnet.gov/expapi/verbs/experienced": 2,  # 08, 09
    }
    samples = {r.reason: r.sample_rows for r in q.skips}
    assert samples["voiding statement"] == ["01_xAPI-Data_L285_voided.json:1"]
    assert _records(loaded) == [
        ("2a41c918-b88b-4220-20a5-a4c32391a240", "1625378",
         "https://example.adlnet.gov/AUidentifier", "other", "failed", 0.65,
         dt.datetime(2012, 6, 1, 19, 9, 13, 245000)),
        ("7ccd3322-e1a5-411a-a67d-6a735c76f119", "example.learner@adlnet.gov",
         "http://example.adlnet.gov/xapi/example/simpleCBT", "other", "attempted", 0.95,
         dt.datetime(2015, 12, 18, 12, 17)),
    ]


@_needs(SPEC)
def test_spec_examples_learner_identifiers(write) -> None:
    loaded, q = _load(write, SPEC, "learner_from: email_local_part")
    assert [r[1] for r in _records(loaded)] == ["example.learner"]
    assert _skips(q)["actor has no mbox (learner_from: email_local_part)"] == 1  # 10: account
    loaded, q = _load(write, SPEC, "learner_from: account")
    assert [r[1] for r in _records(loaded)] == ["1625378"]
    assert _skips(q)["actor has no account (learner_from: account)"] == 1  # 05: mbox


@_needs(SPEC)
def test_spec_examples_checked_against_sellers(write) -> None:
    loaded, q = _load(write, SPEC, sellers="id,name\n1625378,Gert Frobe\n")
    assert (q.read, q.accepted, q.rejected, q.skipped) == (10, 1, 1, 8)
    assert _rejections(q) == {"learner not found among sellers": 1}
    assert [r[1] for r in _records(loaded)] == ["1625378"]
    assert not any("not checked against sellers" in n for n in q.notes)


@_needs(MOODLE)
def test_moodle_fixtures_every_statement_accounted(write) -> None:
    loaded, q = _load(write, MOODLE, 'pattern: "**/statements.json"')
    files = sorted(MOODLE.glob("tests/**/statements.json"))
    assert len(files) == 171
    assert q.read == _count_statements(files) == 190
    # The fixtures carry no timestamp (Moodle's tests merge one in from
    # tests/common/statement.json), so every mapped statement is rejected for it, counted.
    assert (q.accepted, q.rejected, q.skipped) == (0, 23, 167)
    assert _rejections(q) == {"missing required field time": 23}
    skips = _skips(q)
    assert sum(skips.values()) == 167
    assert all(r.startswith("verb not mapped: ") for r in skips)
    assert skips["verb not mapped: http://id.tincanapi.com/verb/viewed"] == 50
    assert skips["verb not mapped: http://adlnet.gov/expapi/verbs/answered"] == 26
    # the mapped values, before the core's checks: the connector's output view
    rows = loaded.con.execute(
        "SELECT learner, activity, kind, verb, score FROM raw_learning_records "
        "ORDER BY _row").fetchall()
    assert len(rows) == 23
    assert ("1", "http://www.example.org/course/view.php?id=2", "course", "completed",
            None) in rows  # core/course_completed
    assert ("2", "http://www.example.org/admin/tool/certificate/index.php?code=4303209428AU",
            "certification", "completed", None) in rows  # tool_certificate issued: achieved
    assert Counter(r[2] for r in rows) == {"assessment": 15, "other": 6, "course": 1,
                                          "certification": 1}
    scorm = [r for r in rows if r[1] == "http://www.example.org/mod/scorm/view.php?id=1#sco"]
    assert sorted((r[3], r[4] or "") for r in scorm) == [
        ("completed", ""), ("completed", "1"), ("launched", "")]


@_needs(MOODLE)
def test_moodle_default_pattern_reads_only_the_top_folder(write, run) -> None:
    result = run("data", "check", str(_workspace(write, MOODLE).parent))
    assert result.exit_code == 2
    assert "no files matching *.json, *.jsonl" in result.stderr
    assert "set pattern:" in result.stderr


@_needs(OPENEDX)
def test_openedx_fixtures_every_statement_accounted(write) -> None:
    loaded, q = _load(write, OPENEDX)
    files = sorted(OPENEDX.glob("*.json"))
    assert len(files) == 77
    assert q.read == _count_statements(files) == 90
    assert (q.accepted, q.rejected, q.skipped) == (6, 4, 80)
    # the fixtures reuse statement ids across files (e.g. passed.first_time and now_passed)
    assert _rejections(q) == {"duplicate id": 4}
    skips = _skips(q)
    assert all(r.startswith("verb not mapped: ") for r in skips)
    assert skips["verb not mapped: https://w3id.org/xapi/acrossx/verbs/evaluated"] == 23
    assert skips["verb not mapped: http://adlnet.gov/expapi/verbs/registered"] == 4
    learner = "32e08e30-f8ae-4ce2-94a8-c2bfe38a70cb"
    course = "http://localhost:18000/course/course-v1:edX+DemoX+Demo_Course"
    records = _records(loaded)
    assert {r[1] for r in records} == {learner}
    assert (Counter(r[4] for r in records)
            == {"attempted": 2, "completed": 2, "passed": 1, "failed": 1})
    assert ("ebfef69f-dd05-5bf0-bf90-bad645bc6992", learner, course, "course", "passed", None,
            dt.datetime(2020, 7, 15, 6, 36, 1, 917775)) in records
    assert ("ecf2a41b-d1c8-50f7-bd6f-79b305159dae", learner, course, "course", "failed", None,
            dt.datetime(2020, 7, 15, 6, 36, 1, 917775)) in records
    scores = sorted(r[5] for r in records if r[5] is not None)
    assert scores == [0.0]


@_needs(OPENEDX)
def test_openedx_fixtures_with_and_without_the_learner_among_sellers(write) -> None:
    learner = "32e08e30-f8ae-4ce2-94a8-c2bfe38a70cb"
    _, q = _load(write, OPENEDX, sellers=f"id,name\n{learner},Learner\n")
    assert (q.accepted, q.rejected, q.skipped) == (6, 4, 80)
    _, q = _load(write, OPENEDX, sellers="id,name\nsomeone-else,Other\n")
    assert (q.accepted, q.rejected, q.skipped) == (0, 10, 80)
    assert _rejections(q)["learner not found among sellers"] == 10


# -- shapes and mapping ---------------------------------------------------------------------

def test_array_lrs_response_and_json_lines_in_one_folder(write, tmp_path) -> None:
    folder = tmp_path / "lrs"
    folder.mkdir()
    (folder / "a.json").write_text(json.dumps([_statement(1), _statement(2)]))
    (folder / "b.json").write_text(json.dumps(
        {"statements": [_statement(3), _statement(4, "passed")],
         "more": "/xapi/statements?more=abc"}, indent=2))
    (folder / "c.jsonl").write_text("\n".join(json.dumps(_statement(i)) for i in (5, 6)))
    with gzip.open(folder / "d.jsonl.gz", "wt") as handle:
        handle.write(json.dumps(_statement(7)) + "\n")
    (folder / "e.json").write_text("")  # an empty file adds no statement
    (folder / "notes.txt").write_text("not read")
    (folder / "sub").mkdir()
    (folder / "sub" / "f.json").write_text(json.dumps([_statement(8)]))
    loaded, q = _load(write, folder)
    assert (q.read, q.accepted) == (7, 7)
    assert [r[0] for r in _records(loaded)] == [f"s{i}" for i in range(1, 8)]
    assert q.notes[0] == ("1 file(s) hold LRS response pages; their 'more' links are not "
                          "followed (no network): fetch every page into the folder")
    loaded, q = _load(write, folder, 'pattern: "**/*.json"')
    assert (q.read, q.accepted) == (5, 5)  # a, b (2 each) and sub/f


def test_a_single_statement_file_and_bom(write, tmp_path) -> None:
    path = tmp_path / "one.json"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps([_statement(1)]).encode())
    loaded, q = _load(write, path)
    assert q.accepted == 1
    path.write_text(json.dumps(_statement(1), indent=4))
    loaded, q = _load(write, path)
    assert _records(loaded)[0][:5] == ("s1", "user1@example.com",
                                       "http://lms.example.com/course/1", "course", "completed")


def test_voided_statements_are_skipped_wherever_they_sit(write, tmp_path) -> None:
    voiding = {"id": "v1", "actor": {"mbox": "mailto:admin@example.com"},
               "verb": {"id": "http://adlnet.gov/expapi/verbs/voided"},
               "object": {"objectType": "StatementRef", "id": "s3"}}
    lines = [voiding, _statement(2), _statement(3), _statement(4)]
    path = tmp_path / "lrs.jsonl"
    path.write_text("\n".join(json.dumps(s) for s in lines) + "\n")
    loaded, q = _load(write, path)
    assert (q.read, q.accepted, q.skipped) == (4, 2, 2)
    assert {r.reason: r.sample_rows for r in q.skips} == {
        "voiding statement": ["lrs.jsonl:1"], "voided by a later statement": ["lrs.jsonl:3"]}
    assert [r[0] for r in _records(loaded)] == ["s2", "s4"]


def test_malformed_statements_are_skipped_with_reasons(write, tmp_path) -> None:
    group = _statement("g", actor={"objectType": "Group", "member": []})
    sub = _statement("u", object={"objectType": "SubStatement", "actor": {}, "verb": {},
                                  "object": {}})
    agent = _statement("a", object={"objectType": "Agent", "mbox": "mailto:x@example.com"})
    group_activity = _statement("ga", object={"objectType": "GroupActivity",
                                              "id": "http://lms.example.com/problem/1"})
    items = [3, "text", [1], {}, {"actor": {"mbox": "mailto:a@b"}},
             {"actor": {"mbox": "mailto:a@b"}, "verb": {"id": "x"}},
             {**_statement("nv"), "verb": {"display": {"en": "completed"}}}, group, sub, agent,
             _statement("ni", actor={"name": "No Identifier"}), group_activity,
             _statement("ok")]
    path = tmp_path / "mixed.json"
    path.write_text(json.dumps(items))
    loaded, q = _load(write, path)
    assert (q.read, q.accepted, q.rejected, q.skipped) == (13, 2, 0, 11)
    assert _skips(q) == {
        "not a JSON object": 3, "statement has no actor": 1, "statement has no verb": 1,
        "statement has no object": 1, "verb has no id": 1,
        "actor is a Group, not one learner": 1,
        "object is a SubStatement, not an activity": 1,
        "object is a Agent, not an activity": 1,
        "actor has no identifier (account, mbox, mbox_sha1sum or openid)": 1,
    }
    assert {r.reason: r.sample_rows for r in q.skips}["not a JSON object"] == [
        "mixed.json:1", "mixed.json:2", "mixed.json:3"]
    # Open edX's GroupActivity is an activity with an id
    assert {r[0] for r in _records(loaded)} == {"sok", "sga"}


def test_scores(write, tmp_path) -> None:
    def scored(i, score):
        return _statement(i, result={"score": score})

    items = [scored(1, {"scaled": 0.8}), scored(2, {"scaled": "0.5"}),
             scored(3, {"scaled": "high"}), scored(4, {"raw": 3, "max": 4}),
             scored(5, {"raw": 15, "min": 10, "max": 20}), scored(6, {"scaled": 1.5}),
             scored(7, {"raw": 7}), scored(8, {"raw": "seven", "max": 10}),
             scored(9, {"scaled": 0.9, "raw": 1, "max": 10}), _statement(10)]
    path = tmp_path / "scores.json"
    path.write_text(json.dumps(items))
    loaded, q = _load(write, path)
    assert (q.read, q.accepted, q.rejected) == (10, 7, 3)
    assert _rejections(q) == {"unparseable number in score": 2, "score outside 0-1": 1}
    assert {r.reason: r.sample_rows for r in q.rejections}["unparseable number in score"] == [
        3, 8]
    scores = dict(loaded.con.execute("SELECT id, score FROM learning_records").fetchall())
    assert scores == {"s1": 0.8, "s2": 0.5, "s4": 0.75, "s5": 0.5, "s7": None, "s9": 0.9,
                      "s10": None}


def test_kinds_and_verbs(write, tmp_path) -> None:
    def activity(i, type_=None, id_=None, verb="completed"):
        s = _statement(i, verb)
        s["object"] = {"id": id_ or f"http://lms.example.com/x/{i}"}
        if type_:
            s["object"]["definition"] = {"type": type_}
        return s

    items = [
        activity(1, "http://adlnet.gov/expapi/activities/assessment"),
        activity(2, "https://w3id.org/xapi/cmi5/activitytype/course"),
        activity(3, "http://adlnet.gov/expapi/activities/module"),
        activity(4, "https://lms.example.com/activitytypes/quiz"),  # last word
        activity(5, "https://lms.example.com/activitytypes/certification"),
        activity(6, id_="https://lms.example.com/cert/product-a"),  # kinds: glob on the id
        activity(7, "https://lms.example.com/types/partner-accreditation"),  # kinds: exact
        activity(8, "http://adlnet.gov/expapi/activities/media"),  # other
        activity(9, verb="passed"),
        {**activity(10), "verb": {"id": "https://adlnet.gov/expapi/verbs/failed"}},
        {**activity(11), "verb": {"id": "https://w3id.org/xapi/adl/verbs/satisfied"}},
        {**activity(12), "verb": {"id": "http://id.tincanapi.com/verb/viewed"}},  # -> other
        activity(13, verb="launched"),  # -> skip
        activity(14, verb="experienced"),  # not mapped
    ]
    path = tmp_path / "kinds.json"
    path.write_text(json.dumps(items))
    options = """
    kinds:
      "https://lms.example.com/cert/*": certification
      "https://lms.example.com/types/partner-accreditation": accreditation
    verbs:
      "http://id.tincanapi.com/verb/view*": other
      "http://adlnet.gov/expapi/verbs/launched": skip
    """
    loaded, q = _load(write, path, options)
    got = {r[0]: (r[1], r[2]) for r in loaded.con.execute(
        "SELECT id, kind, verb FROM learning_records").fetchall()}
    assert got == {
        "s1": ("assessment", "completed"), "s2": ("course", "completed"),
        "s3": ("course", "completed"), "s4": ("assessment", "completed"),
        "s5": ("certification", "completed"), "s6": ("certification", "completed"),
        "s7": ("accreditation", "completed"), "s8": ("other", "completed"),
        "s9": ("other", "passed"), "s10": ("other", "failed"),
        "s11": ("other", "completed"), "s12": ("other", "other"),
    }
    assert _skips(q) == {
        "verb skipped by the verbs option: http://adlnet.gov/expapi/verbs/launched": 1,
        "verb not mapped: http://adlnet.gov/expapi/verbs/experienced": 1}


def test_time_falls_back_to_stored(write, tmp_path) -> None:
    s = _statement(1, stored="2024-05-06T07:08:09.5+02:00")
    del s["timestamp"]
    path = tmp_path / "stored.json"
    path.write_text(json.dumps([s, _statement(2, timestamp="yesterday")]))
    loaded, q = _load(write, path)
    assert _records(loaded)[0][6] == dt.datetime(2024, 5, 6, 5, 8, 9, 500000)
    assert _rejections(q) == {"unparseable date in time": 1}


def test_sample_positions_hold_in_a_large_file(write, tmp_path) -> None:
    """Samples name the statement's line; rejections its position in the source."""
    path = tmp_path / "big.jsonl"
    lines = []
    for i in range(1, 30001):
        verb = "viewed" if i in (12345, 29999) else "completed"
        s = _statement(i, verb)
        if i == 20001:
            s["timestamp"] = "not a date"
        lines.append(json.dumps(s))
    path.write_text("\n".join(lines) + "\n")
    _, q = _load(write, path)
    assert (q.read, q.accepted, q.rejected, q.skipped) == (30000, 29997, 1, 2)
    assert q.skips[0].sample_rows == ["big.jsonl:12345", "big.jsonl:29999"]
    assert q.rejections[0].sample_rows == [20001]


# -- bad input ------------------------------------------------------------------------------

def _check(write, run, path, options: str = ""):
    return run("data", "check", str(_workspace(write, path, options).parent))


def test_empty_file_is_one_line(write, run, tmp_path) -> None:
    path = tmp_path / "empty.json"
    path.write_text("  \n")
    result = _check(write, run, path)
    assert result.exit_code == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert "the file is empty; expected xAPI statements" in result.stderr


@pytest.mark.parametrize(("name", "text", "where"), [
    ("bad.json", '[\n  {"id": "a"},\n  {"id": }\n]', "bad.json:3:10: invalid JSON: "
                                                     "Expecting value"),
    ("bad.jsonl", '{"id": "a"}\n{"id": "b"}\n{"id": "c",, }\n', "bad.jsonl:3:12: invalid "
                                                               "JSON: Expecting property"),
    ("cut.json", '{"statements": [{"id": "a"}', "cut.json:1:28: invalid JSON: "),
    ("text.json", "hello", "text.json:1:1: invalid JSON: Expecting value"),
])
def test_invalid_json_is_one_located_line(write, run, tmp_path, name, text, where) -> None:
    path = tmp_path / name
    path.write_text(text)
    result = _check(write, run, path)
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and where in lines[0], result.stderr


def test_invalid_json_in_a_folder_names_the_file(write, run, tmp_path) -> None:
    folder = tmp_path / "lrs"
    folder.mkdir()
    (folder / "a.json").write_text(json.dumps([_statement(1)]))
    (folder / "b.jsonl").write_text(json.dumps(_statement(2)) + "\n{oops}\n")
    result = _check(write, run, folder)
    assert result.exit_code == 2
    assert "lrs/b.jsonl:2:2: invalid JSON: Expecting property name" in result.stderr


def test_utf16_and_bad_options_are_one_line(write, run, tmp_path) -> None:
    path = tmp_path / "utf16.json"
    path.write_text(json.dumps([_statement(1)]), encoding="utf-16")
    result = _check(write, run, path)
    assert result.exit_code == 2 and "UTF-16 text; xAPI statements must be UTF-8" in \
        result.stderr
    path.write_text(json.dumps([_statement(1)]))
    result = _check(write, run, path, "learner_from: phone")
    assert result.exit_code == 2
    assert "xapi connector: 'phone' is not one of" in result.stderr
    result = _check(write, run, path, "verbs: {x: done}")
    assert result.exit_code == 2 and "'done' is not one of" in result.stderr


def test_data_check_text_output(write, run, tmp_path) -> None:
    path = tmp_path / "s.json"
    path.write_text(json.dumps([_statement(1), _statement(2, "viewed")]))
    result = _check(write, run, path)
    assert result.exit_code == 0
    assert "learning_records: 2 read, 1 accepted, 0 rejected, 1 skipped  (xapi: " in \
        result.stdout
    assert "skipped 1: verb not mapped: http://adlnet.gov/expapi/verbs/viewed (rows s.json:2)" \
        in result.stdout


def test_patterns_that_leave_the_folder_are_one_line(write, run, tmp_path) -> None:
    folder = tmp_path / "lrs"
    folder.mkdir()
    (folder / "a.json").write_text(json.dumps([_statement(1)]))
    for pattern, says in (("../*.json", "it leaves the folder"),
                          ("/etc/*.json", "it is an absolute path")):
        result = _check(write, run, folder, f'pattern: "{pattern}"')
        assert result.exit_code == 2
        assert f"pattern '{pattern}' cannot be used: {says}" in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1


def test_registered_through_the_entry_point_and_can_be_disabled(write, run, tmp_path) -> None:
    result = run("plugins", "--format", "json")
    assert result.exit_code == 0
    assert "connector:xapi" in result.stdout
    path = tmp_path / "s.json"
    path.write_text(json.dumps([_statement(1)]))
    workspace = _workspace(write, path).parent
    result = run("-p", "no:xapi", "data", "check", str(workspace))
    assert result.exit_code == 2 and "unknown connector 'xapi'" in result.stderr
