"""The html report: one self-contained file, safe with people data, and checked in a real
headless Chromium (loads with no console error and no request beyond the file, the key
sections visible on screen and in print, a screenshot saved)."""

from __future__ import annotations

import copy
import datetime as dt
import json
import re
import shutil
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
SECTIONS = ("summary", "follow-up", "trend", "five-ps", "dimensions", "charter",
            "program-graph", "road-map", "metrics", "data-quality", "appendix")
VIEWPORT = (1280, 900)


pytestmark = pytest.mark.usefixtures("fresh_host")  # conftest.py


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
    res = run("assess", str(workspace), "--no-history", "-o", str(out))  # the repo stays clean
    assert res.exit_code == 0, res.output
    assert_self_contained(out.read_text("utf-8"))


def assert_self_contained(html: str) -> None:
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


# -- follow-up and trend -----------------------------------------------------------------------

TARGETS = """
targets:
  - {{metric: win_rate, target: 0.05, by_when: "{end}", owner: Head of sales,
     agreed_with: CSO}}
  - {{metric: average_sales_price, target: 10000000, by_when: "{end}",
     owner: Enablement lead}}
  - {{metric: sales_cycle_days, target: 1, by_when: "{later}", owner: Enablement lead}}
delivered:
  - {{asked: Discovery call refresher, asked_by: Sales managers,
     delivered: Two live sessions, delivered_on: "{delivered}", metrics: [win_rate]}}
"""


def _quarter(label: str) -> tuple[str, dt.date]:
    """The quarter before ``label`` (2025-Q4 -> 2025-Q3), and the last day of ``label``."""
    year, q = int(label[:4]), int(label[-1])
    before = f"{year - 1}-Q4" if q == 1 else f"{year}-Q{q - 1}"
    end = dt.date(year + (q == 4), 3 * q % 12 + 1, 1) - dt.timedelta(days=1)
    return before, end


def _assess(workspace: Path, *extra: str) -> dict[str, Any]:
    from click.testing import CliRunner

    from enableframe.cli import cli

    reset_plugin_host()
    res = CliRunner().invoke(cli, ["assess", str(workspace), "--format", "json", *extra],
                             catch_exceptions=False)
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout)


@pytest.fixture(scope="module")
def two_runs(workspace: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The workspace copied to a temporary folder and assessed twice, storing history (the
    default): first the quarter before its period; then, with targets agreed and a request
    delivered, its own period, written as an HTML report too."""
    root = tmp_path_factory.mktemp("two-runs")
    if workspace == EXAMPLE:  # the overlay at the same relative place
        ws = root / "examples" / "acme"
        shutil.copytree(EXAMPLE, ws, ignore=shutil.ignore_patterns(".enableframe"))
        (root / "rulesets" / "examples").mkdir(parents=True)
        shutil.copy(REPO / "rulesets" / "examples" / "acme-overlay.yaml",
                    root / "rulesets" / "examples")
    else:
        ws = build_workspace(root / "demo")
    config = ws / "enableframe.yaml"
    text = config.read_text("utf-8")
    period = re.search(r"period: \{quarter: (\d{4}-Q[1-4])\}", text)
    assert period, "the workspace names its quarter"
    before, end = _quarter(period.group(1))
    config.write_text(text.replace(period.group(0), f"period: {{quarter: {before}}}"), "utf-8")
    first = _assess(ws)
    config.write_text(text + TARGETS.format(end=end, later=end + dt.timedelta(days=182),
                                            delivered=end - dt.timedelta(days=30)), "utf-8")
    report = root / "report.html"
    second = _assess(ws, "-o", str(report))
    return {"first": first, "result": second, "html": report.read_text("utf-8"),
            "report": report, "folder": root}


def section(html: str, sid: str) -> str:
    return html.split(f'<section id="{sid}"', 1)[1].split("</section>", 1)[0]


def test_two_runs_give_a_trend_and_a_follow_up(two_runs: dict[str, Any]) -> None:
    r, html = two_runs["result"], two_runs["html"]
    points = r["trend"]["points"]
    assert [p["run"] for p in points] == [1, None]
    labels = [p["period"]["label"] for p in points]
    assert labels[0] == two_runs["first"]["period"]["label"] != labels[1]
    assert r["follow_up"]["previous_run"]["run"] == 1
    assert sorted(t["status"] for t in r["follow_up"]["agreed"]) == ["met", "missed", "open"]
    assert_self_contained(html)
    # near the top: right after the first screen, in the navigation too
    assert html.index('<section id="summary"') < html.index('<section id="follow-up"') \
        < html.index('<section id="trend"') < html.index('<section id="five-ps"')
    assert html.index('href="#follow-up"') < html.index('href="#trend"') \
        < html.index('href="#five-ps"')

    trend = section(html, "trend")
    metrics = r["trend"]["metrics"]
    assert trend.count('<svg class="chart trend" role="img"') == len(metrics) == 3
    assert trend.count('<g class="point">') == 2 * len(metrics)  # two periods, all known
    assert trend.count('<line class="segment"') == len(metrics)
    for m in metrics:
        values = "; ".join(f"{p['period']['label']}: "
                           f"{fmt_value(p['metrics'][m['id']], m['unit'])}" for p in points)
        assert f"<title id=\"trend-{m['id']}-t\">" in trend
        assert values in trend, values  # the description says every value in words
        assert f"{m['better']} is better" in trend
    assert re.search(r"(BETTER|better|worse)</span>", trend)
    assert "no line drawn" not in trend  # no unknown value, no legend for one
    rows = re.findall(r'<th scope="row">([^<]+)', trend)
    assert rows[0] == "Overall level"
    assert [x.removesuffix(" level") for x in rows[1:1 + len(r["dimensions"])]] == \
        [d["name"] for d in r["dimensions"]]

    fu = section(html, "follow-up")
    assert f"Compared with the last review: run 1, {labels[0]}" in fu
    for status in ("met", "missed", "open"):
        assert re.search(rf'<span class="status status-\w+"><svg[^>]*><use href="#icon-\w+"/>'
                         rf"</svg>{status}</span>", fu), status
    assert "3 targets agreed with sales leadership: 1 met, 1 missed, 1 open." in fu
    assert "Discovery call refresher" in fu and "Two live sessions" in fu
    assert "What moved since the last run" in fu and "cause: data" in fu
    steps = fu.split('<ol class="next-steps">', 1)[1].split("</ol>", 1)[0]
    first = steps.split("</li>", 1)[0]
    assert "missed" in first and "Average sales price" in first  # missed targets first
    assert "Build " in steps  # then the road map


def fmt_value(value: Any, unit: str | None) -> str:
    from enableframe_html.view import fmt_value as fmt

    return fmt(value, unit)


def test_one_run_explains_the_missing_trend_and_comparison(result: dict[str, Any]) -> None:
    html = render(result)  # assessed without history: this run only, no targets
    trend, fu = section(html, "trend"), section(html, "follow-up")
    period = result["period"]["label"]
    assert "<svg" not in trend
    assert f"This report shows {period} only: the trend reads the workspace's stored runs" \
        in trend
    assert "No earlier run to compare with" in fu
    assert "No targets recorded" in fu and "No deliveries recorded" in fu
    assert "Nothing to compare with yet" in fu
    one = copy.deepcopy(result)
    one["trend"]["from_history"] = True  # history read, but it holds no other period
    assert f"Only one period so far ({period})" in section(render(one), "trend")


def test_results_without_follow_up_or_trend_render_without_them(
        result: dict[str, Any]) -> None:
    older = {k: v for k, v in result.items() if k not in ("follow_up", "trend")}
    html = render(older)
    for sid in ("follow-up", "trend"):
        assert f'<section id="{sid}"' not in html and f'href="#{sid}"' not in html
    assert '<section id="five-ps"' in html


def test_trend_with_gaps_another_ruleset_and_many_periods(
        two_runs: dict[str, Any]) -> None:
    r = copy.deepcopy(two_runs["result"])
    t = r["trend"]
    first, last = t["points"]
    t["points"] = [copy.deepcopy(first) for _ in range(7)] + [last]
    for i, p in enumerate(t["points"][:-1]):
        p["period"]["label"] = f"P{i}"
        p["run"] = i + 1
    win = next(m["id"] for m in t["metrics"] if m["unit"] == "ratio")
    t["points"][3]["metrics"][win] = None  # not known that period
    del t["points"][4]["metrics"][win]  # not measured by the ruleset then
    t["points"][5] |= {"same_ruleset": False, "ruleset": "older 0.9"}
    t["points"][2]["levels"].pop(r["dimensions"][0]["id"])
    t["omitted_periods"] = 4
    trend = section(render(r), "trend")
    panel = trend.split(f'id="trend-{win}"', 1)[1].split("</figure>", 1)[0]
    assert panel.count("<g class=\"point") == 8
    assert panel.count('<g class="point unknown">') == 2
    assert panel.count('<line class="segment"') == 7 - 3  # none into, across or out of the gap
    assert "P3: unknown; P4: not measured;" in panel
    assert "stroke-dasharray=\"5 4\"" in panel  # to and from the other ruleset's period
    assert "P5 †" in trend and "another ruleset (older 0.9)" in trend
    assert "4 earlier periods not shown" in trend
    assert "–: not assessed in that period" in trend
    assert "unknown or not measured: no line drawn" in trend
    # more than six periods: labels thinned in the chart, all in the table and description
    assert panel.count("text-anchor=\"middle\" class=\"small\">P") < 7


def test_terminal_and_markdown_follow_up_waivers_and_plurals(
        two_runs: dict[str, Any]) -> None:
    from enableframe.rendering import renderers

    r = copy.deepcopy(two_runs["result"])
    missed = next(t["name"] for t in r["follow_up"]["agreed"] if t["status"] == "missed")
    r["waivers"]["active"].append({"criterion": "crit_x", "justification": "agreed",
                                   "approver": "the CSO", "expires": "2099-12-31"})
    text = renderers()["terminal"].render(copy.deepcopy(r))
    label = r["follow_up"]["previous_run"]["period"]
    assert f"\nFollow-up (against run 1, {label}, assessed " in text
    assert f"  targets: 1 met, 1 missed ({missed}), 1 open\n" in text
    assert "  delivered: 1 request\n" in text
    assert "\nWaivers\n" in text
    assert "  Active waiver: crit_x until 2099-12-31, approved by the CSO\n" in text
    for w in r["waivers"]["expired"]:
        assert f"  Expired waiver: {w['criterion']} (expired {w['expires']}" in text
    # one of a thing is singular
    q = r["charter"]["requests"]
    if q is None:
        pytest.skip("the workspace logs no requests")
    q |= {"total": 1, "by_owner": [{"owner": "Legal", "requests": 1, "effort": None}]}
    step = next(s for s in r["road_map"]["steps"] if s["failing"])
    step["evidence_to_collect"] = [{"criterion": "c1", "name": "C1", "level": 2,
                                    "reason": "no answer"}]
    text = renderers()["terminal"].render(copy.deepcopy(r))
    assert " of 1 request out of charter" in text and "Legal: 1 request\n" in text
    assert "collect evidence for 1 criterion, e.g. c1" in text
    assert not re.search(r"\b1 (requests|criteria)\b", text)
    md = renderers()["markdown"].render(copy.deepcopy(r))
    assert "of 1 request was outside the charter" in md and "  - 1 belongs to Legal" in md
    q |= {"out_of_charter_share": None, "out_of_scope_rules": False}
    text = renderers()["terminal"].render(copy.deepcopy(r))  # the share unknown: no crash
    assert "junk-drawer index: unknown, the charter declares nothing out of scope" in text
    assert "Junk-drawer index: unknown" in renderers()["markdown"].render(copy.deepcopy(r))


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
    assert words and all(w in ("pass", "fail", "unknown", "waived", "no CSO metric", "met",
                               "missed", "open") for w in words), set(words)


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


@pytest.fixture(scope="module")
def two_run_page(two_runs: dict[str, Any]):
    if CHROMIUM is None:
        pytest.skip("no browser")
    with Browser(CHROMIUM) as browser:
        browser.open(two_runs["report"].as_uri(), width=VIEWPORT[0], height=VIEWPORT[1])
        yield browser


TREND_JS = """
[...document.querySelectorAll('#trend svg.chart.trend')].map(s => ({
  role: s.getAttribute('role'), labelledby: s.getAttribute('aria-labelledby'),
  title: (s.querySelector('title') || {}).textContent || '',
  desc: (s.querySelector('desc') || {}).textContent || '',
  width: s.getBoundingClientRect().width, height: s.getBoundingClientRect().height,
  points: [...s.querySelectorAll('g.point')].map(g => {
    const r = g.getBoundingClientRect(); return [r.left, r.top, r.width, r.height]; }),
  segments: [...s.querySelectorAll('line.segment')].map(l => l.getBoundingClientRect().width),
  labels: [...s.querySelectorAll('g.point text')].map(t => t.textContent.trim())}))
"""


@needs_browser
def test_two_runs_trend_and_follow_up_in_the_browser(two_runs: dict[str, Any],
                                                      two_run_page: Browser) -> None:
    page, r = two_run_page, two_runs["result"]
    assert page.problems() == []
    assert [u for u in page.requested_urls() if not u.startswith(("file:", "data:"))] == []
    boxes = page.evaluate(VISIBLE_JS % json.dumps(list(SECTIONS)))
    for box in boxes:
        assert box["found"] and box["width"] > 600 and box["height"] > 80, box
        assert (box["display"], box["visibility"], box["opacity"]) == ("block", "visible", "1")
    tops = [b["top"] for b in boxes]
    assert tops == sorted(tops), "follow-up and trend right after the summary"

    labels = [p["period"]["label"] for p in r["trend"]["points"]]
    panels = page.evaluate(TREND_JS)
    assert len(panels) == 3
    for p in panels:
        assert p["role"] == "img" and p["labelledby"] and p["title"].endswith("per period"), p
        assert all(label in p["desc"] for label in labels), p["desc"]
        assert p["width"] > 200 and p["height"] > 80, p
        assert len(p["points"]) == 2, p  # one point per stored period
        (x1, _, w1, h1), (x2, _, w2, h2) = p["points"]
        assert w1 > 0 and h1 > 0 and w2 > 0 and h2 > 0 and x1 < x2, p
        assert len(p["segments"]) == 1 and p["segments"][0] > 50, p
        assert labels[0] in p["labels"] and labels[1] in p["labels"], p  # periods in text
    rows = page.evaluate("""[...document.querySelectorAll('#trend table tbody tr')]
        .map(tr => [...tr.children].map(c => c.innerText.trim()))""")
    assert rows[0][0] == "Overall level" and len(rows[0]) == 3
    assert len(rows) == 1 + len(r["dimensions"]) + 3

    text = page.evaluate("document.getElementById('follow-up').innerText")
    for heading in ("What we agreed", "What you asked for, what we delivered",
                    "What moved since the last run", "What is next"):
        assert heading in text
    assert f"run 1, {labels[0]}" in text
    statuses = page.evaluate("""[...document.querySelectorAll('#follow-up .status')]
                                .map(e => e.innerText.trim())""")
    assert {"met", "missed", "open"} <= set(statuses)
    for sid in ("follow-up", "trend"):
        shot = page.screenshot(two_runs["folder"] / f"{sid}.png", selector=f"#{sid}")
        assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@needs_browser
def test_two_runs_trend_prints(two_runs: dict[str, Any], two_run_page: Browser) -> None:
    page = two_run_page
    page.emulate_media("print")
    try:
        panels = page.evaluate(TREND_JS)
        boxes = page.evaluate(VISIBLE_JS % json.dumps(["follow-up", "trend"]))
        pdf = page.pdf()
    finally:
        page.emulate_media("")
    assert len(panels) == 3 and all(p["width"] > 100 and len(p["points"]) == 2
                                    for p in panels)
    assert all(b["height"] > 80 and b["visibility"] == "visible" for b in boxes)
    assert pdf[:5] == b"%PDF-"
    (two_runs["folder"] / "report.pdf").write_bytes(pdf)
    assert page.problems() == []
