"""The 完成情况报告 (``gongkai export docx --kind report``): a Word document a coordinator can attach
to an official reply, on the page and styles of the 分解表 (docx.py).

Title, the as-of line, then 一、总体情况 (rows, 按时完成, 逾期完成, 逾期未完成, 未到期 …, and a table by
part), 二、逾期未完成事项 (one line per unit: how many, which rows, the longest overdue; a city's plan
has tens of thousands of overdue (row, unit) pairs), 三、待认领事项 (the
open-ended phrases, when any is unclaimed), 四、任务完成情况明细 (the full table in the official layout
with a 完成情况 column). A4 landscape; "第 N 页 共 M 页" in the footer.

Fonts are the ones every Chinese Windows has (黑体 SimHei for headings, 仿宋 FangSong for text, set as
the East Asian font of the styles); Word and LibreOffice substitute a CJK font where they are missing.
"""

from __future__ import annotations

import io
from itertools import groupby
from typing import TYPE_CHECKING, Any

from ..queries import DONE_LATE, ONGOING, OVERDUE, is_placeholder, overdue_pairs
from . import Ledger, Row, as_of_line, title_of, wanted
from .docx import _east_asian, _fill, _repeat_as_header, add_official_table, new_page

if TYPE_CHECKING:
    from docx.document import Document

# Style name -> (East Asian font, Western font, size in points, bold).
REPORT_STYLES: dict[str, tuple[str, str, float, bool]] = {
    "报告标题": ("黑体", "Times New Roman", 20, False),
    "报告日期": ("仿宋", "Times New Roman", 14, False),
    "报告一级标题": ("黑体", "Times New Roman", 15, False),
    "报告正文": ("仿宋", "Times New Roman", 14, False),
}


def completion_report(ledger: Ledger) -> bytes:
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    doc = new_page(ledger)
    _report_styles(doc)
    _page_numbers(doc)
    doc.core_properties.title = f"{title_of(ledger)}完成情况报告"
    doc.add_paragraph(
        f"{title_of(ledger)}\n完成情况报告", style="报告标题"
    ).alignment = WD_ALIGN_PARAGRAPH.CENTER
    meta = ledger.plan.meta
    dated = as_of_line(ledger) + (f" · 依据 {meta.doc_number}" if meta.doc_number else "")
    doc.add_paragraph(dated, style="报告日期").alignment = WD_ALIGN_PARAGRAPH.CENTER

    rows = ledger.rows
    states = [own_state(ledger, r) for r in rows]
    count = {s: states.count(s) for s in ("done", DONE_LATE, OVERDUE, "open", ONGOING)}
    done = count["done"] + count[DONE_LATE]
    partial = 0 if ledger.scope else sum(1 for r in rows if r.status == "partial")
    doc.add_paragraph("一、总体情况", style="报告一级标题")
    summary = (
        f"截至 {ledger.as_of.year}年{ledger.as_of.month}月{ledger.as_of.day}日，共 {len(rows)} 项任务，"
        f"已完成 {done} 项（按时完成 {count['done']} 项，逾期完成 {count[DONE_LATE]} 项），"
        f"逾期未完成 {count[OVERDUE]} 项，未到期 {count['open']} 项"
        + (f"，持续推进 {count[ONGOING]} 项" if count[ONGOING] else "")
        + (f"；其中 {partial} 项已有部分单位完成" if partial else "")
        + "。各部分情况如下："
    )
    doc.add_paragraph(summary, style="报告正文")
    _table(
        doc,
        ("部分", "任务", "已完成", "按时完成", "逾期完成", "逾期未完成", "完成率"),
        (112, 20, 20, 24, 24, 27, 30),
        [
            (
                line.label,
                line.rows,
                line.done,
                line.done_on_time,
                line.done_late,
                line.overdue,
                f"{line.done / line.rows if line.rows else 1:.0%}",  # rows, as the columns beside it
            )
            for line in ledger.part_lines()
        ],
    )

    placeholders = placeholder_rows(ledger)
    details = "第四部分" if placeholders else "第三部分"
    doc.add_paragraph("二、逾期未完成事项", style="报告一级标题")
    pairs = [
        p
        for p in overdue_pairs(ledger.plan, ledger.directory, ledger.completion, ledger.as_of)
        if wanted(ledger, p.unit) and not is_placeholder(ledger.directory, p.unit)
    ]
    if not pairs:
        doc.add_paragraph("没有逾期未完成的事项。", style="报告正文")
    else:
        units = len({p.unit for p in pairs})
        doc.add_paragraph(
            f"共 {len(pairs)} 项次，涉及 {units} 个单位，按单位列出如下（具体要求见{details}）：",
            style="报告正文",
        )
        pairs.sort(key=lambda p: (p.unit, p.task.id))
        by_unit = [(unit, list(items)) for unit, items in groupby(pairs, key=lambda p: p.unit)]
        by_unit.sort(key=lambda item: (-len(item[1]), item[0]))  # the most overdue first
        _table(
            doc,
            ("单位", "逾期未完成项数", "任务编号", "最长逾期天数"),
            (52, 34, 141, 30),
            [(unit, len(items), ids_text([p.task.id for p in items]), max(p.days for p in items))
             for unit, items in by_unit],
        )  # fmt: skip

    number = "三"
    if placeholders:
        doc.add_paragraph("三、待认领事项", style="报告一级标题")
        doc.add_paragraph("以下为开放式表述，不是具体单位，由实际承办的单位认领：", style="报告正文")
        _table(
            doc,
            ("表述", "任务", "已认领", "待认领"),
            (137, 40, 40, 40),
            [(line.label, line.rows, line.done, line.open) for line in placeholders],
        )
        number = "四"
    doc.add_paragraph(f"{number}、任务完成情况明细", style="报告一级标题")
    add_official_table(doc, ledger, status=True)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def own_state(ledger: Ledger, row: Row) -> str:
    """The row's timeliness; with --unit, that of the units asked about (their own parts): overdue if
    any is, else done late if any finished late, done when all are, ongoing, or not yet due."""
    if not ledger.scope:
        return row.state
    mine = [s.state for s in row.states if wanted(ledger, s.unit)]
    if not mine:
        return row.state
    for state in (OVERDUE, "open", ONGOING):
        if state in mine:
            return state
    return DONE_LATE if DONE_LATE in mine else "done"


IDS_SHOWN = 40  # task numbers listed for one unit before "等 N 项"


def ids_text(ids: list[int]) -> str:
    """``6、11、12``; a long list cut after IDS_SHOWN numbers: ``1、2、……、40 等 85 项``."""
    shown = "、".join(str(i) for i in ids[:IDS_SHOWN])
    return shown if len(ids) <= IDS_SHOWN else f"{shown} 等 {len(ids)} 项"


def placeholder_rows(ledger: Ledger) -> list[Any]:
    return [line for line in ledger.units_lines() if line.placeholder and line.open]


def _table(
    doc: Document, headers: tuple[str, ...], widths_mm: tuple[int, ...], rows: list[tuple[Any, ...]]
) -> Any:
    """A plain table: a repeated header row, then one row per tuple (numbers centred)."""
    from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Mm

    table = doc.add_table(rows=1, cols=len(headers))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    widths = [Mm(w) for w in widths_mm]
    for column, width in zip(table.columns, widths, strict=True):
        column.width = width
    _repeat_as_header(table.rows[0])
    for cell, text, width in zip(table.rows[0].cells, headers, widths, strict=True):
        _fill(cell, [text], "分解表表头", width, WD_ALIGN_PARAGRAPH.CENTER)
    for values in rows:
        cells = table.add_row().cells
        for cell, value, width in zip(cells, values, widths, strict=True):
            align = (
                WD_ALIGN_PARAGRAPH.LEFT
                if isinstance(value, str) and len(value) > 12
                else WD_ALIGN_PARAGRAPH.CENTER
            )
            _fill(cell, [str(value)], None, width, align)
            cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
    return table


def _report_styles(doc: Document) -> None:
    from docx.enum.style import WD_STYLE_TYPE
    from docx.shared import Pt

    for name, (east, west, size, bold) in REPORT_STYLES.items():
        style: Any = doc.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        style.base_style = doc.styles["Normal"]
        style.font.name = west
        style.font.size = Pt(size)
        style.font.bold = bold
        fmt = style.paragraph_format
        fmt.space_before = Pt(12 if name == "报告一级标题" else 0)
        fmt.space_after = Pt(6)
        if name == "报告正文":
            fmt.first_line_indent = Pt(size * 2)  # two characters, as official documents indent
        if name == "报告一级标题":
            fmt.keep_with_next = True
        _east_asian(style.element, east)


def _page_numbers(doc: Document) -> None:
    """``第 N 页 共 M 页`` centred in the footer (PAGE and NUMPAGES fields: no python-docx API)."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    paragraph = doc.sections[0].footer.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for text, field in (("第 ", "PAGE"), (" 页 共 ", "NUMPAGES"), (" 页", None)):
        paragraph.add_run(text)
        if field is not None:
            simple = OxmlElement("w:fldSimple")
            simple.set(qn("w:instr"), f" {field} ")
            run = OxmlElement("w:r")
            shown = OxmlElement("w:t")
            shown.text = "1"
            run.append(shown)
            simple.append(run)
            paragraph._p.append(simple)
