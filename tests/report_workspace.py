"""A small, complete workspace for report tests: every input kind, two quarters of data.

Used by ``tests/test_html_report.py`` and ``docs/make_screenshot.py`` while the example
workspace (``examples/acme``) is not there. The data is generated from a fixed seed, so the
report is the same on every run.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
import textwrap
from pathlib import Path

TEAMS = {"East": ("Mia Stone", 7), "West": ("Noa Park", 6), "Partners": ("Ola Reyes", 3)}
FIRST = ["Ana", "Ben", "Cai", "Dee", "Eli", "Fay", "Gus", "Hal", "Ivy", "Jo", "Kai", "Lea",
         "Max", "Nia", "Oz", "Pia"]

WORKSPACE = """\
apiVersion: enableframe/v1
kind: Workspace
client: Demo Corp
ruleset: builtin:enablement-3.0
period: {quarter: 2017-Q2}
people: {show_names: false, min_group_size: 5}
sources:
  opportunities: {connector: csv, path: data/opportunities.csv}
  sellers: {connector: csv, path: data/sellers.csv}
  learning_records: {connector: csv, path: data/learning.csv}
  content_events: {connector: csv, path: data/content.csv}
  requests: {connector: requests-csv, path: data/requests.csv}
charter:
  written: true
  purpose: Make every seller productive sooner and keep them improving.
  definition_of_success: Win rate and time to second close improve quarter over quarter.
  reporting_line: sales
  audiences: [reps, managers]
  in_scope:
    - {name: Onboarding, match: {categories: [onboarding]}}
    - {name: Training, match: {categories: [training, certification]}}
    - {name: Sales content, match: {keywords: [playbook, battlecard]}}
  out_of_scope:
    - {name: Marketing collateral, owner: marketing, match: {categories: [collateral]}}
    - {name: CRM fixes, owner: sales_ops, match: {categories: [crm, reporting]}}
    - {name: Product docs, owner: product, match: {categories: [docs]}}
  owned_metrics: [certification_rate, assessment_pass_rate, elearning_completions]
  capacity_hours_per_quarter: 300
programs:
  - {id: onboarding, name: New-hire onboarding, type: onboarding, audience: [reps],
     status: active, target_metrics: [win_rate], vetted_with_sales: true,
     delivery: [live, recorded]}
  - {id: sales_kickoff, name: Sales kickoff, type: event, audience: [reps, managers],
     status: active}
  - {id: product_training, name: Product training, type: training, audience: [reps],
     status: active, reinforcement: quarterly}
  - {id: certification, name: Methodology certification, type: certification,
     audience: [reps], status: planned, depends_on: [onboarding]}
answers:
  - {question: cso_agenda_known, answer: true}
  - {question: enablement_roadmap, answer: false}
  - {question: common_sales_methodology, answer: true}
  - {question: managers_reinforce_training, answer: false}
  - {question: cso_metrics_visible, answer: true}
  - {question: metrics_follow_up_cadence, answer: quarterly}
  - {question: platforms_chosen_to_scale, answer: true}
  - {question: program_survey_score, answer: 4.1}
  - {question: communications_deployed_quarter, answer: 6}
organisation:
  enablement_headcount: 1
  seller_headcount: 40
  reporting_line: sales
  reports_to: Chief Sales Officer
waivers:
  - {criterion: platforms_integrated, justification: CRM migration until Q4,
     approver: CSO, expires: "2099-12-31"}
  - {criterion: programs_sales_plays, justification: Plays after methodology rollout,
     approver: CSO, expires: "2017-01-31"}
"""

REQUESTS = [
    ("onboarding", "sales", "New-hire bootcamp for May starters", 30),
    ("training", "sales", "Discovery call refresher", 12),
    ("certification", "sales", "Certify AEs on pricing", 20),
    ("collateral", "marketing", "Redesign the one-pager", 10),
    ("collateral", "marketing", "Event booth deck", 8),
    ("crm", "sales_ops", "Fix opportunity stage picklist", 6),
    ("reporting", "sales_ops", "Pipeline dashboard for the board", 14),
    ("docs", "product", "Release notes walkthrough", 5),
    ("misc", "hr", "Team offsite agenda", 4),
    ("training", "partners", "Partner product training", 16),
    ("other", "sales", "Competitive battlecard for Acme", 9),
    ("onboarding", "sales", "Onboarding for the new SE", 10),
]


def _write_csv(path: Path, header: list[str], rows: list[list[object]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)


def build_workspace(root: Path, *, seed: int = 7) -> Path:
    """Write the workspace under ``root`` and return its folder."""
    rng = random.Random(seed)
    root.mkdir(parents=True, exist_ok=True)
    (root / "enableframe.yaml").write_text(textwrap.dedent(WORKSPACE), encoding="utf-8")
    sellers = []
    names = iter(FIRST)
    n = 0
    for team, (manager, size) in TEAMS.items():
        for _ in range(size):
            n += 1
            start = dt.date(2016, 1, 4) + dt.timedelta(days=rng.randrange(0, 480))
            role = "channel_partner" if team == "Partners" else rng.choice(["ae", "ae", "am"])
            sellers.append([f"s{n:02d}", f"{next(names)} {team[0]}.", role, team, manager,
                            "EMEA" if team == "East" else "AMER", start.isoformat(),
                            rng.choice([40000, 50000, 60000])])
    _write_csv(root / "data/sellers.csv",
               ["id", "name", "role", "team", "manager", "region", "start_date", "quota"],
               sellers)
    opps = []
    day0 = dt.date(2016, 12, 1)
    for i in range(260):
        owner = rng.choice(sellers)[0]
        created = day0 + dt.timedelta(days=rng.randrange(0, 200))
        cycle = rng.randrange(10, 90)
        closed = created + dt.timedelta(days=cycle)
        late = created >= dt.date(2017, 3, 1)  # the recent quarter wins a little more
        roll = rng.random()
        stage = "open" if closed > dt.date(2017, 6, 30) else (
            "won" if roll < (0.42 if late else 0.33) else "lost")
        amount = round(rng.uniform(2000, 30000) * (1.1 if late else 1.0), -1)
        opps.append([f"o{i:03d}", owner, stage, amount, created.isoformat(),
                     closed.isoformat() if stage != "open" else "",
                     rng.choice(["new_business", "new_business", "upsell", "cross_sell"]),
                     rng.choice(["Core", "Plus"]), rng.choice(["smb", "mid", "ent"])])
    # three rows the data check rejects, so the report has a data-quality account to show
    opps += [["o900", "s01", "won", -500, "2017-04-02", "2017-04-20", "new_business", "Core",
              "smb"],
             ["o901", "s02", "won", 1200, "2017-13-40", "2017-05-01", "upsell", "Plus", "mid"],
             ["o902", "s99", "lost", 800, "2017-04-05", "2017-04-25", "new_business", "Core",
              "smb"]]
    _write_csv(root / "data/opportunities.csv",
               ["id", "owner", "stage", "amount", "created_at", "closed_at", "type",
                "product", "segment"], opps)
    learning = []
    for i, s in enumerate(sellers):
        when = dt.date(2017, 4, 3) + dt.timedelta(days=i * 3)
        verb = "passed" if i % 3 else "failed"
        learning.append([f"l{i:02d}a", s[0], "cert-methodology", "certification", verb,
                         0.8 if verb == "passed" else 0.4, f"{when}T10:00:00Z"])
        learning.append([f"l{i:02d}b", s[0], "course-negotiation", "course", "completed", "",
                         f"{when + dt.timedelta(days=1)}T10:00:00Z"])
    _write_csv(root / "data/learning.csv",
               ["id", "learner", "activity", "kind", "verb", "score", "time"], learning)
    content = []
    for _ in range(60):
        s = rng.choice(sellers)[0]
        when = dt.date(2017, 1, 2) + dt.timedelta(days=rng.randrange(0, 180))
        opp = rng.choice(opps)[0] if rng.random() < 0.4 else ""
        content.append([rng.choice(["deck", "one-pager", "video"]), s,
                        rng.choice(["view", "share", "download"]), f"{when}T09:00:00Z", opp])
    _write_csv(root / "data/content.csv", ["asset", "user", "event", "time", "opportunity"],
               content)
    reqs = []
    for i, (category, team, title, hours) in enumerate(REQUESTS * 2):
        when = dt.date(2017, 4, 3) + dt.timedelta(days=i * 3)
        reqs.append([f"R-{i + 1:03d}", team, title, category, when.isoformat(), hours])
    _write_csv(root / "data/requests.csv",
               ["Request ID", "Team", "Summary", "Type", "Created", "Hours"], reqs)
    return root
