"""Build the table documents `gongkai import` is tested on: the 2023 plan in its official layout in
every format, and invented tables that reproduce each variant real 分解表 show. Tests import it; as a
script it writes everything to a directory:

    python tests/helpers/tables.py /tmp/fixtures

Content is ours only: the 2023 rows come from data/tasks.yaml (the built-in plan); every variant is
invented for a made-up district (units are generic names, requirements written for these tests).
No other government's document is copied.

A table is described once as a Layout (rows of cell texts, a cell's paragraphs separated by "\\n",
plus merged ranges) and written by one writer per format: .docx (python-docx, real gridSpan/vMerge
merges, one paragraph per line, A4 landscape), .xlsx (openpyxl merged ranges, lines in one cell),
.xls (xlwt write_merge), .html (rowspan/colspan, <br> between lines, any encoding), .csv and .txt
(what a spreadsheet exports: a merged range's text in its first cell only, lines joined by "、" in
.txt, which has no way to hold a line break).
"""

from __future__ import annotations

import csv
import html
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
PLAN_2023 = ROOT / "data" / "tasks.yaml"
FORMATS = ("docx", "xlsx", "xls", "html", "csv", "txt")
HEADER_2023 = ["工作任务", "责任单位", "具体要求", "完成时限"]

Merge = tuple[int, int, int, int]  # first row, first column, last row, last column; inclusive, 0-based


@dataclass
class Layout:
    rows: list[list[str]]  # rectangular; a position inside a merge but not its origin holds ""
    merges: list[Merge] = field(default_factory=list)
    title: str = ""  # the paragraph above the table
    paragraphs: list[str] = field(default_factory=list)  # paragraphs before the title (文号, notice)
    last_row_cells: int = 0  # when > 0, the last row really has only this many cells (.docx, .html)

    def __post_init__(self) -> None:
        width = max(len(row) for row in self.rows)
        assert all(len(row) == width for row in self.rows), "a Layout is rectangular"

    def covered(self) -> set[tuple[int, int]]:
        """Positions inside a merge other than its origin."""
        return {
            (r, c)
            for r0, c0, r1, c1 in self.merges
            for r in range(r0, r1 + 1)
            for c in range(c0, c1 + 1)
            if (r, c) != (r0, c0)
        }


# -- the 2023 plan in the official layout ---------------------------------------------------------

CN_DIGITS = "零一二三四五六七八九"


def chinese_number(n: int) -> str:
    if n < 10:
        return CN_DIGITS[n]
    tens, ones = divmod(n, 10)
    return ("十" if tens == 1 else CN_DIGITS[tens] + "十") + (CN_DIGITS[ones] if ones else "")


def units_cell(units: list[str], open_groups: set[str]) -> str:
    """The 责任单位 cell, one unit per paragraph, except that named units before an open-ended group
    are written as the published table does: "X、Y等区政府有关部门单位"."""
    lines: list[str] = []
    named: list[str] = []
    for unit in units:
        if unit not in open_groups:
            named.append(unit)
            continue
        lines.append("、".join(named) + "等" + unit if named else unit)
        named = []
    return "\n".join(lines + named)


def plan_2023() -> Layout:
    """data/tasks.yaml as the published table: a header row; each part a heading row merged across
    the four columns; each section's title in 工作任务, merged down over its rows."""
    plan = yaml.safe_load(PLAN_2023.read_text(encoding="utf-8"))
    open_groups = {g["name"] for g in plan["groups"] if g.get("open")}
    sections = {s["number"]: s for s in plan["sections"]}
    parts = {p["number"]: p for p in plan["parts"]}
    rows: list[list[str]] = [list(HEADER_2023)]
    merges: list[Merge] = []
    part = section = 0
    section_start = 0
    tasks = plan["tasks"]
    for i, task in enumerate(tasks):
        if task["section"] != section:
            section = task["section"]
            if sections[section]["part"] != part:
                part = sections[section]["part"]
                rows.append([f"{chinese_number(part)}、{parts[part]['title']}", "", "", ""])
                merges.append((len(rows) - 1, 0, len(rows) - 1, 3))
            section_start = len(rows)
            title = f"({chinese_number(section)}){sections[section]['title']}"
        first = len(rows) == section_start
        rows.append(
            [
                title if first else "",
                units_cell(task["units"], open_groups),
                task["requirement"],
                task["deadline_text"],
            ]
        )
        last = i + 1 == len(tasks) or tasks[i + 1]["section"] != section
        if last and len(rows) - 1 > section_start:
            merges.append((section_start, 0, len(rows) - 1, 0))
    meta = plan["plan"]
    return Layout(
        rows,
        merges,
        title=meta["title"],
        paragraphs=[meta["doc_number"], meta["notice_title"], "附件"],
    )


# -- invented variants ----------------------------------------------------------------------------
# A made-up district (青禾区); each table reproduces one way real tables differ from the 2023 one.

VARIANTS: dict[str, Layout] = {
    # 序号 first, other column names, deadline before units; 重点任务 merged down over two rows.
    "columns_numbered": Layout(
        [
            ["序号", "重点任务", "工作要求", "完成时间", "责任部门"],
            [
                "1",
                "深化政策解读",
                "围绕年度重点政策开展图文、视频等多元化解读。",
                "6月30日前",
                "区发展改革局",
            ],
            ["2", "", "建立解读材料与政策文件同步起草、同步审签机制。", "持续推进", "区司法局"],
            ["3", "优化办事服务", "公开办事指南并随政策调整动态更新。", "三季度前", "区行政审批服务局"],
        ],
        [(1, 1, 2, 1)],
        title="青禾区2024年政务公开重点任务清单",
    ),
    # 牵头单位 + 配合单位 in two columns.
    "lead_support": Layout(
        [
            ["工作任务", "具体工作要求", "牵头单位", "配合单位", "完成时限"],
            ["公开财政信息", "细化公开部门预决算和“三公”经费。", "区财政局", "区直各部门", "年底前"],
            ["公开统计数据", "按月发布主要经济指标并附解读。", "区统计局", "区发展改革局\n区商务局", "全年"],
        ],
        title="青禾区政务公开任务分工",
    ),
    # mixed separators, 牵头/配合 and 主办/协办 in one cell, a verb tail.
    "separators": Layout(
        [
            ["主要任务", "任务内容", "责任单位", "时限要求"],
            ["公开就业信息", "发布公益性岗位信息。", "区人社局、区财政局,高新区、各镇(街道)", "11月底前"],
            ["公开教育信息", "公开学位分布和招生政策。", "区教育局牵头,区卫生健康局配合", "上半年"],
            ["公开救助信息", "公开救助标准和办理流程。", "区民政局主办、区残联协办", "2024年8月前"],
            [
                "公开水利信息",
                "公开防汛预案。",
                "区水利局；区农业农村局;各乡镇街道",
                "6月底前初稿，11月底前印发",
            ],
            ["公开文旅信息", "公开文旅惠民活动安排。", "区文化和旅游局负责落实", "常态化"],
        ],
    ),
    # 等 tails, group phrases, parentheses and 〔〕 that belong to a name.
    "etc_tails": Layout(
        [
            ["工作任务", "责任单位", "具体要求", "完成时限"],
            ["公开监管信息", "区市场监管局、区商务局等区政府有关部门单位", "公开抽查结果。", "12月底前"],
            ["公开工业信息", "区工信局等相关区直部门", "公开惠企政策兑现情况。", "年底前"],
            ["公开应急信息", "区应急局、区消防救援大队等按职责分工落实", "公开应急预案。", "长期坚持"],
            ["公开卫生信息", "规划信息处(爱卫办)、市府办〔市大数据局〕", "公开爱国卫生运动安排。", "全年"],
            ["落实公开制度", "区直各部门、各成员单位", "落实政务公开各项制度。", "持续推进"],
        ],
    ),
    # 责任单位 merged down over three requirement rows, 完成时限 over two.
    "units_merged": Layout(
        [
            ["工作任务", "具体要求", "责任单位", "完成时限"],
            ["公开规划信息", "公开国土空间规划。", "区自然资源局\n区住房和城乡建设局", "9月底前"],
            ["", "公开重大项目批准信息。", "", ""],
            ["", "公开征地补偿信息。", "", "12月底前"],
        ],
        [(1, 0, 3, 0), (1, 2, 3, 2), (1, 3, 2, 3)],
    ),
    # no deadline column at all.
    "no_deadline": Layout(
        [
            ["序号", "工作任务", "具体内容", "责任主体"],
            ["1", "公开政府工作报告", "公开报告全文及图解。", "区政府办公室"],
            ["2", "公开建议提案办理结果", "公开办理复文。", "各承办单位"],
        ],
    ),
    # parts and sections as columns of their own, each merged down.
    "heading_columns": Layout(
        [
            ["公开领域", "重点任务", "具体要求", "责任单位", "完成时限"],
            ["一、经济领域", "(一)财政信息", "公开预算执行情况。", "区财政局", "7月底前"],
            ["", "", "公开政府债务信息。", "区财政局", "12月底前"],
            ["", "(二)统计信息", "公开统计公报。", "区统计局", "3月底前"],
            ["二、社会领域", "(三)教育信息", "公开招生计划。", "区教育局", "5月底前"],
        ],
        [(1, 0, 3, 0), (1, 1, 2, 1), (4, 0, 4, 0)],
    ),
    # three levels: 一、 and (一) as full-width heading rows, 1. in the task column merged down.
    "three_levels": Layout(
        [
            ["工作任务", "具体要求", "责任单位", "完成时限"],
            ["一、加强重点领域公开", "", "", ""],
            ["(一)公共服务", "", "", ""],
            ["1.公开养老服务", "公开养老机构名录。", "区民政局", "10月底前"],
            ["", "公开养老补贴标准。", "区民政局", "10月底前"],
            ["2.公开医疗服务", "公开医保目录调整。", "区医保局", "12月底前"],
        ],
        [(1, 0, 1, 3), (2, 0, 2, 3), (3, 0, 4, 0)],
    ),
    # Traditional script, as some sites serve it.
    "traditional": Layout(
        [
            ["工作任務", "責任單位", "具體要求", "完成時限"],
            ["推進決策公開", "區發展改革局\n各鎮(街道)", "公開重大決策事項目錄。", "12月底前"],
            ["", "區司法局", "開展政策評價。", "長期推進"],
        ],
        [(1, 0, 2, 0)],
    ),
    # the last row cut off mid-sentence, its later cells missing.
    "truncated": Layout(
        [
            ["工作任务", "责任单位", "具体要求", "完成时限"],
            ["公开环境信息", "区生态环境局", "公开环境质量月报。", "12月底前"],
            ["公开交通信息", "区交通运输局", "公开道路施工占道信息，推进", ""],
        ],
        last_row_cells=3,
    ),
    # a table with its header and nothing else.
    "header_only": Layout([["工作任务", "责任单位", "具体要求", "完成时限"]]),
}

# The first table of the two-table page: the page's information block, not data.
INFO_TABLE = Layout(
    [
        ["索引号", "QH-2024-0017", "发布机构", "青禾区人民政府办公室"],
        ["发文字号", "青政办字〔2024〕5号", "发布日期", "2024-03-08"],
    ],
)


# -- writers ----------------------------------------------------------------------------------------


def write_docx(layout: Layout, path: Path) -> Path:
    import docx
    from docx.enum.section import WD_ORIENT
    from docx.shared import Mm

    document = docx.Document()
    section = document.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Mm(297), Mm(210)
    for text in [*layout.paragraphs, layout.title]:
        if text:
            document.add_paragraph(text)
    _docx_table(document, layout)
    document.save(str(path))
    return path


def _docx_table(container: Any, layout: Layout) -> Any:
    table = container.add_table(rows=len(layout.rows), cols=len(layout.rows[0]))
    table.style = "Table Grid"
    covered = layout.covered()
    for r, (row_cells, row) in enumerate(zip(table.rows, layout.rows, strict=True)):
        for c, (cell, text) in enumerate(zip(row_cells.cells, row, strict=True)):
            if (r, c) in covered or not text:
                continue
            lines = text.split("\n")
            cell.paragraphs[0].text = lines[0]
            for line in lines[1:]:
                cell.add_paragraph(line)
    _docx_merges(table, layout.merges)
    if layout.last_row_cells:
        tr = table.rows[-1]._tr
        for tc in tr.tc_lst[layout.last_row_cells :]:
            tr.remove(tc)
    return table


def _docx_merges(table: Any, merges: list[Merge]) -> None:
    """Merge as Word writes it: the origin row's cell spans the columns (w:gridSpan) and the cells it
    covers are removed; rows below carry the same spanning cell marked w:vMerge="continue", the first
    one "restart". (python-docx's own _Cell.merge does the same but costs O(table) per merge.)"""
    tcs = [[cell._tc for cell in row.cells] for row in table.rows]
    removed = []
    for r0, c0, r1, c1 in merges:
        for r in range(r0, r1 + 1):
            tc = tcs[r][c0]
            if c1 > c0:
                tc.grid_span = c1 - c0 + 1
                removed += tcs[r][c0 + 1 : c1 + 1]
            if r1 > r0:
                tc.vMerge = "restart" if r == r0 else "continue"
    for tc in removed:
        tc.getparent().remove(tc)


def write_docx_nested(layout: Layout, path: Path) -> Path:
    """The table inside the single cell of a page-layout table, as some offices send it."""
    import docx

    document = docx.Document()
    frame = document.add_table(rows=1, cols=1)
    cell = frame.cell(0, 0)
    cell.paragraphs[0].text = layout.title or "附件"
    _docx_table(cell, layout)
    document.add_paragraph("（此件公开发布）")
    document.save(str(path))
    return path


def write_xlsx(layout: Layout, path: Path, sheet: str = "Sheet1") -> Path:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = sheet
    wrap = Alignment(wrap_text=True, vertical="center")
    covered = layout.covered()
    for r, row in enumerate(layout.rows, 1):
        for c, text in enumerate(row, 1):
            if text and (r - 1, c - 1) not in covered:
                cell = ws.cell(row=r, column=c, value=text)
                cell.alignment = wrap
    for r0, c0, r1, c1 in layout.merges:
        ws.merge_cells(start_row=r0 + 1, start_column=c0 + 1, end_row=r1 + 1, end_column=c1 + 1)
    wb.save(path)
    return path


def write_xls(layout: Layout, path: Path, sheet: str = "Sheet1") -> Path:
    import xlwt

    book = xlwt.Workbook(encoding="utf-8")
    ws = book.add_sheet(sheet)
    style = xlwt.easyxf("align: wrap on, vert centre")
    merged = set()
    for r0, c0, r1, c1 in layout.merges:
        ws.write_merge(r0, r1, c0, c1, layout.rows[r0][c0], style)
        merged |= {(r, c) for r in range(r0, r1 + 1) for c in range(c0, c1 + 1)}
    for r, row in enumerate(layout.rows):
        for c, text in enumerate(row):
            if (r, c) not in merged and text:
                ws.write(r, c, text, style)
    book.save(str(path))
    return path


def html_table(layout: Layout, sloppy: bool = False) -> str:
    """A <table> as Word's "save as web page" or a site's editor writes it: <p> per line inside cells,
    &nbsp; in empty cells; ``sloppy`` upper-cases tags and leaves </td> and </tr> out."""
    out = ['<table border="1" cellspacing="0" cellpadding="0" style="border-collapse:collapse">', "<tbody>"]
    covered = layout.covered()
    origins = {(r0, c0): (r1 - r0 + 1, c1 - c0 + 1) for r0, c0, r1, c1 in layout.merges}
    for r, row in enumerate(layout.rows):
        out.append("<tr>")
        for c, text in enumerate(row):
            if (r, c) in covered:
                continue
            if layout.last_row_cells and r == len(layout.rows) - 1 and c >= layout.last_row_cells:
                break
            rowspan, colspan = origins.get((r, c), (1, 1))
            attrs = f' rowspan="{rowspan}"' if rowspan > 1 else ""
            attrs += f' colspan="{colspan}"' if colspan > 1 else ""
            lines = "".join(
                f'<p class="MsoNormal"><span style="font-family:仿宋_GB2312">{html.escape(line)}</span></p>'
                for line in text.split("\n")
                if line
            )
            out.append(f'<td{attrs} valign="center">{lines or "&nbsp;"}</td>')
        out.append("</tr>")
    out.append("</tbody></table>")
    markup = "\n".join(out)
    if sloppy:
        markup = (
            markup.replace("</td>", "").replace("</tr>", "").replace("<tr>", "<TR>").replace("<td", "<TD")
        )
    return markup


def write_html(
    tables: list[Layout], path: Path, encoding: str = "utf-8", sloppy: bool = False, title: str = ""
) -> Path:
    charset = {"gb18030": "gb2312", "gbk": "gbk"}.get(encoding, encoding)
    head = f'<meta http-equiv="Content-Type" content="text/html; charset={charset}">'
    body = [f'<div class="title"><h1>{html.escape(title or tables[-1].title)}</h1></div>']
    for paragraph in tables[-1].paragraphs:
        body.append(f"<p>{html.escape(paragraph)}</p>")
    body.append('<div class="content">')
    body += [html_table(layout, sloppy) for layout in tables]
    body.append("</div>")
    page = (
        f"<!DOCTYPE html>\n<html>\n<head>\n{head}\n<title>{html.escape(title or tables[-1].title)}</title>\n"
        "<script>var s = '<table><tr><td>not a table</td></tr></table>';</script>\n"
        "</head>\n<body>\n" + "\n".join(body) + "\n</body>\n</html>\n"
    )
    path.write_bytes(page.encode(encoding))
    return path


def flat_rows(layout: Layout, line_join: str | None) -> list[list[str]]:
    """What a spreadsheet exports: merged positions empty; lines joined by ``line_join`` if given."""
    rows = []
    covered = layout.covered()
    for r, row in enumerate(layout.rows):
        out = []
        for c, text in enumerate(row):
            text = "" if (r, c) in covered else text
            out.append(text.replace("\n", line_join) if line_join is not None else text)
        rows.append(out)
    return rows


def write_csv(layout: Layout, path: Path) -> Path:
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        csv.writer(fh).writerows(flat_rows(layout, None))
    return path


def write_txt(layout: Layout, path: Path) -> Path:
    lines = ["\t".join(row) for row in flat_rows(layout, "、")]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


WRITERS = {
    "docx": write_docx,
    "xlsx": write_xlsx,
    "xls": write_xls,
    "html": lambda layout, path: write_html([layout], path),
    "csv": write_csv,
    "txt": write_txt,
}


def build(directory: Path) -> dict[str, Path]:
    """Write every fixture into ``directory``; keys are the file names."""
    directory.mkdir(parents=True, exist_ok=True)
    built: dict[str, Path] = {}
    layout = plan_2023()
    for fmt in FORMATS:
        name = f"plan2023.{fmt}"
        built[name] = WRITERS[fmt](layout, directory / name)
    name = "plan2023-gbk.html"  # GBK, sloppy markup, the page's information table first
    built[name] = write_html([INFO_TABLE, layout], directory / name, encoding="gbk", sloppy=True)
    for key, variant in VARIANTS.items():
        for fmt in FORMATS:
            name = f"{key}.{fmt}"
            built[name] = WRITERS[fmt](variant, directory / name)
    name = "two_tables-gbk.html"
    built[name] = write_html(
        [INFO_TABLE, VARIANTS["columns_numbered"]], directory / name, encoding="gbk", sloppy=True
    )
    name = "nested.docx"
    built[name] = write_docx_nested(VARIANTS["units_merged"], directory / name)
    return built


if __name__ == "__main__":
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "fixtures")
    for path in build(target).values():
        print(path)
    print(f"{len(list(target.iterdir()))} 个文件写入 {target}", file=sys.stderr)
