"""The html report: one self-contained file, safe with people data, and checked in a real
headless Chromium (loads with no console error and no request beyond the file, the key
sections visible on screen and in print, a screenshot saved)."""

from __future__ import annotations

import copy
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from cdp import Browser, find_chromium
from conftest import REPO
from report_workspace import build_workspace

from enableframe.plugin_host import reset_plugin_host

EXAMPLE = REPO / "examples" / "acme"
SECTIONS = ("summary", "five-ps", "dimensions", "charter", "program-graph", "road-map",
            "metrics", "data-quality", "appendix")
VIEWPORT = (1280, 900)


@pytest.fixture(autouse=True)
def fresh_host():
    reset_plugin_host()
    yield
    reset_plugin_host()


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example workspace when it is there, else a small complete one."""
    if (EXAMPLE / "enableframe.yaml").is_file():
        return EXAMPLE
    return build_workspace(tmp_path_factory.mktemp("ws") / "demo")


@pytest.fixture(scope="module")
def result(workspace: Path) -> dict[str, Any]:
    from enableframe.assessment import run_assessment

    reset_plugin_host()
    return run_assessment(workspace, cache=False).to_dict()


def render(result: dict[str, Any]) -> str:
    from enableframe.rendering import renderers

    return renderers()["html"].render(copy.deepcopy(result))


# -- the file ----------------------------------------------------------------------------------

def test_html_renderer_is_registered_for_html_files() -> None:
    from enableframe.rendering import renderer_for_path

    assert renderer_for_path("report.html") == "html"
    assert renderer_for_path("REPORT.HTM") == "html"


def test_assess_writes_one_self_contained_file(workspace: Path, tmp_path: Path, run) -> None:
    out = tmp_path / "report.html"
    res = run("assess", str(workspace), "-o", str(out))
    assert res.exit_code == 0, res.output
    html = out.read_text("utf-8")
    assert html.startswith("<!DOCTYPE html>")
    for section in SECTIONS:
        assert f'<section id="{section}"' in html
    # nothing to fetch: no scripts, stylesheets, fonts, images or frames from anywhere
    assert not re.search(r"<(script|link|iframe|img|object|embed)\b", html, re.I)
    assert not re.search(r"\b(src|href)\s*=\s*\"(?!#)", html), "only in-page links"
    assert not re.search(r"url\((?!#)", html), "CSS and SVG fills only reference the page"
    assert "@import" not in html
    assert "default-src 'none'" in html  # and the page forbids it besides
    assert "@media print" in html


def test_values_are_escaped(result: dict[str, Any]) -> None:
    hostile = copy.deepcopy(result)
    hostile["client"] = "<script>alert(1)</script> & Co"
    hostile["criteria"][0]["name"] = '<img src=x onerror="alert(2)">'
    hostile["road_map"]["steps"][0]["failing"] = [
        {"criterion": "x", "name": "</section><b>", "level": 3, "recommendation": "<i>"}]
    html = render(hostile)
    assert "<script>" not in html and "<img" not in html and "<b>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co" in html
    assert "&lt;img src=x onerror=&#34;alert(2)&#34;&gt;" in html


def test_first_screen_answers_where_what_moved_what_next(result: dict[str, Any]) -> None:
    html = render(result)
    summary = html.split('<section id="summary"', 1)[1].split("</section>", 1)[0]
    o = result["overall"]
    assert f'Level <span class="num">{o["level"]}</span> · {o["name"]}' in summary
    cso = [m for m in result["metrics"] if m["cso_key"]]
    assert len(cso) == 3
    for m in cso:
        assert f'id="cso-{m["id"]}"' in summary
    assert "2017-Q1" in summary or result["comparison_periods"]["previous"]["label"] in summary
    assert summary.count('<li><span class="title">') == min(3, _move_count(result))


def _move_count(result: dict[str, Any]) -> int:
    from enableframe_html.view import top_moves

    return len(top_moves(result, {}, {}, limit=99))


def test_top_moves_prefer_what_the_most_dimensions_need(result: dict[str, Any]) -> None:
    from enableframe_html.view import top_moves

    moves = top_moves(result, {}, {})
    assert 1 <= len(moves) <= 3
    widths = [len(m["dimensions"]) for m in top_moves(result, {}, {}, limit=99)]
    assert widths == sorted(widths, reverse=True)


def test_program_links_pieced_together_or_read_when_given(result: dict[str, Any]) -> None:
    from enableframe_html.view import program_links

    assert program_links(result)[1]  # the engine gives them
    older = {k: v for k, v in result.items() if k != "program_links"}  # a pre-0.1 result
    links, complete = program_links(older)
    assert not complete
    by_id = {p["program"]: p for p in links}
    built = {p["program"] for s in result["road_map"]["steps"] for p in s["programs"]}
    assert built <= set(by_id)
    for step in result["road_map"]["steps"]:
        for p in step["programs"]:
            assert set(p["cso_metrics"]) <= set(by_id[p["program"]]["cso_metrics"])
    given = {**older, "program_links": [
        {"program": "onboarding", "name": "Onboarding", "status": "active",
         "cso_metrics": ["win_rate", "sales_cycle_days"]},
        {"program": "kickoff", "status": "active", "cso_metrics": []}]}
    links, complete = program_links(given)
    assert complete
    assert [(p["program"], p["linked"]) for p in links] == [("onboarding", True),
                                                            ("kickoff", False)]
    html = render(given)
    assert "reaches no CSO metric" in html


# -- people ------------------------------------------------------------------------------------

def _with_breakdowns(result: dict[str, Any], people: dict[str, Any] | None) -> dict[str, Any]:
    r = copy.deepcopy(result)
    if people is None:
        r.pop("people", None)  # a result that says nothing: the defaults apply
    else:
        r["people"] = people
    win = next(m for m in r["metrics"] if m["id"] == "win_rate")
    win["by"] = {
        "manager": {"Mia Stone": {"value": 0.41, "size": 7},
                    "Noa Park": {"value": 0.33, "size": 6},
                    "Ola Reyes": {"value": 0.25, "size": 3}},
        "team": {"East": 0.41, "West": 0.33},  # sizes unknown: not shown
        "segment": {"smb": 0.3, "ent": 0.4},  # deals, not people: shown
    }
    return r


def test_people_pseudonymised_and_small_groups_suppressed_by_default(
        result: dict[str, Any]) -> None:
    html = render(_with_breakdowns(result, None))
    for name in ("Mia Stone", "Noa Park", "Ola Reyes"):
        assert name not in html
    assert html.count("Person ") >= 2
    assert "1 group suppressed" in html  # Ola Reyes's 3 people
    assert "2 groups suppressed" in html  # teams of unknown size
    assert "<td>smb</td>" in html and "<td>ent</td>" in html
    assert "the defaults apply" in html


def test_names_shown_only_when_the_workspace_allows(result: dict[str, Any]) -> None:
    html = render(_with_breakdowns(result, {"show_names": True, "min_group_size": 7}))
    assert "Mia Stone" in html  # 7 people
    assert "Noa Park" not in html and "Ola Reyes" not in html  # 6 and 3: below 7
    assert "Groups of fewer than 7 people" in html


def test_pseudonyms_are_stable_and_leak_no_order(result: dict[str, Any]) -> None:
    from enableframe_html.view import People

    a, b = People(None), People({"show_names": False})
    assert a.name("Mia Stone") == b.name("Mia Stone") != a.name("Noa Park")
    assert "Mia" not in a.name("Mia Stone")


def test_no_seller_name_reaches_the_default_report(result: dict[str, Any],
                                                   workspace: Path) -> None:
    import csv

    from enableframe.workspace import load_workspace

    source = load_workspace(workspace).sources["sellers"]
    if source.connector != "csv":
        pytest.skip(f"sellers come through {source.connector}, not a CSV file")
    column = (source.options.get("columns") or {}).get("name", "name")
    with source.path.open(encoding="utf-8-sig") as f:
        names = {row[column] for row in csv.DictReader(f) if row.get(column)}
    html = render(result)
    assert names and not [n for n in names if n in html]


# -- robustness and cost -----------------------------------------------------------------------

def test_report_without_requests_programs_or_data(result: dict[str, Any]) -> None:
    bare = copy.deepcopy(result)
    bare["overall"] |= {"level": 0, "name": "below the first level", "cso_says": "",
                        "provisional": False}
    for d in bare["dimensions"]:
        d["level"] = 0
    for m in bare["metrics"]:
        m["value"] = None
        m["reason"] = "no opportunities source"
    bare["charter"] |= {"charter_provided": False, "written": False, "requests": None,
                        "requests_unknown_reason": "no requests source",
                        "junk_drawer_index": None, "demand_to_capacity": None,
                        "ratio": {"enablers_per_60_sellers": None, "band": None,
                                  "in_band": None}}
    bare["road_map"] = {"steps": [], "noise": [], "criteria_passed": 0, "criteria_total": 0}
    bare["criteria"] = []
    bare["program_links"] = []
    bare["waivers"] = {"active": [], "expired": []}
    html = render(bare)
    assert "below level 1" in html
    assert "Unknown: no requests source." in html
    assert "No programs are known" in html
    assert "No waivers." in html


def test_junk_drawer_unknown_without_out_of_scope_rules(result: dict[str, Any]) -> None:
    r = copy.deepcopy(result)
    q = r["charter"]["requests"]
    if q is None:
        pytest.skip("the workspace logs no requests")
    q |= {"out_of_scope_rules": False, "out_of_charter_share": None, "out_of_charter": 0,
          "effort_out_of_charter_share": None, "by_owner": []}
    r["charter"] |= {"junk_drawer_index": None, "effort_out_of_charter_share": None}
    html = render(r)
    assert "The charter declares nothing out of scope" in html
    assert "No out-of-charter requests to route back." in html


def test_jinja2_is_imported_only_to_render() -> None:
    code = ("import sys\n"
            "from enableframe.rendering import renderers\n"
            "assert 'html' in renderers()\n"
            "assert 'jinja2' not in sys.modules, 'imported at registration'\n")
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.slow
def test_wheel_carries_the_templates(tmp_path: Path) -> None:
    import zipfile

    subprocess.run([sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir",
                    str(tmp_path), str(REPO)], check=True, capture_output=True, text=True)
    (wheel,) = tmp_path.glob("enableframe-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for template in sorted((REPO / "plugins/enableframe_html/templates").iterdir()):
        assert f"enableframe_html/templates/{template.name}" in names


# -- in the browser ----------------------------------------------------------------------------

CHROMIUM = find_chromium()
needs_browser = pytest.mark.skipif(
    CHROMIUM is None, reason="no Chromium or Chrome on PATH: install the distribution's "
    "package (Debian: apt-get install chromium; .ci/run does when it may) or set CHROMIUM")

VISIBLE_JS = """
(ids => ids.map(id => {
  const el = document.getElementById(id);
  if (!el) return {id, found: false};
  const r = el.getBoundingClientRect(), s = getComputedStyle(el);
  const h = el.querySelector('h2');
  return {id, found: true, top: r.top + scrollY, width: r.width, height: r.height,
          display: s.display, visibility: s.visibility, opacity: s.opacity,
          heading: h ? h.innerText.trim() : '',
          headingHeight: h ? h.getBoundingClientRect().height : 0};
}))(%s)
"""


@pytest.fixture(scope="module")
def page(result: dict[str, Any], tmp_path_factory: pytest.TempPathFactory):
    if CHROMIUM is None:
        pytest.skip("no browser")
    folder = tmp_path_factory.mktemp("html")
    report = folder / "report.html"
    report.write_text(render(result), "utf-8")
    with Browser(CHROMIUM) as browser:
        browser.open(report.as_uri(), width=VIEWPORT[0], height=VIEWPORT[1])
        browser.folder = folder  # type: ignore[attr-defined]
        yield browser


@needs_browser
def test_loads_with_no_console_error_and_no_request(page: Browser) -> None:
    assert page.problems() == []
    assert [u for u in page.requested_urls() if not u.startswith(("file:", "data:"))] == []


@needs_browser
def test_key_sections_are_visible(page: Browser) -> None:
    boxes = page.evaluate(VISIBLE_JS % json.dumps(list(SECTIONS)))
    for box in boxes:
        assert box["found"], box["id"]
        assert box["width"] > 600 and box["height"] > 80, box
        assert (box["display"], box["visibility"], box["opacity"]) == ("block", "visible", "1")
        assert box["heading"] and box["headingHeight"] > 10, box
    tops = [b["top"] for b in boxes]
    assert tops == sorted(tops), "sections in reading order"


@needs_browser
def test_first_screen_holds_level_metrics_and_moves(page: Browser) -> None:
    rects = page.evaluate("""
      [...document.querySelectorAll(
          '#summary .where .level, #summary .metric-card, #summary .moves li .title')]
        .map(e => { const r = e.getBoundingClientRect(); return [e.className, r.top, r.bottom,
                                                                 r.width]; })""")
    assert len(rects) >= 1 + 3 + 1
    for cls, top, bottom, width in rects:
        assert width > 0 and top >= 0 and bottom <= VIEWPORT[1], (cls, top, bottom)


@needs_browser
def test_charts_are_accessible_images(page: Browser) -> None:
    charts = page.evaluate("""
      [...document.querySelectorAll('svg.chart')].map(s => ({
        role: s.getAttribute('role'), labelledby: s.getAttribute('aria-labelledby'),
        title: (s.querySelector('title') || {}).textContent || '',
        desc: (s.querySelector('desc') || {}).textContent || '',
        width: s.getBoundingClientRect().width}))""")
    assert len(charts) >= 4  # curve, five Ps, junk drawer, program graph at least
    for c in charts:
        assert c["role"] == "img" and c["title"].strip() and len(c["desc"].strip()) > 20, c
        assert c["labelledby"] and c["width"] > 100, c
    # every status icon comes with its word
    words = page.evaluate("""[...document.querySelectorAll('.status')]
                             .map(e => e.innerText.trim())""")
    assert words and all(w in ("pass", "fail", "unknown", "waived", "no CSO metric")
                         for w in words), set(words)


@needs_browser
def test_screenshot(page: Browser) -> None:
    shot = page.screenshot(page.folder / "first-screen.png")  # type: ignore[attr-defined]
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000


@needs_browser
def test_prints_to_pdf(page: Browser) -> None:
    page.emulate_media("print")
    try:
        nav = page.evaluate("getComputedStyle(document.querySelector('nav')).display")
        boxes = page.evaluate(VISIBLE_JS % json.dumps(list(SECTIONS)))
        pdf = page.pdf()
    finally:
        page.emulate_media("")
    assert nav == "none"
    assert all(b["height"] > 0 and b["visibility"] == "visible" for b in boxes)
    assert pdf[:5] == b"%PDF-" and len(pdf) > 20_000
    assert len(re.findall(rb"/Type\s*/Page(?!s)", pdf)) >= 3  # a page per major section
    (page.folder / "report.pdf").write_bytes(pdf)  # type: ignore[attr-defined]
    assert page.problems() == []
