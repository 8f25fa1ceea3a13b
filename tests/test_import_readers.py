"""The file-format readers of `gongkai import` (.docx, .xlsx, .xls, .html) on files built by
tests/helpers/tables.py: each gives the grid a person sees, merged cells repeated and flagged, and
each refuses hostile files (empty, encrypted, corrupt, renamed, zip bombs, huge sheets, deep HTML)
with one Chinese line, in a real process with a memory limit and a timeout.

Expected grids are written out by hand below: texts row by row, and merge flags as one string per
row ('.' plain, 'v' continues a merge from above, '>' from the left, '+' both).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest
import yaml

from gongkai_cli.errors import EXIT_SOURCE, GongkaiError, SourceError
from gongkai_cli.importers import docx, html, xls, xlsx
from gongkai_cli.importers.grid import Document, Table

from .helpers import tables
from .helpers.common import BUILT_IN_PLAN, ROOT, ROWS_PER_SECTION

READERS: dict[str, Any] = {"docx": docx, "xlsx": xlsx, "xls": xls, "html": html, "htm": html}
OFFICE = ("docx", "xlsx", "xls", "html")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return tables.build(tmp_path_factory.mktemp("tables"))


def read(path: Path) -> Document:
    return READERS[path.suffix.lstrip(".")].read(path)


def only_table(path: Path) -> Table:
    document = read(path)
    assert len(document.tables) == 1, [t.where for t in document.tables]
    return document.tables[0]


def texts(table: Table) -> list[list[str]]:
    return [[cell.text for cell in row] for row in table.rows]


def flags(table: Table) -> list[str]:
    mark = {(False, False): ".", (True, False): "v", (False, True): ">", (True, True): "+"}
    return ["".join(mark[cell.down, cell.right] for cell in row) for row in table.rows]


# -- invented variants, every format --------------------------------------------------------------

EXPECTED: dict[str, tuple[list[list[str]], list[str]]] = {
    "columns_numbered": (
        [
            ["序号", "重点任务", "工作要求", "完成时间", "责任部门"],
            [
                "1",
                "深化政策解读",
                "围绕年度重点政策开展图文、视频等多元化解读。",
                "6月30日前",
                "区发展改革局",
            ],
            ["2", "深化政策解读", "建立解读材料与政策文件同步起草、同步审签机制。", "持续推进", "区司法局"],
            ["3", "优化办事服务", "公开办事指南并随政策调整动态更新。", "三季度前", "区行政审批服务局"],
        ],
        [".....", ".....", ".v...", "....."],
    ),
    "lead_support": (
        [
            ["工作任务", "具体工作要求", "牵头单位", "配合单位", "完成时限"],
            ["公开财政信息", "细化公开部门预决算和“三公”经费。", "区财政局", "区直各部门", "年底前"],
            ["公开统计数据", "按月发布主要经济指标并附解读。", "区统计局", "区发展改革局\n区商务局", "全年"],
        ],
        [".....", ".....", "....."],
    ),
    "separators": (
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
        ["...."] * 6,
    ),
    "etc_tails": (
        [
            ["工作任务", "责任单位", "具体要求", "完成时限"],
            ["公开监管信息", "区市场监管局、区商务局等区政府有关部门单位", "公开抽查结果。", "12月底前"],
            ["公开工业信息", "区工信局等相关区直部门", "公开惠企政策兑现情况。", "年底前"],
            ["公开应急信息", "区应急局、区消防救援大队等按职责分工落实", "公开应急预案。", "长期坚持"],
            ["公开卫生信息", "规划信息处(爱卫办)、市府办〔市大数据局〕", "公开爱国卫生运动安排。", "全年"],
            ["落实公开制度", "区直各部门、各成员单位", "落实政务公开各项制度。", "持续推进"],
        ],
        ["...."] * 6,
    ),
    "units_merged": (
        [
            ["工作任务", "具体要求", "责任单位", "完成时限"],
            ["公开规划信息", "公开国土空间规划。", "区自然资源局\n区住房和城乡建设局", "9月底前"],
            ["公开规划信息", "公开重大项目批准信息。", "区自然资源局\n区住房和城乡建设局", "9月底前"],
            ["公开规划信息", "公开征地补偿信息。", "区自然资源局\n区住房和城乡建设局", "12月底前"],
        ],
        ["....", "....", "v.vv", "v.v."],
    ),
    "no_deadline": (
        [
            ["序号", "工作任务", "具体内容", "责任主体"],
            ["1", "公开政府工作报告", "公开报告全文及图解。", "区政府办公室"],
            ["2", "公开建议提案办理结果", "公开办理复文。", "各承办单位"],
        ],
        ["...."] * 3,
    ),
    "heading_columns": (
        [
            ["公开领域", "重点任务", "具体要求", "责任单位", "完成时限"],
            ["一、经济领域", "(一)财政信息", "公开预算执行情况。", "区财政局", "7月底前"],
            ["一、经济领域", "(一)财政信息", "公开政府债务信息。", "区财政局", "12月底前"],
            ["一、经济领域", "(二)统计信息", "公开统计公报。", "区统计局", "3月底前"],
            ["二、社会领域", "(三)教育信息", "公开招生计划。", "区教育局", "5月底前"],
        ],
        [".....", ".....", "vv...", "v....", "....."],
    ),
    "three_levels": (
        [
            ["工作任务", "具体要求", "责任单位", "完成时限"],
            ["一、加强重点领域公开"] * 4,
            ["(一)公共服务"] * 4,
            ["1.公开养老服务", "公开养老机构名录。", "区民政局", "10月底前"],
            ["1.公开养老服务", "公开养老补贴标准。", "区民政局", "10月底前"],
            ["2.公开医疗服务", "公开医保目录调整。", "区医保局", "12月底前"],
        ],
        ["....", ".>>>", ".>>>", "....", "v...", "...."],
    ),
    "traditional": (
        [
            ["工作任務", "責任單位", "具體要求", "完成時限"],
            ["推進決策公開", "區發展改革局\n各鎮(街道)", "公開重大決策事項目錄。", "12月底前"],
            ["推進決策公開", "區司法局", "開展政策評價。", "長期推進"],
        ],
        ["....", "....", "v..."],
    ),
    "truncated": (
        [
            ["工作任务", "责任单位", "具体要求", "完成时限"],
            ["公开环境信息", "区生态环境局", "公开环境质量月报。", "12月底前"],
            ["公开交通信息", "区交通运输局", "公开道路施工占道信息，推进", ""],
        ],
        ["...."] * 3,
    ),
    "header_only": ([["工作任务", "责任单位", "具体要求", "完成时限"]], ["...."]),
}


@pytest.mark.parametrize("fmt", OFFICE)
@pytest.mark.parametrize("variant", sorted(EXPECTED))
def test_variant_grid(built: dict[str, Path], variant: str, fmt: str) -> None:
    table = only_table(built[f"{variant}.{fmt}"])
    want_texts, want_flags = EXPECTED[variant]
    assert texts(table) == want_texts
    assert flags(table) == want_flags
    assert table.first_line == 1


def test_variants_cover_every_fixture() -> None:
    assert set(EXPECTED) == set(tables.VARIANTS)


@pytest.mark.parametrize("fmt", ("docx", "xlsx", "xls"))
def test_where_names_the_table_or_sheet(built: dict[str, Path], fmt: str) -> None:
    where = only_table(built[f"no_deadline.{fmt}"]).where
    assert where == {"docx": "第 1 个表格", "xlsx": "工作表“Sheet1”", "xls": "工作表“Sheet1”"}[fmt]


def test_nested_docx_table_is_a_table_of_its_own(built: dict[str, Path]) -> None:
    document = read(built["nested.docx"])
    assert [t.where for t in document.tables] == ["第 1 个表格", "第 1 个表格内的第 1 个表格"]
    frame, inner = document.tables
    assert texts(frame) == [["附件"]]  # the frame cell keeps its own paragraph, not the inner table's text
    assert texts(inner) == EXPECTED["units_merged"][0]
    assert flags(inner) == EXPECTED["units_merged"][1]
    assert document.paragraphs == ["（此件公开发布）"]


def test_two_table_gbk_page_gives_both_tables_in_order(built: dict[str, Path]) -> None:
    document = read(built["two_tables-gbk.html"])
    assert [t.where for t in document.tables] == ["第 1 个表格", "第 2 个表格"]
    info, data = document.tables
    assert texts(info) == [
        ["索引号", "QH-2024-0017", "发布机构", "青禾区人民政府办公室"],
        ["发文字号", "青政办字〔2024〕5号", "发布日期", "2024-03-08"],
    ]
    assert texts(data) == EXPECTED["columns_numbered"][0]
    assert flags(data) == EXPECTED["columns_numbered"][1]
    assert document.paragraphs[0] == "青禾区2024年政务公开重点任务清单"  # <title>, not the script's string


# -- the 2023 plan in the official layout -----------------------------------------------------------

PART_ROWS = [1, 30, 43, 53]  # 1 header row, then per part: its heading row and its sections' rows
SECTIONS_OF_PART = [[1, 2, 3], [4, 5, 6], [7, 8, 9], [10, 11, 12, 13, 14]]
FIRST_ROWS = [
    ["工作任务", "责任单位", "具体要求", "完成时限"],
    ["一、推进绿色低碳高质量发展信息公开"] * 4,
    [
        "(一)围绕稳经济、促活力强化公开",
        "区生态环境分局",
        "加强改善生态环境质量信息公开,及时发布解读推动绿色低碳高质量发展相关政策措施。",
        "12月底前",
    ],
    [
        "(一)围绕稳经济、促活力强化公开",
        "区商务局",
        "推动外贸固稳提质,实时发布工作动态及政策信息,加大解读力度,为实现经济社会发展目标任务营造良好环境。",
        "12月底前",
    ],
    [
        "(一)围绕稳经济、促活力强化公开",
        "区国金局\n区发改局\n区工信局",
        "深化国资国企改革,落实各项支持民营经济高质量发展意见,抓好政策公开及全面解读。",
        "12月底前",
    ],
]
FIRST_FLAGS = ["....", ".>>>", "....", "v...", "v..."]
PLAN_2023 = ("plan2023.docx", "plan2023.xlsx", "plan2023.xls", "plan2023.html", "plan2023-gbk.html")


def data_table(path: Path) -> Table:
    document = read(path)
    candidates = [t for t in document.tables if t.rows and t.rows[0][0].text == "工作任务"]
    assert len(candidates) == 1
    return candidates[0]


@pytest.mark.parametrize("name", PLAN_2023)
def test_plan_2023_grid(built: dict[str, Path], name: str) -> None:
    table = data_table(built[name])
    assert len(table.rows) == 64 and all(len(row) == 4 for row in table.rows)
    assert texts(table)[:5] == FIRST_ROWS
    assert flags(table)[:5] == FIRST_FLAGS
    # part heading rows, merged across, and nothing else merged across
    across = [i for i, f in enumerate(flags(table)) if ">" in f]
    assert across == PART_ROWS
    assert [table.rows[i][0].text[:2] for i in PART_ROWS] == ["一、", "二、", "三、", "四、"]
    # each section's title merged down over exactly its rows (row counts from the published table)
    starts = [i for i, row in enumerate(table.rows) if row[0].text.startswith("(") and not row[0].down]
    assert len(starts) == 14
    for start, count in zip(starts, ROWS_PER_SECTION, strict=True):
        block = table.rows[start : start + count]
        assert [cell.down for cell in (row[0] for row in block)] == [False] + [True] * (count - 1)
        assert {row[0].text for row in block} == {table.rows[start][0].text}
    # requirements and deadlines verbatim, in the plan's order
    plan = yaml.safe_load(BUILT_IN_PLAN.read_text(encoding="utf-8"))
    data_rows = [row for i, row in enumerate(table.rows) if i and i not in PART_ROWS]
    assert [row[2].text for row in data_rows] == [t["requirement"] for t in plan["tasks"]]
    assert [row[3].text for row in data_rows] == [t["deadline_text"] for t in plan["tasks"]]
    assert data_rows[-1][1].text == "区政府办公室"
    # the 等 phrase kept in one paragraph, the units after it one per paragraph
    assert "区商务局、区发改局等区政府有关部门单位\n运河经济开发区\n各镇(街道)" in [
        row[1].text for row in data_rows
    ]
    assert SECTIONS_OF_PART[-1][-1] == 14


def test_plan_2023_docx_paragraphs_outside_the_table(built: dict[str, Path]) -> None:
    assert read(built["plan2023.docx"]).paragraphs == [
        "济任政办字〔2023〕24号",
        "济宁市任城区人民政府办公室关于印发2023年济宁市任城区政务公开重点工作任务分解表的通知",
        "附件",
        "2023年济宁市任城区政务公开重点工作任务分解表",
    ]


# -- details each format gets wrong easily ------------------------------------------------------------


def test_xlsx_used_range_and_values(tmp_path: Path) -> None:
    """Leading empty rows and columns are dropped (first_line says where the table starts), a merge
    wider than the data is clipped, numbers lose ".0", dates read as a person writes them."""
    import datetime as dt

    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "任务"
    ws["C3"] = "分解表"
    ws.merge_cells("C3:Z3")  # a title merged far beyond the table
    ws["C4"], ws["D4"], ws["E4"] = "序号", "具体要求", "完成时限"
    ws["C5"], ws["D5"], ws["E5"] = 1.0, "第一行\r\n  第二行  \n\n", dt.datetime(2024, 6, 30)
    ws["C6"], ws["D6"], ws["E6"] = 2, "  ", 3.5
    wb.create_sheet("空表")
    wb.save(tmp_path / "t.xlsx")
    document = read(tmp_path / "t.xlsx")
    assert len(document.tables) == 1  # the empty sheet is not a table
    table = document.tables[0]
    assert (table.where, table.first_line) == ("工作表“任务”", 3)
    assert texts(table) == [
        ["分解表", "分解表", "分解表"],
        ["序号", "具体要求", "完成时限"],
        ["1", "第一行\n第二行", "2024年6月30日"],
        ["2", "", "3.5"],
    ]
    assert flags(table) == [".>>", "...", "...", "..."]


def test_html_spans_and_sloppy_markup(tmp_path: Path) -> None:
    """rowspan and colspan together, rowspan="0" to the end, unclosed cells and paragraphs, &nbsp;,
    a stray </div> inside a cell, a layout table around the data, a table in a script string."""
    page = """<html><head><meta charset="utf-8"><title>页面</title>
<script>document.write("<table><tr><td>假</td><td>表</td></tr><tr><td>x</td><td>y</td></tr></table>")</script>
</head><body><table class="layout"><tr><td>导航</td><td>
<table>
<tr><th>A<th>B<th>C
<tr><td rowspan=2 colspan=2>合并</div>块<td>c1
<tr><td>c2
<tr><td rowspan="0">到底<td><p>甲<p>乙<br>丙<td>&nbsp;
<tr><td>x<td>y
</table></td></tr></table></body></html>"""
    (tmp_path / "p.html").write_text(page, encoding="utf-8")
    document = read(tmp_path / "p.html")
    assert [t.where for t in document.tables] == ["第 2 个表格"]  # the layout table is left out
    table = document.tables[0]
    assert texts(table) == [
        ["A", "B", "C"],
        ["合并块", "合并块", "c1"],
        ["合并块", "合并块", "c2"],
        ["到底", "甲\n乙\n丙", ""],
        ["到底", "x", "y"],
    ]
    assert flags(table) == ["...", ".>.", "v+.", "...", "v.."]
    assert document.paragraphs == ["页面", "导航"]


def test_html_as_word_saves_it(tmp_path: Path) -> None:
    """Word's "save as web page": long Chinese lines wrapped in the source, <o:p> tags, conditional
    comments, a <caption> title; the wrap inside Chinese text is no space, between Latin words it is."""
    page = """<html xmlns:o="urn:schemas-microsoft-com:office:office"><body lang=ZH-CN>
<p class=MsoNormal align=center><span style='font-size:22.0pt'>青禾区2024年政务公开
重点工作任务分解表<o:p></o:p></span></p>
<table class=MsoNormalTable border=1><caption>附表</caption>
 <![if !supportMisalignedColumns]><tr height=0><td width=50 style='border:none'></td></tr><![endif]>
 <tr><td><p class=MsoNormal><span>工作任务<o:p></o:p></span></p></td>
  <td><p class=MsoNormal><span>具体要求<o:p></o:p></span></p></td></tr>
 <tr><td><p class=MsoNormal><span lang=EN-US>Open
  Data</span><span>专题</span></p></td>
  <td><p class=MsoNormal><span>加强改善生态环境质量信息公开,及时发布解读推动绿色低碳高质
  量发展相关政策措施。</span><span lang=EN-US><o:p></o:p></span></p></td></tr>
</table></body></html>"""
    (tmp_path / "word.htm").write_text(page, encoding="utf-8")
    document = read(tmp_path / "word.htm")
    assert texts(document.tables[0]) == [
        ["", ""],  # Word's empty sizing row
        ["工作任务", "具体要求"],
        ["Open Data专题", "加强改善生态环境质量信息公开,及时发布解读推动绿色低碳高质量发展相关政策措施。"],
    ]
    assert document.paragraphs == ["青禾区2024年政务公开重点工作任务分解表", "附表"]


@pytest.mark.parametrize(
    ("encoding", "meta"),
    [
        ("utf-8-sig", ""),  # a byte-order mark and no meta
        ("gb18030", ""),  # no meta at all: found by trial
        ("gbk", '<meta http-equiv="Content-Type" content="text/html; charset=gb2312">'),
        ("gbk", '<meta charset="utf-8">'),  # the meta lies: the bytes are GBK
        ("big5", '<meta charset="big5">'),
        ("utf-16", ""),
    ],
)
def test_html_encodings(tmp_path: Path, encoding: str, meta: str) -> None:
    words = ["工作任务", "责任单位"] if encoding != "big5" else ["工作任務", "責任單位"]
    page = f"<html><head>{meta}</head><body><table><tr><td>{words[0]}</td><td>{words[1]}</td></tr>"
    page += "<tr><td>镇(街道)</td><td>〔2024〕</td></tr></table></body></html>".replace(
        "镇", "镇" if encoding != "big5" else "鎮"
    )
    (tmp_path / "e.html").write_bytes(page.encode(encoding))
    table = only_table(tmp_path / "e.html")
    assert texts(table)[0] == words
    assert texts(table)[1][1] == "〔2024〕"


def test_docx_merge_details(tmp_path: Path) -> None:
    """A cell spanning two grid columns and merged down; gridBefore; a vMerge continuation whose
    stale text is ignored; a run in a hyperlink and a tracked insertion read, a deletion not."""
    w = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'

    def p(*runs: str) -> str:
        return "<w:p>" + "".join(runs) + "</w:p>"

    def r(text: str) -> str:
        return f'<w:r><w:t xml:space="preserve">{text}</w:t></w:r>'

    def tc(content: str, span: int = 1, vmerge: str | None = None) -> str:
        props = f'<w:gridSpan w:val="{span}"/>' if span > 1 else ""
        if vmerge is not None:
            props += f'<w:vMerge w:val="{vmerge}"/>' if vmerge else "<w:vMerge/>"
        return f"<w:tc><w:tcPr>{props}</w:tcPr>{content}</w:tc>"

    body = (
        p(r("标题"))
        + "<w:tbl><w:tblGrid><w:gridCol/><w:gridCol/><w:gridCol/></w:tblGrid>"
        + "<w:tr>" + tc(p(r("宽")), span=2, vmerge="restart") + tc(p(r("右"))) + "</w:tr>"
        + "<w:tr>" + tc(p(r("残留文字")), span=2, vmerge="") + tc(p(r("二"))) + "</w:tr>"
        + '<w:tr><w:trPr><w:gridBefore w:val="1"/></w:trPr>'
        + tc(p(r("甲"), "<w:hyperlink>" + r("链") + "</w:hyperlink>", "<w:ins>" + r("增") + "</w:ins>",
               "<w:del><w:r><w:delText>删</w:delText></w:r></w:del>",
               "<w:r><w:t>行</w:t><w:br/><w:t>下</w:t></w:r>"))
        + "</w:tr></w:tbl>"
        + p(r("  尾  "))
    )  # fmt: skip
    path = tmp_path / "m.docx"
    _docx_with_body(path, f"<w:document {w}><w:body>{body}</w:body></w:document>")
    document = read(path)
    table = document.tables[0]
    assert texts(table) == [["宽", "宽", "右"], ["宽", "宽", "二"], ["", "甲链增行\n下", ""]]
    assert flags(table) == [".>.", "v+.", "..."]
    assert document.paragraphs == ["标题", "尾"]


def _docx_with_body(path: Path, document_xml: str) -> None:
    """A minimal valid .docx around the given word/document.xml."""
    ct = "http://schemas.openxmlformats.org/package/2006/content-types"
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(
            "[Content_Types].xml",
            f'<Types xmlns="{ct}"><Default Extension="rels" '
            'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
            "</Types>",
        )
        zf.writestr(
            "_rels/.rels",
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{rel}" Target="word/document.xml"/></Relationships>',
        )
        zf.writestr("word/document.xml", document_xml)


# -- hostile input: one Chinese line, a documented exit code, in seconds, in bounded memory -----------

PROBE = """
import json, resource, sys
from pathlib import Path
resource.setrlimit(resource.RLIMIT_AS, (1536 * 1024 * 1024, 1536 * 1024 * 1024))
from gongkai_cli.errors import GongkaiError
from gongkai_cli.importers import docx, html, xls, xlsx
reader = {"docx": docx, "xlsx": xlsx, "xls": xls, "html": html}[sys.argv[1]]
try:
    document = reader.read(Path(sys.argv[2]))
except GongkaiError as exc:
    print(json.dumps({"error": type(exc).__name__, "code": exc.exit_code, "message": str(exc)}))
else:
    print(json.dumps({"tables": len(document.tables)}))
"""


def refuse(fmt: str, path: Path) -> str:
    """Read ``path`` as ``fmt`` in a fresh process limited to 1.5 GB and 60 s; return the message."""
    proc = subprocess.run(
        [sys.executable, "-c", PROBE, fmt, str(path)], capture_output=True, text=True, timeout=60, cwd=ROOT
    )
    assert proc.returncode == 0 and not proc.stderr, proc.stderr[-2000:]
    result = json.loads(proc.stdout)
    assert result.get("error") == "SourceError", result
    assert result["code"] == EXIT_SOURCE == 7
    message: str = result["message"]
    assert "\n" not in message and str(path) in message
    return message


@pytest.mark.parametrize("fmt", OFFICE)
def test_empty_file(tmp_path: Path, fmt: str) -> None:
    path = tmp_path / f"空.{fmt}"
    path.write_bytes(b"")
    assert "空文件" in refuse(fmt, path)


@pytest.mark.parametrize("fmt", ("docx", "xlsx", "xls"))
def test_encrypted_office_file(built: dict[str, Path], tmp_path: Path, fmt: str) -> None:
    from msoffcrypto.format.ooxml import OOXMLFile

    source = built["plan2023.xlsx" if fmt == "xls" else f"plan2023.{fmt}"]
    path = tmp_path / f"加密.{fmt}"
    with source.open("rb") as plain, path.open("wb") as out:
        OOXMLFile(plain).encrypt("secret", out)
    assert path.read_bytes()[:8] == bytes.fromhex("d0cf11e0a1b11ae1")  # an OLE compound file
    assert "已加密" in refuse(fmt, path)


@pytest.mark.parametrize("fmt", ("docx", "xlsx"))
def test_truncated_zip(built: dict[str, Path], tmp_path: Path, fmt: str) -> None:
    data = built[f"plan2023.{fmt}"].read_bytes()
    path = tmp_path / f"断.{fmt}"
    path.write_bytes(data[: len(data) // 2])
    assert "已损坏" in refuse(fmt, path)


def test_zip_with_a_corrupted_member(built: dict[str, Path], tmp_path: Path) -> None:
    data = bytearray(built["plan2023.docx"].read_bytes())
    with zipfile.ZipFile(built["plan2023.docx"]) as zf:
        info = zf.getinfo("word/document.xml")
    start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    for i in range(start + 100, start + 200):
        data[i] ^= 0x55  # flip bytes inside the compressed document.xml
    path = tmp_path / "坏.docx"
    path.write_bytes(bytes(data))
    assert "已损坏" in refuse("docx", path)


def test_zip_whose_xml_is_not_a_document(tmp_path: Path) -> None:
    path = tmp_path / "乱.docx"
    _docx_with_body(path, "<w:document this is not XML")
    assert "无法作为 Word 文档打开" in refuse("docx", path)


@pytest.mark.parametrize(
    ("built_name", "fmt", "says"),
    [
        ("plan2023.docx", "xlsx", "内容却是Word 文档（.docx）：请把扩展名改为 .docx"),
        ("plan2023.xlsx", "docx", "内容却是Excel 工作簿（.xlsx）"),
        ("plan2023.xlsx", "xls", "内容却是Excel 工作簿（.xlsx）"),
        ("plan2023.xls", "docx", "内容却是旧版 Excel 工作簿（.xls）"),
        ("plan2023.html", "xls", "内容却是网页（.html）：请把扩展名改为 .html"),  # sites serve this
        ("plan2023.xls", "html", "内容却是旧版 Excel 工作簿（.xls）"),
        ("plan2023.csv", "docx", "内容却是文本文件"),
    ],
)
def test_renamed_file(built: dict[str, Path], tmp_path: Path, built_name: str, fmt: str, says: str) -> None:
    path = tmp_path / f"改名.{fmt}"
    path.write_bytes(built[built_name].read_bytes())
    assert says in refuse(fmt, path)


def test_zip_bomb_declared_size(tmp_path: Path) -> None:
    """document.xml inflating to 210 MB from a few hundred KB: refused from the central directory."""
    path = tmp_path / "炸弹.docx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        with zf.open("word/document.xml", "w") as member:
            block = b"<w:p/>" * (1 << 16)
            for _ in range(210 * (1 << 20) // len(block) + 1):
                member.write(block)
    assert path.stat().st_size < 2 * (1 << 20)
    assert "解压后超过 200 MB" in refuse("docx", path)


def test_xml_part_too_big_to_parse(tmp_path: Path) -> None:
    """A 30 MB document.xml of empty paragraphs is under the zip limit but would take gigabytes as
    a parsed tree: refused by its size."""
    path = tmp_path / "大.docx"
    w = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    _docx_with_body(path, f"<w:document {w}><w:body>" + "<w:p/>" * (5 << 20) + "</w:body></w:document>")
    assert "word/document.xml 解压后有 30 MB 以上，超过上限 20 MB" in refuse("docx", path)


def test_zip_bomb_lying_header(tmp_path: Path) -> None:
    """The same member with its declared size patched down to 1 KB in both headers: the actual
    decompression is counted and stopped, never trusted."""
    path = tmp_path / "说谎.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("xl/workbook.xml", "<workbook/>")
        with zf.open("xl/worksheets/sheet1.xml", "w", force_zip64=False) as member:
            block = b"<row/>" * (1 << 16)
            for _ in range(300 * (1 << 20) // len(block)):
                member.write(block)
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo("xl/worksheets/sheet1.xml")
    real = info.file_size.to_bytes(4, "little")
    assert data.count(real) >= 2
    data = data.replace(real, (1024).to_bytes(4, "little"))
    path.write_bytes(bytes(data))
    message = refuse("xlsx", path)
    assert "已损坏" in message or "解压后超过" in message


def test_zip_bomb_under_another_name_is_named_as_given(tmp_path: Path) -> None:
    """The dispatcher reads a renamed .docx by its content; the refusal names the user's file."""
    from gongkai_cli.importers import read_document

    path = tmp_path / "炸弹.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf, zf.open("word/document.xml", "w") as member:
        for _ in range(210):
            member.write(b" " * (1 << 20))
    with pytest.raises(SourceError) as caught:
        read_document(path)
    assert str(caught.value).startswith(f"{path} 解压后超过 200 MB")


def test_huge_xlsx_sheet(tmp_path: Path) -> None:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("大表")
    for i in range(20_001):
        ws.append([i])
    wb.save(tmp_path / "大.xlsx")
    message = refuse("xlsx", tmp_path / "大.xlsx")
    assert "20001 行以上，超过导入上限 20000 行" in message


def test_wide_xlsx_sheet(tmp_path: Path) -> None:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("宽表")
    for _ in range(2_100):
        ws.append(["x"] * 200)
    wb.save(tmp_path / "宽.xlsx")
    assert f"超过 {400_000} 个单元格" in refuse("xlsx", tmp_path / "宽.xlsx")


def test_xlsx_merged_range_over_the_whole_sheet(built: dict[str, Path], tmp_path: Path) -> None:
    """One <mergeCell ref="A100:XFD1048576"/>: openpyxl would make 17 billion objects; refused first."""
    path = tmp_path / "合并.xlsx"
    with (
        zipfile.ZipFile(built["plan2023.xlsx"]) as zin,
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout,
    ):
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                assert b"<mergeCells" in data
                data = re.sub(
                    rb"<mergeCells count=\"\d+\">",
                    b'<mergeCells count="1"><mergeCell ref="A100:XFD1048576"/>',
                    data,
                )
            zout.writestr(item, data)
    assert "合并单元格覆盖超过 800000 个位置" in refuse("xlsx", path)


def test_xls_overlapping_merges(tmp_path: Path) -> None:
    import xlwt

    book = xlwt.Workbook()
    ws = book.add_sheet("叠", cell_overwrite_ok=True)
    for _ in range(1_500):
        ws.merge(0, 599, 0, 1)
    for r in range(600):  # after the merges, which blank their cells
        ws.write(r, 0, "x")
        ws.write(r, 1, "y")
    book.save(str(tmp_path / "叠.xls"))
    assert "合并单元格覆盖超过 800000 个位置" in refuse("xls", tmp_path / "叠.xls")


def test_huge_xls_sheet(tmp_path: Path) -> None:
    import xlwt

    book = xlwt.Workbook()
    ws = book.add_sheet("大表")
    for i in range(20_001):
        ws.write(i, 0, i)
    book.save(str(tmp_path / "大.xls"))
    assert "工作表“大表”有 20001 行以上" in refuse("xls", tmp_path / "大.xls")


def test_docx_cell_spanning_a_million_columns(tmp_path: Path) -> None:
    w = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    tc = '<w:tc><w:tcPr><w:gridSpan w:val="1000000"/></w:tcPr><w:p/></w:tc>'
    path = tmp_path / "宽.docx"
    _docx_with_body(path, f"<w:document {w}><w:body><w:tbl><w:tr>{tc}</w:tr></w:tbl></w:body></w:document>")
    assert "超过导入上限 200 列" in refuse("docx", path)


@pytest.mark.parametrize("markup", ["<div>" * 200_000, "<table><tr><td>" * 50_000, "<span><b>" * 100_000])
def test_deeply_nested_html(tmp_path: Path, markup: str) -> None:
    path = tmp_path / "深.html"
    path.write_text(f"<html><body>{markup}x</body></html>", encoding="utf-8")
    assert "嵌套超过 1000 层" in refuse("html", path)


def test_deep_page_without_a_doctype_is_read_as_html(tmp_path: Path) -> None:
    """A page that opens with a bare tag is sniffed as HTML by the dispatcher, so its depth is checked."""
    from gongkai_cli.importers import read_document

    path = tmp_path / "深.htm"
    path.write_text("<div>" * 200_000, encoding="utf-8")
    with pytest.raises(SourceError, match="嵌套超过 1000 层"):
        read_document(path)


@pytest.mark.parametrize(
    "markup",
    [
        "<a " * 200_000,
        "</" * 500_000,
        "<![" * 100_000,
        "<table><tr><td>" + "<a x=1 " * 100_000,
        "<!--" * 100_000,
    ],
)
def test_html_that_makes_the_parser_backtrack(tmp_path: Path, markup: str) -> None:
    """Unclosed tags piled up: html.parser alone takes minutes (or raises); read in seconds."""
    path = tmp_path / "回溯.html"
    path.write_text(f"<html><body><table><tr><td>甲<td>乙<tr><td>丙<td>丁</table>{markup}", encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-c", PROBE, "html", str(path)], capture_output=True, text=True, timeout=60, cwd=ROOT
    )
    assert proc.returncode == 0 and not proc.stderr, proc.stderr[-2000:]
    result = json.loads(proc.stdout)
    assert result == {"tables": 1} or (result.get("error") == "SourceError" and "\n" not in result["message"])


def test_html_table_end_closes_unclosed_cells(tmp_path: Path) -> None:
    """<td> and <tr> left open, no <tbody>: </table> still ends the table, and the next is its own."""
    page = "<table><tr><td>甲<td>乙<tr><td>丙<td>丁</table><p>中间</p>"
    page += "<table><tr><td>戊<td>己<tr><td>庚<td>辛</table>"
    (tmp_path / "t.html").write_text(page, encoding="utf-8")
    document = read(tmp_path / "t.html")
    assert [texts(t) for t in document.tables] == [[["甲", "乙"], ["丙", "丁"]], [["戊", "己"], ["庚", "辛"]]]
    assert document.paragraphs == ["中间"]


def test_defuse_keeps_real_tags_and_escapes_unclosed_ones() -> None:
    from gongkai_cli.importers.html import defuse

    assert defuse('<p class="a">x > y</p><td>') == '<p class="a">x > y</p><td>'
    assert defuse("<a <b>c</b> <d") == "&lt;a <b>c</b> &lt;d"
    assert defuse("1 < 2 <br>") == "1 &lt; 2 <br>"


def test_html_span_bomb(tmp_path: Path) -> None:
    path = tmp_path / "跨.html"
    path.write_text(
        '<table><tr><td colspan="999999">a<td>b</tr><tr><td>c</td></tr></table>', encoding="utf-8"
    )
    assert "列" in refuse("html", path)


def test_html_overlapping_rowspans(tmp_path: Path) -> None:
    """Every row starting a cell that spans to the end of the table: quadratic work, refused."""
    path = tmp_path / "叠.html"
    path.write_text("<table>" + '<tr><td rowspan="0">x' * 15_000 + "</table>", encoding="utf-8")
    assert "超过导入上限" in refuse("html", path)


def test_binary_file_named_html(tmp_path: Path) -> None:
    path = tmp_path / "乱.html"
    path.write_bytes(bytes(range(256)) * 64)
    assert "无法识别的二进制文件" in refuse("html", path)


def test_source_error_is_a_gongkai_error() -> None:
    assert issubclass(SourceError, GongkaiError)
    assert SourceError("x").exit_code == EXIT_SOURCE


# -- every format of a variant is the same table ------------------------------------------------------


@pytest.mark.parametrize("variant", sorted(set(tables.VARIANTS) - {"header_only"}))
def test_every_format_of_a_variant_imports_to_the_same_plan(built: dict[str, Path], variant: str) -> None:
    """A table saved as .docx, .xlsx, .xls, .html, .csv or .txt is one table: the readers and the text
    reader hand the normaliser grids that make the same parts, sections and rows."""
    from gongkai_cli.importers import import_table
    from gongkai_cli.importers.normalise import Meta

    plans = {fmt: import_table(built[f"{variant}.{fmt}"], Meta(year=2024)).plan for fmt in tables.FORMATS}
    first = plans["docx"]
    assert first.tasks
    for fmt, plan in plans.items():
        assert (plan.parts, plan.sections, plan.tasks) == (first.parts, first.sections, first.tasks), fmt


@pytest.mark.parametrize("fmt", tables.FORMATS)
def test_header_only_table_imports_nothing(built: dict[str, Path], fmt: str) -> None:
    from gongkai_cli.importers import import_table
    from gongkai_cli.importers.normalise import Meta

    with pytest.raises(GongkaiError) as caught:
        import_table(built[f"header_only.{fmt}"], Meta(year=2024))
    assert caught.value.exit_code == 3


def test_xml_entity_expansion_in_a_docx(tmp_path: Path) -> None:
    """A "billion laughs" document.xml: refused, not expanded to gigabytes."""
    entities = '<!ENTITY e0 "lollollollollollollollollollol">' + "".join(
        f'<!ENTITY e{i} "{f"&e{i - 1};" * 10}">' for i in range(1, 10)
    )
    w = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    body = "<w:body><w:tbl><w:tr><w:tc><w:p><w:r><w:t>&e9;</w:t></w:r></w:p></w:tc></w:tr></w:tbl></w:body>"
    path = tmp_path / "笑.docx"
    _docx_with_body(
        path, f'<?xml version="1.0"?><!DOCTYPE d [{entities}]><w:document {w}>{body}</w:document>'
    )
    assert "无法作为 Word 文档打开" in refuse("docx", path)


def test_docx_whose_main_part_is_not_document_xml(built: dict[str, Path], tmp_path: Path) -> None:
    """Word Online writes word/document2.xml: the package's relationships say which part is main."""
    path = tmp_path / "online.docx"
    with zipfile.ZipFile(built["plan2023.docx"]) as zin, zipfile.ZipFile(path, "w") as zout:
        for item in zin.infolist():
            data = zin.read(item.filename).replace(b"word/document.xml", b"word/document2.xml")
            zout.writestr(item.filename.replace("word/document.xml", "word/document2.xml"), data)
    with zipfile.ZipFile(path) as zf:
        assert "word/document.xml" not in zf.namelist()
    assert len(data_table(path).rows) == 64
