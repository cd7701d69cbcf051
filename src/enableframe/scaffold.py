"""``enableframe init``: scaffold a workspace that extends a built-in ruleset.

Writes ``enableframe.yaml``, a client overlay ``ruleset.yaml`` and the five assessment
inputs (charter, programs, answers, organisation, waivers), each valid as written and
commented with what to fill in. Existing files are never overwritten: when any target
exists, nothing is written.

What a fresh scaffold says, by design:

- ``sources`` is an empty mapping with commented examples below it, so ``assess`` stops
  with one located line (``enableframe.yaml:LINE:COL: $.sources: is empty; at least 1
  entry needed ...``) pointing at the comment that says what to add. A workspace without data
  cannot be assessed, and guessing file names would hide that.
- ``answers``, ``organisation`` and ``waivers`` are listed and empty: an empty answer list
  leaves every question unanswered, so the criteria reading them are ``unknown``.
- ``charter`` and ``programs`` are written but *not listed* until filled in: an empty
  program list would assert "the company runs no programs" (criteria fail instead of
  unknown), and a charter with no scope rules classifies no request as out of charter.
"""

from __future__ import annotations

import re
from pathlib import Path

from enableframe.errors import UserError

DEFAULT_RULESET = "builtin:enablement-3.0"
INPUTS = ("charter", "programs", "answers", "organisation", "waivers")
# the criterion whose threshold the overlay's commented example tightens, if the ruleset
# has it: the junk-drawer index is the threshold consultants move most
PREFERRED_EXAMPLE = "requests_in_scope"


def init_workspace(directory: str | Path, ruleset: str = DEFAULT_RULESET,
                   client: str | None = None) -> list[Path]:
    """Scaffold a workspace in ``directory`` (created if needed); return the files written.

    :param ruleset: the ruleset the client overlay extends: ``builtin:NAME``, or a path to
        a ruleset file (made relative to the overlay).
    :param client: the client name shown in reports; default: the folder's name.
    :raises UserError: an unknown built-in, a missing ruleset file, or a file that exists.
    """
    folder = Path(directory)
    if folder.exists() and not folder.is_dir():
        raise UserError(f"{folder} exists and is not a folder")
    client = (client or folder.resolve().name).strip()
    if not client:
        raise UserError("the client name is empty; give one with --client NAME")
    extends = _extends_ref(ruleset, folder)
    example = _example_criterion(ruleset)
    files = {
        "enableframe.yaml": _workspace_text(client),
        "ruleset.yaml": _overlay_text(client, ruleset, extends, example),
        "charter.yaml": CHARTER,
        "programs.yaml": PROGRAMS,
        "answers.yaml": ANSWERS.format(ruleset_ref="ruleset.yaml"),
        "organisation.yaml": ORGANISATION,
        "waivers.yaml": WAIVERS,
    }
    existing = [name for name in files if (folder / name).exists()]
    if existing:
        more = f" (and {len(existing) - 1} more of the files init writes)" \
            if len(existing) > 1 else ""
        raise UserError(f"{folder / existing[0]} already exists{more}; init never overwrites, "
                        "nothing was written: pick a new folder")
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "data").mkdir(exist_ok=True)
    written = []
    for name, text in files.items():
        path = folder / name
        schema = _SCHEMAS.get(name)
        header = f"# yaml-language-server: $schema={schema_location(schema)}\n" if schema \
            else ""
        with path.open("x", encoding="utf-8") as handle:  # "x": never overwrite
            handle.write(header + text)
        written.append(path)
    return written


_SCHEMAS = {"enableframe.yaml": "workspace", "ruleset.yaml": "ruleset",
            **{f"{kind}.yaml": kind for kind in INPUTS}}


def schema_location(name: str) -> str:
    """Where an editor finds schema ``name``: the installed file, or its ``$id`` URL when
    the package is not on a file system (a zip)."""
    from enableframe import resources

    entry = resources.files_root() / "schemas" / f"{name}.schema.json"
    path = Path(str(entry))
    if path.is_file():
        return str(path.absolute())
    return str(resources.schema(name).get("$id", f"{name}.schema.json"))


def _extends_ref(ruleset: str, folder: Path) -> str:
    """The overlay's ``extends`` entry: the built-in itself, or a path relative to it."""
    from enableframe.resources import BUILTIN_PREFIX

    if ruleset.startswith(BUILTIN_PREFIX):
        from enableframe.catalog import available_rulesets

        name = ruleset[len(BUILTIN_PREFIX):]
        known = available_rulesets()
        if name not in known:
            import difflib

            close = difflib.get_close_matches(name, sorted(known), n=1)
            hint = f"did you mean '{BUILTIN_PREFIX}{close[0]}'? " if close else ""
            raise UserError(f"unknown ruleset {ruleset!r}; {hint}built-in: "
                            + ", ".join(BUILTIN_PREFIX + n for n in sorted(known)))
        return ruleset
    path = Path(ruleset)
    if not path.is_file():
        raise UserError(f"no ruleset at {ruleset}; give builtin:NAME (see `enableframe "
                        "ruleset list`) or the path of a ruleset file")
    import os

    return Path(os.path.relpath(path.resolve(), folder.resolve())).as_posix()


def _example_criterion(ruleset: str) -> tuple[str, str, object] | None:
    """(criterion id, param, value) for the overlay's commented example: a numeric
    threshold of the extended ruleset, tightened by a tenth (best effort: a ruleset
    that cannot be read gets no example, its errors show when it is used)."""
    from enableframe.ruleset import resolve_ref

    try:
        doc, loader = resolve_ref(ruleset)
    except UserError:
        return None
    if doc is None or loader.problems:
        return None
    candidates = []
    for criterion in doc.get("criteria", []) or []:
        params = criterion.get("params") or {}
        for key, value in params.items():
            if isinstance(value, (int, float)) and not isinstance(value, bool) and value:
                candidates.append((criterion["id"] != PREFERRED_EXAMPLE, str(criterion["id"]),
                                   str(key), value))
                break
    if not candidates:
        return None
    _, criterion_id, key, value = min(candidates, key=lambda c: c[0])
    tighter = value * (0.5 if key.startswith("max") else 1.2)
    return criterion_id, key, round(tighter) if isinstance(value, int) else round(tighter, 4)


def _slug(client: str) -> str:
    slug = re.sub(r"[^a-z0-9.-]+", "-", client.lower()).strip("-.")
    return slug or "client"


def _workspace_text(client: str) -> str:
    plain = re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9 _.-]*", client) and not re.fullmatch(
        r"(?i)(true|false|yes|no|on|off|null|~|[0-9._-]+)", client)
    return WORKSPACE.format(client=client if plain else _yaml_string(client))


def _overlay_text(client: str, ruleset: str, extends: str,
                  example: tuple[str, str, object] | None) -> str:
    if example:
        criterion, key, value = example
        example_text = OVERLAY_EXAMPLE.format(criterion=criterion, key=key, value=value)
    else:
        example_text = OVERLAY_NO_EXAMPLE
    plain = re.fullmatch(r"[A-Za-z0-9_./-]+(:[A-Za-z0-9_.-]+)?", extends)
    return OVERLAY.format(name=_slug(client), client=client.replace("\n", " "),
                          base=ruleset, extends=extends if plain else _yaml_string(extends),
                          example=example_text)


def _yaml_string(text: str) -> str:
    """A YAML double-quoted scalar (JSON string syntax is valid YAML)."""
    import json

    return json.dumps(text, ensure_ascii=False)


WORKSPACE = """#
# An enableframe workspace: one client's assessment. Paths are relative to this file.
#   enableframe data check .     every row of every source accounted for
#   enableframe assess .         levels, CSO metrics, charter findings, road map
apiVersion: enableframe/v1
kind: Workspace
client: {client}
ruleset: ruleset.yaml          # the client overlay next to this file
# period: {{quarter: 2025-Q4}}   # omitted: the last quarter with data

# Where each canonical table (schemas/tables/) comes from. `assess` needs at least one
# source: replace the {{}} below with the sources you have, e.g. by uncommenting these.
# Any CSV works with the csv connector: map canonical columns to your headers under
# columns:, and your values onto canonical ones under values:.
sources: {{}}                     # add at least one source: see the examples below
#   opportunities:                       # CRM opportunities: win rate, ASP, sales cycle...
#     connector: csv
#     path: data/opportunities.csv
#     columns: {{id: Opportunity ID, owner: Owner Email, stage: Stage, amount: Amount,
#               created_at: Created Date, closed_at: Close Date, type: Type}}
#     values:
#       stage: {{Closed Won: won, Closed Lost: lost, Prospecting: open, Negotiation: open}}
#       type: {{New Business: new_business, Upsell: upsell, Cross-Sell: cross_sell}}
#     date_format: "%m/%d/%Y"             # tried after ISO dates
#   sellers:                             # the sales roster: quotas, start dates, teams
#     connector: csv
#     path: data/sellers.csv
#     columns: {{id: Email, name: Name, role: Title, team: Team, start_date: Start Date,
#               quota: Quarterly Quota}}
#   learning_records:                    # LMS export: courses, certifications...
#     connector: csv
#     path: data/learning_records.csv
#     columns: {{learner: User Email, activity: Item, kind: Item Type, verb: Status,
#               time: Completed At}}
#   content_events:                      # content platform usage
#     connector: csv
#     path: data/content_events.csv
#     columns: {{user: User Email, asset: Asset, event: Action, time: Timestamp}}
#   requests:                            # enablement's intake log (Jira, a form, a sheet)
#     connector: requests-csv             # recognises Summary, Created, Time Spent...
#     path: data/requests.csv

# Assessment inputs beside the data (each schema-checked; see the files for what to put
# in them). An input not listed here is unknown, and the criteria reading it are
# `unknown`, never a pass. List charter and programs once they are filled in: an empty
# program list means "no programs" (criteria fail) and a charter without scope rules
# finds no request out of charter.
# charter: charter.yaml
# programs: programs.yaml
answers: answers.yaml
organisation: organisation.yaml
waivers: waivers.yaml
"""

OVERLAY = """#
# {client}'s ruleset, an overlay on {base}.
# State only what differs; everything else is inherited item by item (by id).
# `enableframe ruleset show ruleset.yaml --provenance` shows the result and which file
# set each value; `enableframe validate ruleset.yaml` checks it.
apiVersion: enableframe/v1
kind: Ruleset
metadata:
  name: {name}
  version: 0.1.0
  description: {base} as agreed with {client}.
extends:
  - {extends}
{example}"""

OVERLAY_EXAMPLE = """
# criteria:
#   # Tighten a threshold: the same id, only the params that change (`when` and the
#   # rest are inherited). Comment why, for the next consultant.
#   - id: {criterion}
#     params: {{{key}: {value}}}
#   # Drop an inherited criterion that says nothing about this client:
#   # - id: some_criterion
#   #   remove: true
"""

OVERLAY_NO_EXAMPLE = """
# criteria:
#   # Tighten a threshold: the same id, only the params that change.
#   # - id: some_criterion
#   #   params: {some_param: 0.5}
"""

CHARTER = """#
# The enablement charter (Jefferson): what enablement owns and what it does not, or it
# becomes "the junk drawer". Requests in the intake log are classified against the
# in_scope and out_of_scope rules (out of scope first). List `charter: charter.yaml` in
# enableframe.yaml once the rules are filled in.
written: false                 # true once written down and agreed with sales leadership
# purpose: >-
#   Make every seller productive faster: onboarding, training, certification, content
#   and coaching, linked to win rate, average sales price and sales cycle.
# definition_of_success: New sellers reach their second won deal within 120 days.
# reporting_line: sales          # sales | marketing | product | hr | operations | other
# audiences: [reps, managers]
# in_scope:
#   - name: Onboarding of new sellers
#     match: {categories: [Onboarding], keywords: [onboarding, new hire]}
# out_of_scope:                  # "not our highest value", not "never"
#   - name: Pricing and discount approvals
#     owner: Deal Desk
#     match: {categories: [Pricing], keywords: [discount, pricing]}
# owned_metrics: [certification_rate, elearning_completions]
# influenced_metrics: [win_rate, average_sales_price, sales_cycle_days]
# capacity_hours_per_quarter: 300  # hours the team can give requests
"""

PROGRAMS = """#
# The company's enablement programs as they are today. Use the ruleset's catalogue ids
# where they fit (`enableframe ruleset show ruleset.yaml` lists them: onboarding,
# certification, manager_coaching...) so each is linked to the CSO metrics through the
# model graph; other programs are linked through their target_metrics only. List
# `programs: programs.yaml` in enableframe.yaml once filled in: an empty list means the
# company runs no programs.
[]
# - id: onboarding
#   name: New-hire onboarding
#   type: onboarding             # onboarding | training | certification | coaching | ...
#   audience: [reps]             # reps | managers | channel | enablement
#   status: active               # planned | active | paused | retired
#   target_metrics: [win_rate, time_to_second_close_days]
#   vetted_with_sales: true
#   reinforcement: monthly       # none | monthly | quarterly | continuous
#   delivery: [live, recorded]   # live | recorded | virtual | self_paced
"""

ANSWERS = """#
# Self-assessment answers to the ruleset's questions; `enableframe ruleset show
# {ruleset_ref}` lists them with their types. A question not answered leaves the criteria
# reading it `unknown`.
[]
# - question: cso_agenda_known
#   answer: true
#   respondent: Head of enablement
#   date: "2026-01-15"
#   note: Quarterly meeting with the CRO since last year.
"""

ORGANISATION = """#
# Headcounts and reporting line: the enablement-to-seller ratio (Jefferson: 1 to 2 per
# 60 sellers) and "the closer to sales, the more impact". Keys left out are unknown.
{}
# enablement_headcount: 2        # full-time equivalents
# seller_headcount: 60           # quota carriers and their managers
# reporting_line: sales          # sales | marketing | product | hr | operations | other
# reports_to: CRO
"""

WAIVERS = """#
# Criteria the client agreed not to be assessed on, each with a reason, an approver and
# an expiry. After its expiry a waiver is reported as expired and no longer waives.
[]
# - criterion: channels_as_family
#   justification: No partner channel until the 2027 launch.
#   approver: CRO
#   expires: "2026-12-31"
"""
