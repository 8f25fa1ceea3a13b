"""The XLSX 台账 (openpyxl): every row with its progress, and a 单位汇总 sheet, both ready to print.

Each sheet opens with the plan's title, its 文号 and the line "截至 … · 生成于 …", then the header
row; on paper it is A4 landscape, fitted to one page wide, the header row repeated on every page,
"第 N 页 共 M 页" in the footer. Row heights are estimated from the text's width in each column (a
CJK character is about two of Excel's width units), since neither Excel nor LibreOffice grows a row
for wrapped text written by a library. The 时效 column (按时完成 / 逾期完成 / 逾期未完成 / 未到期 /
持续推进) is filled in shades a black-and-white printer keeps apart: dark with white text, middle,
light, none, and a hatch.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import re
import unicodedata
from typing import Any

from ..queries import LIGHT_LABELS, STATE_LABELS
from . import COLUMNS, Ledger, as_of_line, shown, table_rows, title_of

_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")  # what the XLSX format cannot hold

FONT = "宋体"  # Excel on a Chinese Windows PC has it; LibreOffice substitutes its CJK font
HEAD_FONT = "黑体"
WIDTH_FONT = "Arial"  # the default font, whose digits measure the columns (see _default_font)
SIZE = 10  # points, the table's text
LINE = 14.4  # points a line of 10 pt CJK text takes (LibreOffice with Noto CJK: 14.35; Excel 宋体: 13.5)
PAD = 4  # points above and below the text of a row

# 时效 -> (fill colour, font colour, pattern). Grey levels about 60, 150, 210, white, and a hatch.
STATE_FILLS: dict[str, tuple[str, str, str]] = {
    "overdue": ("C00000", "FFFFFF", "solid"),  # 逾期未完成
    "done_late": ("ED7D31", "000000", "solid"),  # 逾期完成
    "done": ("C6E0B4", "000000", "solid"),  # 按时完成
    "open": ("", "000000", ""),  # 未到期
    "ongoing": ("808080", "000000", "lightUp"),  # 持续推进
}
LIGHT_FILLS = {"red": ("C00000", "FFFFFF"), "yellow": ("FFC000", "000000"), "green": ("", "000000")}


def _cell_text(text: str) -> str:
    return _ILLEGAL.sub(shown, text)


def text_width(text: str) -> float:
    """Width of one line of text in Excel's column units at SIZE points: a wide (CJK) character 2,
    any other 1 (generous: digits and Latin letters are narrower)."""
    return sum(2.0 if unicodedata.east_asian_width(ch) in "WF" else 1.0 for ch in text)


def lines_needed(text: str, width: float) -> int:
    """Lines a wrapped cell of ``width`` units takes (a little of the width goes to the cell's padding)."""
    usable = max(width - 1.2, 1.0)
    return sum(max(1, math.ceil(text_width(line) / usable)) for line in text.split("\n"))


def row_height(values: list[Any], widths: list[float], size: float = SIZE) -> float:
    pairs = zip(values, widths, strict=True)
    lines = max(lines_needed(v, w) if isinstance(v, str) and v else 1 for v, w in pairs)
    return round(lines * LINE * size / SIZE + PAD, 1)


def _default_font(wb: Any) -> None:
    """Arial 10 pt as the workbook's default font. Column widths are counted in the default font's
    digits: Calibri (openpyxl's default), which LibreOffice replaces by the wider DejaVu Sans where
    Carlito is missing, made the same widths a third wider and the page print at 63 %; 宋体 did too.
    Arial has a metric twin everywhere LibreOffice is (Liberation Sans)."""
    from openpyxl.styles import Font

    wb._fonts[0] = Font(name=WIDTH_FONT, size=SIZE)  # no public API for it: styles.xml's font 0
    wb._named_styles["Normal"].font = Font(name=WIDTH_FONT, size=SIZE)


def _page_setup(ws: Any, header_row: int, columns: int) -> None:
    """A4 landscape, one page wide, the header row on every page, margins, page numbers."""
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.page import PageMargins

    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0  # as many pages down as it takes
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.page_margins = PageMargins(left=0.3, right=0.3, top=0.4, bottom=0.5, header=0.2, footer=0.2)
    ws.print_title_rows = f"{header_row}:{header_row}"
    ws.oddFooter.center.text = "第 &P 页 共 &N 页"
    ws.oddFooter.center.size = 9
    ws.print_area = f"A1:{get_column_letter(columns)}{ws.max_row}"


def _heading(
    ws: Any, ledger: Ledger, title: str, columns: int, now: dt.datetime | None, parts: set[int] | None = None
) -> int:
    """Title, 文号 and the as-of line across the sheet; returns the header row's number."""
    from openpyxl.styles import Alignment, Font

    meta = ledger.plan.meta
    lines: list[tuple[str, Any, float]] = [(title, Font(name=HEAD_FONT, size=16, bold=True), 30)]
    if meta.doc_number:
        lines.append((meta.doc_number, Font(name=FONT, size=11), 18))
    lines.append((as_of_line(ledger, now), Font(name=FONT, size=10), 18))
    if parts:
        lines.append((parts_line(ledger, parts), Font(name=FONT, size=SIZE), 0))
    for r, (text, font, height) in enumerate(lines, 1):
        cell = ws.cell(row=r, column=1, value=_cell_text(text))
        cell.data_type = "s"
        cell.font = font
        cell.alignment = Alignment(horizontal="center", vertical="center")
        ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=columns)
        if not height:  # the parts' titles: wrapped across the table's width
            cell.alignment = Alignment(horizontal="left", vertical="center", wrap_text=True)
            height = row_height([text], [sum(w for _, w in COLUMNS)])
        ws.row_dimensions[r].height = height
    return len(lines) + 1


def parts_line(ledger: Ledger, parts: set[int]) -> str:
    """``一、推进绿色低碳……（(一)—(三)）；二、……``: the parts, with the sections each one holds."""
    out = []
    for part in ledger.plan.parts:
        if part.number not in parts:
            continue
        labels = [s.label for s in ledger.plan.sections if s.part == part.number]
        held = f"（{labels[0]}—{labels[-1]}）" if len(labels) > 1 else f"（{labels[0]}）" if labels else ""
        out.append(f"{part.label}{part.title}{held}")
    return "；".join(out)


def _header(ws: Any, row: int, columns: list[tuple[str, float]]) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    for col, (header, width) in enumerate(columns, 1):
        cell = ws.cell(row=row, column=col, value=header)
        cell.font = Font(name=HEAD_FONT, size=SIZE, bold=True)
        cell.fill = PatternFill("solid", fgColor="D9D9D9")
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.border = _border()
        ws.column_dimensions[get_column_letter(col)].width = width
    ws.row_dimensions[row].height = row_height([h for h, _ in columns], [w for _, w in columns])


def _border() -> Any:
    from openpyxl.styles import Border, Side

    thin = Side(style="thin", color="000000")
    return Border(left=thin, right=thin, top=thin, bottom=thin)


def _fill(colour: str, pattern: str) -> Any:
    from openpyxl.styles import PatternFill

    if not colour:
        return PatternFill(fill_type=None)
    if pattern == "solid":
        return PatternFill("solid", fgColor=colour)
    return PatternFill(pattern, fgColor=colour, bgColor="FFFFFF")  # type: ignore[arg-type]


def to_xlsx(ledger: Ledger, now: dt.datetime | None = None) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    _default_font(wb)
    ws = wb.worksheets[0]
    ws.title = "台账"
    wb.properties.title = title_of(ledger)
    wb.properties.creator = "gongkai"
    columns = list(COLUMNS)
    widths = [w for _, w in columns]
    parts = {row.task.part for row in ledger.rows}
    top = _heading(ws, ledger, title_of(ledger), len(columns), now, parts)
    _header(ws, top, columns)
    border = _border()
    body = Font(name=FONT, size=SIZE)
    wrap = Alignment(wrap_text=True, vertical="top")
    centred = Alignment(wrap_text=True, vertical="top", horizontal="center")
    middle = {"编号", "完成时限", "截止日期", "时效", "完成情况"}
    latin = Font(name=WIDTH_FONT, size=SIZE)  # dates and numbers: as narrow in LibreOffice as in Excel
    state_col = [h for h, _ in columns].index("时效") + 1
    r = top
    for r, (row, values) in enumerate(zip(ledger.rows, table_rows(ledger), strict=True), top + 1):
        for col, value in enumerate(values, 1):
            target: Any = ws.cell(row=r, column=col)
            if isinstance(value, str):
                target.value = _cell_text(value)
                target.data_type = "s"  # text, even when it starts with = + - @
            else:
                target.value = value
            if isinstance(value, dt.date):
                target.number_format = "yyyy-mm-dd"
            target.font = body if isinstance(value, str) else latin
            target.alignment = centred if columns[col - 1][0] in middle else wrap
            target.border = border
        colour, ink, pattern = STATE_FILLS.get(row.state, STATE_FILLS["open"])
        state: Any = ws.cell(row=r, column=state_col)
        state.fill = _fill(colour, pattern)
        state.font = Font(name=FONT, size=SIZE, bold=row.state in ("overdue", "done_late"), color=ink)
        ws.row_dimensions[r].height = row_height(values, widths)
    last = get_column_letter(len(columns))
    ws.freeze_panes = f"B{top + 1}"
    ws.auto_filter.ref = f"A{top}:{last}{max(top, r)}"
    _page_setup(ws, top, len(columns))
    _summary(wb, ledger, now)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


SUMMARY_COLUMNS: tuple[tuple[str, float], ...] = (
    ("单位", 26),
    ("任务数", 8),
    ("已完成", 8),
    ("按时完成", 9),
    ("逾期完成", 9),
    ("未完成", 8),
    ("逾期未完成", 10),
    ("临近到期", 9),
    ("完成率", 9),
    ("状态", 8),
)


def _summary(wb: Any, ledger: Ledger, now: dt.datetime | None) -> None:
    """单位汇总: one line per unit, worst first as status prints it; then the 待认领 phrases apart."""
    from openpyxl.styles import Alignment, Font

    ws = wb.create_sheet("单位汇总")
    columns = list(SUMMARY_COLUMNS)
    widths = [w for _, w in columns]
    top = _heading(ws, ledger, f"{title_of(ledger)}　单位汇总", len(columns), now)
    _header(ws, top, columns)
    border = _border()
    body = Font(name=FONT, size=SIZE)
    lines = ledger.units_lines()
    units = [line for line in lines if not line.placeholder]
    r = top
    for r, line in enumerate(units, top + 1):
        values: list[Any] = [
            _cell_text(line.label), line.rows, line.done, line.done_on_time, line.done_late,
            line.open, line.overdue, line.due_soon, round(line.ratio, 4), LIGHT_LABELS[line.light],
        ]  # fmt: skip
        for col, value in enumerate(values, 1):
            cell: Any = ws.cell(row=r, column=col, value=value)
            cell.font = body
            cell.border = border
            cell.alignment = Alignment(vertical="center", wrap_text=col == 1)
        ws.cell(row=r, column=1).data_type = "s"
        ws.cell(row=r, column=9).number_format = "0%"
        colour, ink = LIGHT_FILLS[line.light]
        light: Any = ws.cell(row=r, column=10)
        light.fill = _fill(colour, "solid")
        light.font = Font(name=FONT, size=SIZE, bold=line.light == "red", color=ink)
        light.alignment = Alignment(horizontal="center", vertical="center")
        ws.row_dimensions[r].height = row_height(values, widths)
    ws.freeze_panes = f"B{top + 1}"
    ws.auto_filter.ref = f"A{top}:J{max(top, r)}"
    # Open-ended phrases are not units: listed below the filter, without lights or overdue counts.
    placeholders = [line for line in lines if line.placeholder]
    if placeholders:
        start = r + 2
        heads = ("待认领（开放式表述，不是单位）", "任务数", "已认领", "待认领")
        for col, header in enumerate(heads, 1):
            cell = ws.cell(row=start, column=col, value=header)
            cell.font = Font(name=HEAD_FONT, size=SIZE, bold=True)
            cell.border = border
        ws.row_dimensions[start].height = row_height(list(heads), widths[: len(heads)])
        for r, line in enumerate(placeholders, start + 1):
            name = ws.cell(row=r, column=1, value=_cell_text(line.label))
            name.data_type = "s"
            for col, value in enumerate((line.rows, line.done, line.open), 2):
                ws.cell(row=r, column=col, value=value)
            for col in range(1, 5):
                ws.cell(row=r, column=col).font = body
                ws.cell(row=r, column=col).border = border
    _page_setup(ws, top, len(columns))


__all__ = ["STATE_FILLS", "STATE_LABELS", "to_xlsx"]
