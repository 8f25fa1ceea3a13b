"""The ledgers a coordinator hands upward, read by real programs: LibreOffice prints the XLSX 台账 and
the Word report to PDF (poppler's pdftotext reads the pages back, pdftoppm renders page 1 for a human
in tests/artifacts/), openpyxl checks the page setup, python-docx reads the report's table back, and
the CSV is read back the way Excel's UTF-8 detection needs it (utf-8-sig)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import shutil
import subprocess
from itertools import pairwise
from pathlib import Path

import pytest

from .helpers.common import MINIMAL, ROWS, run_installed

ARTIFACTS = Path(__file__).parent / "artifacts"
HEADERS = [
    "编号", "工作任务", "责任单位", "具体要求", "完成时限", "截止日期", "时效", "完成情况", "未完成单位",
    "逾期完成单位", "佐证材料",
]  # fmt: skip
AS_OF = "2023-12-10"


def tool(name: str, package: str) -> str:
    """A program the tests drive; CI installs it (.ci/run), elsewhere its absence skips the test."""
    found = shutil.which(name)
    if not found:
        if os.environ.get("CI"):
            pytest.fail(f"{name} is missing; .ci/run installs Debian's {package}")
        pytest.skip(f"{name} is not installed (Debian: {package})")
    return found


def to_pdf(path: Path, tmp_path: Path) -> Path:
    soffice = tool("soffice", "libreoffice-calc-nogui / libreoffice-writer-nogui")
    out = tmp_path / "pdf"
    subprocess.run(
        [soffice, "--headless", f"-env:UserInstallation={(tmp_path / 'lo').as_uri()}", "--convert-to", "pdf",
         "--outdir", str(out), str(path)],
        capture_output=True, timeout=300, check=True,
    )  # fmt: skip
    pdf = out / f"{path.stem}.pdf"
    assert pdf.exists(), f"LibreOffice wrote no PDF for {path.name}"
    return pdf


def pdf_pages(pdf: Path) -> list[str]:
    """Each page's text (pdftotext separates pages with a form feed)."""
    text = subprocess.run(
        [tool("pdftotext", "poppler-utils"), "-layout", str(pdf), "-"],
        capture_output=True, text=True, timeout=120, check=True,
    ).stdout  # fmt: skip
    return text.split("\f")[:-1]


def page_size(pdf: Path) -> tuple[float, float]:
    info = subprocess.run(
        [tool("pdfinfo", "poppler-utils"), str(pdf)], capture_output=True, text=True, timeout=60, check=True
    ).stdout
    line = next(x for x in info.splitlines() if x.startswith("Page size:"))
    width, _, height = line.split(":")[1].split()[:3]
    return float(width), float(height)


def render_page_1(pdf: Path, name: str) -> Path:
    """Page 1 as a PNG in tests/artifacts/, for a person to look at."""
    ARTIFACTS.mkdir(exist_ok=True)
    stem = ARTIFACTS / name
    subprocess.run(
        [tool("pdftoppm", "poppler-utils"), "-f", "1", "-l", "1", "-singlefile", "-png", "-r", "110",
         str(pdf), str(stem)],
        capture_output=True, timeout=120, check=True,
    )  # fmt: skip
    png = stem.with_suffix(".png")
    assert png.stat().st_size > 20_000
    return png


def squeeze(text: str) -> str:
    return "".join(text.split())


@pytest.fixture
def worked(run):  # type: ignore[no-untyped-def]
    """Each timeliness state on 2023-12-10: row 7 done on time, row 8 done late (12-05, due 11-30),
    rows 6 and 11 overdue, row 12 a quarter done, the December rows not yet due."""
    for args in (
        ("done", "7", "--date", "2023-11-20", "--note", '=HYPERLINK("http://evil.example")'),
        ("done", "8", "--date", "2023-12-05", "--note", "+1+1"),
        ("done", "12", "-u", "区教体局", "--date", "2023-11-25", "--note", "@SUM(1)"),
    ):
        r = run(*args)
        assert r.exit_code == 0, r.output
    return run


def export(run, kind: str, path: Path, *args: str) -> Path:  # type: ignore[no-untyped-def]
    r = run("export", kind, "-o", str(path), "--as-of", AS_OF, *args)
    assert r.exit_code == 0, r.output
    return path


def header_row(ws) -> int:  # type: ignore[no-untyped-def]
    return next(r for r in range(1, 10) if ws.cell(row=r, column=1).value in ("编号", "单位"))


def luminance(hex_rgb: str) -> float:
    rgb = hex_rgb[-6:]
    r, g, b = (int(rgb[i : i + 2], 16) for i in (0, 2, 4))
    return 0.299 * r + 0.587 * g + 0.114 * b


# -- XLSX 台账 -----------------------------------------------------------------------------------


def test_xlsx_page_setup_as_openpyxl_reads_it(worked, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from openpyxl import load_workbook

    wb = load_workbook(export(worked, "xlsx", tmp_path / "台账.xlsx"))
    for ws in wb.worksheets:  # the 台账 and the 单位汇总, the same setup
        top = header_row(ws)
        assert ws["A1"].value.startswith("2023年济宁市任城区政务公开重点工作任务分解表")
        assert ws["A2"].value == "济任政办字〔2023〕24号"
        assert ws["A3"].value.startswith("截至 2023年12月10日 · 生成于 ")
        assert ws.page_setup.orientation == "landscape"
        assert int(ws.page_setup.paperSize) == 9  # A4
        assert ws.sheet_properties.pageSetUpPr.fitToPage is True
        assert (int(ws.page_setup.fitToWidth), int(ws.page_setup.fitToHeight)) == (1, 0)  # one page wide
        assert ws.print_title_rows == f"${top}:${top}"  # the header row on every page
        assert "&P" in ws.oddFooter.center.text and "&N" in ws.oddFooter.center.text
        margins = ws.page_margins
        assert 0.2 <= min(margins.left, margins.right, margins.top, margins.bottom) <= 1
        header = ws.cell(row=top, column=1)
        assert header.border.left.style == "thin" and header.border.bottom.style == "thin"
    ws = wb["台账"]
    top = header_row(ws)
    assert [c.value for c in ws[top]] == HEADERS
    rows = {ws.cell(row=r, column=1).value: r for r in range(top + 1, ws.max_row + 1)}
    # Wrapped text: every row tall enough for its longest cell (row 51's 224 characters in 具体要求).
    heights = {task: ws.row_dimensions[r].height for task, r in rows.items()}
    assert all(h and h >= 15 for h in heights.values())
    assert heights[51] > 2 * heights[1]
    # The 时效 column: one word per state, and fills a black-and-white printer keeps apart.
    state = {task: ws.cell(row=r, column=7) for task, r in rows.items()}
    words = {7: "按时完成", 8: "逾期完成", 6: "逾期未完成", 1: "未到期"}
    assert {task: state[task].value for task in words} == words
    shades = {
        task: luminance(state[task].fill.fgColor.rgb) if state[task].fill.fill_type == "solid" else 255.0
        for task in words
    }
    levels = sorted(shades.values())
    assert all(b - a >= 30 for a, b in pairwise(levels)), shades
    assert state[12].value == "逾期未完成" and ws.cell(row=rows[12], column=8).value == "部分完成\n1/4"
    # 待认领 apart from the units still to finish (row 18: 区商务局、区发改局等区政府有关部门单位 …).
    pending = ws.cell(row=rows[18], column=9).value
    assert pending.splitlines()[-1] == "待认领：区政府有关部门单位"
    assert "区政府有关部门单位" not in pending.splitlines()[0]
    # 单位汇总: units, then the open-ended phrases below them, apart.
    summary = wb["单位汇总"]
    first = [summary.cell(row=r, column=1).value for r in range(header_row(summary) + 1, summary.max_row + 1)]
    split = first.index("待认领（开放式表述，不是单位）")
    assert "区政府有关部门单位" in first[split:] and "区政府有关部门单位" not in first[:split]


def test_xlsx_ongoing_rows_get_a_hatch(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from openpyxl import load_workbook

    plan = tmp_path / "plan.yaml"
    plan.write_text(MINIMAL, "utf-8")  # row 2 is 持续推进
    ws = load_workbook(export(run, "xlsx", tmp_path / "m.xlsx", "--plan", str(plan)))["台账"]
    cell = ws.cell(row=header_row(ws) + 2, column=7)
    assert cell.value == "持续推进"
    assert cell.fill.fill_type not in (None, "solid")  # a pattern, not another shade of grey


def test_xlsx_prints_on_six_landscape_pages_with_every_column(worked, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = export(worked, "xlsx", tmp_path / "ledger.xlsx")
    pdf = to_pdf(path, tmp_path)
    width, height = page_size(pdf)
    assert (round(width), round(height)) == (842, 595)  # A4 landscape, in points
    pages = pdf_pages(pdf)
    ledger = [p for p in pages if "单位汇总" not in p and "任务数" not in p]
    assert len(ledger) <= 6, f"the 59-row 台账 printed on {len(ledger)} pages"
    for number, page in enumerate(ledger, 1):
        flat = squeeze(page)
        missing = [h for h in HEADERS if h not in flat]
        assert not missing, f"page {number} lacks {missing}"  # every column, on every page
        assert f"第{number}页" in flat  # the footer's page number
    first = squeeze(ledger[0])
    assert "截至2023年12月10日·生成于" in first and "济任政办字〔2023〕24号" in first
    text = squeeze("".join(ledger))
    for number, row in enumerate(ROWS, 1):  # every row printed (its first words, as one line holds them)
        assert squeeze(row.requirement)[:6] in text, number
    summary = [p for p in pages if "任务数" in p]
    assert summary and "按时完成" in summary[0] and "截至2023年12月10日" in squeeze(summary[0])
    render_page_1(pdf, "ledger-xlsx-page1")


# -- CSV for Excel -----------------------------------------------------------------------------


def test_csv_file_for_excel(worked, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from openpyxl import load_workbook

    raw = export(worked, "csv", tmp_path / "台账.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs to read UTF-8
    assert raw.split(b"\r\n")[0].decode("utf-8-sig") == ",".join(f'"{h}"' for h in HEADERS)
    assert raw.count(b'"\r\n') == 60 and b'"\n' not in raw  # every record ends CRLF (cells may wrap)
    with open(tmp_path / "台账.csv", encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0] == HEADERS and len(rows) == 60
    # The same rows as the XLSX 台账 (dates ISO, numbers as digits, formula-looking text quoted with ').
    ws = load_workbook(export(worked, "xlsx", tmp_path / "台账.xlsx"))["台账"]
    top = header_row(ws)
    for row, cells in zip(rows[1:], ws.iter_rows(min_row=top + 1, values_only=True), strict=True):
        expected = [
            "" if v is None else v.date().isoformat() if isinstance(v, dt.datetime) else str(v) for v in cells
        ]
        assert row == expected
    assert rows[7][10] == '区教体局：=HYPERLINK("http://evil.example")'  # starts with 区: nothing to quote


def test_csv_cells_are_formula_safe(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    plan = tmp_path / "plan.yaml"
    for dangerous in ("=1+1", "+1", "-2+3", "@SUM(1)"):
        plan.write_text(MINIMAL.replace("requirement: 做好甲事。", f'requirement: "{dangerous}"'), "utf-8")
        raw = export(run, "csv", tmp_path / "x.csv", "--plan", str(plan)).read_bytes()
        rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
        assert rows[1][3] == "'" + dangerous  # OWASP: a leading apostrophe, shown as text by Excel


def test_csv_on_stdout_is_plain_utf8_unless_asked(tmp_path: Path) -> None:
    plain = run_installed("export", "csv", "-o", "-", "--as-of", AS_OF)
    assert plain.returncode == 0, plain.stderr
    assert plain.stdout.startswith('"编号","工作任务"') and "\ufeff" not in plain.stdout
    assert len(list(csv.reader(io.StringIO(plain.stdout)))) == 60
    bom = run_installed("export", "csv", "-o", "-", "--bom", "--as-of", AS_OF)
    assert bom.returncode == 0 and bom.stdout.startswith('\ufeff"编号"')
    no_bom = run_installed("export", "csv", "-o", str(tmp_path / "n.csv"), "--no-bom")
    assert no_bom.returncode == 0 and (tmp_path / "n.csv").read_bytes().startswith(b'"')
    wrong = run_installed("export", "xlsx", "-o", "-")
    assert wrong.returncode == 2 and wrong.stderr.startswith("错误：") and wrong.stderr.count("\n") == 1
    wrong = run_installed("export", "xlsx", "-o", str(tmp_path / "a.xlsx"), "--bom")
    assert wrong.returncode == 2 and "--bom" in wrong.stderr and not (tmp_path / "a.xlsx").exists()


# -- Word 完成情况报告 ----------------------------------------------------------------------------


def test_word_report_reads_back(worked, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from docx import Document
    from docx.oxml.ns import qn

    doc = Document(str(export(worked, "docx", tmp_path / "报告.docx", "--kind", "report")))
    page = doc.sections[0]
    assert (round(page.page_width.mm), round(page.page_height.mm)) == (297, 210)  # A4 landscape
    assert round(page.left_margin.mm) == 20
    text = [p.text for p in doc.paragraphs]
    assert text[0] == "2023年济宁市任城区政务公开重点工作任务分解表\n完成情况报告"
    assert text[1].startswith("截至 2023年12月10日 · 生成于 ") and text[1].endswith("济任政办字〔2023〕24号")
    november = sum(1 for r in ROWS if r.deadline_text == "11月底前")
    december = sum(1 for r in ROWS if r.deadline_text == "12月底前")
    summary = next(t for t in text if t.startswith("截至 2023年12月10日，"))
    assert (
        f"共 59 项任务，已完成 2 项（按时完成 1 项，逾期完成 1 项），逾期未完成 {november - 2} 项，"
        f"未到期 {december} 项；其中 1 项已有部分单位完成" in summary
    )
    headings = [p.text for p in doc.paragraphs if p.style.name == "报告一级标题"]
    assert headings == ["一、总体情况", "二、逾期未完成事项", "三、待认领事项", "四、任务完成情况明细"]
    parts, late, claims, full = doc.tables
    heads = ["部分", "任务", "已完成", "按时完成", "逾期完成", "逾期未完成", "完成率"]
    assert [c.text for c in parts.rows[0].cells] == heads
    assert [r.cells[1].text for r in parts.rows[1:]] == ["28", "12", "9", "10"]  # rows per part, as published
    assert [r.cells[6].text for r in parts.rows[1:]] == ["7%", "0%", "0%", "0%"]  # 2 of 28 rows done
    # The overdue list, one line per unit: row 6 for 区人社局, row 12 for the three units that have not
    # finished it; 区教体局 finished rows 8 (late) and 12, so neither is on its line.
    assert [c.text for c in late.rows[0].cells] == ["单位", "逾期未完成项数", "任务编号", "最长逾期天数"]
    listed = {r.cells[0].text: r.cells[2].text.split("、") for r in late.rows[1:]}
    assert "6" in listed["区人社局"]
    assert {u for u, ids in listed.items() if "12" in ids} == {"区卫健局", "区发改局", "国网任城供电公司"}
    assert not {"8", "12"} & set(listed.get("区教体局", []))
    counts = [int(r.cells[1].text) for r in late.rows[1:]]
    assert counts == sorted(counts, reverse=True) and sum(counts) == sum(len(ids) for ids in listed.values())
    assert {r.cells[3].text for r in late.rows[1:]} == {"10"}  # 11-30 to 12-10
    phrases = ["区政府有关部门单位", "各涉农镇(街道)", "重大行政决策事项承办单位"]
    assert [r.cells[0].text for r in claims.rows[1:]] == phrases
    # The full table in the official layout, with 完成情况: every requirement, in order.
    heads = ["工作任务", "责任单位", "具体要求", "完成时限", "完成情况"]
    assert [c.text for c in full.rows[0].cells] == heads
    header = full.rows[0]._tr
    assert header.trPr is not None and header.trPr.find(qn("w:tblHeader")) is not None  # repeated
    rows = [r for r in full.rows[1:] if len({id(c._tc) for c in r.cells}) > 1]  # not the part rows
    assert [r.cells[2].text for r in rows] == [r.requirement for r in ROWS]
    assert rows[6].cells[4].text == "按时完成\n1/1" and rows[7].cells[4].text == "逾期完成\n1/1"
    assert rows[11].cells[4].text == "逾期未完成\n1/4"
    # Chinese fonts in the styles, and page numbers in the footer.
    fonts = doc.styles["报告正文"].element.rPr.find(qn("w:rFonts"))
    assert fonts.get(qn("w:eastAsia")) == "仿宋"
    footer = page.footer.paragraphs[0]._p.xml
    assert "PAGE" in footer and "NUMPAGES" in footer


def test_word_report_for_one_unit_counts_its_own_parts(worked, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from docx import Document

    path = export(worked, "docx", tmp_path / "教体局.docx", "--kind", "report", "--unit", "教体局")
    text = [p.text for p in Document(str(path)).paragraphs]
    assert text[0] == "2023年济宁市任城区政务公开重点工作任务分解表（区教体局）\n完成情况报告"
    mine = [r for r in ROWS if "区教体局" in r.units or "区政府各部门单位" in r.units]
    late = [i for i, r in enumerate(ROWS, 1) if r in mine and r.deadline_text == "11月底前"]
    assert {7, 8, 12} <= set(late)
    # Its own parts of rows 7 (on time), 8 (late) and 12 (on time, though row 12 as a whole is overdue).
    assert (
        f"共 {len(mine)} 项任务，已完成 3 项（按时完成 2 项，逾期完成 1 项），逾期未完成 {len(late) - 3} 项，"
        f"未到期 {len(mine) - len(late)} 项。" in text[3]
    )


def test_word_report_prints(worked, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    pdf = to_pdf(export(worked, "docx", tmp_path / "report.docx", "--kind", "report"), tmp_path)
    width, height = page_size(pdf)
    assert (round(width), round(height)) == (842, 595)
    pages = pdf_pages(pdf)
    assert 3 <= len(pages) <= 15, len(pages)
    first = squeeze(pages[0])
    assert "完成情况报告" in first and "截至2023年12月10日" in first and "一、总体情况" in first
    assert f"第1页共{len(pages)}页" in first  # the footer's fields, as LibreOffice fills them in
    text = squeeze("".join(pages))
    for number, row in enumerate(ROWS, 1):
        assert squeeze(row.requirement)[:6] in text, number
    render_page_1(pdf, "report-docx-page1")


def test_word_kind_is_for_docx_only(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    r = run("export", "xlsx", "-o", str(tmp_path / "a.xlsx"), "--kind", "report")
    assert r.exit_code == 2 and "--kind" in r.stderr
    r = run("export", "docx", "-o", str(tmp_path / "a.docx"), "--kind", "memo")
    assert r.exit_code == 2 and "memo" in r.stderr
    assert not list(tmp_path.iterdir())


# -- HTML page in a real browser ---------------------------------------------------------------

MEASURE = """<script>
(function(){
  function natural(el){var p=document.createElement('span');var cs=getComputedStyle(el);
    p.style.cssText='white-space:nowrap;position:absolute;visibility:hidden';p.style.font=cs.font;
    p.textContent=el.textContent.trim();document.body.appendChild(p);var w=p.getBoundingClientRect().width;
    p.remove();return w;}
  var narrow=[],broken=[],widths={};
  [].slice.call(document.querySelectorAll('table')).forEach(function(t){
    if(!t.getClientRects().length)return;
    [].slice.call(t.querySelectorAll('th,td')).forEach(function(c){
      if(!c.getClientRects().length||!c.textContent.trim())return;
      var cs=getComputedStyle(c),fs=parseFloat(cs.fontSize);
      var inner=c.getBoundingClientRect().width-parseFloat(cs.paddingLeft)-parseFloat(cs.paddingRight);
      if(inner+1<Math.min(6*fs,natural(c)))narrow.push(t.id+': '+c.textContent.trim().slice(0,12)+' '+
        Math.round(inner)+'px');
    });
    [].slice.call(t.querySelectorAll('.u')).forEach(function(s){
      if(s.getClientRects().length>1)broken.push(s.textContent);});
  });
  var head=document.querySelectorAll('#tasks thead th');
  [].slice.call(head).forEach(function(th){
    widths[th.textContent]=th.getBoundingClientRect().width/parseFloat(getComputedStyle(th).fontSize);});
  var cards={};[].slice.call(document.querySelectorAll('[data-card]')).forEach(function(b){
    cards[b.getAttribute('data-card')]=b.textContent;});
  var shown=function(sel){return [].slice.call(document.querySelectorAll(sel)).filter(function(r){
    return r.getClientRects().length>0;}).length;};
  document.body.setAttribute('data-measure',JSON.stringify({narrow:narrow,broken:broken,widths:widths,
    cards:cards,overdue:shown('#overdue tbody tr'),units:shown('#units tbody tr'),
    parts:shown('#parts tbody tr'),done:shown('#done tbody tr'),claims:shown('#placeholders tbody tr'),
    note:document.getElementById('f-note').textContent,scroll:document.documentElement.scrollWidth}));
})();
</script></body>"""


def browser(*args: str, profile: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            tool("chromium", "chromium"), "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            f"--user-data-dir={profile}", *args,
        ],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def measured(page: Path, tmp_path: Path, fragment: str = "", width: int = 1280) -> dict:  # type: ignore[type-arg]
    """The page as a browser lays it out at ``width`` CSS pixels: the page plus one inline script
    (the page's CSP allows inline scripts only) that writes its measurements into the DOM."""
    import json
    import re

    probe = tmp_path / f"probe-{width}.html"
    probe.write_text(page.read_text("utf-8").replace("</body>", MEASURE), "utf-8")
    profile = tmp_path / f"profile-{width}-{len(list(tmp_path.iterdir()))}"
    r = browser(f"--window-size={width},900", "--dump-dom", probe.as_uri() + fragment, profile=profile)
    found = re.search(r'data-measure="([^"]*)"', r.stdout)
    assert found, r.stderr[-2000:]
    import html

    return json.loads(html.unescape(found.group(1)))  # type: ignore[no-any-return]


def test_html_columns_at_desktop_and_phone_widths(worked, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    page = export(worked, "html", tmp_path / "p.html")
    for width in (1280, 412):
        m = measured(page, tmp_path, "", width)
        assert m["narrow"] == [], (width, m["narrow"][:10])  # no cell narrower than 6 characters
        assert m["broken"] == [], (width, m["broken"][:10])  # no unit name broken mid-name
        assert m["widths"]["工作任务"] >= 8  # not the 4-character column of before
        assert m["widths"]["具体要求"] >= 16
        assert m["widths"]["佐证材料"] <= 17  # as wide as its notes, not the leftover space
    desktop = measured(page, tmp_path, "", 1280)
    assert desktop["scroll"] <= 1280  # no sideways scrolling on a desktop


def test_html_unit_filter_applies_to_the_whole_page(worked, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    page = export(worked, "html", tmp_path / "p.html")
    every = measured(page, tmp_path)
    assert every["cards"] == {"rows": "59", "done": "2", "late": "1", "partial": "1", "overdue": "5"}
    assert every["claims"] == 3 and every["done"] == 3  # rows 7, 8 and 区教体局's part of row 12
    jiaoti = sum(1 for r in ROWS if "区教体局" in r.units or "区政府各部门单位" in r.units)
    for alias in ("区教体局", "教体局", "%E6%95%99%E4%BD%93%E5%B1%80"):  # a name, an alias, encoded
        one = measured(page, tmp_path, f"#unit={alias}")
        # 区教体局's own parts: rows 7, 8 (late) and 12 done; nothing of its own overdue.
        assert one["cards"] == {"rows": str(jiaoti), "done": "3", "late": "1", "partial": "1", "overdue": "0"}
        assert one["units"] == 1 and one["overdue"] == 0 and one["done"] == 3 and one["claims"] == 0
        assert one["note"] == ""
    renshe = measured(page, tmp_path, "#unit=人社局")
    assert renshe["overdue"] == 1 and renshe["cards"]["overdue"] == "1" and renshe["done"] == 0
    # A broken escape or an unknown name: the page still works, everything shown, the name reported.
    for bad in ("%E0", "%", "nosuchunit"):
        m = measured(page, tmp_path, f"#unit={bad}&status=overdue")
        assert m["cards"]["rows"] == "59", bad
        assert m["units"] > 40
    assert measured(page, tmp_path, "#unit=nosuchunit")["note"] == "未知单位：nosuchunit"


def test_html_prints_as_a_landscape_a4_without_controls(worked, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    page = export(worked, "html", tmp_path / "p.html")
    pdf = tmp_path / "page.pdf"
    r = browser("--no-pdf-header-footer", f"--print-to-pdf={pdf}", page.as_uri(), profile=tmp_path / "prof")
    assert pdf.exists(), r.stderr[-2000:]
    width, height = page_size(pdf)
    assert (round(width), round(height)) == (842, 595)  # A4 landscape, in points
    pages = pdf_pages(pdf)
    assert "全部单位" not in "".join(pages) and "全部状态" not in "".join(pages)  # no filter controls
    starts = [i for i, p in enumerate(pages) if "全部任务" in p]
    later = [squeeze(p) for p in pages[starts[0] + 1 :]]
    assert later and all("编号工作任务责任单位具体要求" in p for p in later)  # the header on each page
    render_page_1(pdf, "progress-page-print")
