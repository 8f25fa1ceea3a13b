"""Records: the plain dicts every command returns and ``-f json`` prints, built from the model.

The same dicts serve the library API (``Workspace`` methods return them), the machine formats and
the Rich tables. Keys are only ever added.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from operator import itemgetter
from typing import Any

from .model import Event, Group, Mark, Plan, Task
from .queries import (
    DONE_LATE,
    STATE_LABELS,
    Match,
    Pair,
    PairState,
    Progress,
    StatusLine,
    is_placeholder,
    on_time,
    units_text,
)
from .units import Directory, derived_aliases


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


def task_record(plan: Plan, match: Match) -> dict[str, Any]:
    task = match.task
    section = plan.section(task.section)
    prog = match.progress
    return {
        "id": task.id,
        "part": task.part or None,  # None: the table has no part level
        "part_title": plan.part(task.part).title,
        "section": task.section or None,  # None: the table has no headings at all
        "section_label": section.label,
        "section_title": section.title,
        "units": list(task.units),
        "requirement": task.requirement,
        "deadline": _iso(task.deadline.date),
        "deadline_text": task.deadline.text or None,  # None: the table gives no 完成时限 (ongoing)
        "relation": match.relation.kind if match.relation else None,
        "via": match.relation.via if match.relation else None,
        "status": prog.status if prog else None,
        "overdue": match.overdue,
        "unit_done": match.own_done,
        "responsible": list(prog.expected) if prog else None,
        "done_units": list(prog.done) if prog else None,
        "pending_units": list(prog.pending) if prog else None,
        "units_text": units_text(plan, task),
        # Timeliness on the day asked (--as-of): open (未到期) / overdue / done (按时完成) /
        # done_late (逾期完成) / ongoing (持续推进); on_time is null until every unit has finished.
        "state": match.state,
        "state_label": STATE_LABELS.get(match.state) if match.state else None,
        "on_time": on_time(match.state),
        # Per unit, compactly (a row can have 40 units; show N gives each one's part in full):
        # a unit in done_units finished on time unless it is in late_units.
        "late_units": list(match.late) if prog else None,
        "unit_state": mine.state if (mine := _own(match)) else None,
        "unit_on_time": on_time(mine.state) if mine else None,
        "for_units": [
            {
                "unit": m.unit,
                "relation": m.relation.kind,
                "via": m.relation.via,
                "done": m.state.done_on is not None if m.state else None,
                "state": m.state.state if m.state else None,
                "on_time": on_time(m.state.state) if m.state else None,
                "done_on": _iso(m.state.done_on) if m.state else None,
            }
            for m in match.mine
        ]
        if match.mine
        else None,
        "lead": list(task.lead),
        "topic": task.topic or None,
    }


def _own(match: Match) -> PairState | None:
    return match.mine[0].state if match.mine else None


def state_record(s: PairState) -> dict[str, Any]:
    return {
        "unit": s.unit,
        "via": s.via,
        "state": s.state,
        "state_label": STATE_LABELS[s.state],
        "on_time": on_time(s.state),
        "done_on": _iso(s.done_on),
    }


def progress_records(
    task_id: int, states: Sequence[PairState], marks: dict[tuple[int, str], Mark]
) -> list[dict[str, Any]]:
    """Each unit's part of a row with its current evidence and who marked it (``show``)."""
    out = []
    for s in states:
        record = state_record(s)
        mark = marks.get((task_id, s.unit))
        record.update(
            note=mark.note if mark else None,
            by=mark.by if mark else None,
            marked_at=mark.marked_at if mark else None,
        )
        out.append(record)
    return out


def current_mark_record(mark: Mark) -> dict[str, Any]:
    """A pair's mark as the row shows it: who, when done, the current evidence, the claim."""
    return {
        "unit": mark.unit,
        "done_on": mark.done_on.isoformat(),
        "note": mark.note,
        "by": mark.by,
        "marked_at": mark.marked_at,
        "claimed_under": mark.claimed_under,
        "changed_at": mark.changed_at,
        "changed_by": mark.changed_by,
    }


def marks_by_task(marks: Iterable[Mark]) -> dict[int, list[dict[str, Any]]]:
    """``current_mark_record`` of each mark, by row: the named units' marks in unit order, then the
    claims in unit order."""
    out: dict[int, list[dict[str, Any]]] = {}
    days: dict[dt.date, str] = {}  # 100,000 marks fall on a few hundred days: each written once
    named: list[Mark] = []
    claims: list[Mark] = []
    for mark in marks:
        (claims if mark.claimed_under else named).append(mark)
    by_row_and_unit = itemgetter(1, 2)  # task_id, unit: sorted in C, not by a key tuple per mark
    for group in (sorted(named, key=by_row_and_unit), sorted(claims, key=by_row_and_unit)):
        for _, task_id, unit, done_on, note, by, marked_at, claimed_under, changed_at, changed_by in group:
            day = days.get(done_on)
            if day is None:
                day = days[done_on] = done_on.isoformat()
            record = {
                "unit": unit,
                "done_on": day,
                "note": note,
                "by": by,
                "marked_at": marked_at,
                "claimed_under": claimed_under,
                "changed_at": changed_at,
                "changed_by": changed_by,
            }  # current_mark_record, inlined: this runs once per mark of the plan
            mine = out.get(task_id)
            if mine is None:
                out[task_id] = [record]
            else:
                mine.append(record)
    return out


def expansion_record(directory: Directory, name: str, group: Group | None) -> dict[str, Any]:
    if group is None:
        unit = directory.units[name]
        return {"name": name, "kind": unit.kind, "group": False, "open": False, "members": None}
    return {
        "name": name,
        "kind": "group",
        "group": True,
        "open": group.open,
        "members": list(group.members),
        "within": list(group.within),
        "note": group.note or None,
    }


def show_record(
    plan: Plan,
    directory: Directory,
    task: Task,
    states: tuple[PairState, ...] = (),
    state: str | None = None,
) -> dict[str, Any]:
    prog = (
        Progress(tuple(s.unit for s in states), tuple(s.unit for s in states if s.done_on))
        if states
        else None
    )
    late = tuple(s.unit for s in states if s.state == DONE_LATE)
    record = task_record(plan, Match(task, None, prog, None, state == "overdue", states, state, (), late))
    record["expanded"] = [expansion_record(directory, n, g) for n, g in directory.expand(task)]
    return record


def unit_records(plan: Plan, directory: Directory) -> dict[str, Any]:
    direct: dict[str, int] = {}
    for task in plan.tasks:
        for name in task.units:
            direct[name] = direct.get(name, 0) + 1
    units = [
        {
            "name": u.name,
            "kind": u.kind,
            "kind_label": u.kind_label,
            "full_name": u.full_name or None,
            "aliases": list(dict.fromkeys([*u.aliases, *derived_aliases(u)])),
            "groups": [g.name for g in directory.groups_of(u.name)],
            "direct_tasks": direct.get(u.name, 0),
            "note": u.note or None,
        }
        for u in plan.units
    ]
    groups = [
        {
            "name": g.name,
            "open": g.open,
            "members": list(g.members),
            "within": list(g.within),
            "aliases": list(g.aliases),
            "direct_tasks": direct.get(g.name, 0),
            "note": g.note or None,
        }
        for g in plan.groups
    ]
    return {"units": units, "groups": groups}


def event_records(events: Sequence[Event], zone: dt.tzinfo) -> list[dict[str, Any]]:
    out = []
    for e in events:
        local = dt.datetime.fromisoformat(e.at).astimezone(zone).strftime("%Y-%m-%d %H:%M:%S")
        out.append(
            {
                "seq": e.seq,
                "at": e.at,
                "at_local": local,
                "action": e.action,
                "task_id": e.task_id,
                "unit": e.unit,
                "done_on": _iso(e.done_on),
                "note": e.note,
                "by": e.by,
                "source": e.source,
                "plan": e.plan,
                "old_done_on": _iso(e.old_done_on),
                "old_note": e.old_note,
                "claimed_under": e.claimed_under,
                "choice": e.choice,
                "db_user": e.db_user,
            }
        )
    return out


def status_records(lines: Sequence[StatusLine]) -> list[dict[str, Any]]:
    return [
        {
            "key": s.key,
            "label": s.label,
            "rows": s.rows,
            "done": s.done,
            "partial": s.partial,
            "open": s.open,
            "overdue": s.overdue,
            "due_soon": s.due_soon,
            "done_parts": s.done_parts,
            "parts": s.parts,
            "progress": round(s.ratio, 4),
            "light": s.light,
            "done_on_time": s.done_on_time,  # of done: finished on or before the deadline (按时完成)
            "done_late": s.done_late,  # of done: finished after it (逾期完成)
            "placeholder": s.placeholder,  # an open-ended phrase to be claimed (待认领), not a unit
        }
        for s in lines
    ]


def pair_records(
    plan: Plan, pairs: Sequence[Pair], days_key: str, directory: Directory | None = None
) -> Iterator[dict[str, Any]]:
    # What every pair of one row shares, and whether a unit is a placeholder, each found once:
    # ``due`` at 10,000 rows has 70,000 pairs of 8,500 rows and 200 units. Each record is one
    # dict display (built at its final size), not a copy of the row's part grown key by key.
    common: dict[int, tuple[Any, ...]] = {}
    placeholders: dict[str, bool] = {}
    for task, unit, via, days in pairs:
        row = common.get(task.id)
        if row is None:
            section = plan.section(task.section)
            row = common[task.id] = (
                task.part or None,
                task.section or None,
                section.label,
                section.title,
                task.requirement,
                _iso(task.deadline.date),
                task.deadline.text or None,
            )
        placeholder = placeholders.get(unit)
        if placeholder is None:
            placeholder = placeholders[unit] = directory is not None and is_placeholder(directory, unit)
        part, number, label, title, requirement, deadline, deadline_text = row
        yield {
            "id": task.id,
            "unit": unit,
            "via": via,
            "part": part,
            "section": number,
            "section_label": label,
            "section_title": title,
            "requirement": requirement,
            "deadline": deadline,
            "deadline_text": deadline_text,
            days_key: days,
            "placeholder": placeholder,
        }


def plan_record(entry: Any, builtin: bool, current: bool) -> dict[str, Any]:
    """One plan as ``gongkai plans -f json`` prints it (``entry``: a plan.installed.InstalledPlan)."""
    return {
        "name": entry.name,
        "title": entry.title,
        "year": entry.year,
        "doc_number": entry.doc_number,
        "issuer": entry.issuer,
        "rows": entry.rows,
        "path": str(entry.path),
        "builtin": builtin,
        "current": current,
        "installed_at": entry.installed_at.isoformat(timespec="seconds") if entry.installed_at else None,
        "broken": entry.broken,
        "problem": entry.problem,
    }
