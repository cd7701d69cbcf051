#!/usr/bin/env python3
"""Generate the data of Acme, a fictitious B2B software company, for examples/acme/.

Writes five CSV exports into ``examples/acme/data/`` (or ``--out``):

- ``opportunities.csv``   a Salesforce opportunity report, 2024-01-01 to 2025-12-31
- ``sellers.csv``         the HR roster of the sales organisation, with quarterly quotas
- ``learning_records.csv`` the LMS export: courses, quizzes, certifications, accreditations
- ``content_events.csv``  the content platform's usage log (rolled out in January 2025)
- ``requests.csv``        enablement's intake log (a service desk opened in January 2025)

The story the data tells: a 45-person sales team with 1.5 people in enablement. Win rate
is a little higher for certified sellers and a little higher in 2025 (a common methodology
rolled out) than in 2024. New hires take about five months to their second won deal. The
content platform is used by most sellers but rarely against a deal. The intake log fills
up with other teams' work: pricing approvals, CRM administration, product bugs, event
logistics.

Standard library only and deterministic: the same seed gives the same bytes, on any
platform and Python version. Only ``random.Random.random()`` is drawn from (its sequence
for a given seed is stable across Python versions; ``choices``, ``gauss`` and friends are
not promised to be), every other distribution is built on it here.

    python examples/generate_acme.py [--seed N] [--out DIR]
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import math
import random
from collections.abc import Sequence
from pathlib import Path
from typing import Any

SEED = 20251231
START = dt.date(2024, 1, 1)  # the CRM report covers opportunities created from here
END = dt.date(2025, 12, 31)  # ...to here; the export was taken on the next day
CONTENT_START = dt.date(2025, 1, 6)  # content platform rollout
INTAKE_START = dt.date(2025, 1, 2)  # enablement service desk opened
DOMAIN = "acme.example"
OUT = Path(__file__).resolve().parent / "acme" / "data"


class Rng:
    """Distributions on top of ``random()`` alone (see the module docstring)."""

    def __init__(self, seed: int, stream: str) -> None:
        self._r = random.Random(f"{seed}:{stream}")

    def random(self) -> float:
        return self._r.random()

    def chance(self, p: float) -> bool:
        return self._r.random() < p

    def uniform(self, a: float, b: float) -> float:
        return a + (b - a) * self._r.random()

    def integer(self, a: int, b: int) -> int:
        """An integer in [a, b]."""
        return a + min(int(self._r.random() * (b - a + 1)), b - a)

    def choice(self, seq: Sequence[Any]) -> Any:
        return seq[min(int(self._r.random() * len(seq)), len(seq) - 1)]

    def weighted(self, pairs: Sequence[tuple[Any, float]]) -> Any:
        total = sum(w for _, w in pairs)
        x = self._r.random() * total
        for value, weight in pairs:
            x -= weight
            if x < 0:
                return value
        return pairs[-1][0]

    def normal(self) -> float:
        """Standard normal, Irwin-Hall (sum of 12 uniforms): no libm in the draw."""
        return sum(self._r.random() for _ in range(12)) - 6.0

    def lognormal(self, median: float, sigma: float) -> float:
        return median * math.exp(sigma * self.normal())

    def poisson(self, lam: float) -> int:
        """Knuth's method; lam is small here."""
        if lam <= 0:
            return 0
        limit, k, p = math.exp(-lam), 0, 1.0
        while True:
            p *= self._r.random()
            if p <= limit:
                return k
            k += 1

    def date_between(self, a: dt.date, b: dt.date) -> dt.date:
        return a + dt.timedelta(days=self.integer(0, max(0, (b - a).days)))


def months(start: dt.date, end: dt.date) -> list[tuple[dt.date, dt.date]]:
    """(first day, last day) of each calendar month overlapping [start, end]."""
    out, day = [], dt.date(start.year, start.month, 1)
    while day <= end:
        nxt = dt.date(day.year + day.month // 12, day.month % 12 + 1, 1)
        out.append((max(day, start), min(nxt - dt.timedelta(days=1), end)))
        day = nxt
    return out


def quarter_of(day: dt.date) -> str:
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


# -- the sales organisation ----------------------------------------------------------------

FIRST = ["Ava", "Ben", "Carla", "Dev", "Elena", "Felix", "Grace", "Hugo", "Iris", "Jonas",
         "Kira", "Liam", "Maya", "Nate", "Olga", "Priya", "Quinn", "Rosa", "Sam", "Tara",
         "Umar", "Vera", "Wes", "Xena", "Yusuf", "Zoe", "Aaron", "Bea", "Cyrus", "Dina",
         "Emil", "Fay", "Gil", "Hana", "Ivan", "Jade", "Kofi", "Lena", "Milo", "Nora",
         "Omar", "Pia", "Raj", "Sofia", "Theo", "Uma", "Victor", "Wren"]
LAST = ["Adams", "Brooks", "Chen", "Diaz", "Evans", "Fischer", "Garcia", "Hughes", "Ito",
        "Jensen", "Kowalski", "Lopez", "Moreau", "Nakamura", "Okafor", "Patel", "Quist",
        "Rossi", "Schmidt", "Tanaka", "Ueda", "Varga", "Weber", "Xu", "Young", "Zhang",
        "Novak", "Silva", "Larsen", "Murphy", "Haddad", "Kim"]

# team, region, role, members (without the manager), quarterly quota of a member
TEAMS = [
    ("Enterprise NA", "NA East", "Account Executive", 6, 270_000),
    ("Enterprise EMEA", "EMEA", "Account Executive", 4, 200_000),
    ("Mid-Market", "NA West", "Account Executive", 7, 130_000),
    ("Commercial", "NA West", "Account Executive", 6, 70_000),
    ("Account Management", "NA East", "Account Manager", 7, 175_000),
    ("Sales Development", "NA East", "Sales Development Rep", 6, None),
    ("Solutions Engineering", "NA East", "Solutions Engineer", 2, None),
]
SEGMENT = {"Enterprise NA": "Enterprise", "Enterprise EMEA": "Enterprise",
           "Mid-Market": "Mid-Market", "Commercial": "SMB"}
# hires of the last two years (team, start date): they replaced leavers
HIRES = [
    ("Mid-Market", dt.date(2024, 2, 5)), ("Commercial", dt.date(2024, 4, 15)),
    ("Enterprise NA", dt.date(2024, 6, 3)), ("Account Management", dt.date(2024, 9, 9)),
    ("Sales Development", dt.date(2024, 10, 7)), ("Commercial", dt.date(2025, 2, 3)),
    ("Mid-Market", dt.date(2025, 4, 7)), ("Enterprise EMEA", dt.date(2025, 5, 12)),
    ("Commercial", dt.date(2025, 6, 2)), ("Mid-Market", dt.date(2025, 6, 16)),
    ("Account Management", dt.date(2025, 7, 7)), ("Commercial", dt.date(2025, 8, 4)),
]


def make_sellers(seed: int) -> list[dict[str, Any]]:
    rng = Rng(seed, "sellers")
    used: set[str] = set()

    def person() -> tuple[str, str]:
        while True:
            first, last = rng.choice(FIRST), rng.choice(LAST)
            email = f"{first}.{last}@{DOMAIN}".lower()
            if email not in used:
                used.add(email)
                return f"{first} {last}", email

    hires: dict[str, list[dt.date]] = {}
    for team, start in HIRES:
        hires.setdefault(team, []).append(start)
    sellers = []
    for team, region, role, size, quota in TEAMS:
        name, email = person()
        manager = {"id": email, "name": name, "team": team, "region": region,
                   "role": "Sales Manager", "manager": "Dana Whitfield",
                   "start": rng.date_between(dt.date(2016, 1, 1), dt.date(2021, 12, 31)),
                   "quota": None}
        sellers.append(manager)
        starts = list(hires.get(team, []))
        for _ in range(size):
            name, email = person()
            start = starts.pop(0) if starts else rng.date_between(
                dt.date(2017, 1, 1), dt.date(2023, 10, 31))
            sellers.append({"id": email, "name": name, "team": team, "region": region,
                            "role": role, "manager": manager["name"], "start": start,
                            "quota": quota})
    return sellers


# -- learning: certification is decided first, deals depend on it --------------------------

CERT = "Acme Certified Seller 2025"
CERT_2024 = "Acme Certified Seller 2024"
ACCREDITATION = "Technical Accreditation: Acme Analytics"
ONBOARDING = ["Welcome to Acme", "Acme Core Essentials", "Acme Analytics Essentials",
              "Acme Connect Essentials", "MEDDICC Foundations", "Discovery Calls",
              "Salesforce for Sellers", "Demo Fundamentals"]
CONTINUING = ["Negotiating Multi-Year Deals", "MEDDICC: Identify Pain",
              "MEDDICC: Economic Buyer", "Objection Handling", "Competitive Positioning",
              "Value Selling", "Forecasting Hygiene", "Account Planning"]
RELEASES = {  # product release courses, month of release
    dt.date(2024, 4, 1): "What's New: Acme Core 2024.2", dt.date(2024, 10, 1):
    "What's New: Acme Core 2024.4", dt.date(2025, 4, 1): "What's New: Acme Core 2025.2",
    dt.date(2025, 10, 1): "What's New: Acme Analytics 2025.4"}


def make_learning(seed: int, sellers: list[dict[str, Any]]) -> tuple[list[dict[str, Any]],
                                                                      dict[str, dt.date]]:
    """LMS records, and the day each seller first became certified."""
    rng = Rng(seed, "learning")
    records: list[dict[str, Any]] = []
    certified: dict[str, dt.date] = {}

    def add(who: str, item: str, kind: str, status: str, day: dt.date,
            score: float | None = None) -> None:
        at = dt.datetime.combine(day, dt.time(rng.integer(8, 17), rng.integer(0, 59)))
        records.append({"learner": who, "item": item, "kind": kind, "status": status,
                        "score": score, "time": at})

    def certify(who: str, item: str, day: dt.date, p_pass: float) -> None:
        for attempt in range(3):
            if day > END:
                return
            score = min(1.0, max(0.3, 0.8 + 0.1 * rng.normal()))
            passed = rng.chance(p_pass + 0.1 * attempt)
            score = max(score, 0.8) if passed else min(score, 0.79)
            add(who, item, "Certification", "Passed" if passed else "Failed", day,
                round(score, 2))
            if passed:
                certified.setdefault(who, day)
                return
            day += dt.timedelta(days=rng.integer(7, 20))

    closers = ("Account Executive", "Account Manager")
    for s in sellers:
        who, start, role = s["id"], s["start"], s["role"]
        if start >= START - dt.timedelta(days=30):  # onboarding in the LMS
            day = start
            for course in ONBOARDING:
                day += dt.timedelta(days=rng.integer(1, 6))
                add(who, course, "Course", "Completed" if rng.chance(0.93) else "In Progress",
                    day)
                if course.endswith("Essentials"):
                    passed = rng.chance(0.8)
                    add(who, f"Quiz: {course}", "Quiz", "Passed" if passed else "Failed", day,
                        round(0.85 + 0.08 * rng.normal(), 2) if passed
                        else round(0.6 + 0.05 * rng.normal(), 2))
            if role in closers:  # certified at the end of onboarding
                certify(who, CERT_2024 if start.year < 2025 else CERT,
                        start + dt.timedelta(days=rng.integer(55, 95)), 0.75)
        # the annual certification campaigns: 2024 (first edition) and 2025
        for item, first_day, share in ((CERT_2024, dt.date(2024, 10, 14), 0.45),
                                       (CERT, dt.date(2025, 10, 6), 0.55)):
            tenured = start < first_day - dt.timedelta(days=120)
            wanted = share + (0.12 if role in closers else -0.15)
            if tenured and rng.chance(wanted):
                certify(who, item, first_day + dt.timedelta(days=rng.integer(0, 40)), 0.82)
        if role == "Solutions Engineer" or (role == "Account Executive" and rng.chance(0.15)):
            for day in (dt.date(2024, 5, 20), dt.date(2025, 11, 10)):
                if start < day:
                    add(who, ACCREDITATION, "Accreditation", "Passed",
                        day + dt.timedelta(days=rng.integer(0, 20)), round(
                            min(1.0, 0.88 + 0.05 * rng.normal()), 2))
        # continuing education: a few courses a quarter, more as the LMS catches on
        engaged = rng.chance(0.65)
        for first, last in months(max(START, start + dt.timedelta(days=60)), END):
            lam = (0.45 if engaged else 0.1) * (1.15 if first.year == 2025 else 0.8)
            for _ in range(rng.poisson(lam)):
                day = rng.date_between(first, last)
                course = rng.choice(CONTINUING)
                status = rng.weighted([("Completed", 0.72), ("In Progress", 0.18),
                                       ("Enrolled", 0.10)])
                add(who, course, "Course", status, day)
                if status == "Completed" and rng.chance(0.7):
                    passed = rng.chance(0.74)
                    add(who, f"Quiz: {course}", "Quiz", "Passed" if passed else "Failed",
                        day, round(0.84 + 0.07 * rng.normal(), 2) if passed
                        else round(0.58 + 0.07 * rng.normal(), 2))
        for release, course in RELEASES.items():
            if start < release and rng.chance(0.55 if engaged else 0.2):
                day = release + dt.timedelta(days=rng.integer(0, 45))
                done = rng.chance(0.85)
                add(who, course, "Course", "Completed" if done else "In Progress", day)
                if done:
                    passed = rng.chance(0.8)
                    add(who, f"Quiz: {course}", "Quiz", "Passed" if passed else "Failed",
                        day, round(0.86 + 0.06 * rng.normal(), 2) if passed
                        else round(0.6 + 0.06 * rng.normal(), 2))
    # people outside the sales roster take courses too: the LMS is company-wide
    for who in (f"pmm.lead@{DOMAIN}", f"support.trainer@{DOMAIN}"):
        add(who, "Acme Analytics Essentials", "Course", "Completed",
            rng.date_between(dt.date(2025, 3, 1), dt.date(2025, 11, 30)))
    records.sort(key=lambda r: (r["time"], r["learner"], r["item"]))
    for n, r in enumerate(records, 1):
        r["id"] = f"LR{n:05d}"
    return records, certified


# -- opportunities ---------------------------------------------------------------------------

PRODUCTS = [("Acme Core", 0.6), ("Acme Analytics", 0.25), ("Acme Connect", 0.15)]
ADJ = ["Blue", "North", "Bright", "Iron", "Silver", "Pacific", "Summit", "Cedar", "Nova",
       "Atlas", "Harbor", "Granite", "Vertex", "Lumen", "Orbit", "Prairie", "Crest", "Delta"]
NOUN = ["Logistics", "Health", "Foods", "Labs", "Systems", "Retail", "Energy", "Capital",
        "Media", "Robotics", "Freight", "Clinics", "Foundry", "Networks", "Insurance",
        "Pharma", "Motors", "Textiles"]
SUFFIX = ["Inc", "LLC", "GmbH", "Ltd", "Group", "Co"]
OPEN_STAGES = [("Prospecting", 0.3), ("Qualification", 0.25), ("Needs Analysis", 0.2),
               ("Proposal/Price Quote", 0.15), ("Negotiation/Review", 0.1)]
TYPE_LABEL = {"new_business": "New Business", "upsell": "Existing Business - Upsell",
              "cross_sell": "Existing Business - Cross-Sell", "renewal": "Renewal"}
# median amount, median days to close, base win probability
DEAL = {("new_business", "Enterprise"): (82_000, 92, 0.19),
        ("new_business", "Mid-Market"): (27_000, 55, 0.21),
        ("new_business", "SMB"): (8_500, 31, 0.24),
        ("upsell", None): (17_000, 34, 0.45), ("cross_sell", None): (23_000, 46, 0.33),
        ("renewal", None): (38_000, 24, 0.75)}
RATE = {"Enterprise NA": 3.6, "Enterprise EMEA": 3.2, "Mid-Market": 5.0, "Commercial": 6.8,
        "Account Management": 4.0}


def make_opportunities(seed: int, sellers: list[dict[str, Any]],
                       certified: dict[str, dt.date]) -> list[dict[str, Any]]:
    rng = Rng(seed, "opportunities")
    accounts = {seg: [f"{a} {n} {rng.choice(SUFFIX)}" for a in ADJ for n in NOUN
                      if rng.chance(0.45)] for seg in ("Enterprise", "Mid-Market", "SMB")}
    customers: list[tuple[str, str]] = []  # (account, segment) won so far
    opps: list[dict[str, Any]] = []
    for s in sellers:
        team = s["team"]
        if team not in RATE:
            continue
        # new hires own deals once onboarding is through, and ramp up over six months
        for first, last in months(max(START, s["start"] + dt.timedelta(days=35)), END):
            tenure = (first - s["start"]).days
            ramp = min(1.0, 0.1 + tenure / 200)
            season = 1.15 if first.month in (3, 6, 9, 12) else 1.0
            for _ in range(rng.poisson(RATE[team] * ramp * season)):
                created = rng.date_between(first, last)
                if team == "Account Management":
                    kind = rng.weighted([("upsell", 0.5), ("cross_sell", 0.35),
                                         ("renewal", 0.15)])
                    if customers and rng.chance(0.85):
                        account, segment = rng.choice(customers)
                    else:
                        segment = rng.weighted([("Enterprise", 0.3), ("Mid-Market", 0.4),
                                                ("SMB", 0.3)])
                        account = rng.choice(accounts[segment])
                else:
                    segment = SEGMENT[team]
                    kind = "cross_sell" if rng.chance(0.08) else "new_business"
                    account = rng.choice(accounts[segment])
                median_amount, median_days, p_win = DEAL.get(
                    (kind, segment), DEAL.get((kind, None), (0, 0, 0)))
                if kind != "new_business" and segment == "Enterprise":
                    median_amount *= 1.8
                product = (rng.weighted([("Acme Analytics", 0.6), ("Acme Connect", 0.4)])
                           if kind == "cross_sell" else rng.weighted(PRODUCTS))
                cert_day = certified.get(s["id"])
                if cert_day and cert_day <= created:
                    p_win += 0.05  # certified sellers win a little more
                if tenure < 180:
                    p_win -= 0.08
                if created.year == 2025:
                    p_win += 0.02  # the methodology rolled out in 2025
                won = rng.chance(p_win)
                days = rng.lognormal(median_days * (1.25 if not won else 1.0)
                                     * (1.4 if tenure < 180 else 1.0), 0.45)
                closed = created + dt.timedelta(days=max(1, round(days)))
                stuck = rng.chance(0.015)
                amount = round(rng.lognormal(median_amount, 0.5), -1)
                opp = {"owner": s["id"], "account": account, "segment": segment,
                       "type": kind, "product": product, "created": created,
                       "amount": amount, "channel": "Partner" if rng.chance(0.06)
                       else "Direct", "source": rng.weighted(
                           [("Outbound", 0.35), ("Inbound", 0.3), ("Customer", 0.2),
                            ("Event", 0.1), ("Partner", 0.05)])}
                if stuck or closed > END:
                    opp.update(stage=rng.weighted(OPEN_STAGES), closed=None)
                else:
                    opp.update(stage="Closed Won" if won else "Closed Lost", closed=closed)
                    if won and kind == "new_business":
                        customers.append((account, segment))
                opps.append(opp)
    opps.sort(key=lambda o: (o["created"], o["owner"], o["account"]))
    for n, o in enumerate(opps, 1):
        o["id"] = f"0065g00000{n:05d}"
    # what a real export carries: two close dates typed a year early, one row twice
    for n in (len(opps) // 3, 2 * len(opps) // 3):
        o = opps[n]
        if o["closed"] is not None:
            o["closed"] = o["closed"].replace(year=o["closed"].year - 1)
    opps.insert(len(opps) // 2, dict(opps[len(opps) // 2]))
    return opps


# -- content ---------------------------------------------------------------------------------

ASSETS = ["Acme Core Pitch Deck", "Acme Analytics Pitch Deck", "Acme Connect One-Pager",
          "ROI Calculator", "Security Whitepaper", "Pricing Guide 2025",
          "Battlecard: Rivalsoft", "Battlecard: Northwind Suite", "Case Study: Harbor Freight Co",
          "Case Study: Summit Clinics", "Case Study: Nova Retail", "MEDDICC Call Plan",
          "Discovery Question Bank", "Demo Script: Core", "Demo Script: Analytics",
          "Customer Reference List", "Implementation Timeline", "Executive Briefing Deck",
          "Renewal Playbook", "Expansion Playbook", "Product Roadmap (NDA)",
          "Integration Catalogue", "Proposal Template", "Mutual Action Plan Template"]
ACTIONS = [("Viewed", 0.55), ("Downloaded", 0.2), ("Shared", 0.15), ("Presented", 0.1)]


def make_content(seed: int, sellers: list[dict[str, Any]],
                 opps: list[dict[str, Any]]) -> list[dict[str, Any]]:
    rng = Rng(seed, "content")
    by_owner: dict[str, list[dict[str, Any]]] = {}
    for o in opps:
        by_owner.setdefault(o["owner"], []).append(o)
    events = []
    adoption = {1: 0.55, 2: 0.75, 3: 0.9, 4: 1.0}  # by quarter of 2025
    for s in sellers:
        heavy = s["role"] in ("Account Executive", "Account Manager", "Solutions Engineer")
        user_rate = (0.0 if rng.chance(0.12) else rng.uniform(0.2, 1.5) if rng.chance(0.15)
                     else rng.uniform(4.0, 9.0) if heavy else rng.uniform(2.0, 5.0))
        for first, last in months(max(CONTENT_START, s["start"]), END):
            lam = user_rate * adoption[(first.month - 1) // 3 + 1]
            for _ in range(rng.poisson(lam)):
                day = rng.date_between(first, last)
                action = rng.weighted(ACTIONS)
                opp = None
                if action in ("Shared", "Presented") and rng.chance(0.55):
                    live = [o["id"] for o in by_owner.get(s["id"], [])
                            if o["created"] <= day and (o["closed"] is None
                                                        or o["closed"] >= day)]
                    opp = rng.choice(live) if live else None
                at = dt.datetime.combine(day, dt.time(rng.integer(7, 19), rng.integer(0, 59),
                                                      rng.integer(0, 59)))
                events.append({"time": at, "user": s["id"], "asset": rng.choice(ASSETS),
                               "action": action, "opportunity": opp})
    events.sort(key=lambda e: (e["time"], e["user"], e["asset"]))
    return events


# -- the intake log --------------------------------------------------------------------------

# (request type as logged, department, title, description, effort hours (low, high))
IN_CHARTER = [
    ("Onboarding", "Sales", "Onboarding plan for new {team} hire",
     "30-60-90 day plan and onboarding path for a new seller starting next month.", (6, 14)),
    ("Training request", "Sales", "Negotiation workshop for {team}",
     "Managers asked for a live workshop on multi-year negotiation and objection handling.",
     (10, 24)),
    ("Training request", "Product Marketing", "Release training: {product}",
     "Sellers need training on the new release before customers ask about it.", (8, 18)),
    ("Content request", "Sales", "Refresh the {product} pitch deck",
     "Update messaging and proof points in the pitch deck after the release.", (6, 12)),
    ("Content request", "Product Marketing", "Battlecard refresh: {competitor}",
     "Competitor changed packaging; the battlecard needs new objection handling.", (4, 10)),
    ("Certification", "Sales", "Certification path for {team}",
     "Add a role-specific certification track to the Acme Certified Seller program.",
     (8, 16)),
    ("Coaching", "Sales", "Call review coaching for {team} managers",
     "Set up call review sessions so managers can coach discovery calls.", (6, 12)),
    ("Sales kickoff", "Sales", "SKO 2026 agenda: enablement track",
     "Draft the enablement track and the breakout sessions for the kickoff agenda.",
     (12, 24)),
    ("Training request", "Customer Success", "Expansion playbook for account managers",
     "A playbook for upsell and cross-sell conversations at renewal time.", (10, 20)),
]
OUT_OF_CHARTER = [
    ("Pricing / discount", "Sales", "Approve 30% discount for {account}",
     "Customer wants a multi-year deal; need pricing approval this week.", (1, 3)),
    ("Training request", "Sales", "Pricing exception for {account}",
     "Non-standard payment terms and pricing; who can approve?", (1, 4)),
    ("CRM / Salesforce", "Sales Ops", "Add a field to the opportunity layout",
     "Need a new picklist value and field on the Salesforce opportunity page.", (2, 6)),
    ("Other", "Sales", "Fix the {team} pipeline report in Salesforce",
     "The dashboard shows last quarter's numbers; the report filters look wrong.", (2, 5)),
    ("CRM / Salesforce", "Sales", "Reassign accounts after territory change",
     "Territory change: move 40 accounts to the new owner in the CRM.", (3, 8)),
    ("Product issue", "Sales", "Demo environment broken before {account} demo",
     "The demo tenant throws errors; bug blocks tomorrow's customer demo.", (2, 6)),
    ("Product issue", "Customer Success", "Bug: Analytics export fails for {account}",
     "Customer-reported bug in the export; sales asked enablement to chase product.",
     (1, 4)),
    ("Event logistics", "Marketing", "Venue and catering for the customer dinner",
     "Book the venue, catering and invitations for the regional customer dinner.", (6, 16)),
    ("Event logistics", "Sales", "Swag and booth shipping for the trade show",
     "Order swag and ship the booth kit to the trade show.", (4, 10)),
    ("Compensation", "Sales", "Commission looks wrong for {quarter}",
     "My commission statement does not match my closed deals.", (1, 3)),
    ("Other", "Sales", "Review redlines on the {account} contract",
     "Customer sent MSA redlines; can enablement review them before legal?", (2, 5)),
]
UNCLASSIFIED = [
    ("Other", "HR", "Update the sales org chart on the intranet",
     "The intranet page still shows last year's teams.", (1, 2)),
    ("Other", "Sales", "Help with an escalation at {account}",
     "Unhappy customer, need someone to join the call.", (2, 4)),
    ("Other", "Finance", "Quarterly headcount numbers for the board deck",
     "Finance needs the number of sellers per team.", (1, 3)),
]
COMPETITORS = ["Rivalsoft", "Northwind Suite", "Contoso Cloud"]
INTAKE = {1: 30, 2: 34, 3: 39, 4: 47}  # requests per quarter of 2025: demand grows
OUT_SHARE = {1: 0.40, 2: 0.36, 3: 0.33, 4: 0.32}  # the junk drawer empties slowly


def make_requests(seed: int, sellers: list[dict[str, Any]],
                  opps: list[dict[str, Any]]) -> list[dict[str, Any]]:
    rng = Rng(seed, "requests")
    teams = sorted({s["team"] for s in sellers if s["team"] in RATE})
    accounts = sorted({o["account"] for o in opps})
    rows = []
    for q, count in INTAKE.items():
        start = dt.date(2025, 3 * q - 2, 1)
        end = dt.date(2025, 12, 31) if q == 4 else dt.date(2025, 3 * q + 1, 1) \
            - dt.timedelta(days=1)
        start = max(start, INTAKE_START)
        out = round(count * OUT_SHARE[q])
        unclassified = 2 if q in (3, 4) else 1
        kinds = ([OUT_OF_CHARTER] * out + [UNCLASSIFIED] * unclassified
                 + [IN_CHARTER] * (count - out - unclassified))
        for pool in kinds:
            category, team, title, description, (low, high) = rng.choice(pool)
            day = rng.date_between(start, end)
            while day.weekday() >= 5:
                day -= dt.timedelta(days=1)
            fill = {"team": rng.choice(teams), "account": rng.choice(accounts),
                    "product": rng.choice([p for p, _ in PRODUCTS]),
                    "competitor": rng.choice(COMPETITORS),
                    "quarter": quarter_of(day - dt.timedelta(days=92))}
            rows.append({"created": day, "category": category, "team": team,
                         "title": title.format(**fill), "description": description,
                         "effort": round(rng.uniform(low, high) * 2) / 2})
    rows.sort(key=lambda r: (r["created"], r["title"]))
    for n, r in enumerate(rows, 101):
        r["id"] = f"ENB-{n}"
    return rows


# -- writing ---------------------------------------------------------------------------------

def _money(x: float | None) -> str:
    return "" if x is None else f"{x:.2f}"


def _us_date(d: dt.date | None) -> str:
    return "" if d is None else f"{d.month}/{d.day}/{d.year}"


def write_csv(path: Path, header: list[str], rows: list[list[Any]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def generate(out: Path = OUT, seed: int = SEED) -> list[Path]:
    """Write the five CSV files into ``out``; return their paths."""
    out.mkdir(parents=True, exist_ok=True)
    sellers = make_sellers(seed)
    learning, certified = make_learning(seed, sellers)
    opps = make_opportunities(seed, sellers, certified)
    content = make_content(seed, sellers, opps)
    requests = make_requests(seed, sellers, opps)
    files = {
        "sellers.csv": (
            ["Employee Email", "Full Name", "Title", "Team", "Manager", "Region",
             "Start Date", "Quarterly Quota (USD)"],
            [[s["id"], s["name"], s["role"], s["team"], s["manager"], s["region"],
              s["start"].isoformat(), "" if s["quota"] is None else str(s["quota"])]
             for s in sellers]),
        "opportunities.csv": (  # a Salesforce report: US dates, Salesforce stage names
            ["Opportunity ID", "Account Name", "Owner Email", "Stage",
             "Amount", "Created Date", "Close Date", "Type", "Product Family",
             "Customer Segment", "Sales Channel", "Lead Source"],
            [[o["id"], o["account"], o["owner"], o["stage"], _money(o["amount"]),
              _us_date(o["created"]), _us_date(o["closed"]), TYPE_LABEL[o["type"]],
              o["product"], o["segment"], o["channel"], o["source"]] for o in opps]),
        "learning_records.csv": (
            ["Record ID", "User Email", "Learning Item", "Item Type", "Status",
             "Scaled Score", "Completed At (UTC)"],
            [[r["id"], r["learner"], r["item"], r["kind"], r["status"],
              "" if r["score"] is None else f"{min(1.0, max(0.0, r['score'])):.2f}",
              r["time"].strftime("%Y-%m-%d %H:%M")] for r in learning]),
        "content_events.csv": (
            ["Timestamp (UTC)", "User Email", "Asset", "Action", "Opportunity ID"],
            [[e["time"].strftime("%Y-%m-%d %H:%M:%S"), e["user"], e["asset"], e["action"],
              e["opportunity"] or ""] for e in content]),
        "requests.csv": (  # a service-desk export
            ["Issue key", "Summary", "Description", "Request type", "Department", "Created",
             "Time Spent"],
            [[r["id"], r["title"], r["description"], r["category"], r["team"],
              r["created"].isoformat(), f"{r['effort']:g}"] for r in requests]),
    }
    paths = []
    for name, (header, rows) in files.items():
        write_csv(out / name, header, rows)
        paths.append(out / name)
    return paths


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=SEED, help=f"random seed (default {SEED})")
    parser.add_argument("--out", type=Path, default=OUT, help="output folder")
    args = parser.parse_args(argv)
    for path in generate(args.out, args.seed):
        print(f"wrote {path} ({path.stat().st_size:,} bytes)")


if __name__ == "__main__":
    main()
