"""Merging a ruleset over the ones it extends, keeping where every value came from.

Sections that are lists of items with an ``id`` merge by id: a later file wins field by
field, ``remove: true`` drops an inherited item, new ids are appended. Mappings merge
deeply; scalars and other lists are replaced. Containers are :class:`YMap`/:class:`YList`,
whose positions survive the merge, so every resolved value still knows its file and line.
"""

from __future__ import annotations

from typing import Any

from enableframe.errors import Location, Problem, allowed_hint
from enableframe.yaml_loader import YList, YMap

ID_SECTIONS = ("levels", "dimensions", "questions", "metrics", "programs", "criteria")


def merge_documents(base: YMap, over: YMap, problems: list[Problem]) -> YMap:
    """``over`` applied on top of ``base``; neither is modified."""
    return _merge_map(base, over, problems, path="$", top=True)


def _merge_map(base: YMap, over: YMap, problems: list[Problem], path: str, top: bool) -> YMap:
    out = YMap(base, loc=over.loc)
    out.key_locs = dict(base.key_locs)
    out.value_locs = dict(base.value_locs)
    out.value_styles = dict(base.value_styles)
    for key, value in over.items():
        old = base.get(key)
        sub = f"{path}.{key}"
        if top and key in ID_SECTIONS and isinstance(old, YList) and isinstance(value, YList):
            out[key] = merge_items(old, value, problems, sub)
        elif isinstance(old, YMap) and isinstance(value, YMap):
            out[key] = _merge_map(old, value, problems, sub, top=False)
        else:
            out[key] = value
        out.key_locs[key] = over.key_locs[key]
        out.value_locs[key] = over.value_locs[key]
        out.value_styles[key] = over.value_styles.get(key)
    return out


def merge_items(base: YList, over: YList, problems: list[Problem], path: str) -> YList:
    """Merge two lists of ``{id: ...}`` items by id (see module docstring)."""
    out = YList(loc=over.loc)
    index: dict[Any, int] = {}
    for item, loc in zip(base, base.item_locs, strict=False):
        if isinstance(item, YMap) and "id" in item:
            index[item["id"]] = len(out)
        out.append(item)
        out.item_locs.append(loc)
    removed: set[int] = set()
    for item, loc in zip(over, over.item_locs, strict=False):
        if not (isinstance(item, YMap) and "id" in item):
            out.append(item)
            out.item_locs.append(loc)
            continue
        at = index.get(item["id"])
        if item.get("remove") is True:
            if at is None or at in removed:
                inherited = [str(i) for i, n in index.items() if n < len(base) and n not in removed]
                problems.append(Problem(
                    item.value_locs.get("remove", loc), f"{path}[id={item['id']}]",
                    f"remove: no inherited item with id '{item['id']}' to remove; "
                    + allowed_hint(str(item["id"]), inherited),
                ))
            else:
                removed.add(at)
            continue
        if at is None:
            index[item["id"]] = len(out)
            out.append(item)
            out.item_locs.append(loc)
        else:
            out[at] = _merge_map(out[at], item, problems, f"{path}[id={item['id']}]", top=False)
    if removed:
        pairs = enumerate(zip(out, out.item_locs, strict=True))
        kept = [(i, loc) for n, (i, loc) in pairs if n not in removed]
        result = YList((i for i, _ in kept), loc=out.loc)
        result.item_locs = [loc for _, loc in kept]
        return result
    return out


def duplicate_ids(doc: YMap) -> list[Problem]:
    """Items of one file that repeat an id (merging would hide the first)."""
    problems = []
    for section in ID_SECTIONS:
        items = doc.get(section)
        if not isinstance(items, YList):
            continue
        seen: dict[Any, Location] = {}
        for n, (item, loc) in enumerate(zip(items, items.item_locs, strict=False)):
            if not isinstance(item, YMap) or "id" not in item:
                continue
            item_id = item["id"]
            if item_id in seen:
                first = seen[item_id]
                problems.append(Problem(
                    item.value_locs.get("id", loc), f"$.{section}[{n}].id",
                    f"duplicate id '{item_id}' (first at {first.file}:{first.line}); "
                    "ids must be unique within a section",
                ))
            else:
                seen[item_id] = item.value_locs.get("id", loc)
    return problems
