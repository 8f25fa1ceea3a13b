"""Exports read back with real parsers (openpyxl, icalendar, html.parser) and a real browser."""

from __future__ import annotations

import datetime as dt
import io
import os
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

from gongkai_cli.queries import responsible_units

from .helpers.common import MINIMAL, ROWS, installed_gongkai

ARTIFACTS = Path(__file__).parent / "artifacts"
HOSTILE = ['=HYPERLINK("http://evil.example","点我")', "+1+1", "-2+3", "@SUM(1)", "<script>alert(1)</script>"]


def export(run, kind: str, path: Path, *args: str) -> Path:  # type: ignore[no-untyped-def]
    r = run("export", kind, "-o", str(path), *args)
    assert r.exit_code == 0, r.output
    return path


@pytest.fixture
def marked(run):  # type: ignore[no-untyped-def]
    """Rows 7-10 done and row 12 partly done, every note hostile: a formula, +, -, @ and a script."""
    assert run("done", "7", "--note", HOSTILE[0], "--date", "2023-11-20").exit_code == 0
    assert run("done", "12", "-u", "区教体局", "--note", HOSTILE[4], "--date", "2023-11-25").exit_code == 0
    for task_id, note in zip((8, 9, 10), HOSTILE[1:4], strict=True):  # one responsible unit each
        assert run("done", str(task_id), "--note", note, "--date", "2023-11-26").exit_code == 0
    return run


LEDGER_HEADERS = [
    "编号", "工作任务", "责任单位", "具体要求", "完成时限", "截止日期", "时效", "完成情况", "未完成单位",
    "逾期完成单位", "佐证材料",
]  # fmt: skip


def header_row(ws) -> int:  # type: ignore[no-untyped-def]
    """The sheet's header row: below the title, the 文号, the as-of line and the parts."""
    return next(r for r in range(1, 10) if ws.cell(row=r, column=1).value in ("编号", "单位"))


def test_xlsx_ledger(marked, tmp_path: Path, plan, directory) -> None:  # type: ignore[no-untyped-def]
    from openpyxl import load_workbook

    path = export(marked, "xlsx", tmp_path / "台账.xlsx", "--as-of", "2023-12-01")
    wb = load_workbook(path)
    ws = wb["台账"]
    top = header_row(ws)
    assert [c.value for c in ws[top]] == LEDGER_HEADERS
    assert ws["A1"].value == "2023年济宁市任城区政务公开重点工作任务分解表"
    assert ws.freeze_panes == f"B{top + 1}"
    assert ws.auto_filter.ref == f"A{top}:K{top + 59}"
    body = list(ws.iter_rows(min_row=top + 1, values_only=True))
    assert [r[0] for r in body] == list(range(1, 60))
    for values, row in zip(body, ROWS, strict=True):
        assert values[3] == row.requirement
        assert values[4] == row.deadline_text
        assert isinstance(values[5], dt.datetime) and values[5].date().month in (11, 12)
    assert body[6][6] == "按时完成" and body[6][7] == "已完成\n1/1"  # row 7, done 11-20, due 11-30
    assert body[11][6] == "逾期未完成" and body[11][7] == "部分完成\n1/4"
    assert body[11][8] == "区卫健局、区发改局、国网任城供电公司"
    # Notes stay text: never formulas, whatever they start with.
    notes = {c.value for row in ws.iter_rows(min_row=top + 1, min_col=11, max_col=11) for c in row if c.value}
    assert f"区教体局：{HOSTILE[0]}" in notes and f"区教体局：{HOSTILE[4]}" in notes
    for row in ws.iter_rows(min_row=top + 1):
        for cell in row:
            assert cell.data_type != "f", (cell.coordinate, cell.value)
    summary = wb["单位汇总"]
    first = header_row(summary)
    names = [r[0] for r in summary.iter_rows(min_row=first + 1, values_only=True) if r[0]]
    names.remove("待认领（开放式表述，不是单位）")  # the heading of the open-ended phrases below the units
    assert set(names) == {u for t in plan.tasks for u in responsible_units(directory, t)}


def test_xlsx_is_a_real_zip_that_libreoffice_style_readers_accept(marked, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import zipfile

    path = export(marked, "xlsx", tmp_path / "a.xlsx")
    with zipfile.ZipFile(path) as z:
        assert z.testzip() is None
        sheet = z.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet  # no formula element anywhere


def test_ics_calendar(marked, tmp_path: Path, plan, directory) -> None:  # type: ignore[no-untyped-def]
    from icalendar import Calendar

    first = Calendar.from_ical(export(marked, "ics", tmp_path / "a.ics").read_bytes())
    todos = first.walk("VTODO")
    assert len(todos) == sum(1 for t in plan.tasks if t.deadline.date)  # one per row, not per unit
    by_uid = {str(t["UID"]): t for t in todos}
    assert len(by_uid) == len(todos)
    done = sorted(int(str(t["SUMMARY"]).split("：")[0][2:]) for t in todos if str(t["STATUS"]) == "COMPLETED")
    assert done == [7, 8, 9, 10]  # row 12 has one unit of four done: not complete
    row12 = next(t for t in todos if str(t["SUMMARY"]).startswith("任务12："))
    assert str(row12["STATUS"]) == "NEEDS-ACTION" and int(row12["PERCENT-COMPLETE"]) == 25
    assert "区教体局：按时完成" in str(row12["DESCRIPTION"]) and "区卫健局：" in str(row12["DESCRIPTION"])
    row7 = next(t for t in todos if str(t["SUMMARY"]).startswith("任务7："))
    assert row7["DUE"].dt == dt.date(2023, 11, 30)
    assert row7["COMPLETED"].dt.date() == dt.date(2023, 11, 20)
    alarm = row7.walk("VALARM")[0]
    assert alarm["TRIGGER"].dt == -dt.timedelta(days=3) and alarm["TRIGGER"].params["RELATED"] == "END"
    second = Calendar.from_ical(export(marked, "ics", tmp_path / "b.ics").read_bytes())
    assert {str(t["UID"]) for t in second.walk("VTODO")} == set(by_uid)  # stable: re-import updates
    # --per-unit: today's calendar for a liaison, one per (row, unit); --unit implies it.
    pairs = {(t.id, u) for t in plan.tasks for u in responsible_units(directory, t) if t.deadline.date}
    every = Calendar.from_ical(export(marked, "ics", tmp_path / "d.ics", "--per-unit").read_bytes())
    assert len(every.walk("VTODO")) == len(pairs)
    assert sum(1 for t in every.walk("VTODO") if str(t["STATUS"]) == "COMPLETED") == 5
    mine = Calendar.from_ical(export(marked, "ics", tmp_path / "c.ics", "--unit", "教体局").read_bytes())
    assert {str(t["SUMMARY"]).split("】")[0] for t in mine.walk("VTODO")} == {"【区教体局"}
    assert len(mine.walk("VTODO")) == sum(1 for _, u in pairs if u == "区教体局")


def test_ics_lines_folding_and_text_survive_a_calendar_reader(marked, tmp_path: Path, plan) -> None:  # type: ignore[no-untyped-def]
    from icalendar import Calendar

    # The shipped plan: every physical line CRLF-terminated, at most 75 octets, whole UTF-8
    # characters; unfolded, each VTODO says what the source row says.
    raw = export(marked, "ics", tmp_path / "a.ics").read_bytes()
    assert raw.endswith(b"END:VCALENDAR\r\n") and b"\n" not in raw.replace(b"\r\n", b"")
    for line in raw.split(b"\r\n")[:-1]:
        assert len(line) <= 75, line
        line.decode("utf-8")  # no character cut in two by folding
    todos = Calendar.from_ical(raw).walk("VTODO")
    month_ends = {"11月底前": dt.date(2023, 11, 30), "12月底前": dt.date(2023, 12, 31)}
    for todo in todos:
        task_id = int(str(todo["UID"]).split("-")[2])
        row = ROWS[task_id - 1]  # ids are positions in the published table
        description = str(todo["DESCRIPTION"])
        assert f"具体要求：{row.requirement}\n完成时限：{row.deadline_text}" in description
        assert str(todo["SUMMARY"]).endswith(
            row.requirement[:40] + ("…" if len(row.requirement) > 40 else "")
        )
        assert todo["DUE"].dt == month_ends[row.deadline_text]
    # Text that the format must escape: ; , \\ and a line break in the plan, and a control character.
    tricky = "甲;乙,丙\\\\丁\\n戊\\x07己" + "很长的要求" * 20
    path = tmp_path / "plan.yaml"
    path.write_text(MINIMAL.replace("requirement: 做好甲事。", f'requirement: "{tricky}"'), "utf-8")
    raw = export(marked, "ics", tmp_path / "t.ics", "--plan", str(path)).read_bytes()
    (todo,) = Calendar.from_ical(raw).walk("VTODO")
    assert "具体要求：甲;乙,丙\\丁\n戊\\x07己很长的要求" in str(todo["DESCRIPTION"])
    assert all(len(line) <= 75 for line in raw.split(b"\r\n"))
    unfolded = raw.replace(b"\r\n ", b"").decode("utf-8")  # as RFC 5545 3.1 unfolds; readers vary
    assert "具体要求：甲\\;乙\\,丙\\\\丁\\n戊\\\\x07己" in unfolded


class Collect(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def test_html_page_is_self_contained_and_escaped(marked, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    page = export(marked, "html", tmp_path / "p.html", "--as-of", "2023-12-01").read_text("utf-8")
    parsed = Collect()
    parsed.feed(page)
    scripts = [a for t, a in parsed.tags if t == "script"]
    assert scripts == [{"type": "application/json", "id": "gk-data"}, {}]  # our data and script, inline
    for tag, attrs in parsed.tags:
        for name in ("src", "href"):
            assert not (attrs.get(name) or "").startswith(("http", "//")), (tag, attrs)
        assert tag not in ("link", "iframe", "img", "object")
    text = "".join(parsed.text)
    assert HOSTILE[4] in text  # shown as text...
    assert "<script>alert(1)</script>" not in page  # ...never as markup
    rows = [a for t, a in parsed.tags if t == "tr" and "data-status" in a]
    assert len(rows) == 59
    placeholders = {"区政府有关部门单位", "各涉农镇(街道)", "重大行政决策事项承办单位"}  # 待认领, not units
    assert sum(1 for t, a in parsed.tags if a.get("role") == "progressbar") == 4 + len(
        {u for r in rows for u in (r["data-units"] or "").strip("|").split("|")} - placeholders
    )
    assert [r for r in rows if r["data-overdue"] == "1"] == [rows[5], rows[10], rows[11]]  # rows 6, 11, 12


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if not found:
        if os.environ.get("CI"):
            pytest.fail("chromium is missing; .ci/run installs Debian's chromium package")
        pytest.skip("chromium is not installed")
    return found


def browser(*args: str, profile: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            f"--user-data-dir={profile}", *args,
        ],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def test_html_page_in_a_real_browser(marked, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    page = export(marked, "html", tmp_path / "p.html", "--as-of", "2023-12-01")
    url = page.as_uri()
    dom = browser("--dump-dom", url, profile=tmp_path / "prof1").stdout
    assert 'data-ready="1"' in dom  # the filter script ran
    assert "显示 59 / 59 项" in dom
    assert dom.count('role="progressbar"') > 4
    unit = browser("--dump-dom", url + "#unit=区教体局", profile=tmp_path / "prof2").stdout
    jiaoti = sum(1 for r in ROWS if "区教体局" in r.units or "区政府各部门单位" in r.units)
    assert f"显示 {jiaoti} / 59 项" in unit  # the unit filter works without a server
    late = browser("--dump-dom", url + "#status=overdue", profile=tmp_path / "prof3").stdout
    assert "显示 3 / 59 项" in late  # rows 6, 11 and 12
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "progress-page-phone.png"
    r = browser("--window-size=412,2400", f"--screenshot={shot}", url, profile=tmp_path / "prof4")
    assert shot.exists() and shot.stat().st_size > 10_000, r.stderr


def test_markdown_report(marked, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    text = export(marked, "md", tmp_path / "r.md", "--as-of", "2023-12-01").read_text("utf-8")
    assert text.startswith("# 2023年济宁市任城区政务公开重点工作任务分解表\n")
    assert "## 逾期未完成" in text and "| 区人社局 | 6 |" in text and "| 区住建局 | 10 |" not in text
    overdue_part = text.split("## 逾期未完成")[1].split("## ")[0]
    late_lines = [line for line in overdue_part.splitlines() if line.endswith("| 1 |")]
    assert len(late_lines) == 11 - 5  # the 11 November pairs less the 5 marked


def test_output_errors_and_atomic_replace(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    tmp_path = tmp_path / "out"
    tmp_path.mkdir()
    r = run("export", "md", "-o", str(tmp_path / "missing" / "r.md"))
    assert r.exit_code == 6 and r.stderr.startswith("错误：") and "不存在" in r.stderr
    r = run("export", "md", "-o", str(tmp_path))
    assert r.exit_code == 6 and "目录" in r.stderr
    target = tmp_path / "r.md"
    target.write_text("old", "utf-8")
    export(run, "md", target)
    assert target.read_text("utf-8").startswith("# ")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.md"]  # no temporary file left
    r = run("export", "pdf", "-o", str(target))
    assert r.exit_code == 2 and "pdf" in r.stderr


def test_output_on_a_read_only_file_system(run, read_only_mount: Path) -> None:  # type: ignore[no-untyped-def]
    subprocess.run(["mount", "-o", "remount,ro", str(read_only_mount)], check=True)
    r = run("export", "html", "-o", str(read_only_mount / "p.html"))
    assert r.exit_code == 6 and r.stderr.startswith("错误：") and r.stderr.count("\n") == 1, r.stderr


def libreoffice_csv(soffice: str, path: Path, tmp_path: Path) -> str:
    """The first sheet as LibreOffice sees it after loading (and recalculating) the file."""
    out = tmp_path / "csv"
    subprocess.run(
        [soffice, "--headless", f"-env:UserInstallation={(tmp_path / 'lo').as_uri()}", "--convert-to",
         "csv:Text - txt - csv (StarCalc):44,34,76,1", "--outdir", str(out), str(path)],
        capture_output=True, timeout=180, check=True,
    )  # fmt: skip
    return (out / f"{path.stem}.csv").read_text("utf-8")


def test_xlsx_opens_in_libreoffice_with_notes_inert(marked, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """LibreOffice recalculates on load: a note that became a formula would show its result here."""
    import csv

    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        pytest.skip("LibreOffice is not installed (Debian: libreoffice-calc-nogui)")
    path = export(marked, "xlsx", tmp_path / "ledger.xlsx", "--as-of", "2023-12-01")
    rows = list(csv.reader(io.StringIO(libreoffice_csv(soffice, path, tmp_path))))
    top = next(i for i, r in enumerate(rows) if r[0] == "编号")
    assert rows[top] == LEDGER_HEADERS and len(rows) == top + 60
    assert rows[top + 7][5] == "2023-11-30"  # a real date, shown with the ledger's date format
    notes = [r[10] for r in rows[top + 1 :] if r[10]]
    assert f"区教体局：{HOSTILE[0]}" in notes  # the formula text itself, not "点我"
    assert any(HOSTILE[4] in n for n in notes)


def test_plan_text_that_looks_like_a_formula_stays_text(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from openpyxl import load_workbook

    plan = tmp_path / "plan.yaml"
    plan.write_text(MINIMAL.replace("requirement: 做好甲事。", 'requirement: "=1+1"'), "utf-8")
    path = export(run, "xlsx", tmp_path / "x.xlsx", "--plan", str(plan))
    ws = load_workbook(path)["台账"]
    cell = ws.cell(row=header_row(ws) + 1, column=4)
    assert (cell.value, cell.data_type) == ("=1+1", "s")
    soffice = shutil.which("soffice")
    if soffice:
        assert "=1+1" in libreoffice_csv(soffice, path, tmp_path)
    page = export(run, "html", tmp_path / "x.html", "--plan", str(plan)).read_text("utf-8")
    assert "=1+1" in page


def test_long_export_shows_progress_on_a_terminal_only(tmp_path: Path) -> None:
    """A real pseudo-terminal (util-linux `script`) for the terminal case; a pipe for the other."""
    import sys

    script = shutil.which("script")
    if script is None:
        pytest.skip("util-linux script is not installed")
    root = Path(__file__).resolve().parent.parent
    out = tmp_path / "synth"
    subprocess.run(
        [sys.executable, str(root / "bench" / "synth.py"), "--tasks", "600", "--units", "40",
         "--out", str(out)],
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    env = {**os.environ, "GONGKAI_PLAN": str(out / "plan.yaml"), "COLUMNS": "100", "TERM": "xterm"}
    env.pop("NO_COLOR", None)
    command = f"{installed_gongkai()} export md -o {tmp_path / 'r.md'}"
    tty = subprocess.run(
        [script, "-qec", command, "/dev/null"], capture_output=True, text=True, env=env, timeout=120
    )
    assert tty.returncode == 0, tty.stdout + tty.stderr
    assert "整理任务" in tty.stdout  # script copies the terminal's screen to its stdout
    piped = subprocess.run(command.split(), capture_output=True, text=True, env=env, timeout=120)
    assert piped.returncode == 0 and "整理任务" not in piped.stderr and piped.stdout == ""
