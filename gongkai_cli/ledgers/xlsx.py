"""The XLSX 台账 (openpyxl): every row with its progress, and a 单位汇总 sheet."""

from __future__ import annotations

import datetime as dt
import io
import re
from typing import Any

from ..queries import LIGHT_LABELS
from . import STATUS_WORDS, Ledger, shown, title_of

_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")  # what the XLSX format cannot hold


def _cell_text(text: str) -> str:
    return _ILLEGAL.sub(shown, text)


def to_xlsx(ledger: Ledger) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    ws = wb.worksheets[0]
    ws.title = "台账"
    wb.properties.title = title_of(ledger)
    wb.properties.creator = "gongkai"
    columns = [
        ("编号", 6),
        ("部分", 20),
        ("工作任务", 24),
        ("责任单位", 30),
        ("具体要求", 60),
        ("完成时限", 10),
        ("截止日期", 12),
        ("完成情况", 10),
        ("进度", 8),
        ("未完成单位", 30),
        ("佐证材料", 40),
        ("最近完成日期", 13),
        ("时效", 12),
        ("逾期完成单位", 24),
    ]
    wrap = Alignment(wrap_text=True, vertical="top")
    bold = Font(bold=True)
    for col, (header, width) in enumerate(columns, 1):
        cell = ws.cell(row=1, column=col, value=header)
        cell.font = bold
        ws.column_dimensions[get_column_letter(col)].width = width
    for r, row in enumerate(ledger.rows, 2):
        task = row.task
        evidence = "\n".join(f"{unit}：{note}" for unit, note in row.evidence)
        values: list[str | int | dt.date | None] = [
            task.id,
            row.part_label,
            row.section_label,
            row.units_text,
            task.requirement,
            task.deadline.shown,
            task.deadline.date,
            STATUS_WORDS[row.status] + ("（逾期）" if row.overdue else ""),
            f"{len(row.done_units)}/{len(row.done_units) + len(row.pending_units)}",
            "、".join(row.pending_units),
            evidence,
            row.last_done,
            row.state_label,
            "、".join(row.late_units),
        ]
        for col, value in enumerate(values, 1):
            target: Any = ws.cell(row=r, column=col)
            if isinstance(value, str):
                target.value = _cell_text(value)
                target.data_type = "s"  # text, even when it starts with = + - @
            else:
                target.value = value
            if isinstance(value, dt.date):
                target.number_format = "yyyy-mm-dd"
            target.alignment = wrap
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{max(1, len(ledger.rows) + 1)}"

    summary = wb.create_sheet("单位汇总")
    headers = [
        ("单位", 24),
        ("任务数", 8),
        ("已完成", 8),
        ("未完成", 8),
        ("逾期", 8),
        ("临近", 8),
        ("完成率", 9),
        ("状态", 8),
        ("按时完成", 9),
        ("逾期完成", 9),
    ]
    fills = {"red": "FFC7CE", "yellow": "FFEB9C", "green": "C6EFCE"}
    for col, (header, width) in enumerate(headers, 1):
        cell = summary.cell(row=1, column=col, value=header)
        cell.font = bold
        summary.column_dimensions[get_column_letter(col)].width = width
    lines = ledger.units_lines()
    units = [line for line in lines if not line.placeholder]
    for r, line in enumerate(units, 2):
        name = summary.cell(row=r, column=1, value=_cell_text(line.label))
        name.data_type = "s"
        for col, value in enumerate((line.rows, line.done, line.open, line.overdue, line.due_soon), 2):
            summary.cell(row=r, column=col, value=value)
        ratio = summary.cell(row=r, column=7, value=round(line.ratio, 4))
        ratio.number_format = "0%"
        light = summary.cell(row=r, column=8, value=LIGHT_LABELS[line.light])
        light.fill = PatternFill("solid", fgColor=fills[line.light])
        summary.cell(row=r, column=9, value=line.done_on_time)
        summary.cell(row=r, column=10, value=line.done_late)
    summary.freeze_panes = "A2"
    summary.auto_filter.ref = f"A1:J{max(1, len(units) + 1)}"
    # Open-ended phrases are not units: listed below the filter, without lights or overdue counts.
    placeholders = [line for line in lines if line.placeholder]
    if placeholders:
        top = len(units) + 3
        for col, header in enumerate(("待认领（开放式表述，不是单位）", "任务数", "已认领", "待认领"), 1):
            summary.cell(row=top, column=col, value=header).font = bold
        for r, line in enumerate(placeholders, top + 1):
            name = summary.cell(row=r, column=1, value=_cell_text(line.label))
            name.data_type = "s"
            for col, value in enumerate((line.rows, line.done, line.open), 2):
                summary.cell(row=r, column=col, value=value)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
