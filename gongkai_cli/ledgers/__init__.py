"""Ledgers for reporting upward: XLSX 台账, an ICS deadline calendar, an HTML page, a Markdown report,
and the 分解表 itself as a Word document in its official layout (docx.py).

This module builds the ledger (its rows and summaries); one module per format writes it.

Every export is built whole in memory from the plan and the marks, then written atomically by the CLI.
Text from the plan and from notes is data in every format: never a spreadsheet formula, never markup.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from ..model import Group, Mark, Plan, Task, Unit
from ..queries import (
    DONE_LATE,
    STATE_LABELS,
    PairState,
    StatusLine,
    TaskFilter,
    on_time,
    responsible_pairs,
    select_tasks,
    status_lines,
    task_states,
    units_text,
)
from ..units import Directory

STATUS_WORDS = {"done": "已完成", "partial": "部分完成", "open": "未开始"}


def state_text(row: Row) -> str:
    """The 完成情况 cell: 已完成（按时完成）, 部分完成（逾期未完成）, 未开始（未到期）……"""
    return f"{STATUS_WORDS[row.status]}（{row.state_label}）"


@dataclass(frozen=True)
class Row:
    """One row of the ledger with everything every format shows."""

    task: Task
    part_label: str
    section_label: str
    units_text: str
    status: str  # done / partial / open
    overdue: bool
    done_units: tuple[str, ...]
    pending_units: tuple[str, ...]
    evidence: tuple[tuple[str, str], ...]  # (unit, note) for marks with a note
    last_done: dt.date | None
    state: str = "open"  # open (未到期) / overdue / done (按时完成) / done_late (逾期完成) / ongoing
    states: tuple[PairState, ...] = ()  # each responsible unit's part

    @property
    def state_label(self) -> str:
        return STATE_LABELS[self.state]

    @property
    def on_time(self) -> bool | None:
        return on_time(self.state)

    @property
    def late_units(self) -> tuple[str, ...]:
        """Units that finished after the deadline (逾期完成)."""
        return tuple(s.unit for s in self.states if s.state == DONE_LATE)


@dataclass(frozen=True)
class Ledger:
    plan: Plan
    directory: Directory
    as_of: dt.date
    window: int
    scope: tuple[str, ...]  # the units the export is for (empty: every unit)
    rows: tuple[Row, ...]
    marks: dict[tuple[int, str], Mark]  # the marks counted on ``as_of``

    @property
    def unit(self) -> str | None:
        """The units the export is for, as one name (``区教体局、区卫健局``), if any."""
        return "、".join(self.scope) or None

    @property
    def completion(self) -> dict[tuple[int, str], dt.date]:
        return {k: m.done_on for k, m in self.marks.items()}

    def _who(self) -> tuple[Unit | Group, ...] | None:
        return tuple(self.directory.resolve(n) for n in self.scope) or None

    def units_lines(self) -> list[StatusLine]:
        """Progress of each unit, then the open-ended phrases to be claimed (``placeholder``)."""
        return status_lines(
            self.plan, self.directory, self.completion, "unit", self.as_of, self.window, self._who()
        )

    def part_lines(self) -> list[StatusLine]:
        lines = status_lines(
            self.plan, self.directory, self.completion, "part", self.as_of, self.window, self._who()
        )
        return sorted(lines, key=lambda s: int(s.key))


def build_ledger(
    plan: Plan,
    directory: Directory,
    marks: dict[tuple[int, str], Mark],
    as_of: dt.date,
    window: int = 7,
    unit: str | tuple[str, ...] | None = None,
    tick: Callable[[int], None] | None = None,
) -> Ledger:
    """The ledger's rows on ``as_of`` (``marks``: those counted that day); ``tick(n)`` is called as
    rows are done (for a progress bar)."""
    scope = (unit,) if isinstance(unit, str) else tuple(unit or ())
    who = tuple(directory.resolve(n) for n in scope) or None
    completion = {k: m.done_on for k, m in marks.items()}
    matches = select_tasks(plan, directory, TaskFilter(who=who, as_of=as_of), completion)
    rows = []
    for m in matches:
        task = m.task
        prog = m.progress
        assert prog is not None  # select_tasks always measures progress
        mine = [marks[(task.id, u)] for u in prog.done]
        part = plan.part(task.part)
        section = plan.section(task.section)
        rows.append(
            Row(
                task=task,
                part_label=f"{part.label}{part.title}",
                section_label=f"{section.label}{section.title}",
                units_text=units_text(plan, task),
                status=prog.status,
                overdue=m.state == "overdue",
                done_units=prog.done,
                pending_units=prog.pending,
                evidence=tuple((mk.unit, mk.note) for mk in mine if mk.note),
                last_done=max((mk.done_on for mk in mine), default=None),
                state=m.state or "open",
                states=task_states(directory, task, completion, as_of),
            )
        )
        if tick is not None and len(rows) % 100 == 0:
            tick(100)
    return Ledger(plan, directory, as_of, window, tuple(w.name for w in who or ()), tuple(rows), marks)


# The 台账's columns, shared by the XLSX 台账 and the CSV for Excel: (header, width in Excel's
# character units). Chosen so the 59-row built-in plan prints on 6 A4 landscape pages (at about 76 %):
# the widest text (具体要求, 责任单位 lists of 20 units) gets the room, short values stack in two
# lines. The part is not a column: sections are numbered through the whole plan, and the sheet lists
# each part's title and sections above the table. Everything else is in ``-f json``.
COLUMNS: tuple[tuple[str, float], ...] = (
    ("编号", 4.5),
    ("工作任务", 15),
    ("责任单位", 24),
    ("具体要求", 60),
    ("完成时限", 9),
    ("截止日期", 10.5),
    ("时效", 11),
    ("完成情况", 9),
    ("未完成单位", 22),
    ("逾期完成单位", 13),
    ("佐证材料", 14),
)

Cell = str | int | dt.date | None


LIST_UNITS = 6  # more units still to finish than this are counted, not listed (JSON lists them all)


def pending_text(ledger: Ledger, row: Row) -> str:
    """The 未完成单位 cell: the units (more than LIST_UNITS: ``全部 16 个单位``, ``除区教体局外的 15 个
    单位``), then the open-ended phrases on a line of their own (``待认领：区政府有关部门单位``)."""
    from ..queries import is_placeholder

    units = [u for u in row.pending_units if not is_placeholder(ledger.directory, u)]
    phrases = [u for u in row.pending_units if is_placeholder(ledger.directory, u)]
    done = [u for u in row.done_units if not is_placeholder(ledger.directory, u)]
    lines = []
    if units and not done and len(units) > LIST_UNITS:
        lines.append(f"全部 {len(units)} 个单位")
    elif len(units) > LIST_UNITS and len(done) < len(units):
        lines.append(f"除{'、'.join(done)}外的 {len(units)} 个单位")
    elif units:
        lines.append("、".join(units))
    if phrases:
        lines.append("待认领：" + "、".join(phrases))
    return "\n".join(lines)


def table_rows(ledger: Ledger) -> Iterator[list[Cell]]:
    """The 台账's rows, one value per COLUMNS entry (dates as dates; the CSV writes them ISO)."""
    for row in ledger.rows:
        task = row.task
        total = len(row.done_units) + len(row.pending_units)
        yield [
            task.id,
            row.section_label,
            row.units_text,
            task.requirement,
            task.deadline.shown,
            task.deadline.date,
            row.state_label,
            f"{STATUS_WORDS[row.status]}\n{len(row.done_units)}/{total}",  # never a bare 1/4: Excel
            # opening a CSV would take it for a date (1月4日)
            pending_text(ledger, row),
            "、".join(row.late_units),
            "\n".join(f"{unit}：{note}" for unit, note in row.evidence),
        ]


def as_of_line(ledger: Ledger, now: dt.datetime | None = None) -> str:
    """``截至 2023年12月1日 · 生成于 2026-11-28 09:30``: the day the ledger is true of, and when it
    was made."""
    day = ledger.as_of
    made = (now or dt.datetime.now()).strftime("%Y-%m-%d %H:%M")
    return f"截至 {day.year}年{day.month}月{day.day}日 · 生成于 {made}"


def title_of(ledger: Ledger) -> str:
    return ledger.plan.meta.title + (f"（{ledger.unit}）" if ledger.unit else "")


def unit_pairs(ledger: Ledger) -> Iterator[tuple[Row, str]]:
    for row in ledger.rows:
        for unit, _via in responsible_pairs(ledger.directory, row.task):
            if wanted(ledger, unit):
                yield row, unit


def wanted(ledger: Ledger, unit: str) -> bool:
    """With --unit, only those units' parts (or their members', for a group)."""
    if not ledger.scope or unit in ledger.scope:
        return True
    groups = (ledger.directory.groups.get(name) for name in ledger.scope)
    return any(g is not None and unit in g.members for g in groups)


def shown(match: re.Match[str]) -> str:
    """A character a format cannot hold, written as text: \\x1b."""
    return f"\\x{ord(match.group()):02x}"


Writer = Callable[..., bytes | Iterator[bytes]]  # (ledger, **options of that format)


def _writer(module: str, name: str) -> Writer:
    """The format's module is imported only when that format is asked for (openpyxl is heavy)."""

    def write(ledger: Ledger, **options: Any) -> bytes | Iterator[bytes]:
        from importlib import import_module

        return getattr(import_module(f"{__name__}.{module}"), name)(ledger, **options)

    return write


FORMATS: dict[str, Writer] = {
    "xlsx": _writer("xlsx", "to_xlsx"),
    "ics": _writer("ics", "to_ics"),
    "html": _writer("html", "to_html"),
    "md": _writer("md", "to_markdown"),
    "csv": _writer("csvfile", "to_csv"),
    "docx": _writer("docx", "to_docx"),  # the official table layout; docx.KINDS leaves room for others
}
