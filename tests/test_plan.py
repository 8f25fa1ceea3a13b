"""Plan files and mappings: the shipped plan is clean; every malformed one gets a located, one-line
error, with every problem listed; a mapping built in Python meets the same rules as a file."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from gongkai_cli.errors import PlanError
from gongkai_cli.plan import (
    Problem,
    check_mapping,
    check_plan,
    default_plan_path,
    load_plan,
    read_yaml,
    schema_markdown,
    validate_plan,
)

from .helpers.common import BUILT_IN_PLAN, MINIMAL, MINIMAL_DEADLINES, minimal_mapping, run_python, write

GOOD = default_plan_path().read_text(encoding="utf-8")


def test_shipped_plan_is_clean() -> None:
    plan, problems = check_plan(default_plan_path())
    assert problems == []
    assert plan is not None and len(plan.tasks) == 59


def test_minimal_plan_loads(tmp_path: Path) -> None:
    plan = load_plan(write(tmp_path, MINIMAL))
    assert [t.deadline.date for t in plan.tasks][1] is None
    assert plan.tasks[0].deadline.date.isoformat() == "2024-06-30"


def test_every_problem_is_reported_with_its_line(tmp_path: Path) -> None:
    broken = (
        MINIMAL.replace("units: [区甲局]", "units: [区丙局]")  # line 19
        .replace("  - id: 2", "  - id: 1")  # line 22
        .replace("deadline_text: 持续推进", "deadline_text: 尽快")  # line 26
    )
    _, problems = check_plan(write(tmp_path, broken))
    lines = sorted(p.line for p in problems)
    assert lines == [19, 22, 26], problems
    messages = " ".join(p.message for p in problems)
    assert "区丙局" in messages and "重复" in messages and "尽快" in messages


def test_a_typo_in_a_field_name_is_caught_with_a_hint(tmp_path: Path) -> None:
    _, problems = check_plan(
        write(tmp_path, MINIMAL.replace("requirement: 做好甲事", "requirment: 做好甲事"))
    )
    assert any("requirment" in p.message and "requirement" in p.message and p.line == 20 for p in problems)


def test_a_resolved_deadline_that_disagrees_with_the_wording(tmp_path: Path) -> None:
    text = MINIMAL.replace("deadline_text: 6月底前", "deadline_text: 6月底前\n    deadline: 2024-07-31")
    _, problems = check_plan(write(tmp_path, text))
    assert len(problems) == 1 and problems[0].line == 22 and "2024-06-30" in problems[0].message


def test_unknown_unit_in_a_shipped_row_suggests_the_name(tmp_path: Path) -> None:
    text = GOOD.replace("units: [区审计局]", "units: [区审计]", 1)
    _, problems = check_plan(write(tmp_path, text))
    assert len(problems) == 1
    assert "区审计局" in problems[0].message


BILLION_LAUGHS = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]\n" for i in range(8)
)

MALFORMED: list[tuple[str, str | bytes, str]] = [
    ("empty", "", "空"),
    ("only-comments", "# 什么都没有\n", "映射"),
    ("a-list", "- 1\n- 2\n", "映射"),
    ("a-string", "就是一句话\n", "映射"),
    ("bad-indent", "schema: 1\nplan:\n  title: x\n title: y\n", "YAML"),
    ("tab-indent", "schema: 1\nplan:\n\ttitle: x\n", "YAML"),
    ("unclosed", "schema: 1\nparts: [1, 2\n", "YAML"),
    ("duplicate-key", "schema: 1\nschema: 2\n", "重复"),
    ("python-tag", "!!python/object/apply:os.system ['echo PWNED > pwned.txt']\n", "标签"),
    ("python-tag-nested", "schema: 1\nplan: !!python/object/new:os.system [echo hi]\n", "标签"),
    ("custom-tag", "schema: !secret 1\n", "标签"),
    ("alias-bomb", BILLION_LAUGHS, "别名"),
    ("deep-nesting", "a: " + "[" * 50000 + "]" * 50000 + "\n", "嵌套"),
    ("deep-mapping", "".join("  " * i + f"k{i}:\n" for i in range(200)), "嵌套"),
    ("two-documents", "schema: 1\n---\nschema: 1\n", "文档"),
    ("binary", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "二进制"),
    ("gbk", "schema: 1\nplan:\n  title: 政务公开\n".encode("gbk"), "UTF-8"),
    ("utf16", "schema: 1\n".encode("utf-16"), "二进制"),
    ("wrong-schema", MINIMAL.replace("schema: 1", "schema: 99"), "版本"),
    ("missing-tasks", MINIMAL.split("tasks:")[0], "tasks"),
    ("tasks-not-a-list", MINIMAL.split("tasks:")[0] + "tasks: 很多\n", "列表"),
    ("task-not-a-mapping", MINIMAL.split("tasks:")[0] + "tasks:\n  - 做好甲事\n", "映射"),
    ("bool-id", MINIMAL.replace("id: 1", "id: true", 1), "整数"),
    ("negative-id", MINIMAL.replace("id: 1", "id: -1", 1), "正整数"),
    ("float-id", MINIMAL.replace("id: 1", "id: 1.5", 1), "整数"),
    ("huge-id", MINIMAL.replace("id: 1", "id: 1e999", 1), "整数"),
    ("no-units", MINIMAL.replace("units: [区甲局]", "units: []"), "没有责任单位"),
    ("unit-not-text", MINIMAL.replace("units: [区甲局]", "units: [{a: 1}]"), "单位名称"),
    (
        "bad-section",
        MINIMAL.replace("section: 1\n    units: [区甲局]", "section: 9\n    units: [区甲局]"),
        "不存在",
    ),
    ("bad-kind", MINIMAL.replace("kind: department}", "kind: bureau}", 1), "类别"),
    ("unknown-member", MINIMAL.replace("members: [区甲局, 区乙局]", "members: [区甲局, 区丁局]"), "区丁局"),
    (
        "datetime-deadline",
        MINIMAL.replace("deadline_text: 6月底前", "deadline_text: 6月底前\n    deadline: 2024-06-30 10:00"),
        "日期",
    ),
    ("empty-requirement", MINIMAL.replace("requirement: 做好甲事。", "requirement: '  '"), "为空"),
    ("bad-year", MINIMAL.replace("year: 2024", "year: 24"), "年度"),
    ("bad-timezone", MINIMAL.replace("year: 2024", "year: 2024\n  timezone: Mars/Olympus"), "时区"),
]


@pytest.mark.parametrize(("name", "content", "word"), MALFORMED, ids=[m[0] for m in MALFORMED])
def test_malformed_plans_get_a_clear_error(
    tmp_path: Path, name: str, content: str | bytes, word: str
) -> None:
    path = write(tmp_path, content)
    with pytest.raises(PlanError) as err:
        load_plan(path)
    message = str(err.value)
    assert "\n" not in message
    assert str(path) in message
    assert word in message, message
    assert not (tmp_path / "pwned.txt").exists()


@pytest.mark.parametrize(("name", "content", "word"), MALFORMED, ids=[m[0] for m in MALFORMED])
def test_malformed_plans_through_the_cli(
    run, tmp_path: Path, name: str, content: str | bytes, word: str
) -> None:  # type: ignore[no-untyped-def]
    path = write(tmp_path, content)
    r = run("tasks", "--plan", str(path))
    assert r.exit_code == 3, r.output
    assert r.stdout == ""
    assert r.stderr.startswith("错误：") and r.stderr.count("\n") == 1, r.stderr
    assert "Traceback" not in r.output
    v = run("validate", str(path))
    assert v.exit_code == 1, v.output


def test_missing_and_directory_paths(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    r = run("tasks", "--plan", str(tmp_path / "nope.yaml"))
    assert r.exit_code == 3 and "找不到计划文件" in r.stderr
    r = run("tasks", "--plan", str(tmp_path))
    assert r.exit_code == 3 and "目录" in r.stderr


def test_hostile_yaml_is_refused_fast_in_a_real_process(tmp_path: Path) -> None:
    """A fresh interpreter, so a crash in the C parser would show as a signal, not a pass."""
    for name, content, _ in MALFORMED:
        if name in ("alias-bomb", "deep-nesting", "python-tag"):
            path = write(tmp_path, content, f"{name}.yaml")
            r = subprocess.run(
                [sys.executable, "-m", "gongkai_cli", "tasks", "--plan", str(path)],
                capture_output=True,
                text=True,
                timeout=10,
                cwd=tmp_path,
            )
            assert r.returncode == 3, (name, r.stderr)
            assert "Traceback" not in r.stderr
    assert not (tmp_path / "pwned.txt").exists()


def test_yaml_reader_keeps_lines() -> None:
    doc = read_yaml("a: 1\nb:\n  - x\n  - y\n")
    assert doc.lines == {"a": 1, "b": 3}
    assert doc["b"].lines == [3, 4]


def test_bom_is_accepted(tmp_path: Path) -> None:
    path = write(tmp_path, MINIMAL.encode("utf-8-sig"))
    assert len(load_plan(path).tasks) == 2


def test_full_width_and_comment_edits_by_hand_still_load(tmp_path: Path) -> None:
    text = GOOD.replace("  - id: 7\n", "  # 教体局已确认\n  - id: 7\n")
    assert len(load_plan(write(tmp_path, text)).tasks) == 59


def test_schema_page_lists_every_task_field() -> None:
    page = schema_markdown()
    for field in ("id", "section", "units", "requirement", "deadline_text", "deadline", "members", "within"):
        assert f"`{field}`" in page


def test_the_built_in_plan_is_the_one_in_the_repository() -> None:
    assert default_plan_path().samefile(BUILT_IN_PLAN)
    assert load_plan().path == str(default_plan_path())  # None means the built-in plan


def test_load_plan_reports_every_problem_on_the_error(tmp_path: Path) -> None:
    broken = MINIMAL.replace("units: [区甲局]", "units: [区丙局]").replace("  - id: 2", "  - id: 1")
    path = write(tmp_path, broken)
    with pytest.raises(PlanError) as err:
        load_plan(path)
    assert [p.line for p in err.value.problems] == [19, 22]
    assert str(err.value) == (
        err.value.problems[0].render(str(path)) + "（共 2 个问题，运行 gongkai validate 查看全部）"
    )


# ---------------------------------------------------------------------------------------------
# Plain mappings, as an importer builds them


def test_a_plain_mapping_gives_the_same_plan_as_the_file(tmp_path: Path) -> None:
    from_file = load_plan(write(tmp_path, MINIMAL))
    from_mapping = validate_plan(minimal_mapping())
    assert from_mapping == from_file
    assert from_mapping.path == "" and {t.line for t in from_mapping.tasks} == {0}
    assert [t.deadline.date for t in from_mapping.tasks] == MINIMAL_DEADLINES


def test_tuples_count_as_lists() -> None:
    mapping = minimal_mapping()
    mapping["units"] = tuple(mapping["units"])
    mapping["tasks"][0]["units"] = ("区甲局",)
    plan, problems = check_mapping(mapping)
    assert problems == [] and plan is not None and plan.tasks[0].units == ("区甲局",)


def test_a_mapping_gets_the_files_messages_without_lines(tmp_path: Path) -> None:
    file_text = (
        MINIMAL.replace("units: [区甲局]", "units: [区丙局]")
        .replace("deadline_text: 持续推进", "deadline_text: 尽快")
        .replace("requirement: 做好甲事", "requirment: 做好甲事")
    )
    mapping = minimal_mapping()
    mapping["tasks"][0]["units"] = ["区丙局"]
    mapping["tasks"][1]["deadline_text"] = "尽快"
    mapping["tasks"][0]["requirment"] = mapping["tasks"][0].pop("requirement")
    _, from_file = check_plan(write(tmp_path, file_text))
    plan, from_mapping = check_mapping(mapping)
    assert plan is None
    assert sorted(p.message for p in from_mapping) == sorted(p.message for p in from_file)
    assert {p.line for p in from_mapping} == {0} and 0 not in {p.line for p in from_file}
    assert len(from_mapping) == 4  # the typo, the missing requirement, the unknown unit, the wording


def test_duplicates_in_a_mapping_name_the_item_instead_of_a_line() -> None:
    mapping = minimal_mapping()
    mapping["tasks"][1]["id"] = 1
    mapping["units"].append({"name": "区甲局", "kind": "department"})
    _, problems = check_mapping(mapping)
    messages = [p.message for p in problems]
    assert "单位 区甲局 重复（上一次是 units 第 1 项）" in messages
    assert "任务编号 1 重复（上一次是 tasks 第 1 项）" in messages
    assert not any("第 0 行" in m for m in messages)


def test_validate_plan_raises_with_the_first_problem_the_count_and_all_of_them() -> None:
    mapping = minimal_mapping()
    mapping["schema"] = 99
    mapping["tasks"][0]["section"] = 9
    mapping["plan"]["year"] = True
    with pytest.raises(PlanError) as err:
        validate_plan(mapping, "导入的表格")
    problems = err.value.problems
    assert len(problems) == 3 and all(isinstance(p, Problem) for p in problems)
    assert str(err.value) == f"导入的表格: {problems[0].message}（共 3 个问题）"
    assert "版本 99" in problems[0].message
    assert err.value.exit_code == 3


def test_a_mapping_that_is_not_a_mapping() -> None:
    for value in (None, "就是一句话", ["a"], 3):
        plan, problems = check_mapping(value)
        assert plan is None and len(problems) == 1 and "映射" in problems[0].message
        assert problems[0].render("") == problems[0].message  # no path, no line: the message alone


@pytest.mark.parametrize(
    ("field", "value", "word"),
    [
        ("id", "1", "整数"),
        ("id", True, "整数"),
        ("units", "区甲局", "列表"),
        ("requirement", 3, "文本"),
        ("deadline", "2024-06-30", "日期"),
    ],
)
def test_wrong_types_in_a_mapping(field: str, value: object, word: str) -> None:
    mapping = minimal_mapping()
    mapping["tasks"][0][field] = value
    plan, problems = check_mapping(mapping)
    assert plan is None
    assert any(field in p.message and word in p.message for p in problems), problems


def test_the_plan_package_stands_on_the_model_alone() -> None:
    """Loading, validating and dumping plans never pulls in the command line, the store or output."""
    code = """
import sys
from gongkai_cli.plan import check_mapping, check_plan, dump_plan, load_plan, schema_markdown
plan = load_plan()
check_plan(plan.path)
dump_plan(plan)
schema_markdown()
print(" ".join(m for m in sys.modules if m.split(".")[0] in ("gongkai_cli", "typer", "rich", "click")))
"""
    r = run_python(code)
    assert r.returncode == 0, r.stderr
    plan = {f"gongkai_cli.plan.{m}" for m in ("read", "validate", "write", "cache")} | {"gongkai_cli.plan"}
    below = {f"gongkai_cli.{m}" for m in ("model", "dates", "text", "errors", "inputs", "units")} | {
        "gongkai_cli"
    }
    assert set(r.stdout.split()) <= plan | below, r.stdout
