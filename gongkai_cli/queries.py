"""Pure functions over a plan: parsing section/part references, filtering tasks."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from .errors import UsageError
from .model import Group, Plan, Task, Unit
from .text import cn_numeral, normalize, parse_cn_numeral
from .units import POSSIBLE, Directory, Relation


def parse_section_ref(plan: Plan, text: str) -> int:
    """``五``, ``5``, ``(五)``, ``（五）``, ``第五`` -> section number 5 (must exist in the plan)."""
    number = _parse_ordinal(text, r"^第?\(?([^()]+?)\)?(?:项)?$")
    known = [s.number for s in plan.sections]
    if number is None or number not in known:
        choices = f"(一)至({cn_numeral(max(known))})" if known else "无"
        raise UsageError(f"没有这个工作任务：{text!r}（本计划有 {choices}，可写 五、5 或 (五)）")
    return number


def parse_part_ref(plan: Plan, text: str) -> int:
    """``三``, ``3``, ``三、``, ``第三部分`` -> part number 3 (must exist in the plan)."""
    number = _parse_ordinal(text, r"^第?([^、.]+?)(?:部分)?[、.]?$")
    known = [p.number for p in plan.parts]
    if number is None or number not in known:
        choices = f"一至{cn_numeral(max(known))}" if known else "无"
        raise UsageError(f"没有这个部分：{text!r}（本计划有 {choices}，可写 三 或 3）")
    return number


def _parse_ordinal(text: str, pattern: str) -> int | None:
    m = re.match(pattern, normalize(text))
    return parse_cn_numeral(m.group(1)) if m else None


@dataclass(frozen=True)
class TaskFilter:
    who: Unit | Group | None = None
    include_possible: bool = False
    section: int | None = None
    part: int | None = None
    due_by: dt.date | None = None
    search: str | None = None


@dataclass(frozen=True)
class Match:
    task: Task
    relation: Relation | None  # why the row is on the unit's list, when filtering by unit


def select_tasks(plan: Plan, directory: Directory, flt: TaskFilter) -> list[Match]:
    """The rows that pass every filter, in document order."""
    words = [normalize(w).casefold() for w in (flt.search or "").split() if w]
    out: list[Match] = []
    for task in plan.tasks:
        if flt.section is not None and task.section != flt.section:
            continue
        if flt.part is not None and task.part != flt.part:
            continue
        if flt.due_by is not None and (task.deadline.date is None or task.deadline.date > flt.due_by):
            continue
        if words and not _matches_words(plan, task, words):
            continue
        relation = None
        if flt.who is not None:
            relation = directory.relation(flt.who, task)
            if relation is None or (relation.kind == POSSIBLE and not flt.include_possible):
                continue
        out.append(Match(task, relation))
    return out


def _matches_words(plan: Plan, task: Task, words: list[str]) -> bool:
    haystack = normalize(
        " ".join(
            (task.requirement, plan.section(task.section).title, plan.part(task.part).title, *task.units)
        )
    ).casefold()
    return all(w in haystack for w in words)


def possible_count(plan: Plan, directory: Directory, flt: TaskFilter) -> int:
    """How many extra rows ``--possible`` would add (to tell the user they exist)."""
    if flt.who is None or flt.include_possible:
        return 0
    wider = TaskFilter(**{**flt.__dict__, "include_possible": True})
    return sum(1 for m in select_tasks(plan, directory, wider) if m.relation and m.relation.kind == POSSIBLE)
