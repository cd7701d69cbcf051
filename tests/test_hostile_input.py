"""Hostile input: each is refused with one clear, located line, exit code 2, no traceback.

``enableframe validate`` runs in a subprocess with a timeout, so a hang (alias expansion,
deep nesting, a huge file) fails the test instead of stalling the suite. The positions the
loader keeps (``YMap.key_locs``/``value_locs``, ``YList.item_locs``) are unit-tested at the
end of this file.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from enableframe.yaml_loader import (
    MAX_BYTES,
    MAX_DEPTH,
    MAX_NODES,
    YamlError,
    YList,
    YMap,
    load_bytes,
    load_text,
    locate,
)

HEADER = 'apiVersion: enableframe/v1\nkind: Ruleset\nmetadata: {name: hostile, version: "1"}\n'


def validate(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``enableframe validate ARGS`` in ``folder``, killed after 10 s (a hang is a failure)."""
    return subprocess.run(
        [sys.executable, "-m", "enableframe", "validate", *args],
        cwd=folder, capture_output=True, text=True, encoding="utf-8", timeout=10,
    )


def refused(folder: Path, name: str, data: bytes | str) -> str:
    """Write ``data`` to ``folder/name``, validate it and return the one error line."""
    path = folder / name
    if isinstance(data, str):
        path.write_text(data, encoding="utf-8")
    else:
        path.write_bytes(data)
    return refused_file(folder, name)


def refused_file(folder: Path, name: str) -> str:
    result = validate(folder, name)
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode == 2, (result.stdout, result.stderr)
    lines = result.stdout.splitlines()
    assert len(lines) == 1, result.stdout
    assert result.stderr.splitlines()[-1].startswith("1 file(s) checked, 1 invalid"), result.stderr
    return lines[0]


slow = pytest.mark.slow  # spawns a process


def runner() -> CliRunner:
    """A runner whose ``stdout`` is stdout alone (click 8.1 mixes stderr in by default)."""
    try:
        return CliRunner(mix_stderr=False)  # type: ignore[call-arg]  # click < 8.2
    except TypeError:
        return CliRunner()


# -- size ---------------------------------------------------------------------------------
@pytest.fixture
def big_file(tmp_path: Path) -> Path:
    """A 51 MiB file, sparse: truncate() extends it without writing, so no time or disk."""
    path = tmp_path / "big.yaml"
    with path.open("wb") as out:
        out.write(HEADER.encode())
        out.truncate(51 * 1024 * 1024)
    return path


@slow
def test_file_over_size_limit(big_file: Path) -> None:
    line = refused_file(big_file.parent, big_file.name)
    assert line == f"big.yaml: file is 51.0 MiB; at most {MAX_BYTES // 1048576} MiB allowed"


@slow
def test_extended_file_over_size_limit(big_file: Path) -> None:
    line = refused(big_file.parent, "ruleset.yaml", HEADER + "extends: [big.yaml]\n")
    assert line == f"big.yaml: file is 51.0 MiB; at most {MAX_BYTES // 1048576} MiB allowed"


def test_file_over_size_limit_is_not_read(big_file: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """The size comes from stat: the file's bytes are never read."""
    from enableframe.cli import cli

    def guard(method: str):
        original = getattr(Path, method)

        def guarded(self: Path, *args: object, **kwargs: object):
            if self.name == big_file.name:
                raise AssertionError(f"{self} was {method}-ed")
            return original(self, *args, **kwargs)

        return guarded

    monkeypatch.chdir(big_file.parent)
    for method in ("open", "read_bytes", "read_text"):
        monkeypatch.setattr(Path, method, guard(method))
    result = runner().invoke(cli, ["validate", "big.yaml"], catch_exceptions=False)
    assert result.exit_code == 2
    assert result.stdout.splitlines() == [
        f"big.yaml: file is 51.0 MiB; at most {MAX_BYTES // 1048576} MiB allowed"]


# -- expansion and nesting ----------------------------------------------------------------
@slow
def test_alias_bomb(tmp_path: Path) -> None:
    """"Billion laughs": nine levels of nine aliases each would be 9**9 values."""
    lines = ['a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for prev, name in zip("abcdefgh", "bcdefghi", strict=True):
        lines.append(f"{name}: &{name} [{', '.join([f'*{prev}'] * 9)}]")
    line = refused(tmp_path, "bomb.yaml", "\n".join(lines) + "\n")
    assert re.fullmatch(
        rf"bomb\.yaml:\d+:\d+: aliases expand to more than {MAX_NODES:,} values "
        r"\(an alias bomb\?\); use fewer or smaller aliases", line), line


@slow
def test_deep_flow_nesting(tmp_path: Path) -> None:
    line = refused(tmp_path, "deep.yaml", "[" * 10_000 + "]" * 10_000 + "\n")
    assert line == (f"deep.yaml:1:{MAX_DEPTH + 1}: nesting deeper than {MAX_DEPTH} levels; "
                    f"at most {MAX_DEPTH} allowed")


@slow
@pytest.mark.parametrize("entry", ["key:", "-"], ids=["mappings", "sequences"])
def test_deep_block_nesting(tmp_path: Path, entry: str) -> None:
    text = "".join(" " * depth + entry + "\n" for depth in range(2_000))
    line = refused(tmp_path, "deep.yaml", text)
    where = MAX_DEPTH + 1
    assert line == (f"deep.yaml:{where}:{where}: nesting deeper than {MAX_DEPTH} levels; "
                    f"at most {MAX_DEPTH} allowed")


# -- encoding -----------------------------------------------------------------------------
@slow
@pytest.mark.parametrize(("data", "where", "byte"), [
    (HEADER.encode() + b"levels:\n  - {id: 1, name: Caf\xe9}\n", "5:22", "0xe9"),
    ("apiVersion: enableframe/v1\n".encode("utf-16"), "1:1", "0xff"),
    (b"apiVersion: enableframe/v1\nkind: \xe2\x82Ruleset\n", "2:7", "0xe2"),
], ids=["latin-1", "utf-16", "truncated-sequence"])
def test_not_utf8(tmp_path: Path, data: bytes, where: str, byte: str) -> None:
    line = refused(tmp_path, "bytes.yaml", data)
    assert line == f"bytes.yaml:{where}: byte {byte} is not UTF-8; save the file as UTF-8"


@slow
def test_control_character(tmp_path: Path) -> None:
    line = refused(tmp_path, "nul.yaml", HEADER + "levels: \x00\n")
    assert line == ("nul.yaml:4:9: character U+0000 (#x0000) is not allowed in YAML: control "
                    "characters and U+FFFE/U+FFFF may not appear; remove it")


@pytest.mark.parametrize("parser", ["C", "Python"])
def test_control_character_after_non_ascii_text(parser: str,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """The C parser counts UTF-8 bytes, the Python one characters: both give the column."""
    import yaml

    from enableframe import yaml_loader

    if parser == "Python":
        monkeypatch.setattr(yaml_loader, "_Parser", yaml.SafeLoader)
        monkeypatch.setattr(yaml_loader, "_C_PARSER", False)
    elif not yaml_loader._C_PARSER:
        pytest.skip("PyYAML without libyaml")
    with pytest.raises(YamlError) as caught:
        load_text("caf\u00e9: \U0001f600\nb\u00e9: cr\u00e8me \x07\n", "c.yaml")
    assert str(caught.value).startswith("c.yaml:2:11: character U+0007 (#x0007) is not allowed")


# -- shape --------------------------------------------------------------------------------
@slow
@pytest.mark.parametrize(("text", "message"), [
    ("", "file is empty"),
    (" \n\n", "file is empty"),
    ("# only a comment\n# and another\n", "file has no YAML content (only comments or blank "
     "lines)"),
    ("---\n", "the document is empty (null)"),
    ("~\n", "the document is empty (null)"),
], ids=["empty", "blank", "comment-only", "document-marker-only", "null"])
def test_empty_document(tmp_path: Path, text: str, message: str) -> None:
    line = refused(tmp_path, "empty.yaml", text)
    assert line == f"empty.yaml:1:1: {message}; a YAML mapping is expected"


@slow
def test_top_level_list(tmp_path: Path) -> None:
    line = refused(tmp_path, "list.yaml", "- apiVersion: enableframe/v1\n- kind: Ruleset\n")
    assert line == ("list.yaml:1:1: $: top level is a list; a mapping with apiVersion: "
                    "enableframe/v1 and kind: Ruleset is expected")


@slow
@pytest.mark.parametrize("text", ["enableframe/v1 Ruleset\n", "42\n", "true\n"],
                         ids=["string", "number", "boolean"])
def test_top_level_scalar(tmp_path: Path, text: str) -> None:
    line = refused(tmp_path, "scalar.yaml", text)
    assert line.startswith("scalar.yaml:1:1: $: top level is a")
    assert line.endswith("a mapping with apiVersion: enableframe/v1 and kind: Ruleset is expected")


@slow
def test_multiple_documents(tmp_path: Path) -> None:
    line = refused(tmp_path, "multi.yaml", HEADER + "---\n" + HEADER)
    assert line == ("multi.yaml:4:1: more than one YAML document ('---'); "
                    "one document per file allowed")


# -- constructs plain YAML does not need --------------------------------------------------
@slow
@pytest.mark.parametrize(("text", "where", "tag"), [
    ('  version: !!python/object/apply:os.system ["touch pwned"]\n', "4:12",
     "python/object/apply:os.system"),
    ("  version: !!python/object/apply:os.system\n    args: [touch pwned]\n", "4:12",
     "python/object/apply:os.system"),
    ('  version: !!python/object/new:subprocess.call [[touch, pwned]]\n', "4:12",
     "python/object/new:subprocess.call"),
    ("  version: !!python/name:os.system\n", "4:12", "python/name:os.system"),
    ("  version: !!python/object:builtins.dict {a: 1}\n", "4:12",
     "python/object:builtins.dict"),
], ids=["apply-sequence", "apply-mapping", "new", "name", "object"])
def test_python_tags_are_refused_not_run(tmp_path: Path, text: str, where: str,
                                         tag: str) -> None:
    yaml_text = "apiVersion: enableframe/v1\nkind: Ruleset\nmetadata:\n" + text
    line = refused(tmp_path, "tags.yaml", yaml_text)
    assert line == f"tags.yaml:{where}: tag !!{tag} is not allowed; plain YAML only"
    assert not (tmp_path / "pwned").exists()


@slow
def test_python_tag_on_a_key_is_refused(tmp_path: Path) -> None:
    line = refused(tmp_path, "tags.yaml", HEADER + "!!python/name:os.system levels: []\n")
    assert line == ("tags.yaml:4:1: tag !!python/name:os.system is not allowed on a key; "
                    "plain YAML only")


@pytest.mark.parametrize("text", ["!!str name: x\n", "{! a: 1}\n", "? !local k\n: v\n"])
def test_any_tag_on_a_key_is_refused(text: str) -> None:
    with pytest.raises(YamlError, match="is not allowed on a key"):
        load_text(text, "k.yaml")


@slow
def test_merge_key(tmp_path: Path) -> None:
    text = HEADER + "levels:\n  - &one {id: 1, name: Ad hoc}\n  - <<: *one\n    id: 2\n"
    line = refused(tmp_path, "merge.yaml", text)
    assert line == "merge.yaml:6:5: YAML merge keys ('<<') are not supported; write the keys out"


@slow
@pytest.mark.parametrize(("text", "line"), [
    (HEADER + "levels: []\nlevels: [{id: 1, name: Ad hoc}]\n",
     "dup.yaml:5:1: duplicate key 'levels' (first at line 4); each key may appear once"),
    (HEADER + "levels:\n  - {id: 1, name: Ad hoc, name: Tactical}\n",
     "dup.yaml:5:27: duplicate key 'name' (first at line 5); each key may appear once"),
], ids=["block", "flow"])
def test_duplicate_key(tmp_path: Path, text: str, line: str) -> None:
    assert refused(tmp_path, "dup.yaml", text) == line


# -- positions kept by the loader (unit tests, in process) --------------------------------
DOC = """\
name: enablement
levels:
  - id: 1
    name: 'Ad hoc'
  - {id: 2, name: "Tactical"}
when: |
  charter != null
"""


def test_key_and_value_locations() -> None:
    doc = load_text(DOC, "doc.yaml")
    assert isinstance(doc, YMap)
    assert str(doc.loc) == "doc.yaml:1:1"
    assert {k: str(v) for k, v in doc.key_locs.items()} == {
        "name": "doc.yaml:1:1", "levels": "doc.yaml:2:1", "when": "doc.yaml:6:1"}
    assert {k: str(v) for k, v in doc.value_locs.items()} == {
        "name": "doc.yaml:1:7", "levels": "doc.yaml:3:3", "when": "doc.yaml:6:7"}
    levels = doc["levels"]
    assert isinstance(levels, YList)
    assert [str(loc) for loc in levels.item_locs] == ["doc.yaml:3:5", "doc.yaml:5:5"]
    block, flow = levels
    assert str(block.key_locs["name"]) == "doc.yaml:4:5"
    assert str(block.value_locs["name"]) == "doc.yaml:4:11"
    assert str(flow.key_locs["name"]) == "doc.yaml:5:13"
    assert str(flow.value_locs["name"]) == "doc.yaml:5:19"
    assert str(locate(doc, ("levels", 1, "name"))) == "doc.yaml:5:19"
    assert str(locate(doc, ("levels", 7, "name"))) == "doc.yaml:3:3"  # best known: the list


def test_value_styles() -> None:
    doc = load_text(DOC, "doc.yaml")
    assert doc.value_styles["name"] is None  # plain (the C parser says '')
    assert doc.value_styles["when"] == "|"
    assert doc["levels"][0].value_styles["name"] == "'"
    assert doc["levels"][1].value_styles["name"] == '"'
    assert doc["when"] == "charter != null\n"


def test_positions_with_bom_crlf_and_non_ascii() -> None:
    data = "\ufeffname: caf\u00e9\r\n\u00e9t\u00e9: '\U0001f600'\r\nz: 1\r\n".encode()
    doc = load_bytes(data, "u.yaml")
    assert doc == {"name": "caf\u00e9", "\u00e9t\u00e9": "\U0001f600", "z": 1}
    assert str(doc.key_locs["name"]) == "u.yaml:1:1"  # the BOM takes no column
    assert str(doc.value_locs["\u00e9t\u00e9"]) == "u.yaml:2:6"  # columns count characters
    assert str(doc.key_locs["z"]) == "u.yaml:3:1"


def test_scalars_stay_json_shaped() -> None:
    doc = load_text("on: yes\n1: 2\ndate: 2024-01-31\nnone: ~\nratio: 0.25\n", "t.yaml")
    assert doc == {"on": True, "1": 2, "date": "2024-01-31", "none": None, "ratio": 0.25}


def test_errors_carry_their_location() -> None:
    with pytest.raises(YamlError) as caught:
        load_text("a: 1\nb: {c: 1, c: 2}\n", "e.yaml")
    assert caught.value.location is not None
    assert (caught.value.location.line, caught.value.location.col) == (2, 11)
    assert str(caught.value) == ("e.yaml:2:11: duplicate key 'c' (first at line 2); "
                                 "each key may appear once")


def test_depth_limit_is_inclusive() -> None:
    assert load_text("[" * MAX_DEPTH + "]" * MAX_DEPTH, "d.yaml") is not None
    with pytest.raises(YamlError, match="nesting deeper than"):
        load_text("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1), "d.yaml")


def test_small_aliases_are_allowed() -> None:
    doc = load_text("a: &x [1, 2]\nb: *x\nc: &y hello\nd: *y\n", "a.yaml")
    assert doc == {"a": [1, 2], "b": [1, 2], "c": "hello", "d": "hello"}
    assert str(doc.value_locs["b"]) == "a.yaml:2:4"


def test_five_thousand_items_load() -> None:
    items = "".join(
        f"  - id: metric_{n}\n    name: Metric {n}\n    kind: count\n    ownership: owned\n"
        f"    table: opportunities\n    where: {{stage: won, type: [upsell, renewal]}}\n"
        for n in range(5_000))
    doc = load_text(HEADER + "metrics:\n" + items, "big.yaml")
    metrics = doc["metrics"]
    assert len(metrics) == 5_000
    assert metrics[-1]["id"] == "metric_4999"
    assert metrics[-1]["where"] == {"stage": "won", "type": ["upsell", "renewal"]}
    assert str(metrics.item_locs[-1]) == f"big.yaml:{4 + 6 * 4_999 + 1}:5"


PLAIN = ["1", "-3", "+7", "0x1F", "0o17", "017", "1_000", "3.5", "-0.25", "1e3", "1.5e3",
         "1.0e+3", "yes", "No", "on", "OFF", "true", "False", "~", "null", "Null", "NULL", "",
         "12:30", "2024-01-31", "hello", ".5", "0.", "-.5"]


@pytest.mark.parametrize("parser", ["C", "Python"])
def test_plain_scalars_resolve_as_pyyaml_does(parser: str,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """The fast path (cache by text, strings straight through) matches PyYAML's safe_load,
    except that dates stay strings."""
    import yaml

    from enableframe import yaml_loader

    if parser == "Python":
        monkeypatch.setattr(yaml_loader, "_Parser", yaml.SafeLoader)
    text = "".join(f"k{n}: {v}\n" for n, v in enumerate(PLAIN)) + "k99: [" + ", ".join(
        v for v in PLAIN if v) + "]\n"
    ours, theirs = load_text(text, "p.yaml"), yaml.safe_load(text.replace("2024-01-31",
                                                                           "'2024-01-31'"))
    assert ours == theirs
    for k in ours:
        values = ours[k] if k == "k99" else [ours[k]]
        expected = theirs[k] if k == "k99" else [theirs[k]]
        assert [type(v) for v in values] == [type(v) for v in expected], k
    assert ours.value_styles["k0"] is None
    # PyYAML cannot construct YAML 1.1's '=' (value) and '<<' (merge) as values: strings here
    assert load_text("a: =\nb: <<\n", "p.yaml") == {"a": "=", "b": "<<"}


def test_tagged_and_quoted_scalars() -> None:
    doc = load_text("a: !!str 12\nb: !!int '12'\nc: ! 12\nd: '12'\ne: \"yes\"\nf: |\n  1\n"
                    "'<<': quoted merge key is a plain key\n", "t.yaml")
    assert doc == {"a": "12", "b": 12, "c": "12", "d": "12", "e": "yes", "f": "1\n",
                   "<<": "quoted merge key is a plain key"}
    assert [doc.value_styles[k] for k in "abcdef"] == [None, "'", None, "'", '"', "|"]


@pytest.mark.parametrize("value", [".nan", ".inf", "-.inf", ".NaN", "!!float .inf", "1.0e+400"])
def test_non_finite_numbers_are_refused(value: str) -> None:
    with pytest.raises(YamlError) as caught:
        load_text(f"a: 1\nthreshold: {value}\n", "n.yaml")
    written = value.split()[-1]
    assert str(caught.value) == (f"n.yaml:2:12: {written!r} is not a finite number; rulesets "
                                 "and workspaces are JSON-shaped (quote it to mean text)")


@pytest.mark.parametrize(("unit", "count"), [("- 1\n", 1), ("- []\n", 2), ("- {}\n", 2),
                                            ("- a: 1\n", 4)],
                         ids=["scalars", "lists", "mappings", "keys"])
def test_node_limit(unit: str, count: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """Keys count; containers count twice: their end is a parser event (and costs as much)."""
    from enableframe import yaml_loader

    monkeypatch.setattr(yaml_loader, "MAX_NODES", 1_000)
    fits = (1_000 - 2) // count  # the root list counts 2
    assert len(load_text(unit * fits, "n.yaml")) == fits
    with pytest.raises(YamlError, match="more than 1,000 values in one file"):
        load_text(unit * (fits + 1), "n.yaml")


@slow
def test_eight_mib_of_tiny_values(tmp_path: Path) -> None:
    """The worst case under the size limit: refused at MAX_NODES, within the 10 s timeout
    (about a second: bench numbers in yaml_loader)."""
    line = refused(tmp_path, "tiny.yaml", "- 1\n" * (MAX_BYTES // 4))
    assert line == f"tiny.yaml:{MAX_NODES - 1}:3: more than {MAX_NODES:,} values in one file"


def test_alias_counts_what_it_expands_to(monkeypatch: pytest.MonkeyPatch) -> None:
    from enableframe import yaml_loader

    monkeypatch.setattr(yaml_loader, "MAX_NODES", 1_000)
    items = 500
    text = "a: &a [" + ", ".join(["1"] * items) + "]\nb: *a\n"
    with pytest.raises(YamlError, match="aliases expand to more than"):
        load_text(text, "a.yaml")
    assert load_text("a: &a [1, 2]\nb: [*a, *a]\n", "a.yaml")["b"] == [[1, 2], [1, 2]]


@pytest.mark.parametrize(("text", "message"), [
    ("a: 1\nb: 'unclosed\nc: 2\n", "4:1: YAML syntax error: found unexpected end of stream "
     "(while scanning a quoted scalar that starts at line 2, column 4)"),
    ("a:\n  - 1\n - 2\n", "3:2: YAML syntax error: did not find expected key (while parsing "
     "a block mapping that starts at line 1, column 1)"),
    ("a: [1, 2\n", "2:1: YAML syntax error: did not find expected ',' or ']' (while parsing "
     "a flow sequence that starts at line 1, column 4)"),
])
def test_syntax_errors_keep_their_context(text: str, message: str) -> None:
    with pytest.raises(YamlError) as caught:
        load_text(text, "s.yaml")
    assert str(caught.value) == f"s.yaml:{message}"


def test_python_parser_gives_the_same_positions(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without libyaml PyYAML parses in Python; values, positions and styles agree."""
    import yaml

    from enableframe import yaml_loader

    fast = load_text(DOC, "doc.yaml")
    monkeypatch.setattr(yaml_loader, "_Parser", yaml.SafeLoader)
    slow_ = load_text(DOC, "doc.yaml")
    assert slow_ == fast
    for a, b in ((fast, slow_), (fast["levels"][1], slow_["levels"][1])):
        assert (a.key_locs, a.value_locs, a.value_styles) == (b.key_locs, b.value_locs,
                                                              b.value_styles)
    assert fast["levels"].item_locs == slow_["levels"].item_locs
