"""End-to-end: the commands as a user and a script run them."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from .helpers.common import (
    MINIMAL,
    PARTS,
    ROWS,
    SECTIONS,
    golden,
    installed_gongkai,
    rows_naming,
    rows_where,
    synth_plan,
)

REQUIRED_KEYS = {"id", "part", "section", "units", "requirement", "deadline", "deadline_text"}


def ids(records: list[dict]) -> list[int]:  # type: ignore[type-arg]
    return [r["id"] for r in records]


def test_unit_query_lists_direct_and_group_rows(run) -> None:  # type: ignore[no-untyped-def]
    got = run.json("tasks", "--unit", "区教体局")
    expected = rows_where(lambda r: "区教体局" in r.units or "区政府各部门单位" in r.units)
    assert ids(got) == expected
    for record in got:
        if "区教体局" in record["units"]:
            assert (record["relation"], record["via"]) == ("direct", None)
        else:
            assert (record["relation"], record["via"]) == ("group", "区政府各部门单位")


def test_possible_rows_only_on_request(run) -> None:  # type: ignore[no-untyped-def]
    plain = ids(run.json("tasks", "--unit", "教体局"))
    wider = run.json("tasks", "--unit", "教体局", "--possible")
    extra = [r for r in wider if r["id"] not in plain]
    assert ids(extra) == rows_where(
        lambda r: "区政府有关部门单位" in r.units or "重大行政决策事项承办单位" in r.units
    )
    assert {r["relation"] for r in extra} == {"possible"}


def test_filters_combine(run) -> None:  # type: ignore[no-untyped-def]
    got = run.json("tasks", "--unit", "区教体局", "--due-by", "11月底")
    assert ids(got) == rows_where(lambda r: "区教体局" in r.units and r.deadline_text == "11月底前")
    assert ids(run.json("tasks", "-u", "教体局", "-s", "(二)")) == ids(got)
    got = run.json("tasks", "--part", "1", "--search", "解读")
    assert ids(got) == [1, 2, 3, 5, 7, 11]  # found by hand in the published table
    got = run.json("tasks", "--part", "二", "--search", "解读")  # the part's own title says 解读
    assert ids(got) == rows_where(lambda r: r.part == 2) == list(range(29, 41))
    got = run.json("tasks", "--search", "政府网站 新媒体")
    text = lambda r: r.requirement + SECTIONS[r.section][1] + PARTS[r.part]  # noqa: E731
    assert ids(got) == rows_where(lambda r: "政府网站" in text(r) and "新媒体" in text(r)) == [43, 52, 53]
    assert ids(run.json("tasks", "--section", "十四")) == ids(run.json("tasks", "--section", "14"))
    assert ids(run.json("tasks", "--section", "（十四）")) == rows_where(lambda r: r.section == 14)


def test_due_by_takes_typed_dates(run) -> None:  # type: ignore[no-untyped-def]
    november = rows_where(lambda r: r.deadline_text == "11月底前")
    for typed in ("2023-11-30", "11-30", "11月底", "2023年11月30日", "11月30日"):
        assert ids(run.json("tasks", "--due-by", typed)) == november, typed
    assert run.json("tasks", "--due-by", "2023-11-29") == []


def test_json_contract(run) -> None:  # type: ignore[no-untyped-def]
    records = run.json("tasks")
    assert len(records) == 59
    for record in records:
        assert set(record) >= REQUIRED_KEYS
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", record["deadline"])
        assert isinstance(record["units"], list)
    r = run("tasks", "--search", "没有这样的词", "--format", "json")
    assert r.exit_code == 0 and r.stdout == "[]\n" and r.stderr == ""


def test_csv_is_whole_and_parses(run) -> None:  # type: ignore[no-untyped-def]
    r = run("tasks", "--unit", "区审计局", "--part", "一", "--as-of", "2023-07-26", "--format", "csv")
    assert r.exit_code == 0, r.output
    table = list(csv.reader(io.StringIO(r.stdout)))
    row = ROWS[3]
    assert table == [
        [
            "id", "part", "part_title", "section", "section_label", "section_title", "units",
            "requirement", "deadline", "deadline_text", "relation", "via",
            "status", "overdue", "unit_done", "responsible", "done_units", "pending_units",
            "state", "on_time", "late_units", "lead", "topic",
        ],
        [
            "4", "1", "推进绿色低碳高质量发展信息公开", "1", "(一)", "围绕稳经济、促活力强化公开", "区审计局",
            row.requirement, "2023-12-31", "12月底前", "direct", "",
            "open", "false", "false", "区审计局", "", "区审计局",
            "open", "", "", "", "",
        ],
    ]  # fmt: skip


def test_tsv_and_markdown(run) -> None:  # type: ignore[no-untyped-def]
    r = run("tasks", "--section", "五", "--format", "tsv")
    lines = r.stdout.splitlines()
    assert lines[0].split("\t")[0] == "id" and len(lines) == 1 + 4
    assert all(len(line.split("\t")) == 23 for line in lines)
    r = run("tasks", "--section", "五", "--format", "md")
    lines = r.stdout.splitlines()
    assert lines[0].startswith("| 编号 |") and lines[1].startswith("|---") and len(lines) == 2 + 4


@pytest.mark.parametrize(
    ("name", "args"),
    [
        (
            "tasks-unit-jiaoti.txt",
            ("tasks", "--unit", "区教体局", "--section", "二", "--as-of", "2023-11-01"),
        ),
        (
            "tasks-unit-changgou-possible.txt",
            ("tasks", "--unit", "长沟镇", "--possible", "--part", "一", "--as-of", "2023-12-01"),
        ),
        ("show-18.txt", ("show", "18", "--as-of", "2023-12-01")),
    ],
)
def test_tables_match_golden_files(run, name: str, args: tuple[str, ...]) -> None:  # type: ignore[no-untyped-def]
    r = run(*args)
    assert r.exit_code == 0, r.output
    assert "\x1b[" not in r.stdout
    golden(name, r.stdout)


def test_table_wraps_instead_of_truncating(run) -> None:  # type: ignore[no-untyped-def]
    r = run("tasks", "--section", "十一", env={"COLUMNS": "60"})
    column = "".join(line.split("│")[3].strip() for line in r.stdout.splitlines() if line.count("│") == 6)
    assert ROWS[50].requirement in column
    assert max(len(line) for line in r.stdout.splitlines()) <= 60


def test_show_expands_groups(run) -> None:  # type: ignore[no-untyped-def]
    record = run.json("show", "30")
    assert record["id"] == 30
    expanded = {e["name"]: e for e in record["expanded"]}
    assert len(expanded["区政府各部门单位"]["members"]) == 28
    assert "区教体局" in expanded["区政府各部门单位"]["members"]
    assert expanded["运河经济开发区"]["group"] is False
    assert "长沟镇" in expanded["各镇(街道)"]["members"]


def test_units_lists_the_directory(run) -> None:  # type: ignore[no-untyped-def]
    records = run.json("units")
    by_name = {u["name"]: u for u in records["units"]}
    assert "教体局" in by_name["区教体局"]["aliases"]
    assert by_name["区教体局"]["groups"] == ["区政府各部门单位"]
    assert by_name["国网任城供电公司"]["groups"] == []
    groups = {g["name"]: g for g in records["groups"]}
    assert groups["各涉农镇(街道)"]["members"] == []
    assert groups["区政府有关部门单位"]["open"] is True
    r = run("units")
    assert r.exit_code == 0 and "各涉农镇(街道)" in r.stdout


@pytest.mark.parametrize(
    ("args", "code", "words"),
    [
        (("tasks", "--unit", "教育局"), 2, "未知单位"),
        (("tasks", "--unit", "区教体"), 2, "区教体局"),
        (("tasks", "--section", "十五"), 2, "工作任务"),
        (("tasks", "--part", "五"), 2, "部分"),
        (("tasks", "--due-by", "下下周"), 2, "下下周"),
        (("tasks", "--format", "xml"), 2, "xml"),
        (("tasks", "--color", "rainbow"), 2, "rainbow"),
        (("tasks", "--bogus"), 2, "未知选项"),
        (("tasks", "--unit"), 2, "需要一个值"),
        (("show", "60"), 2, "60"),
        (("show", "abc"), 2, "abc"),
        (("show",), 2, "缺少"),
        (("show", "7", "--format", "csv"), 2, "csv"),
        (("nonsense",), 2, "未知命令"),
        (("tasks", "extra"), 2, "多余"),
    ],
)
def test_bad_arguments_get_one_line_in_chinese(run, args: tuple[str, ...], code: int, words: str) -> None:  # type: ignore[no-untyped-def]
    r = run(*args)
    assert r.exit_code == code, r.output
    assert r.stdout == ""
    assert r.stderr.startswith("错误：") and r.stderr.count("\n") == 1, r.stderr
    assert words in r.stderr


def test_validate(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    r = run("validate")
    assert r.exit_code == 0 and r.stdout == "" and "59 行" in r.stderr
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        MINIMAL.replace("units: [区甲局]", "units: [区丙局]").replace("- id: 2", "- id: 1"), "utf-8"
    )
    r = run("validate", str(bad))
    assert r.exit_code == 1
    assert r.stdout.splitlines() == [
        f"{bad}:19: 任务 1的责任单位 区丙局 不在单位名录中（是否想写：区甲局、区乙局？）",
        f"{bad}:22: 任务编号 1 重复（上一次在第 17 行）",
    ]


def test_plan_from_environment(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    other = tmp_path / "other.yaml"
    other.write_text(MINIMAL, "utf-8")
    r = run("tasks", "--format", "json", env={"GONGKAI_PLAN": str(other)})
    assert [t["id"] for t in json.loads(r.stdout)] == [1, 2]
    assert json.loads(r.stdout)[1]["deadline"] is None


def test_colour_only_when_asked(run) -> None:  # type: ignore[no-untyped-def]
    assert "\x1b[" not in run("tasks", "--section", "一").stdout
    r = run("tasks", "--section", "一", "--color", "always", env={"NO_COLOR": ""})
    assert "\x1b[" in r.stdout


def test_installed_entry_point_from_another_directory(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GONGKAI_")}
    r = subprocess.run(
        [installed_gongkai(), "tasks", "--unit", "区教体局", "--format", "json"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=60,
    )
    assert r.returncode == 0, r.stderr
    assert r.stderr == ""
    assert len(json.loads(r.stdout)) == len(
        rows_where(lambda row: "区教体局" in row.units or "区政府各部门单位" in row.units)
    )
    r = subprocess.run(
        [installed_gongkai(), "tasks", "--unit", "x"], capture_output=True, text=True, cwd=tmp_path
    )
    assert r.returncode == 2 and r.stdout == "" and r.stderr.startswith("错误：未知单位")


def test_no_arguments_prints_help(run) -> None:  # type: ignore[no-untyped-def]
    r = run()
    assert r.exit_code == 0
    assert "tasks" in r.stdout


@pytest.mark.parametrize("fmt", ["json", "table", "csv"])
def test_a_reader_that_stops_early_is_not_an_error(fmt: str) -> None:
    # `gongkai tasks -f json | head -1` under `set -o pipefail` must not fail the script, and
    # nothing is printed about the closed pipe.
    proc = subprocess.Popen(
        [installed_gongkai(), "tasks", "--format", fmt, "--as-of", "2023-12-01"],  # no note on stderr
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # the reader is gone before gongkai writes anything
    err = proc.stderr.read()
    assert proc.wait(timeout=60) == 0
    assert err == b""


def test_python_dash_m_runs_the_same_command_line(tmp_path: Path) -> None:
    r = subprocess.run(
        [sys.executable, "-m", "gongkai_cli", "tasks", "--unit", "区教体局", "--format", "json"],
        capture_output=True, text=True, cwd=tmp_path, timeout=60,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    expected = rows_naming("区教体局") | rows_naming("区政府各部门单位")
    assert {t["id"] for t in json.loads(r.stdout)} == expected
    version = subprocess.run(
        [sys.executable, "-m", "gongkai_cli", "--version"], capture_output=True, text=True
    )
    assert version.returncode == 0 and version.stdout.startswith("gongkai ")
    bad = subprocess.run(
        [sys.executable, "-m", "gongkai_cli", "tsks"], capture_output=True, text=True, timeout=60
    )
    assert bad.returncode == 2 and bad.stderr.startswith("错误：未知命令") and "Traceback" not in bad.stderr


def test_the_process_ends_with_everything_written_and_closed(tmp_path: Path) -> None:
    # The console script ends its process without the interpreter's teardown (launch.py): whatever
    # it wrote must still be whole in a file and in a pipe, its exit code the command's, and the
    # state file closed (SQLite folds the write-ahead log into the file and deletes it, with its
    # index, when the last connection closes; a process that just stopped would leave both).
    plan = synth_plan(tmp_path / "plan", 1000, 40)
    state = tmp_path / "state.sqlite3"
    env = {**os.environ, "GONGKAI_PLAN": str(plan), "GONGKAI_STATE": str(state)}
    out = tmp_path / "tasks.json"
    with out.open("wb") as sink:
        code = subprocess.run([installed_gongkai(), "tasks", "-f", "json"], stdout=sink, env=env, timeout=120)
    assert code.returncode == 0
    assert [t["id"] for t in json.loads(out.read_text(encoding="utf-8"))] == list(range(1, 1001))
    piped = subprocess.run(
        f"'{installed_gongkai()}' tasks -f csv | cat", shell=True, capture_output=True, env=env, timeout=120
    )
    assert piped.returncode == 0
    assert len(list(csv.reader(io.StringIO(piped.stdout.decode("utf-8-sig"))))) == 1001
    done = subprocess.run(
        [installed_gongkai(), "done", "1", "2", "3", "--all-units", "--date", "2023-11-01"],
        capture_output=True, text=True, env=env, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("state")) == ["state.sqlite3"]
    overdue = subprocess.run(
        [installed_gongkai(), "overdue", "--check", "--as-of", "2024-01-10", "-f", "json"],
        capture_output=True, text=True, env=env, timeout=120,
    )  # fmt: skip
    assert overdue.returncode == 1  # --check found overdue rows: documented exit 1, data still whole
    assert len(json.loads(overdue.stdout)) > 0


@pytest.mark.parametrize("unbuffered", ["", "1"])
@pytest.mark.parametrize(
    ("args", "code"),
    [
        (["--version"], 0),
        (["--help"], 0),
        ([], 0),
        (["state"], 0),
        (["tasks", "--help"], 0),
        (["overdue", "--check", "--as-of", "2023-12-01"], 1),  # the answer a script asked for
        (["overdue", "--check", "--as-of", "2023-12-01", "-f", "json"], 1),
        (["overdue", "--check", "--as-of", "2023-01-01"], 0),
    ],
)
def test_a_closed_pipe_keeps_the_exit_code(args: list[str], code: int, unbuffered: str) -> None:
    # `gongkai overdue --check | head -1` under pipefail: the reader leaving changes nothing about
    # the answer, and --help or --version into it is no failure (Rich's and Typer's own rule is 1)
    env = {**os.environ, "PYTHONUNBUFFERED": unbuffered}
    proc = subprocess.Popen(
        [installed_gongkai(), *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()
    err = proc.stderr.read()
    assert proc.wait(timeout=60) == code, err
    assert b"Traceback" not in err and b"Error" not in err


def test_validate_into_a_closed_pipe_still_reports_problems(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("tasks: [\n", encoding="utf-8")
    proc = subprocess.Popen(
        [installed_gongkai(), "validate", str(bad)], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()
    proc.stderr.read()
    assert proc.wait(timeout=60) == 1


def close_stdout() -> None:
    os.close(1)


def test_closed_stdout_or_stderr(tmp_path: Path) -> None:
    # `gongkai tasks -f json >&-`: an output error (6) in one line, not an internal error (70);
    # `2>&-`: messages have nowhere to go, the exit code still tells; a command that needs no
    # stdout (done) works with it closed
    gk = installed_gongkai()
    env = {**os.environ, "GONGKAI_STATE": str(tmp_path / "s.sqlite3")}
    for args in (["tasks", "-f", "json"], ["tasks"], ["--version"]):
        r = subprocess.run([gk, *args], stderr=subprocess.PIPE, env=env, timeout=60, preexec_fn=close_stdout)
        assert r.returncode == 6, (args, r.stderr)
        assert r.stderr.decode().startswith("错误：无法写出输出：输出已关闭（EBADF）"), r.stderr
    r = subprocess.run([gk, "show", "9999"], stdout=subprocess.PIPE, env=env, timeout=60,
                       preexec_fn=lambda: os.close(2))  # fmt: skip
    assert r.returncode == 2
    done = [gk, "done", "7", "--unit", "区教体局", "--date", "2023-11-20"]
    r = subprocess.run(done, stderr=subprocess.PIPE, env=env, timeout=60, preexec_fn=close_stdout)
    assert r.returncode == 0, r.stderr
    marks = subprocess.run([gk, "log", "-f", "json"], capture_output=True, text=True, env=env, timeout=60)
    assert [(m["task_id"], m["unit"], m["done_on"]) for m in json.loads(marks.stdout)] == [
        (7, "区教体局", "2023-11-20")
    ]


@pytest.mark.parametrize("args", [[], ["marks"], ["state"]])
def test_help_without_arguments_is_printed_once(args: list[str]) -> None:
    r = subprocess.run([installed_gongkai(), *args], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0
    assert r.stdout.count("用法:") == 1, r.stdout
    assert "─ 命令 ─" in r.stdout and "Commands" not in r.stdout


def test_a_profiler_gets_its_report(tmp_path: Path) -> None:
    # the console script skips the interpreter's teardown, except when someone is watching
    r = subprocess.run(
        [sys.executable, "-m", "cProfile", "-s", "cumtime", "-m", "gongkai_cli", "--version"],
        capture_output=True, text=True, timeout=60, cwd=tmp_path,
    )  # fmt: skip
    assert r.returncode == 0
    assert r.stdout.startswith("gongkai ") and "function calls" in r.stdout
