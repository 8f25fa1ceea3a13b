"""`gongkai export docx`: the 分解表 in its official layout, checked against data/tasks.yaml read on
its own (yaml.safe_load), opened with python-docx, its merges read from the XML, and (when LibreOffice
is installed) opened and converted by LibreOffice."""

from __future__ import annotations

import os
import shutil
import subprocess
import zipfile
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest
import yaml

from .helpers.common import BUILT_IN_PLAN, ROWS_PER_SECTION, installed_gongkai, rows_where

PLAN = yaml.safe_load(BUILT_IN_PLAN.read_text(encoding="utf-8"))
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
DIGITS = "一二三四五六七八九"


def numeral(n: int) -> str:
    """1 -> 一, 10 -> 十, 14 -> 十四 (enough for this plan's 4 parts and 14 sections)."""
    if n < 10:
        return DIGITS[n - 1]
    return "十" + (DIGITS[n - 11] if n > 10 else "")


def expected_units(units: list[str]) -> list[str]:
    """One unit per paragraph; an open-ended phrase joins the unit before it with 等."""
    open_groups = {g["name"] for g in PLAN.get("groups", []) if g.get("open")}
    out: list[str] = []
    for name in units:
        if out and name in open_groups:
            out[-1] += "等" + name
        else:
            out.append(name)
    return out


def expected_grid(task_ids: set[int] | None = None) -> list[list[str]]:
    """The table as a grid of cell texts (merged cells repeat their text, as python-docx reports
    them), from the YAML alone."""
    parts = {p["number"]: p["title"] for p in PLAN["parts"]}
    sections = {s["number"]: s for s in PLAN["sections"]}
    grid = [["工作任务", "责任单位", "具体要求", "完成时限"]]
    part = None
    for task in PLAN["tasks"]:
        if task_ids is not None and task["id"] not in task_ids:
            continue
        section = sections[task["section"]]
        if section["part"] != part:
            part = section["part"]
            grid.append([f"{numeral(part)}、{parts[part]}"] * 4)
        grid.append(
            [
                f"({numeral(section['number'])}){section['title']}",
                "\n".join(expected_units(task["units"])),
                task["requirement"],
                task["deadline_text"],
            ]
        )
    return grid


def export(tmp_path: Path, *args: str, name: str = "分解表.docx") -> Path:
    out = tmp_path / name
    env = {k: v for k, v in os.environ.items() if not k.startswith("GONGKAI_")}
    env.update(GONGKAI_STATE=str(tmp_path / "state.sqlite3"), GONGKAI_PLANS=str(tmp_path / "plans"))
    r = subprocess.run(
        [installed_gongkai(), "export", "docx", "-o", str(out), *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        cwd=tmp_path,
    )
    assert r.returncode == 0, r.stderr
    assert r.stdout == "" and "已导出" in r.stderr and "计划：" in r.stderr
    return out


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return export(tmp_path_factory.mktemp("docx"))


def xml_rows(path: Path) -> list[list[Any]]:
    """Each table row's cells as (gridSpan, vMerge, paragraph texts), read from the XML."""
    with zipfile.ZipFile(path) as z:
        root = ElementTree.fromstring(z.read("word/document.xml"))
    rows = []
    for tr in root.iter(f"{W}tr"):
        cells = []
        for tc in tr.findall(f"{W}tc"):
            span = tc.find(f"{W}tcPr/{W}gridSpan")
            merge = tc.find(f"{W}tcPr/{W}vMerge")
            texts = ["".join(t.text or "" for t in p.iter(f"{W}t")) for p in tc.findall(f"{W}p")]
            cells.append(
                (
                    int(span.get(f"{W}val")) if span is not None else 1,
                    None if merge is None else merge.get(f"{W}val", "continue"),
                    texts,
                )
            )
        rows.append(cells)
    return rows


def test_the_cells_are_the_plan_read_on_its_own(exported: Path) -> None:
    import docx

    document = docx.Document(str(exported))
    texts = [p.text for p in document.paragraphs if p.text]
    assert texts[:2] == [PLAN["plan"]["title"], PLAN["plan"]["doc_number"]]
    assert len(document.tables) == 1
    grid = [[cell.text for cell in row.cells] for row in document.tables[0].rows]
    assert grid == expected_grid()
    assert sum(1 for row in grid[1:] if len(set(row)) > 1) == 59


def test_parts_span_the_table_sections_merge_down_units_one_per_paragraph(exported: Path) -> None:
    rows = xml_rows(exported)
    heading_rows = [r for r in rows if len(r) == 1]
    assert [r[0][0] for r in heading_rows] == [4, 4, 4, 4]  # one cell across all four columns
    assert [r[0][2] for r in heading_rows] == [
        [f"{numeral(p['number'])}、{p['title']}"] for p in PLAN["parts"]
    ]
    task_rows = [r for r in rows[1:] if len(r) == 4]
    assert len(task_rows) == 59
    starts = [r[0][1] for r in task_rows]
    # Each section's cell opens a merge down over its rows (a one-row section needs none).
    assert starts.count("restart") == sum(1 for n in ROWS_PER_SECTION if n > 1)
    assert starts.count("continue") == 59 - len(ROWS_PER_SECTION)
    assert all(r[0][2] == [""] for r in task_rows if r[0][1] == "continue")
    for row, task in zip(task_rows, PLAN["tasks"], strict=True):
        assert row[1][2] == expected_units(task["units"])
    assert rows[0] == [(1, None, [h]) for h in ("工作任务", "责任单位", "具体要求", "完成时限")]


def test_a4_landscape_a_repeated_header_and_chinese_fonts(exported: Path) -> None:
    with zipfile.ZipFile(exported) as z:
        document = ElementTree.fromstring(z.read("word/document.xml"))
        styles = ElementTree.fromstring(z.read("word/styles.xml"))
    size = document.find(f".//{W}sectPr/{W}pgSz")
    assert size is not None and size.get(f"{W}orient") == "landscape"
    assert abs(int(size.get(f"{W}w", 0)) - 16838) <= 2 and abs(int(size.get(f"{W}h", 0)) - 11906) <= 2
    first_row = document.find(f".//{W}tbl/{W}tr")
    assert first_row is not None and first_row.find(f"{W}trPr/{W}tblHeader") is not None
    east = {}
    for style in styles.iter(f"{W}style"):
        name = style.find(f"{W}name")
        fonts = style.find(f"{W}rPr/{W}rFonts")
        if name is not None and fonts is not None and fonts.get(f"{W}eastAsia"):
            east[name.get(f"{W}val")] = fonts.get(f"{W}eastAsia")
    assert east.get("Normal") and east.get("分解表标题") and east.get("分解表表头") and east.get("分解表部分")


def test_one_units_rows_only(tmp_path: Path) -> None:
    import docx

    out = export(tmp_path, "--unit", "区教体局")
    document = docx.Document(str(out))
    ids = set(rows_where(lambda r: "区教体局" in r.units or "区政府各部门单位" in r.units))
    assert document.paragraphs[0].text == PLAN["plan"]["title"] + "（区教体局）"
    grid = [[cell.text for cell in row.cells] for row in document.tables[0].rows]
    assert grid == expected_grid(ids)


def soffice() -> str:
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if found is None:
        pytest.skip("LibreOffice (soffice) is not installed; .ci/run installs libreoffice-writer-nogui")
    return found


def convert(exported: Path, tmp_path: Path, to: str) -> Path:
    profile = (tmp_path / "profile").as_uri()
    r = subprocess.run(
        [soffice(), f"-env:UserInstallation={profile}", "--headless", "--convert-to", to,
         "--outdir", str(tmp_path), str(exported)],
        capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    out = tmp_path / (exported.stem + "." + to.split(":")[0])
    assert r.returncode == 0 and out.exists(), r.stdout + r.stderr
    return out


def test_libreoffice_opens_it_and_every_requirement_is_there(exported: Path, tmp_path: Path) -> None:
    pdf = convert(exported, tmp_path, "pdf")
    assert pdf.read_bytes().startswith(b"%PDF-") and pdf.stat().st_size > 10_000
    text = convert(exported, tmp_path, "txt:Text (encoded):UTF8").read_text(encoding="utf-8-sig")
    lines = {line.strip() for line in text.splitlines()}
    assert PLAN["plan"]["title"] in lines
    missing = [t["id"] for t in PLAN["tasks"] if t["requirement"] not in lines]
    assert missing == [] and len(PLAN["tasks"]) == 59


def test_importing_the_exported_table_gives_back_the_same_plan(exported: Path, tmp_path: Path) -> None:
    """Needs `gongkai import` reading .docx (issue 13, branches imp-norm / imp-read): skipped until
    the command exists, then it runs as written."""
    from gongkai_cli import load_plan

    out = tmp_path / "读回.yaml"
    meta = PLAN["plan"]
    r = subprocess.run(
        [installed_gongkai(), "import", str(exported), "-o", str(out), "--year", str(meta["year"]),
         "--title", meta["title"], "--doc-number", meta["doc_number"], "--issuer", meta["issuer"]],
        capture_output=True, text=True, timeout=120, cwd=tmp_path,
        env={**os.environ, "GONGKAI_PLANS": str(tmp_path / "plans")},
    )  # fmt: skip
    if r.returncode == 2 and "未知命令" in r.stderr:
        pytest.skip("gongkai import is not in this build yet (branches imp-norm / imp-read)")
    if "docx" in r.stderr and ("不支持" in r.stderr or "暂不" in r.stderr):
        pytest.skip(f"gongkai import cannot read .docx yet: {r.stderr.strip()}")
    assert r.returncode in (0, 1), r.stderr
    again, built_in = load_plan(out), load_plan(BUILT_IN_PLAN)
    assert again.parts == built_in.parts
    assert again.sections == built_in.sections
    assert again.tasks == built_in.tasks  # units, requirement verbatim, deadline text and date, section
    assert (again.meta.title, again.meta.doc_number, again.meta.year) == (
        meta["title"], meta["doc_number"], meta["year"],
    )  # fmt: skip


def test_open_ended_phrases_stay_with_the_unit_before_them(tmp_path: Path) -> None:
    import docx

    from gongkai_cli import dump_plan, validate_plan

    from .helpers.common import minimal_mapping

    mapping = minimal_mapping()
    mapping["groups"].append({"name": "有关部门", "open": True})
    mapping["tasks"][0]["units"] = ["区甲局", "区乙局", "有关部门", "各部门"]
    mapping["tasks"][1]["units"] = ["有关部门", "区甲局"]
    source = tmp_path / "plan.yaml"
    source.write_text(dump_plan(validate_plan(mapping)), encoding="utf-8")
    document = docx.Document(str(export(tmp_path, "--plan", str(source))))
    rows = document.tables[0].rows
    assert [[p.text for p in row.cells[1].paragraphs] for row in rows[2:]] == [
        ["区甲局", "区乙局等有关部门", "各部门"],
        ["有关部门", "区甲局"],
    ]
    assert [row.cells[3].text for row in rows[2:]] == ["6月底前", "持续推进"]
    assert [c.text for c in rows[1].cells] == ["一、第一部分"] * 4
    assert [row.cells[0].text for row in rows[2:]] == ["(一)第一项"] * 2


def test_python_docx_is_imported_only_when_a_docx_is_written() -> None:
    from .helpers.common import run_python

    code = (
        "import sys, gongkai_cli as gk\n"
        "ws = gk.open()\n"
        "ws.ledger('md'); ws.tasks(unit='区教体局')\n"
        "print('docx' in sys.modules)\n"
        "ws.ledger('docx')\n"
        "print('docx' in sys.modules)\n"
    )
    r = run_python(code)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["False", "True"]
