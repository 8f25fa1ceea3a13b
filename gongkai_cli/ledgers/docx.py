"""Word documents (.docx), written with python-docx (imported only when a .docx is asked for).

A kind of document is a function from the ledger to the file's bytes, named in KINDS:

- ``table`` (``gongkai export docx``): the 分解表 in the layout it is published in, so it can be
  printed, circulated or edited as the office's own document, and read back by ``gongkai import``.
  The title and the 文号, then one table: 工作任务 · 责任单位 · 具体要求 · 完成时限, A4 landscape, the
  header row repeated on every page; each part a heading row merged across the table; each 工作任务
  merged down over its rows; 责任单位 one unit per paragraph (``X等区政府有关部门单位`` kept together as
  the table writes it). Fonts are set for Chinese text (eastAsia) in the styles: the table's text is
  in Normal, the title, 文号, header and part rows in named styles (分解表标题 …), so an office
  restyles the whole document in one place. (Body paragraphs carry no style of their own: assigning
  one costs python-docx a scan of every style, 30 s at 2,000 rows.)

- ``report`` (``gongkai export docx --kind report``): the 完成情况报告 (report.py), built on the
  same page, styles and table (``new_page``, ``add_official_table``).

python-docx has no API for two table features used here: the repeated header row (``w:tblHeader``)
and the East Asian font of a style (``w:rFonts/@w:eastAsia``); both are set on the XML through the
library's own ``OxmlElement`` and ``qn``, in the two functions at the end.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..model import Plan, Task
from . import Ledger, title_of

if TYPE_CHECKING:
    from docx.document import Document
    from docx.table import _Cell

HEADERS = ("工作任务", "责任单位", "具体要求", "完成时限")
WIDTHS_MM = (40, 55, 132, 30)  # A4 landscape, 20 mm margins: 257 mm of text width
STATUS_WIDTHS_MM = (36, 50, 118, 27, 26)  # the same, with the report's 完成情况 column

# Style name -> (East Asian font, Western font, size in points, bold). GB/T 9704 habits: 方正小标宋
# for the title, 仿宋 for text, 黑体 for headings; Word and LibreOffice substitute what is missing.
BODY: tuple[str, str, float, bool] = ("仿宋_GB2312", "Times New Roman", 11, False)  # Normal: the cells
STYLES: dict[str, tuple[str, str, float, bool]] = {
    "分解表标题": ("方正小标宋简体", "Times New Roman", 18, False),
    "分解表文号": ("仿宋_GB2312", "Times New Roman", 14, False),
    "分解表表头": ("黑体", "Times New Roman", 12, True),
    "分解表部分": ("黑体", "Times New Roman", 12, False),
}


def unit_paragraphs(plan: Plan, task: Task) -> list[str]:
    """The 责任单位 cell, one unit per paragraph; an open-ended phrase stays with the unit before it,
    as the table writes it: ``区商务局`` / ``区发改局等区政府有关部门单位``."""
    out: list[str] = []
    for name in task.units:
        group = plan.group(name)
        if out and group is not None and group.open:
            out[-1] += f"等{name}"
        else:
            out.append(name)
    return out


def official_table(ledger: Ledger) -> bytes:
    """The 分解表 as published (the ledger's rows: all of them, or one unit's with --unit)."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    plan = ledger.plan
    doc = new_page(ledger)
    doc.add_paragraph(title_of(ledger), style="分解表标题").alignment = WD_ALIGN_PARAGRAPH.CENTER
    if plan.meta.doc_number:
        doc.add_paragraph(plan.meta.doc_number, style="分解表文号").alignment = WD_ALIGN_PARAGRAPH.CENTER
    add_official_table(doc, ledger)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def new_page(ledger: Ledger) -> Document:
    """An empty document: A4 landscape, 20 mm margins, the styles, the plan in its properties."""
    from docx import Document as new_document
    from docx.enum.section import WD_ORIENT
    from docx.shared import Mm

    doc = new_document()
    page = doc.sections[0]
    page.orientation = WD_ORIENT.LANDSCAPE
    page.page_width, page.page_height = Mm(297), Mm(210)
    page.left_margin = page.right_margin = page.top_margin = page.bottom_margin = Mm(20)
    _add_styles(doc)
    doc.core_properties.title = ledger.plan.meta.title
    doc.core_properties.subject = ledger.plan.meta.doc_number
    return doc


def add_official_table(doc: Document, ledger: Ledger, status: bool = False) -> None:
    """The table in its official layout; with ``status`` (the 完成情况 report) a fifth column,
    完成情况, with each row's timeliness and how many of its units finished."""
    from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Mm

    plan = ledger.plan
    headers = HEADERS + (("完成情况",) if status else ())
    table = doc.add_table(rows=1, cols=len(headers))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    widths = [Mm(w) for w in (STATUS_WIDTHS_MM if status else WIDTHS_MM)]
    for column, width in zip(table.columns, widths, strict=True):
        column.width = width
    header = table.rows[0]
    _repeat_as_header(header)
    for cell, text, width in zip(header.cells, headers, widths, strict=True):
        _fill(cell, [text], "分解表表头", width, WD_ALIGN_PARAGRAPH.CENTER)

    middle = WD_CELL_VERTICAL_ALIGNMENT.CENTER
    centred = WD_ALIGN_PARAGRAPH.CENTER
    part = section = None
    top: _Cell | None = None  # the 工作任务 cell of the section being written
    bottom: _Cell | None = None
    for row in ledger.rows:
        task = row.task
        if task.part != part:
            part = task.part
            cells = table.add_row().cells
            for cell, width in zip(cells, widths, strict=True):
                cell.width = width
            merged = cells[0].merge(cells[-1])
            _fill(merged, [row.part_label], "分解表部分", None, WD_ALIGN_PARAGRAPH.LEFT)
            section = None
        cells = table.add_row().cells
        if task.section != section:
            _merge_down(top, bottom)
            section = task.section
            top = cells[0]
            _fill(top, [row.section_label], None, widths[0], centred)
        else:
            cells[0].width = widths[0]
        bottom = cells[0]
        _fill(cells[1], unit_paragraphs(plan, task), None, widths[1], centred)
        _fill(cells[2], [task.requirement], None, widths[2], WD_ALIGN_PARAGRAPH.JUSTIFY)
        _fill(cells[3], [task.deadline.text or ""], None, widths[3], centred)
        if status:
            total = len(row.done_units) + len(row.pending_units)
            _fill(cells[4], [row.state_label, f"{len(row.done_units)}/{total}"], None, widths[4], centred)
        for cell in cells:
            cell.vertical_alignment = middle
    _merge_down(top, bottom)


def _merge_down(top: _Cell | None, bottom: _Cell | None) -> None:
    if top is not None and bottom is not None and bottom is not top:
        top.merge(bottom)


def _fill(cell: _Cell, paragraphs: list[str], style: str | None, width: Any, align: Any) -> None:
    """Text in a fresh cell, one paragraph per item, each in ``style`` (None: Normal)."""
    if width is not None:
        cell.width = width
    first = cell.paragraphs[0]
    if style is not None:
        first.style = style
    first.alignment = align
    first.text = paragraphs[0] if paragraphs else ""
    for text in paragraphs[1:]:
        cell.add_paragraph(text, style=style).alignment = align


def _add_styles(doc: Document) -> None:
    from docx.enum.style import WD_STYLE_TYPE
    from docx.shared import Pt

    normal: Any = doc.styles["Normal"]
    normal.font.name = BODY[1]
    normal.font.size = Pt(BODY[2])
    _east_asian(normal.element, BODY[0])
    for name, (east, west, size, bold) in STYLES.items():
        style: Any = doc.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        style.base_style = normal
        style.font.name = west
        style.font.size = Pt(size)
        style.font.bold = bold
        style.paragraph_format.space_before = Pt(0)
        style.paragraph_format.space_after = Pt(6 if name in ("分解表标题", "分解表文号") else 0)
        _east_asian(style.element, east)


def _east_asian(style_element: Any, font: str) -> None:
    """The font of a style's Chinese text (``w:eastAsia``), and Chinese as its East Asian language."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    rpr = style_element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    fonts.set(qn("w:eastAsia"), font)
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        rpr.append(lang)
    lang.set(qn("w:eastAsia"), "zh-CN")


def _repeat_as_header(row: Any) -> None:
    """Repeat ``row`` at the top of every page (``w:tblHeader``; the row's XML is ``row._tr``)."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    mark = OxmlElement("w:tblHeader")
    mark.set(qn("w:val"), "true")
    row._tr.get_or_add_trPr().append(mark)


def _report(ledger: Ledger) -> bytes:
    from .report import completion_report

    return completion_report(ledger)


KINDS: dict[str, Callable[[Ledger], bytes]] = {"table": official_table, "report": _report}


def to_docx(ledger: Ledger, content: str = "table") -> bytes:
    """A Word document of the kind named ``content`` (KINDS; ``--kind`` on the command line)."""
    return KINDS[content](ledger)
