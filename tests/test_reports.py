"""status, overdue and due: as a coordinator and a cron script use them."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from .helpers.common import PARTS, ROWS, SECTIONS, golden, installed_gongkai

NOVEMBER = [i for i, r in enumerate(ROWS, 1) if r.deadline_text == "11月底前"]


def expected_november_pairs(plan, skip=()):  # type: ignore[no-untyped-def]
    """The unfinished 11月底前 (row, unit) pairs, from the source text; those rows name units only."""
    order = [u.name for u in plan.units]
    pairs = [(i, u) for i in NOVEMBER for u in ROWS[i - 1].units if (i, u) not in skip]
    assert all(u in order for _, u in pairs)  # no group phrase in these rows
    return sorted(pairs, key=lambda p: (order.index(p[1]), p[0]))


def test_overdue_on_the_first_of_december_is_exactly_the_november_pairs(run, plan) -> None:  # type: ignore[no-untyped-def]
    got = run.json("overdue", "--as-of", "2023-12-01")
    pairs = expected_november_pairs(plan)
    assert len(pairs) == 11  # counted by hand: rows 6-10 one unit each, row 11 two, row 12 four
    assert got == [
        {
            "id": i,
            "unit": u,
            "via": None,
            "part": 1,
            "section": 2,
            "section_label": "(二)",
            "section_title": SECTIONS[2][1],
            "requirement": ROWS[i - 1].requirement,
            "deadline": "2023-11-30",
            "deadline_text": "11月底前",
            "days_overdue": 1,
            "placeholder": False,
        }
        for i, u in pairs
    ]


def test_a_marked_pair_is_no_longer_overdue(run, plan) -> None:  # type: ignore[no-untyped-def]
    assert run("done", "12", "--unit", "区卫健局", "--date", "2023-11-29").exit_code == 0
    got = [(r["id"], r["unit"]) for r in run.json("overdue", "--as-of", "2023-12-01")]
    assert got == expected_november_pairs(plan, skip={(12, "区卫健局")})


def test_check_exit_codes(run) -> None:  # type: ignore[no-untyped-def]
    r = run("overdue", "--as-of", "2023-12-01", "--check", "--format", "json")
    assert r.exit_code == 1 and len(json.loads(r.stdout)) == 11
    r = run("overdue", "--as-of", "2023-11-30", "--check", "--format", "json")
    assert r.exit_code == 0 and r.stdout == "[]\n"
    assert run("overdue", "--as-of", "2023-12-01").exit_code == 0  # without --check: 0 when it ran
    r = run("overdue", "--as-of", "2023-11-30")
    assert r.exit_code == 0 and r.stdout == "" and "没有" in r.stderr


def test_group_rows_expand_to_members(run, plan, directory) -> None:  # type: ignore[no-untyped-def]
    got = run.json("overdue", "--as-of", "2024-01-01", "--section", "四")
    row30 = [r for r in got if r["id"] == 30]
    departments = plan.group("区政府各部门单位").members
    towns = plan.group("各镇(街道)").members
    assert {r["unit"] for r in row30} == {*departments, "运河经济开发区", *towns}
    assert {r["via"] for r in row30 if r["unit"] in towns} == {"各镇(街道)"}
    assert all(r["days_overdue"] == 1 for r in got)
    only_town = run.json("overdue", "--as-of", "2024-01-01", "--unit", "长沟", "--section", "四")
    town_rows = [i for i, r in enumerate(ROWS, 1) if r.section == 4 and "各镇(街道)" in r.units]
    assert town_rows == [30, 31, 33, 34]  # row 29 and 32 are 区政府办公室's alone
    assert [(r["id"], r["unit"]) for r in only_town] == [(i, "长沟镇") for i in town_rows]
    group = run.json("overdue", "--as-of", "2024-01-01", "--unit", "各镇(街道)", "--section", "四")
    assert {r["unit"] for r in group} == set(towns)


def test_due_window(run, plan) -> None:  # type: ignore[no-untyped-def]
    got = run.json("due", "--as-of", "2023-11-25")
    assert [(r["id"], r["unit"]) for r in got] == expected_november_pairs(plan)
    assert {r["days_left"] for r in got} == {5}
    assert run.json("due", "--as-of", "2023-11-25", "--within", "4d") == []
    assert {r["days_left"] for r in run.json("due", "--as-of", "2023-11-30", "--within", "0")} == {0}
    december = run.json("due", "--as-of", "2023-12-24", "--within", "1w", "--unit", "区教体局")
    assert {r["days_left"] for r in december} == {7}
    assert {r["id"] for r in december} == {
        i
        for i, r in enumerate(ROWS, 1)
        if r.deadline_text == "12月底前" and ("区教体局" in r.units or "区政府各部门单位" in r.units)
    }


def test_overdue_csv_is_whole(run) -> None:  # type: ignore[no-untyped-def]
    r = run("overdue", "--as-of", "2023-12-01", "--unit", "区住建局", "--format", "csv")
    assert list(csv.reader(io.StringIO(r.stdout))) == [
        ["id", "unit", "via", "part", "section", "section_label", "section_title", "requirement", "deadline",
         "deadline_text", "days_overdue"],
        ["10", "区住建局", "", "1", "2", "(二)", SECTIONS[2][1], ROWS[9].requirement, "2023-11-30",
         "11月底前", "1"],
    ]  # fmt: skip


def test_status_by_part_as_json(run, plan, directory) -> None:  # type: ignore[no-untyped-def]
    from gongkai_cli.queries import responsible_units

    run("done", "7", "--date", "2023-11-20")  # counted on 2023-12-01: done by then
    got = run.json("status", "--by", "part", "--as-of", "2023-12-01")
    parts_in = {
        p: sum(len(responsible_units(directory, t)) for t in plan.tasks if t.part == p) for p in PARTS
    }
    rows_in = {p: sum(1 for r in ROWS if r.part == p) for p in PARTS}
    assert rows_in == {1: 28, 2: 12, 3: 9, 4: 10}  # counted by hand from the published table
    assert got[0] == {
        "key": "1",
        "label": "一、" + PARTS[1],
        "rows": 28,
        "done": 1,
        "partial": 0,
        "open": 27,
        "overdue": 6,  # rows 6, 8-12: the 11月底前 rows less row 7
        "due_soon": 0,
        "done_parts": 1,
        "parts": parts_in[1],
        "progress": round(1 / parts_in[1], 4),
        "light": "red",
        "done_on_time": 1,
        "done_late": 0,
        "placeholder": False,
    }
    assert [g["light"] for g in got[1:]] == ["green"] * 3
    assert [g["key"] for g in got[1:]] == ["2", "3", "4"]


def test_status_lights_and_order(run) -> None:  # type: ignore[no-untyped-def]
    soon = run.json("status", "--by", "section", "--as-of", "2023-11-26")
    assert soon[0]["key"] == "2" and soon[0]["light"] == "yellow"  # 11-30 is within 7 days
    assert all(s["light"] == "green" for s in soon[1:])
    assert (
        run.json("status", "--by", "section", "--as-of", "2023-11-26", "--window", "3d")[0]["light"]
        == "green"
    )
    units = run.json("status", "--as-of", "2023-12-01")
    reds = [u["key"] for u in units if u["light"] == "red"]
    assert set(reds) == {u for i in NOVEMBER for u in ROWS[i - 1].units}
    assert [u["light"] for u in units] == sorted(
        (u["light"] for u in units), key=["red", "yellow", "green"].index
    )
    mine = run.json("status", "--unit", "区教体局", "--as-of", "2023-12-01")
    assert [u["key"] for u in mine] == ["区教体局"] and mine[0]["partial"] is None


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("status-by-section.txt", ("status", "--by", "section", "--as-of", "2023-12-01")),
        ("status-by-unit-jiaoti.txt", ("status", "--unit", "区教体局", "--as-of", "2023-12-01")),
        ("overdue-2023-12-01.txt", ("overdue", "--as-of", "2023-12-01", "--unit", "区卫健局")),
        ("due-2023-11-25.txt", ("due", "--as-of", "2023-11-25", "--unit", "区教体局")),
    ],
)
def test_report_tables_match_golden_files(run, name: str, args: tuple[str, ...]) -> None:  # type: ignore[no-untyped-def]
    run("done", "7", "--date", "2023-11-20")
    r = run(*args)
    assert r.exit_code == 0, r.output
    golden(name, r.stdout)


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("status", "--by", "town"), "town"),
        (("status", "--window", "a week"), "a week"),
        (("overdue", "--as-of", "上个月"), "上个月"),
        (("due", "--within", "-3d"), "-3d"),
        (("overdue", "--section", "二十"), "工作任务"),
        (("overdue", "--unit", "区政府"), "未知单位"),
    ],
)
def test_report_refusals(run, args: tuple[str, ...], words: str) -> None:  # type: ignore[no-untyped-def]
    r = run(*args)
    assert r.exit_code == 2 and r.stderr.startswith("错误：") and words in r.stderr, r.output


@pytest.mark.parametrize(
    ("utc", "overdue_pairs"),
    [
        ("2023-11-30 15:30:00", 0),  # 23:30 on 11-30 in 任城: still on time
        ("2023-11-30 17:00:00", 11),  # 01:00 on 12-01 in 任城
        ("2023-11-30 23:30:00", 11),  # 07:30 on 12-01 in 任城
    ],
)
def test_today_is_the_rencheng_date_on_a_utc_machine(tmp_path: Path, utc: str, overdue_pairs: int) -> None:
    faketime = shutil.which("faketime")
    if faketime is None:
        if os.environ.get("CI"):
            pytest.fail("faketime is missing; .ci/run installs Debian's faketime package")
        pytest.skip("faketime (Debian package faketime) is not installed")
    env = {k: v for k, v in os.environ.items() if not k.startswith("GONGKAI_")}
    env.update(TZ="UTC", GONGKAI_STATE=str(tmp_path / "state.sqlite3"))
    r = subprocess.run(
        [faketime, utc, installed_gongkai(), "overdue", "--format", "json"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=60,
    )
    assert r.returncode == 0, r.stderr
    assert len(json.loads(r.stdout)) == overdue_pairs
    r = subprocess.run(
        [faketime, utc, installed_gongkai(), "done", "7"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    expected_day = "2023-11-30" if overdue_pairs == 0 else "2023-12-01"
    assert f"已标记完成（{expected_day}）" in r.stderr, r.stderr


def test_long_reports_are_summarised_per_unit(run) -> None:  # type: ignore[no-untyped-def]
    pairs = run.json("due", "--as-of", "2023-12-25")
    assert len(pairs) > 200
    r = run("due", "--as-of", "2023-12-25", env={"COLUMNS": "200"})
    assert r.exit_code == 0 and "按单位汇总" in r.stdout and "--unit" in r.stderr
    mine = [p["id"] for p in pairs if p["unit"] == "李营街道"]
    line = next(line for line in r.stdout.splitlines() if "李营街道" in line)
    assert f"│ {len(mine):>4} │" in line
    assert ", ".join(str(i) for i in mine[:5]) in line
    detail = run("due", "--as-of", "2023-12-25", "--unit", "李营街道")
    assert "按单位汇总" not in detail.stdout and "编号" in detail.stdout
