"""What the plan format grew for imported tables: lead units, rows with no deadline, plans with fewer
(or a third) heading levels, units of unknown kind; everything that existed works as before."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from gongkai_cli.errors import PlanError
from gongkai_cli.plan import check_plan, dump_plan, load_plan, validate_plan

from .helpers.common import write

FLAT = """\
schema: 1
plan: {title: 青禾区清单, doc_number: 青政办字〔2024〕5号, issuer: 青禾区人民政府办公室, year: 2024}
units:
  - {name: 区财政局, kind: unknown}
  - {name: 区统计局, kind: unknown}
tasks:
  - id: 1
    units: [区财政局, 区统计局]
    lead: [区财政局]
    requirement: 公开预算。
    deadline_text: 6月底前
  - id: 2
    units: [区统计局]
    requirement: 公开统计公报。
"""

THREE_LEVELS = """\
schema: 1
plan: {title: 青禾区清单, doc_number: 青政办字〔2024〕6号, issuer: 青禾区人民政府办公室, year: 2024}
parts:
  - {number: 1, title: 加强公开}
sections:
  - {number: 1, part: 1, title: 公共服务}
units:
  - {name: 区民政局, kind: unknown}
tasks:
  - id: 1
    section: 1
    topic: 1.公开养老服务
    units: [区民政局]
    requirement: 公开养老机构名录。
    deadline_text: 10月底前
"""


def test_a_flat_plan_with_lead_and_an_ongoing_row(tmp_path: Path, run: Any) -> None:
    path = write(tmp_path, FLAT)
    plan = load_plan(path)
    first, second = plan.tasks
    assert (first.part, first.section, first.lead) == (0, 0, ("区财政局",))
    assert (second.deadline.text, second.deadline.date, second.deadline.shown) == ("", None, "持续推进")
    tasks = run.json("tasks", "--plan", str(path))
    assert [(t["part"], t["section"], t["lead"], t["deadline_text"], t["deadline"]) for t in tasks] == [
        (None, None, ["区财政局"], "6月底前", "2024-06-30"),
        (None, None, [], None, None),
    ]
    overdue = run.json("overdue", "--plan", str(path), "--as-of", "2030-01-01")
    assert {p["id"] for p in overdue} == {1}  # the ongoing row never falls due
    shown = run("show", "2", "--plan", str(path))
    assert shown.exit_code == 0, shown.output
    assert "持续推进" in shown.stdout
    lead = run("show", "1", "--plan", str(path))
    assert "牵头单位" in lead.stdout and "区财政局" in lead.stdout
    units = run.json("units", "--plan", str(path))
    assert {u["kind_label"] for u in units["units"]} == {"类别待定"}
    for fmt in ("csv", "md"):
        assert run("tasks", "--plan", str(path), "-f", fmt).exit_code == 0
    assert run("status", "--plan", str(path), "--by", "section").exit_code == 0


@pytest.mark.parametrize("text", [FLAT, THREE_LEVELS])
def test_new_fields_round_trip_through_the_writer(tmp_path: Path, text: str) -> None:
    plan = load_plan(write(tmp_path, text))
    again = load_plan(write(tmp_path, dump_plan(plan), "again.yaml"))
    assert again == plan
    assert [t.lead for t in again.tasks] == [t.lead for t in plan.tasks]
    assert [t.topic for t in again.tasks] == [t.topic for t in plan.tasks]


def test_a_third_level_is_the_topic(tmp_path: Path, run: Any) -> None:
    path = write(tmp_path, THREE_LEVELS)
    (task,) = run.json("tasks", "--plan", str(path))
    assert task["topic"] == "1.公开养老服务"
    assert "1.公开养老服务" in run("show", "1", "--plan", str(path)).stdout


def test_lead_and_topic_are_part_of_a_rows_content() -> None:
    plan = load_plan(None)
    task = plan.tasks[2]
    assert task._replace(lead=task.units[:1]) != task
    assert task._replace(topic="x") != task
    assert task._replace(line=999) == task


def test_built_in_plan_json_gains_lead_and_topic_only(run: Any) -> None:
    tasks = run.json("tasks")
    assert all(t["lead"] == [] and t["topic"] is None for t in tasks)
    assert all(isinstance(t["part"], int) and isinstance(t["deadline_text"], str) for t in tasks)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda s: s.replace("lead: [区财政局]", "lead: [区教体局]"), "牵头单位 区教体局 不在它的责任单位"),
        (
            lambda s: s.replace("tasks:", "parts:\n  - {number: 1, title: 甲}\ntasks:"),
            "有 parts 时 sections 不能为空",
        ),
        (
            lambda s: s.replace("kind: unknown}\n  - {name: 区统", "kind: unknwn}\n  - {name: 区统"),
            "单位类别",
        ),
        (
            lambda s: s.replace("    deadline_text: 6月底前\n", "    deadline: 2024-06-30\n"),
            "没有 deadline_text",
        ),
    ],
)
def test_problems_with_the_new_fields(tmp_path: Path, edit: Any, message: str) -> None:
    plan, problems = check_plan(write(tmp_path, edit(FLAT)))
    assert plan is None
    assert any(message in p.message for p in problems), problems


def test_sections_need_their_part_when_the_plan_has_parts(tmp_path: Path) -> None:
    text = THREE_LEVELS.replace("{number: 1, part: 1, title: 公共服务}", "{number: 1, title: 公共服务}")
    plan, problems = check_plan(write(tmp_path, text))
    assert plan is None and any("缺少必填字段 part" in p.message for p in problems)


def test_rows_need_their_section_when_the_plan_has_sections(tmp_path: Path) -> None:
    plan, problems = check_plan(write(tmp_path, THREE_LEVELS.replace("    section: 1\n", "")))
    assert plan is None and any("缺少必填字段 section" in p.message for p in problems)


def test_schema_documents_the_new_fields(run: Any) -> None:
    text = run("schema").stdout
    for field in ("`lead`", "`topic`", "unknown（类别待定）"):
        assert field in text
    assert "原表没有完成时限时省略" in text


def test_validate_plan_accepts_an_importers_mapping() -> None:
    mapping = json.loads(
        json.dumps(
            {
                "schema": 1,
                "plan": {"title": "t", "doc_number": "", "issuer": "", "year": 2024},
                "units": [{"name": "甲局", "kind": "unknown"}],
                "groups": [{"name": "各镇", "members": []}, {"name": "有关部门", "open": True}],
                "tasks": [
                    {"id": 1, "units": ["甲局", "各镇", "有关部门"], "lead": ["甲局"], "requirement": "r"}
                ],
            }
        )
    )
    plan = validate_plan(mapping)
    assert plan.tasks[0].lead == ("甲局",)
    with pytest.raises(PlanError):
        validate_plan({**mapping, "tasks": [{**mapping["tasks"][0], "lead": ["乙局"]}]})
