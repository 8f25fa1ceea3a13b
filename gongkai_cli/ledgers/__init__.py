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

from ..model import Mark, Plan, Task
from ..queries import (
    StatusLine,
    TaskFilter,
    is_overdue,
    responsible_pairs,
    select_tasks,
    status_lines,
    units_text,
)
from ..units import Directory

STATUS_WORDS = {"done": "已完成", "partial": "部分完成", "open": "未开始"}


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


@dataclass(frozen=True)
class Ledger:
    plan: Plan
    directory: Directory
    as_of: dt.date
    window: int
    unit: str | None  # the one unit the export is for, if any
    rows: tuple[Row, ...]
    marks: dict[tuple[int, str], Mark]

    def units_lines(self) -> list[StatusLine]:
        who = self.directory.resolve(self.unit) if self.unit else None
        return status_lines(self.plan, self.directory, set(self.marks), "unit", self.as_of, self.window, who)

    def part_lines(self) -> list[StatusLine]:
        who = self.directory.resolve(self.unit) if self.unit else None
        lines = status_lines(self.plan, self.directory, set(self.marks), "part", self.as_of, self.window, who)
        return sorted(lines, key=lambda s: int(s.key))


def build_ledger(
    plan: Plan,
    directory: Directory,
    marks: dict[tuple[int, str], Mark],
    as_of: dt.date,
    window: int = 7,
    unit: str | None = None,
    tick: Callable[[int], None] | None = None,
) -> Ledger:
    """The ledger's rows; ``tick(n)`` is called as rows are done (for a progress bar)."""
    who = directory.resolve(unit) if unit else None
    marked = set(marks)
    matches = select_tasks(plan, directory, TaskFilter(who=who, as_of=as_of), marked)
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
                overdue=is_overdue(task, prog.status == "done", as_of),
                done_units=prog.done,
                pending_units=prog.pending,
                evidence=tuple((mk.unit, mk.note) for mk in mine if mk.note),
                last_done=max((mk.done_on for mk in mine), default=None),
            )
        )
        if tick is not None and len(rows) % 100 == 0:
            tick(100)
    return Ledger(plan, directory, as_of, window, who.name if who else None, tuple(rows), marks)


def title_of(ledger: Ledger) -> str:
    return ledger.plan.meta.title + (f"（{ledger.unit}）" if ledger.unit else "")


def unit_pairs(ledger: Ledger) -> Iterator[tuple[Row, str]]:
    for row in ledger.rows:
        for unit, _via in responsible_pairs(ledger.directory, row.task):
            if wanted(ledger, unit):
                yield row, unit


def wanted(ledger: Ledger, unit: str) -> bool:
    """With --unit, only that unit's parts (or its members', when it is a group)."""
    if ledger.unit is None or unit == ledger.unit:
        return True
    group = ledger.directory.groups.get(ledger.unit)
    return group is not None and unit in group.members


def shown(match: re.Match[str]) -> str:
    """A character a format cannot hold, written as text: \\x1b."""
    return f"\\x{ord(match.group()):02x}"


def _writer(module: str, name: str) -> Callable[[Ledger], bytes | Iterator[bytes]]:
    """The format's module is imported only when that format is asked for (openpyxl is heavy)."""

    def write(ledger: Ledger) -> bytes | Iterator[bytes]:
        from importlib import import_module

        return getattr(import_module(f"{__name__}.{module}"), name)(ledger)

    return write


FORMATS: dict[str, Callable[[Ledger], bytes | Iterator[bytes]]] = {
    "xlsx": _writer("xlsx", "to_xlsx"),
    "ics": _writer("ics", "to_ics"),
    "html": _writer("html", "to_html"),
    "md": _writer("md", "to_markdown"),
    "docx": _writer("docx", "to_docx"),  # the official table layout; docx.KINDS leaves room for others
}
