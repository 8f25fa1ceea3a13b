"""Issue 11, the report side, as a liaison and the coordinator use it through the installed command:
on-time and late completion true to the day asked, several units at once, the liaison's own scope
by default, completion in ``show``, open-ended phrases to be claimed, a plan whose year is over,
and the Chinese words people type."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

from .helpers.common import MINIMAL, ROWS, rows_naming, run_installed, write

DEC = "2023-12-10"  # after the 11月底前 deadlines, inside the plan's year


def november(unit: str) -> list[int]:
    """The 11月底前 rows naming ``unit``, from the published text: overdue on 2023-12-01 unless done."""
    return [i for i, r in enumerate(ROWS, 1) if r.deadline_text == "11月底前" and unit in r.units]


def ok(*args: str, env: dict[str, str] | None = None) -> Any:
    r = run_installed(*args, env=env)
    assert r.returncode == 0, r.stderr
    return r


def js(*args: str, env: dict[str, str] | None = None) -> Any:
    return json.loads(ok(*args, "-f", "json", env=env).stdout)


def mark(task: str, *extra: str) -> None:
    ok("done", task, *extra)


# -- item 3: timeliness ------------------------------------------------------------------------


def test_a_report_as_of_a_day_counts_only_marks_completed_by_then() -> None:
    mark("7", "--date", "2023-12-05")  # 区教体局 is row 7's only unit; deadline 2023-11-30
    mine = november("区教体局")
    assert 7 in mine and len(mine) > 1
    before = {r["key"]: r for r in js("status", "--as-of", "2023-12-01", "--unit", "区教体局")}
    assert before["区教体局"]["done"] == 0 and before["区教体局"]["overdue"] == len(mine)
    row7 = next(r for r in js("tasks", "--unit", "区教体局", "--as-of", "2023-12-01") if r["id"] == 7)
    assert (row7["status"], row7["state"], row7["unit_done"], row7["on_time"]) == (
        "open",
        "overdue",
        False,
        None,
    )
    assert [r["id"] for r in js("overdue", "--as-of", "2023-12-01", "--unit", "区教体局")] == mine
    after = [r["id"] for r in js("overdue", "--as-of", DEC, "--unit", "区教体局")]
    assert after == [i for i in mine if i != 7]


def test_done_on_time_and_done_late_are_told_apart() -> None:
    mark("7", "--date", "2023-12-05")  # late
    mark("8", "--date", "2023-11-20")  # on time
    rows = {r["id"]: r for r in js("tasks", "--unit", "区教体局", "--as-of", DEC)}
    assert (rows[7]["state"], rows[7]["on_time"], rows[7]["unit_state"], rows[7]["unit_on_time"]) == (
        "done_late", False, "done_late", False,
    )  # fmt: skip
    assert (rows[7]["done_units"], rows[7]["late_units"]) == (["区教体局"], ["区教体局"])
    assert (rows[8]["done_units"], rows[8]["late_units"]) == (["区教体局"], [])
    assert (rows[8]["state"], rows[8]["on_time"], rows[8]["state_label"]) == ("done", True, "按时完成")
    assert (rows[12]["state"], rows[12]["on_time"]) == ("overdue", None)
    line = js("status", "--as-of", DEC, "--unit", "区教体局")[0]
    assert (line["done"], line["done_on_time"], line["done_late"], line["open"]) == (2, 1, 1, 28)
    table = ok("status", "--as-of", DEC, "--unit", "区教体局").stdout
    assert re.search(r"区教体局\s*│\s*30\s*│\s*1\s*│\s*1\s*│\s*28\s*│", table), table
    late = js("tasks", "--status", "逾期完成", "--as-of", DEC)
    assert [r["id"] for r in late] == [7]
    assert [r["id"] for r in js("tasks", "--status", "按时完成", "--as-of", DEC)] == [8]


def test_a_row_with_no_deadline_is_ongoing_never_overdue(tmp_path: Path) -> None:
    plan = str(write(tmp_path, MINIMAL))
    rows = {r["id"]: r for r in js("tasks", "--plan", plan, "--as-of", "2024-12-01")}
    assert (rows[1]["state"], rows[2]["state"], rows[2]["state_label"]) == ("overdue", "ongoing", "持续推进")
    assert [
        r["id"] for r in js("tasks", "--plan", plan, "--status", "持续推进", "--as-of", "2024-12-01")
    ] == [2]
    ok("done", "2", "--plan", plan, "--unit", "区甲局", "--date", "2024-11-30")
    ok("done", "2", "--plan", plan, "--unit", "区乙局", "--date", "2024-11-30")
    rows = {r["id"]: r for r in js("tasks", "--plan", plan, "--as-of", "2024-12-01")}
    assert (rows[2]["state"], rows[2]["on_time"]) == ("done", True)


def test_exports_show_on_time_and_late(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    mark("7", "--date", "2023-12-05", "--note", "https://example.org/7")
    mark("8", "--date", "2023-11-20")
    xlsx, html, md, ics = (tmp_path / f"l.{k}" for k in ("xlsx", "html", "md", "ics"))
    for path in (xlsx, html, md, ics):
        ok("export", path.suffix[1:], "-o", str(path), "--as-of", DEC)
    sheet = load_workbook(xlsx)["台账"]
    top = next(r for r in range(1, 10) if sheet.cell(row=r, column=1).value == "编号")  # below the title
    header = [c.value for c in sheet[top]]
    rows = sheet.iter_rows(min_row=top + 1, values_only=True)
    body = {r[0]: dict(zip(header, r, strict=True)) for r in rows}
    assert (body[7]["时效"], body[7]["逾期完成单位"]) == ("逾期完成", "区教体局")
    assert (body[8]["时效"], body[12]["时效"], body[1]["时效"]) == ("按时完成", "逾期未完成", "未到期")
    page = html.read_text(encoding="utf-8")
    assert re.search(r'data-state="done_late"[^>]*>\s*<td class="num">7</td>', page)
    report = md.read_text(encoding="utf-8")
    assert "已完成 2 项（按时完成 1 项，逾期完成 1 项）" in report
    calendar = ics.read_text(encoding="utf-8").replace("\r\n ", "")
    assert "完成情况（截至 2023-12-10）：逾期完成" in calendar


# -- item 2: several units -----------------------------------------------------------------------


def test_repeated_and_comma_separated_units_give_the_union() -> None:
    one = {r["id"] for r in js("tasks", "--unit", "教体局")}
    two = {r["id"] for r in js("tasks", "--unit", "卫健局")}
    both = js("tasks", "--unit", "教体局", "--unit", "卫健局")
    assert {r["id"] for r in both} == one | two and len(one | two) > max(len(one), len(two))
    assert js("tasks", "--unit", "教体局,卫健局") == both == js("tasks", "-u", "教体局，卫健局")
    for r in both:
        assert {f["unit"] for f in r["for_units"]} == {
            u for u, ids in (("区教体局", one), ("区卫健局", two)) if r["id"] in ids
        }
    pairs = js("overdue", "--as-of", "2023-12-01", "--unit", "教体局", "--unit", "卫健局")
    assert {(p["id"], p["unit"]) for p in pairs} == {
        (i, u) for u in ("区教体局", "区卫健局") for i in november(u)
    }
    assert {r["key"] for r in js("status", "-u", "教体局", "-u", "卫健局")} == {"区教体局", "区卫健局"}
    due = js("due", "--as-of", "2023-11-25", "--unit", "教体局,卫健局")
    assert {p["unit"] for p in due} == {"区教体局", "区卫健局"}


# -- item 4: GONGKAI_UNIT scopes every query and report ----------------------------------------------


def test_the_liaisons_unit_is_the_default_scope_and_everything_is_one_option_away(tmp_path: Path) -> None:
    env = {"GONGKAI_UNIT": "区教体局"}
    mine = js("tasks", env=env)
    assert mine == js("tasks", "--unit", "区教体局")
    assert len(mine) == len(rows_naming("区教体局") | rows_naming("区政府各部门单位")) < 59
    assert len(js("tasks", "--all", env=env)) == 59 == len(js("tasks", "--unit", "全部", env=env))
    r = ok("overdue", "--as-of", "2023-12-01", "-f", "csv", env=env)
    assert {row.split(",")[1] for row in r.stdout.splitlines()[1:]} == {"区教体局"}
    assert "只列出 区教体局（环境变量 GONGKAI_UNIT；加 --all 看全部单位）" in r.stderr
    table = ok("tasks", "--as-of", "2023-12-01", env=env).stdout
    assert "单位：区教体局（环境变量 GONGKAI_UNIT" in table
    assert [s["key"] for s in js("status", env=env)] == ["区教体局"]
    assert {p["unit"] for p in js("due", "--as-of", "2023-11-25", env=env)} == {"区教体局"}
    assert [p["unit"] for p in js("show", "18", env=env)["progress"]] == []  # not its row
    assert [p["unit"] for p in js("show", "30", env=env)["progress"]] == ["区教体局"]
    assert len(js("show", "30", "--all", env=env)["progress"]) > 1
    ok("export", "md", "-o", str(tmp_path / "r.md"), "--as-of", "2023-12-01", env=env)
    report = (tmp_path / "r.md").read_text(encoding="utf-8")
    assert report.startswith("# 2023年济宁市任城区政务公开重点工作任务分解表（区教体局）")
    assert "| 区卫健局 |" not in report


# -- item 5: show carries completion -----------------------------------------------------------------


def test_show_gives_each_units_progress_evidence_and_recent_history() -> None:
    ok("done", "12", "--unit", "区教体局", "--date", "2023-11-25", "--note", "教育局公开目录已更新")
    ok("done", "12", "--unit", "区卫健局", "--date", "2023-12-03")
    record = js("show", "12", "--as-of", DEC)
    progress = {p["unit"]: p for p in record["progress"]}
    assert set(progress) == {"区教体局", "区卫健局", "区发改局", "国网任城供电公司"}
    assert (progress["区教体局"]["state"], progress["区教体局"]["note"], progress["区教体局"]["done_on"]) == (
        "done", "教育局公开目录已更新", "2023-11-25",
    )  # fmt: skip
    assert (progress["区卫健局"]["state"], progress["区卫健局"]["on_time"]) == ("done_late", False)
    assert progress["区发改局"]["state"] == "overdue" and progress["区发改局"]["note"] is None
    assert [(h["action"], h["unit"]) for h in record["history"]] == [
        ("done", "区教体局"),
        ("done", "区卫健局"),
    ]
    assert (record["status"], record["state"], record["done_units"]) == (
        "partial",
        "overdue",
        ["区教体局", "区卫健局"],
    )
    earlier = js("show", "12", "--as-of", "2023-12-01")
    assert {p["unit"]: p["state"] for p in earlier["progress"]}["区卫健局"] == "overdue"
    table = ok("show", "12", "--as-of", DEC).stdout
    assert "各单位完成情况" in table and "教育局公开目录已更新" in table and "逾期完成" in table
    assert "最近的历史记录（2/2）" in table


# -- item 7: open-ended phrases are to be claimed, not chased ------------------------------------------

PHRASES = {"区政府有关部门单位", "各涉农镇(街道)", "重大行政决策事项承办单位"}


def test_open_ended_phrases_are_listed_apart_as_to_be_claimed(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    lines = js("status", "--as-of", DEC)
    assert {s["key"] for s in lines if s["placeholder"]} == PHRASES
    assert all(not s["placeholder"] for s in lines[: len(lines) - len(PHRASES)])  # units first
    table = ok("status", "--as-of", DEC).stdout
    units_part, claim_part = table.split("待认领（开放式表述，不是单位）")
    assert not any(p in units_part for p in PHRASES) and all(p in claim_part for p in PHRASES)
    ok("export", "xlsx", "-o", str(tmp_path / "t.xlsx"), "--as-of", DEC)
    summary = list(load_workbook(tmp_path / "t.xlsx")["单位汇总"].iter_rows(values_only=True))
    gap = summary.index((None,) * len(summary[0]))
    assert not {r[0] for r in summary[:gap]} & PHRASES
    assert summary[gap + 1][0] == "待认领（开放式表述，不是单位）"
    assert {r[0] for r in summary[gap + 2 :]} == PHRASES
    ok("export", "html", "-o", str(tmp_path / "t.html"), "--as-of", DEC)
    page = (tmp_path / "t.html").read_text(encoding="utf-8")
    units_table = page.split("<h2>各单位进度</h2>")[1].split("<h2>待认领</h2>")[0]
    assert not any(p in units_table for p in PHRASES)
    claims = page.split('<table id="placeholders">')[1].split("</table>")[0]
    assert all(p in claims for p in PHRASES)


# -- item 8: the plan's year is over -------------------------------------------------------------------


def test_a_plan_whose_year_is_over_says_so_once_on_stderr() -> None:
    assert dt.date.today().year > 2023  # the built-in plan is 2023's
    for args in (
        ("overdue",),
        ("tasks",),
        ("status",),
        ("due",),
        ("overdue", "--as-of", "2024-01-02", "-f", "csv"),
    ):
        r = run_installed(*args)
        lines = [line for line in r.stderr.splitlines() if "2023 年的" in line]
        assert len(lines) == 1, (args, r.stderr)
        assert "已于 2023-12-31 结束" in lines[0] and "--as-of" in lines[0] and "GONGKAI_PLAN" in lines[0]
    assert "2023 年的" not in run_installed("overdue", "--as-of", "2023-12-01").stderr
    r = run_installed("overdue", "-f", "json")
    assert r.returncode == 0 and "2023 年的" not in r.stderr + r.stdout
    assert json.loads(r.stdout)  # the data itself is unchanged


# -- the words people type -----------------------------------------------------------------------------


def test_chinese_and_any_case_choices_durations_and_year_ends() -> None:
    mark("7", "--date", "2023-11-20")
    assert [r["id"] for r in js("tasks", "--status", "完成", "--as-of", DEC)] == [7]
    for word, value in (
        ("已完成", "done"),
        ("逾期未完成", "overdue"),
        ("未到期", "not_due"),
        ("未开始", "open"),
    ):
        assert js("tasks", "--status", word, "--as-of", DEC) == js("tasks", "--status", value, "--as-of", DEC)
    assert js("status", "--by", "单位") == js("status", "--by", "unit")
    assert js("status", "--by", "工作任务") == js("status", "--by", "SECTION")
    assert js("status", "--by", "部分") == js("status", "--by", "part")
    assert js("tasks", "-f", "JSON", "--as-of", DEC) == js("tasks", "--as-of", DEC)
    assert js("due", "--as-of", "2023-11-25", "--within", "1个月") == js(
        "due", "--as-of", "2023-11-25", "--within", "30d"
    )
    assert js("due", "--as-of", "2023-11-25", "--within", "2周") == js(
        "due", "--as-of", "2023-11-25", "--within", "14d"
    )
    assert len(js("tasks", "--due-by", "2023年底")) == 59 == len(js("tasks", "--due-by", "年底"))
    assert len(js("tasks", "--due-by", "2023-11-30")) == 7
    r = run_installed("tasks", "--status", "差不多")
    assert r.returncode == 2 and "按时完成" in r.stderr


def test_overdue_markdown_reads_in_chinese_like_tasks() -> None:
    r = ok("overdue", "--as-of", "2023-12-01", "--unit", "区教体局", "-f", "md")
    lines = r.stdout.splitlines()
    assert lines[0] == "| 单位 | 编号 | 工作任务 | 具体要求 | 完成时限 | 逾期天数 | 经由统称 |"
    assert lines[2].startswith("| 区教体局 | 7 | (二)围绕提升群众生活品质强化公开 | 推进义务教育")
    assert "| 11月底前（2023-11-30） | 1 |" in lines[2]


def test_a_claimed_phrase_counts_as_claimed_and_shows_who_claimed_it() -> None:
    ok("done", "18", "--unit", "区教体局", "--date", "2023-11-20", "--note", "https://example.org/18")
    lines = {s["key"]: s for s in js("status", "--as-of", DEC)}
    assert (lines["区政府有关部门单位"]["done"], lines["区政府有关部门单位"]["placeholder"]) == (1, True)
    progress = {p["unit"]: p for p in js("show", "18", "--as-of", DEC, "--unit", "区教体局")["progress"]}
    assert list(progress) == ["区政府有关部门单位"]  # the liaison sees the part it claimed
    claimed = progress["区政府有关部门单位"]
    assert (claimed["state"], claimed["claimed_by"], claimed["note"]) == (
        "done",
        ["区教体局"],
        "https://example.org/18",
    )
    before = {p["unit"]: p for p in js("show", "18", "--as-of", "2023-11-19")["progress"]}
    assert before["区政府有关部门单位"]["state"] == "open"  # not claimed yet on that day
