"""`gongkai import` end to end through the installed command: text and CSV tables, exit codes,
the report, and the 2023 table in every format giving back data/tasks.yaml row for row."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from gongkai_cli.plan import load_plan

from .helpers import tables
from .helpers.common import BUILT_IN_PLAN, VENDORED_SOURCE, installed_gongkai


def gk(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([installed_gongkai(), *args], capture_output=True, text=True, timeout=60, cwd=cwd)


CSV = """\
序号,工作任务,具体要求,责任单位,完成时限
1,（一）公开财政信息,细化公开部门预决算。,区财政局牵头，区直各部门配合,12月底前
2,,按月发布主要经济指标。,区统计局、区发改局等有关部门,持续推进
3,（二）公开教育信息,公开学位分布和招生政策。,区教育局,2024年8月前
"""


def test_csv_import_writes_a_plan_that_gongkai_reads(tmp_path: Path) -> None:
    source = tmp_path / "青禾区2024年政务公开任务清单.csv"
    source.write_text(CSV, encoding="utf-8-sig")
    out, report = tmp_path / "2024.yaml", tmp_path / "报告.json"
    r = gk("import", str(source), "-o", str(out), "--year", "2024", "--doc-number", "青政办字〔2024〕5号",
           "--issuer", "青禾区人民政府办公室", "--report", str(report))  # fmt: skip
    # 2024年8月前 is read strictly (before August) and listed for review: exit 1, plan written.
    assert r.returncode == 1, r.stderr
    assert r.stdout == ""
    assert "需要复核 1 处" in r.stderr and "第 4 行：完成时限“2024年8月前”" in r.stderr
    plan = load_plan(out)
    assert plan.meta.title == "青禾区2024年政务公开任务清单"
    assert [(s.number, s.title) for s in plan.sections] == [(1, "公开财政信息"), (2, "公开教育信息")]
    assert [
        (t.id, t.section, t.units, t.lead, t.deadline.text, str(t.deadline.date)) for t in plan.tasks
    ] == [
        (1, 1, ("区财政局", "区直各部门"), ("区财政局",), "12月底前", "2024-12-31"),
        (2, 1, ("区统计局", "区发改局", "有关部门"), (), "持续推进", "None"),
        (3, 2, ("区教育局",), (), "2024年8月前", "2024-07-31"),
    ]
    data = json.loads(report.read_text(encoding="utf-8"))
    assert data["tasks_written"] == 3 and data["needs_review"] is True
    assert [(c["header"], c["role"]) for c in data["columns"]] == [
        ("序号", "seq"), ("工作任务", "task"), ("具体要求", "requirement"), ("责任单位", "units"),
        ("完成时限", "deadline"),
    ]  # fmt: skip
    assert data["units"]["open_ended"] == ["有关部门"]
    assert [i["row"] for i in data["review"]] == [4]
    # The plan works with the rest of gongkai: the lead is in -f json, the ongoing row never overdue.
    tasks = json.loads(gk("tasks", "--plan", str(out), "-f", "json").stdout)
    assert [t["lead"] for t in tasks] == [["区财政局"], [], []]
    overdue = json.loads(gk("overdue", "--plan", str(out), "--as-of", "2030-01-01", "-f", "json").stdout)
    assert {p["id"] for p in overdue} == {1, 3}
    assert gk("validate", str(out)).returncode == 0


def test_tab_separated_text_to_stdout_exit_0(tmp_path: Path) -> None:
    source = tmp_path / "粘贴.txt"
    source.write_text(
        "工作任务\t责任单位\t具体要求\t完成时限\n公开财政\t区财政局、区审计局\t公开预算。\t11月底前\n",
        encoding="utf-8",
    )
    r = gk("import", str(source), "--year", "2024", "--title", "测试", "--doc-number", "测〔2024〕1号",
           "--issuer", "测试办")  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert "全部内容均已识别" in r.stderr
    assert "units: [区财政局, 区审计局]" in r.stdout
    assert "deadline_text: 11月底前" in r.stdout
    out = tmp_path / "p.yaml"
    out.write_text(r.stdout, encoding="utf-8")
    assert load_plan(out).tasks[0].deadline.text == "11月底前"


def test_markdown_report_and_bar_separated_text(tmp_path: Path) -> None:
    source = tmp_path / "表.md"
    source.write_text(
        "| 重点任务 | 工作要求 | 责任部门 | 时间节点 |\n|---|---|---|---|\n"
        "| 公开 | 公开预算。 | 区财政局 | 尽快 |\n",
        encoding="utf-8",
    )
    report = tmp_path / "r.md"
    r = gk("import", str(source), "--year", "2024", "-o", str(tmp_path / "p.yaml"), "--report", str(report))
    assert r.returncode == 1
    text = report.read_text(encoding="utf-8")
    assert "| 4 | 时间节点 | 完成时限 |" in text
    assert "第 3 行：完成时限“尽快”无法识别，暂按 2024-12-31 处理" in text


@pytest.mark.parametrize(
    ("content", "says"),
    [
        ("这是一段说明文字，没有表格。\n第二段。\n", "表头"),
        ("工作任务,责任单位,具体要求,完成时限\n", "没有数据行"),
        ("甲,乙,丙\n1,2,3\n", "表头"),
    ],
)
def test_nothing_importable_exits_3(tmp_path: Path, content: str, says: str) -> None:
    source = tmp_path / "t.csv"
    source.write_text(content, encoding="utf-8")
    r = gk("import", str(source), "--year", "2024", "-o", str(tmp_path / "p.yaml"))
    assert r.returncode == 3, r.stderr
    assert says in r.stderr and len(r.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "p.yaml").exists()


def test_no_year_is_a_usage_error_naming_the_option(tmp_path: Path) -> None:
    source = tmp_path / "t.csv"
    source.write_text("工作任务,责任单位,具体要求,完成时限\n甲,区财政局,公开。,6月底前\n", encoding="utf-8")
    r = gk("import", str(source))
    assert r.returncode == 2 and "--year" in r.stderr and r.stdout == ""


@pytest.mark.parametrize(
    ("name", "content", "says"),
    [
        (
            "old.doc",
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + "WordDocument".encode("utf-16-le") + b"\0" * 600,
            ".docx",
        ),
        ("scan.pdf", b"%PDF-1.4\n%\xe2\xe3\n1 0 obj\n", ".docx"),
        ("empty.csv", b"", "空文件"),
    ],
)
def test_unreadable_files_one_line(tmp_path: Path, name: str, content: bytes, says: str) -> None:
    source = tmp_path / name
    source.write_bytes(content)
    r = gk("import", str(source), "--year", "2024")
    assert r.returncode == 7, r.stderr
    assert says in r.stderr and len(r.stderr.strip().splitlines()) == 1 and "Traceback" not in r.stderr


def test_a_renamed_file_is_read_by_its_content(tmp_path: Path) -> None:
    layout = tables.VARIANTS["columns_numbered"]
    real = tables.write_xlsx(layout, tmp_path / "real.xlsx")
    renamed = tmp_path / "renamed.csv"
    renamed.write_bytes(real.read_bytes())
    r = gk("import", str(renamed), "--year", "2024", "-o", str(tmp_path / "p.yaml"))
    assert r.returncode == 1, r.stderr  # 三季度前 is a judgement call
    first = load_plan(tmp_path / "p.yaml").tasks[0]
    assert first.requirement == layout.rows[1][2]  # the first data row's 工作要求


# -- the 2023 table in every format --------------------------------------------------------------


@pytest.fixture(scope="module")
def fixtures(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return tables.build(tmp_path_factory.mktemp("tables"))


def _rows(plan: Any) -> list[tuple[Any, ...]]:
    return [(t.id, t.part, t.section, t.units, t.requirement, t.deadline) for t in plan.tasks]


@pytest.mark.parametrize(
    "name", [f"plan2023.{fmt}" for fmt in tables.FORMATS] + ["plan2023-gbk.html", "notice"]
)
def test_the_2023_table_gives_back_every_row(name: str, fixtures: dict[str, Path], tmp_path: Path) -> None:
    source = VENDORED_SOURCE if name == "notice" else fixtures[name]
    out = tmp_path / "2023.yaml"
    r = gk("import", str(source), "--year", "2023", "-o", str(out))
    assert r.returncode in (0, 1), r.stderr
    built_in, imported = load_plan(BUILT_IN_PLAN), load_plan(out)
    assert len(imported.tasks) == 59
    assert _rows(imported) == _rows(built_in)
    assert imported.parts == built_in.parts
    assert imported.sections == built_in.sections
    open_groups = {g.name for g in imported.groups if g.open}
    assert open_groups == {"区政府有关部门单位"}


def test_the_published_notice_text_needs_no_options(tmp_path: Path) -> None:
    out = tmp_path / "2023.yaml"
    r = gk("import", str(VENDORED_SOURCE), "-o", str(out))
    assert r.returncode == 0, r.stderr
    meta, built_in = load_plan(out).meta, load_plan(BUILT_IN_PLAN).meta
    assert (meta.title, meta.doc_number, meta.issuer, meta.issued, meta.year, meta.notice_title) == (
        built_in.title, built_in.doc_number, built_in.issuer, built_in.issued, built_in.year,
        built_in.notice_title,
    )  # fmt: skip


def test_units_from_last_years_plan_brings_kinds_and_group_members(
    fixtures: dict[str, Path], tmp_path: Path
) -> None:
    out = tmp_path / "2023.yaml"
    r = gk("import", str(fixtures["plan2023.csv"]), "--year", "2023", "--units-from", str(BUILT_IN_PLAN),
           "-o", str(out))  # fmt: skip
    assert r.returncode == 1, r.stderr  # the CSV has no title, 文号 or issuer
    assert "名录中已有 41 个，新增 0 个" in r.stderr
    built_in, imported = load_plan(BUILT_IN_PLAN), load_plan(out)
    assert sorted(imported.units) == sorted(built_in.units)
    assert sorted(imported.groups) == sorted(built_in.groups)

    # A liaison sees the same rows, through the same groups, in the imported plan.
    def mine(*plan: str) -> list[tuple[Any, ...]]:
        rows = json.loads(gk("tasks", *plan, "--unit", "教体局", "--possible", "-f", "json").stdout)
        return [(t["id"], t["relation"], t["via"]) for t in rows]

    assert mine("--plan", str(out)) == mine()


def test_a_huge_sheet_is_refused_in_one_line(tmp_path: Path) -> None:
    source = tmp_path / "huge.csv"
    source.write_text(
        "工作任务,责任单位,具体要求,完成时限\n" + "甲,区财政局,公开。,12月底前\n" * 30_000, encoding="utf-8"
    )
    r = gk("import", str(source), "--year", "2024", "-o", str(tmp_path / "p.yaml"))
    assert r.returncode == 7 and "超过导入上限" in r.stderr and len(r.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "p.yaml").exists()


def test_gbk_csv_from_excel_on_chinese_windows(tmp_path: Path) -> None:
    source = tmp_path / "gbk.csv"
    source.write_bytes(
        "工作任务,责任单位,具体要求,完成时限\n公开,区财政局,公开预算。,12月底前\n".encode("gbk")
    )
    r = gk("import", str(source), "--year", "2024", "-o", str(tmp_path / "p.yaml"))
    assert r.returncode == 1, r.stderr  # no title, 文号 or issuer in a bare sheet
    assert load_plan(tmp_path / "p.yaml").tasks[0].units == ("区财政局",)


def test_the_facade_imports_as_the_command_does(fixtures: dict[str, Path], tmp_path: Path) -> None:
    import gongkai_cli as api

    done = api.import_table(fixtures["plan2023.docx"], units_from=BUILT_IN_PLAN)
    assert done.plan.meta.doc_number == "济任政办字〔2023〕24号" and done.plan.meta.year == 2023
    assert _rows(done.plan) == _rows(load_plan(BUILT_IN_PLAN))
    out = tmp_path / "cli.yaml"
    cli = gk("import", str(fixtures["plan2023.docx"]), "--units-from", str(BUILT_IN_PLAN), "-o", str(out))
    assert cli.returncode == 0, cli.stderr
    assert out.read_text(encoding="utf-8") == done.yaml
    with pytest.raises(api.NothingToImport):
        api.import_table(fixtures["header_only.csv"], year=2024)


def test_a_new_year_in_three_commands_import_review_install(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The README's "新的一年" flow: import with last year's directory and --install; review with
    validate and units; afterwards every command uses the newest installed plan by default."""
    monkeypatch.setenv("GONGKAI_PLANS", str(tmp_path / "plans"))
    monkeypatch.delenv("GONGKAI_PLAN", raising=False)
    source = tables.write_docx(tables.plan_2023(), tmp_path / "2024年分解表.docx")
    r = gk("import", str(source), "--year", "2024", "--doc-number", "济任政办字〔2024〕9号",
           "--units-from", "内置", "-o", str(tmp_path / "2024.yaml"), "--install", cwd=tmp_path)  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert "已安装计划“2024-济任政办字9号”" in r.stderr
    assert gk("validate", str(tmp_path / "2024.yaml")).returncode == 0
    plans = json.loads(gk("plans", "-f", "json").stdout)
    current = [p for p in plans if p["current"]]
    assert [(p["name"], p["year"], p["rows"]) for p in current] == [("2024-济任政办字9号", 2024, 59)]
    rows = json.loads(gk("tasks", "--unit", "区教体局", "-f", "json").stdout)
    assert len(rows) == 30 and {r["deadline"][:4] for r in rows} == {"2024"}
    # --name/--replace without --install is a usage error; installing the same name twice is refused.
    assert gk("import", str(source), "--year", "2024", "--name", "x").returncode == 2
    again = gk("import", str(source), "--year", "2024", "--doc-number", "济任政办字〔2024〕9号", "--install")
    assert again.returncode == 2 and "--replace" in again.stderr and again.stdout == ""
