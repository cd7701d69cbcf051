"""``enableframe diff A B``: what changed between two assessments, and why.

Every change carries its **cause**, so a score never moves unexplained:

- **data**: the same rule read different facts (a new export, a new period, a changed
  answer or charter). Shown with the facts that moved (``win_rate 50.0% -> 20.0%``).
- **ruleset**: the ruleset or its overlay changed what is asked (a criterion's ``when`` or
  ``params``, a criterion added or removed, moved to another level, a metric's definition,
  the scoring). Criteria definitions come from the result's ``ruleset.criteria_definitions``.
- **waiver**: a waiver started, expired or was withdrawn.

When a criterion's rule *and* its facts both changed, each is tried alone (the new rule on
the old facts, the old rule on the new facts, through CEL as the engine does); a cause that
alone would not have flipped it goes to ``also_changed`` instead of ``causes``.

Runs made with different rulesets are flagged: a metric whose definition changed, or a
level whose criteria or scoring changed, is marked not like for like.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from enableframe.errors import UserError

DATA, RULESET, WAIVER, UNEXPLAINED = "data", "ruleset", "waiver", "unexplained"
CAUSES = (DATA, RULESET, WAIVER, UNEXPLAINED)
_IDENT = re.compile(r"[A-Za-z_]\w*")


@dataclass(frozen=True)
class Side:
    """One side of a diff: a stored run or a result file."""

    ref: str
    result: dict[str, Any]
    run: int | None = None
    input_digests: dict[str, Any] | None = None


# -- what the assessment records for diffs -----------------------------------------------------

def criteria_definitions(ruleset: Any) -> dict[str, dict[str, Any]]:
    """Per criterion what decides its status and where it counts, for the result's
    ``ruleset.criteria_definitions``: a diff tells a moved threshold from moved data."""
    from enableframe.yaml_loader import to_plain

    out = {}
    for cid, spec in ruleset.criteria.items():
        out[cid] = {"when": " ".join(str(spec["when"]).split()),
                    "params": to_plain(spec.get("params", {})),
                    "level": int(spec["level"]), "dimension": spec["dimension"],
                    "required": bool(spec.get("required", True)),
                    "weight": float(spec.get("weight", 1))}
    return out


# -- references --------------------------------------------------------------------------------

def resolve(ref: str) -> Side:
    """``WORKSPACE@ID``, ``WORKSPACE@latest``, ``WORKSPACE@previous`` or a JSON result file."""
    from enableframe import history
    from enableframe.workspace import find_workspace_file

    path = Path(ref)
    if path.is_file() and path.name != "enableframe.yaml":
        return Side(ref=ref, result=_read_result(path))
    if "@" in ref:
        where, selector = ref.rsplit("@", 1)
        root = find_workspace_file(where or ".").parent
        run = history.load_run(root, selector or "latest")
        return Side(ref=f"{where}@{run.id}", result=run.result or {}, run=run.id,
                    input_digests=run.input_digests)
    if path.exists():
        raise UserError(f"{ref} is a workspace: name one of its runs, e.g. {ref}@latest, "
                        f"{ref}@previous or {ref}@ID (see `enableframe history {ref}`)")
    raise UserError(f"{ref}: no such file; expected WORKSPACE@ID, WORKSPACE@latest, "
                    "WORKSPACE@previous or a JSON result (enableframe assess --format json)")


def _read_result(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text("utf-8"))
    except OSError as exc:
        raise UserError(f"cannot read {path}: {exc.strerror}") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UserError(f"{path} is not JSON: {exc}") from None
    needed = ("ruleset", "period", "overall", "dimensions", "criteria", "metrics")
    if not isinstance(data, dict) or any(k not in data for k in needed):
        raise UserError(f"{path} is not an assessment result (enableframe assess "
                        "--format json); it lacks " + ", ".join(
                            k for k in needed if not isinstance(data, dict) or k not in data))
    return data


def diff_refs(a: str, b: str) -> dict[str, Any]:
    """The library function behind ``enableframe diff A B``."""
    return compare(resolve(a), resolve(b))


# -- the comparison ----------------------------------------------------------------------------

def compare(a: Side, b: Side) -> dict[str, Any]:
    """Everything that changed from ``a`` to ``b``, each change with its causes."""
    ra, rb = a.result, b.result
    ctx = _Context(a, b)
    criteria = ctx.criteria()
    dimensions = ctx.dimensions(criteria)
    changed_dims = [d for d in dimensions if d["change"] != "same"]
    overall_causes = _merge([c for d in changed_dims for c in d["causes"]]
                            + ctx.scoring_causes(overall=True))
    la, lb = ra["overall"]["level"], rb["overall"]["level"]
    metrics = ctx.metrics()
    counts = dict.fromkeys(CAUSES, 0)
    for item in criteria + metrics:
        for cause in {c["cause"] for c in item["causes"]}:
            counts[cause] += 1
    return {
        "a": _describe(a), "b": _describe(b),
        "comparable": ctx.comparable(),
        "inputs_changed": ctx.inputs_changed,
        "ruleset_changes": ctx.ruleset_changes(),
        "waiver_changes": ctx.waiver_changes,
        "overall": {"from": la, "to": lb, "change": _direction(la, lb),
                    "causes": overall_causes if la != lb else [],
                    "like_for_like": all(d["like_for_like"] for d in dimensions)
                    and not ctx.scoring_causes(overall=True)},
        "dimensions": dimensions,
        "criteria": criteria,
        "metrics": metrics,
        "changes_by_cause": counts,
    }


def _describe(side: Side) -> dict[str, Any]:
    r = side.result
    return {"ref": side.ref, "run": side.run, "client": r.get("client"),
            "assessed_on": r.get("assessed_on"), "period": r["period"],
            "ruleset": {k: r["ruleset"].get(k) for k in ("name", "version", "digest")},
            "overall_level": r["overall"]["level"]}


def _direction(x: Any, y: Any) -> str:
    if x == y:
        return "same"
    if x is None:
        return "added"
    if y is None:
        return "removed"
    return "up" if y > x else "down"


def _merge(causes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One entry per cause, the criteria or details behind it joined."""
    out: dict[str, dict[str, Any]] = {}
    for c in causes:
        entry = out.setdefault(c["cause"], {"cause": c["cause"], "criteria": [], "details": []})
        for cid in c.get("criteria", []):
            if cid not in entry["criteria"]:
                entry["criteria"].append(cid)
        detail = c.get("detail")
        if detail and detail not in entry["details"]:
            entry["details"].append(detail)
    return [out[k] for k in CAUSES if k in out]


class _Context:
    def __init__(self, a: Side, b: Side) -> None:
        self.a, self.b = a, b
        self.ra, self.rb = a.result, b.result
        self.defs_a = self.ra["ruleset"].get("criteria_definitions")
        self.defs_b = self.rb["ruleset"].get("criteria_definitions")
        self.same_rules = self.ra["ruleset"].get("digest") == self.rb["ruleset"].get("digest")
        self.units = {m["id"]: m.get("unit") for m in self.ra["metrics"] + self.rb["metrics"]}
        self.inputs_changed = self._inputs_changed()
        self.waiver_changes = self._waiver_changes()
        self.period_changed = self.ra["period"]["label"] != self.rb["period"]["label"] \
            or self.ra["period"]["start"] != self.rb["period"]["start"]

    # -- ruleset ----------------------------------------------------------------------------

    def comparable(self) -> dict[str, Any]:
        rsa, rsb = self.ra["ruleset"], self.rb["ruleset"]
        notes = []
        if self.same_rules:
            status = "same"
        elif rsa["name"] == rsb["name"] or (
                rsa.get("chain") and rsa.get("chain", [None])[0] == rsb.get("chain", [None])[0]):
            status = "changed"
            notes.append(f"ruleset changed ({rsa['name']} {rsa['version']} -> {rsb['name']} "
                         f"{rsb['version']}, digest {rsa['digest'][:15]} -> "
                         f"{rsb['digest'][:15]}): changes caused by it are marked "
                         "'ruleset'; levels and metrics it touched are not like for like")
        else:
            status = "different"
            notes.append(f"different rulesets ({rsa['name']} -> {rsb['name']}): levels are "
                         "not comparable; metrics are compared where their definitions match")
        if not self.same_rules and (self.defs_a is None or self.defs_b is None):
            notes.append("a result lacks ruleset.criteria_definitions (made by an older "
                         "enableframe): a rule change and a data change cannot be told apart "
                         "for its criteria")
        period = "same" if not self.period_changed else "different"
        if self.period_changed:
            notes.append(f"different periods ({self.ra['period']['label']} -> "
                         f"{self.rb['period']['label']}): metric movements include the "
                         "change of period")
        return {"ruleset": status, "period": period, "notes": notes}

    def _different_rulesets(self) -> bool:
        return self.comparable()["ruleset"] == "different"

    def _def_changes(self, cid: str) -> list[str]:
        """How criterion ``cid``'s definition changed, as ``field a -> b`` texts."""
        if self.defs_a is None or self.defs_b is None:
            return []
        da, db = self.defs_a.get(cid), self.defs_b.get(cid)
        if da is None or db is None:
            return []
        out = []
        if da["when"] != db["when"]:
            out.append(f"when: {da['when']!r} -> {db['when']!r}")
        for key in sorted(set(da["params"]) | set(db["params"])):
            x, y = da["params"].get(key), db["params"].get(key)
            if x != y:
                out.append(f"params.{key} {_plain(x)} -> {_plain(y)}")
        for key in ("level", "dimension", "required", "weight"):
            if da.get(key) != db.get(key):
                out.append(f"{key} {_plain(da.get(key))} -> {_plain(db.get(key))}")
        return out

    def ruleset_changes(self) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        if self.same_rules:
            return out
        ca = {c["id"] for c in self.ra["criteria"]}
        cb = {c["id"] for c in self.rb["criteria"]}
        for cid in [c["id"] for c in self.rb["criteria"]] + [c["id"] for c in
                                                               self.ra["criteria"]]:
            if cid in cb and cid not in ca:
                out.append({"criterion": cid, "change": "added", "fields": []})
            elif cid in ca and cid not in cb:
                out.append({"criterion": cid, "change": "removed", "fields": []})
            elif cid in ca and cid in cb and (fields := self._def_changes(cid)):
                out.append({"criterion": cid, "change": "changed", "fields": fields})
        seen = set()
        out = [c for c in out if not (c["criterion"] in seen or seen.add(c["criterion"]))]
        ma = {m["id"]: m.get("definition") for m in self.ra["metrics"]}
        mb = {m["id"]: m.get("definition") for m in self.rb["metrics"]}
        for mid in list(mb) + [m for m in ma if m not in mb]:
            if mid not in ma or mid not in mb:
                out.append({"metric": mid, "change": "added" if mid in mb else "removed",
                            "fields": []})
            elif ma[mid] != mb[mid]:
                out.append({"metric": mid, "change": "changed",
                            "fields": _dict_changes(ma[mid] or {}, mb[mid] or {})})
        sa, sb = self.ra["ruleset"].get("scoring"), self.rb["ruleset"].get("scoring")
        if sa is not None and sb is not None and sa != sb:
            out.append({"scoring": True, "change": "changed", "fields": _dict_changes(sa, sb)})
        return out

    def scoring_causes(self, *, overall: bool = False) -> list[dict[str, Any]]:
        sa, sb = self.ra["ruleset"].get("scoring"), self.rb["ruleset"].get("scoring")
        if sa is None or sb is None or sa == sb:
            return []
        fields = _dict_changes(sa, sb)
        if overall:
            fields = [f for f in fields if f.startswith("overall")]
        else:
            fields = [f for f in fields if not f.startswith("overall")]
        return [{"cause": RULESET, "detail": f"scoring {f}"} for f in fields]

    # -- inputs and waivers -----------------------------------------------------------------

    def _digests(self, side: Side) -> dict[str, str]:
        digests = side.input_digests or {
            "sources": {s["table"]: s["digest"] for s in side.result["inputs"]["sources"]}}
        return {f"{group}.{k}": v for group, items in digests.items() for k, v in items.items()}

    def _inputs_changed(self) -> list[dict[str, Any]]:
        da, db = self._digests(self.a), self._digests(self.b)
        out = []
        for key in list(db) + [k for k in da if k not in db]:
            if da.get(key) != db.get(key):
                out.append({"input": key, "change": "changed" if key in da and key in db
                            else "added" if key in db else "removed"})
        return out

    def _source_changed(self, tables: set[str]) -> list[str]:
        changed = {c["input"].split(".", 1)[1] for c in self.inputs_changed
                   if c["input"].startswith("sources.")}
        return sorted(changed & tables)

    def _waiver_changes(self) -> list[dict[str, Any]]:
        wa = {w["criterion"]: w for w in self.ra["waivers"]["active"]}
        wb = {w["criterion"]: w for w in self.rb["waivers"]["active"]}
        expired = {w["criterion"]: w for w in self.rb["waivers"]["expired"]}
        out = []
        for cid, w in wb.items():
            if cid not in wa:
                out.append({"criterion": cid, "change": "started", "waiver": w})
            elif wa[cid].get("expires") != w.get("expires"):
                out.append({"criterion": cid, "change": "extended", "waiver": w})
        for cid, w in wa.items():
            if cid not in wb:
                out.append({"criterion": cid, "change": "expired" if cid in expired
                            else "withdrawn", "waiver": expired.get(cid, w)})
        return out

    # -- criteria ---------------------------------------------------------------------------

    def criteria(self) -> list[dict[str, Any]]:
        ca = {c["id"]: c for c in self.ra["criteria"]}
        cb = {c["id"]: c for c in self.rb["criteria"]}
        out = []
        for cid in list(cb) + [c for c in ca if c not in cb]:
            x, y = ca.get(cid), cb.get(cid)
            if x is not None and y is not None and x["status"] == y["status"]:
                continue
            ref = y or x
            entry = {"id": cid, "name": ref["name"], "dimension": ref["dimension"],
                     "level": ref["level"], "from": x["status"] if x else None,
                     "to": y["status"] if y else None}
            if x is None:
                causes = [{"cause": RULESET, "detail": "criterion added by the ruleset or "
                                                      "its overlay"}]
                also: list[dict[str, Any]] = []
            elif y is None:
                causes = [{"cause": RULESET, "detail": "criterion removed by the ruleset or "
                                                      "its overlay"}]
                also = []
            else:
                causes, also = self._criterion_causes(x, y)
            entry["causes"] = causes
            entry["also_changed"] = also
            entry["dimension_from"] = x["dimension"] if x else None
            out.append(entry)
        return out

    def _criterion_causes(self, x: Mapping[str, Any], y: Mapping[str, Any]
                          ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        cid = x["id"]
        waived_a, waived_b = x["status"] == "waived", y["status"] == "waived"
        if waived_a != waived_b:
            change = next((w for w in self.waiver_changes if w["criterion"] == cid), None)
            w = (change or {}).get("waiver") or y.get("waiver") or x.get("waiver") or {}
            how = change["change"] if change else ("started" if waived_b else "ended")
            detail = f"waiver {how}"
            if w:
                detail += (f" (approved by {w.get('approver', '?')}, "
                           f"{'expired' if how == 'expired' else 'until'} {w.get('expires')}"
                           f": {w.get('justification', '')})")
            return [{"cause": WAIVER, "detail": detail}], []
        rule = self._def_changes(cid)
        params = set()
        if self.defs_a and cid in self.defs_a:
            params |= set(self.defs_a[cid]["params"])
        if self.defs_b and cid in self.defs_b:
            params |= set(self.defs_b[cid]["params"])
        ea, eb = x.get("evidence") or {}, y.get("evidence") or {}
        facts = [n for n in sorted(set(ea) | set(eb)) if n not in params
                 and ea.get(n) != eb.get(n)]
        if not rule and not facts and not self.same_rules and (
                self.defs_a is None or self.defs_b is None):
            changed = [n for n in sorted(set(ea) | set(eb)) if ea.get(n) != eb.get(n)]
            return [{"cause": RULESET, "detail": "the ruleset changed and this result does "
                     "not record criteria definitions: " + _facts_text(changed, ea, eb,
                                                                       self.units)},
                    {"cause": DATA, "detail": "or the data changed"}], []
        data_cause = {"cause": DATA, "detail": _facts_text(facts, ea, eb, self.units)
                      or (x.get("reason") or y.get("reason") or "")}
        rule_cause = {"cause": RULESET, "detail": "; ".join(rule)}
        if rule and facts:
            ua = x.get("original_status") or x["status"]
            ub = y.get("original_status") or y["status"]
            rule_alone = self._evaluate(cid, "b", ea, ua)  # new rule, old facts
            data_alone = self._evaluate(cid, "a", eb, ub)  # old rule, new facts
            if rule_alone == ub and data_alone == ua:
                return [rule_cause], [{**data_cause, "detail": data_cause["detail"]
                                       + " (alone it would not have changed the status)"}]
            if data_alone == ub and rule_alone == ua:
                return [data_cause], [{**rule_cause, "detail": rule_cause["detail"]
                                       + " (alone it would not have changed the status)"}]
            return [rule_cause, data_cause], []
        if rule:
            return [rule_cause], []
        if facts:
            return [data_cause], []
        if x.get("reason") != y.get("reason"):
            return [{"cause": DATA, "detail": f"{x.get('reason') or x['status']} -> "
                     f"{y.get('reason') or y['status']}"}], []
        return [{"cause": UNEXPLAINED, "detail": "neither its rule, its facts nor a waiver "
                 "changed"}], []

    def _evaluate(self, cid: str, rule_side: str, evidence: Mapping[str, Any],
                  facts_status: str) -> str | None:
        """Status of criterion ``cid`` under one side's rule and the facts of a run whose
        status was ``facts_status``; None when it cannot be recomputed (a summarised fact)."""
        defs = self.defs_a if rule_side == "a" else self.defs_b
        if not defs or cid not in defs:
            return None
        spec = defs[cid]
        try:
            from enableframe.conditions import compile_condition

            condition = compile_condition(spec["when"])
            context = {}
            for name in condition.names:
                value = spec["params"][name] if name in spec["params"] else evidence.get(name)
                if value is None and facts_status == "unknown":
                    return "unknown"  # a missing fact (a present one may be null too)
                context[name] = _cel_value(value)
            outcome = condition.program.execute(context)
        except Exception:  # any failure means "cannot tell", never a crash
            return None
        return "pass" if outcome is True else "fail" if outcome is False else None

    # -- dimensions -------------------------------------------------------------------------

    def dimensions(self, criteria: list[dict[str, Any]]) -> list[dict[str, Any]]:
        da = {d["id"]: d for d in self.ra["dimensions"]}
        db = {d["id"]: d for d in self.rb["dimensions"]}
        different = self._different_rulesets()
        structural = self._structural_changes()
        scoring = self.scoring_causes()
        out = []
        for did in list(db) + [d for d in da if d not in db]:
            x, y = da.get(did), db.get(did)
            la, lb = (x or {}).get("level"), (y or {}).get("level")
            mine = [c for c in criteria if did in (c["dimension"], c["dimension_from"])]
            moved = [s for s in structural if did in s["dimensions"]]
            causes = _merge([{**cause, "criteria": [c["id"]]} for c in mine
                             for cause in c["causes"]]
                            + [{"cause": RULESET, "criteria": [s["criterion"]],
                                "detail": f"{s['criterion']}: {s['detail']}"} for s in moved]
                            + scoring)
            like = x is not None and y is not None and not different and not moved \
                and not scoring and not any(c for c in mine if any(
                    k["cause"] == RULESET for k in c["causes"] + c["also_changed"]))
            entry = {"id": did, "name": (y or x)["name"], "from": la, "to": lb,
                     "change": _direction(la, lb), "like_for_like": like,
                     "criteria_flipped": [c["id"] for c in mine],
                     "causes": causes if la != lb else []}
            if la != lb and not causes:
                entry["causes"] = [{"cause": UNEXPLAINED, "criteria": [], "details": [
                    "no criterion of this dimension changed status"]}]
            out.append(entry)
        return out

    def _structural_changes(self) -> list[dict[str, Any]]:
        """Criteria whose level, dimension, required flag or weight changed: they change
        what a level means even when no status flips."""
        if self.same_rules or self.defs_a is None or self.defs_b is None:
            return []
        out = []
        for cid in set(self.defs_a) & set(self.defs_b):
            da, db = self.defs_a[cid], self.defs_b[cid]
            fields = [f"{k} {_plain(da.get(k))} -> {_plain(db.get(k))}"
                      for k in ("level", "dimension", "required", "weight")
                      if da.get(k) != db.get(k)]
            if fields:
                out.append({"criterion": cid, "detail": "; ".join(fields),
                            "dimensions": {da["dimension"], db["dimension"]}})
        return sorted(out, key=lambda s: s["criterion"])

    # -- metrics ----------------------------------------------------------------------------

    def metrics(self) -> list[dict[str, Any]]:
        ma = {m["id"]: m for m in self.ra["metrics"]}
        mb = {m["id"]: m for m in self.rb["metrics"]}
        out = []
        for mid in list(mb) + [m for m in ma if m not in mb]:
            x, y = ma.get(mid), mb.get(mid)
            va, vb = (x or {}).get("value"), (y or {}).get("value")
            if x is not None and y is not None and _same_number(va, vb):
                continue
            ref = y or x
            better = (ref.get("definition") or {}).get("better", "higher")
            if va is None or vb is None:
                direction = "became unknown" if vb is None else "became known"
            else:
                up = vb > va
                direction = "better" if up == (better == "higher") else "worse"
            causes = self._metric_causes(mid, ma, mb) if x and y else [{
                "cause": RULESET, "detail": f"metric {'added' if y else 'removed'} by the "
                                            "ruleset or its overlay"}]
            like = bool(x and y) and not self._metric_defs_changed(mid, ma, mb)
            out.append({"id": mid, "name": ref["name"], "cso_key": bool(ref.get("cso_key")),
                        "unit": ref.get("unit"), "better": better, "from": va, "to": vb,
                        "change": None if va is None or vb is None else vb - va,
                        "direction": direction, "like_for_like": like, "causes": causes,
                        "reason": (y or {}).get("reason", "") if vb is None else ""})
        out.sort(key=lambda m: not m["cso_key"])
        return out

    def _refs(self, mid: str, metrics: Mapping[str, Any]) -> set[str]:
        """The metric and every metric its formula reads, transitively."""
        seen, todo = set(), [mid]
        while todo:
            m = todo.pop()
            if m in seen or m not in metrics:
                continue
            seen.add(m)
            expression = (metrics[m].get("definition") or {}).get("expression")
            if expression:
                todo += [n for n in _IDENT.findall(str(expression)) if n in metrics]
        return seen

    def _metric_defs_changed(self, mid: str, ma: Mapping, mb: Mapping) -> list[str]:
        return sorted(m for m in self._refs(mid, mb) | self._refs(mid, ma)
                      if (ma.get(m) or {}).get("definition") != (mb.get(m) or {}).get(
                          "definition"))

    def _metric_causes(self, mid: str, ma: Mapping, mb: Mapping) -> list[dict[str, Any]]:
        causes = []
        changed = self._metric_defs_changed(mid, ma, mb)
        if changed:
            details = []
            for m in changed:
                fields = _dict_changes((ma.get(m) or {}).get("definition") or {},
                                       (mb.get(m) or {}).get("definition") or {})
                details.append((f"{m}: " if m != mid else "definition: ") + "; ".join(fields))
            causes.append({"cause": RULESET, "detail": "; ".join(details)})
        if self.period_changed:
            causes.append({"cause": DATA, "detail": f"period {self.ra['period']['label']} -> "
                                                    f"{self.rb['period']['label']}"})
        tables = {t for m in self._refs(mid, mb) | self._refs(mid, ma)
                  for t in (mb.get(m) or ma.get(m) or {}).get("tables", [])}
        sources = self._source_changed(tables)
        if sources:
            causes.append({"cause": DATA, "detail": ", ".join(sources) + " changed"})
        elif not self.period_changed and not tables and any(
                c["input"].startswith("sources.") for c in self.inputs_changed):
            causes.append({"cause": DATA, "detail": "data changed"})
        if not causes:
            y = mb.get(mid) or {}
            causes.append({"cause": UNEXPLAINED, "detail": y.get("reason")
                           or "its definition, period and sources are unchanged"})
        return causes


# -- helpers -------------------------------------------------------------------------------------

def _same_number(x: Any, y: Any) -> bool:
    if x is None or y is None:
        return x is y
    return abs(x - y) <= 1e-9 * max(1.0, abs(x), abs(y))


def _cel_value(value: Any) -> Any:
    """As the engine passes facts to CEL: every number a double."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, Mapping):
        return {k: _cel_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_cel_value(v) for v in value]
    return value


def _plain(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    if value is None:
        return "none"
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True)
    return str(value)


def _dict_changes(a: Mapping[str, Any], b: Mapping[str, Any], prefix: str = "") -> list[str]:
    out = []
    for key in list(b) + [k for k in a if k not in b]:
        x, y = a.get(key), b.get(key)
        if x == y:
            continue
        if isinstance(x, Mapping) and isinstance(y, Mapping):
            out += _dict_changes(x, y, f"{prefix}{key}.")
        else:
            out.append(f"{prefix}{key} {_plain(x)} -> {_plain(y)}")
    return out


def fmt_value(value: Any, unit: str | None) -> str:
    """A metric value as reports show it; other facts as they are."""
    from enableframe.formatting import format_value

    if isinstance(value, bool) or not isinstance(value, int | float | None):
        return _plain(value)
    return format_value(value, unit)


def _facts_text(names: list[str], ea: Mapping[str, Any], eb: Mapping[str, Any],
                units: Mapping[str, Any]) -> str:
    parts = []
    for name in names:
        x, y = ea.get(name), eb.get(name)
        if isinstance(x, Mapping) and isinstance(y, Mapping):
            inner = _dict_changes(x, y)
            parts += [f"{name}.{c}" for c in inner[:3]]
            if len(inner) > 3:
                parts.append(f"{name}: {len(inner) - 3} more fields")
        elif isinstance(x, list) or isinstance(y, list):
            parts.append(f"{name} changed")
        else:
            unit = units.get(name)
            parts.append(f"{name} {fmt_value(x, unit)} -> {fmt_value(y, unit)}")
    return "; ".join(parts)


# -- text ------------------------------------------------------------------------------------

def _causes_text(causes: list[dict[str, Any]]) -> str:
    out = []
    for c in causes:
        label = "ruleset/overlay" if c["cause"] == RULESET else c["cause"]
        detail = c.get("detail") or "; ".join(c.get("details", [])) or ", ".join(
            c.get("criteria", []))
        out.append(f"{label}: {detail}" if detail else label)
    return " | ".join(out)


def render_text(d: dict[str, Any]) -> str:
    a, b = d["a"], d["b"]
    lines = [f"{a['ref']} ({a['period']['label']}, assessed {a['assessed_on']}, "
             f"{a['ruleset']['name']} {a['ruleset']['version']})",
             f"  -> {b['ref']} ({b['period']['label']}, assessed {b['assessed_on']}, "
             f"{b['ruleset']['name']} {b['ruleset']['version']})"]
    comp = d["comparable"]
    lines += [f"Ruleset: {comp['ruleset']}"] + [f"  note: {n}" for n in comp["notes"]]
    if d["inputs_changed"]:
        lines.append("Inputs changed: " + ", ".join(
            f"{c['input']} ({c['change']})" for c in d["inputs_changed"]))
    if d["ruleset_changes"]:
        lines.append("Ruleset changes:")
        for c in d["ruleset_changes"]:
            what = (f"criterion {c['criterion']}" if "criterion" in c else
                    f"metric {c['metric']}" if "metric" in c else "scoring")
            lines.append(f"  {what} {c['change']}" + (f": {'; '.join(c['fields'])}"
                                                      if c["fields"] else ""))
    if d["waiver_changes"]:
        lines.append("Waivers:")
        for w in d["waiver_changes"]:
            lines.append(f"  {w['criterion']}: {w['change']} (expires "
                         f"{w['waiver'].get('expires')})")
    o = d["overall"]
    lines.append("")
    if o["change"] == "same":
        lines.append(f"Overall: level {o['to']} (unchanged)")
    else:
        lines.append(f"Overall: level {o['from']} -> {o['to']} ({o['change']})"
                     + ("" if o["like_for_like"] else "  [not like for like]"))
        lines.append(f"  because {_causes_text(o['causes'])}")
    lines.append("")
    lines.append("Levels by dimension")
    for dim in d["dimensions"]:
        if dim["change"] == "same":
            n = len(dim["criteria_flipped"])
            flips = f", {n} {'criterion' if n == 1 else 'criteria'} flipped" if n else ""
            lines.append(f"  {dim['name']:<26} level {dim['to']} (unchanged{flips})")
            continue
        flag = "" if dim["like_for_like"] else "  [not like for like]"
        lines.append(f"  {dim['name']:<26} level {_plain(dim['from'])} -> {_plain(dim['to'])}"
                     f" ({dim['change']}){flag}")
        for c in dim["causes"]:
            label = "ruleset/overlay" if c["cause"] == RULESET else c["cause"]
            lines.append(f"      {label}: {', '.join(c['criteria']) or '; '.join(c['details'])}")
    lines.append("")
    if d["criteria"]:
        lines.append("Criteria that flipped")
        for c in d["criteria"]:
            lines.append(f"  {c['id']}: {_plain(c['from'])} -> {_plain(c['to'])}")
            lines.append(f"      {_causes_text(c['causes'])}")
            for also in c["also_changed"]:
                lines.append(f"      also changed, {_causes_text([also])}")
    else:
        lines.append("Criteria that flipped: none")
    lines.append("")
    if d["metrics"]:
        lines.append("Metrics that moved")
        for m in d["metrics"]:
            flag = "" if m["like_for_like"] else "  [definition changed: not like for like]"
            key = "[CSO] " if m["cso_key"] else ""
            lines.append(f"  {key}{m['name']}: {fmt_value(m['from'], m['unit'])} -> "
                         f"{fmt_value(m['to'], m['unit'])} ({m['direction']}){flag}")
            lines.append(f"      {_causes_text(m['causes'])}")
    else:
        lines.append("Metrics that moved: none")
    counts = {k: v for k, v in d["changes_by_cause"].items() if v}
    if counts:
        lines.append("")
        lines.append("Changes by cause: " + ", ".join(
            f"{'ruleset/overlay' if k == RULESET else k} {v}" for k, v in counts.items()))
    return "\n".join(lines) + "\n"
