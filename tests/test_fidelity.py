"""data/tasks.yaml against the published notice, row by row.

The reference here is read from the source text by this file's own small parser, and the counts
below were counted by hand from the published table; nothing is taken from gongkai's output.
"""

from __future__ import annotations

import calendar
import datetime as dt

import pytest

from .helpers.common import ROWS_PER_SECTION, SHARED_SOURCE, VENDORED_SOURCE, Row, parse_source


@pytest.fixture(scope="module")
def source() -> tuple[dict[int, str], dict[int, tuple[int, str]], list[Row]]:
    return parse_source(VENDORED_SOURCE.read_text(encoding="utf-8"))


def test_vendored_source_is_the_shared_one() -> None:
    if not SHARED_SOURCE.exists():
        pytest.skip("../shared/source is not beside this checkout")
    assert VENDORED_SOURCE.read_bytes() == SHARED_SOURCE.read_bytes()


def test_reference_parser_sees_the_hand_counted_table(source) -> None:  # type: ignore[no-untyped-def]
    parts, sections, rows = source
    assert len(parts) == 4
    assert len(sections) == 14
    assert len(rows) == sum(ROWS_PER_SECTION) == 59
    assert [sum(1 for r in rows if r.section == s) for s in range(1, 15)] == ROWS_PER_SECTION


def test_plan_metadata(plan, source_text) -> None:  # type: ignore[no-untyped-def]
    assert plan.meta.doc_number == "济任政办字〔2023〕24号"
    assert f"发文字号: {plan.meta.doc_number}" in source_text
    assert plan.meta.issuer == "济宁市任城区人民政府办公室"
    assert plan.meta.issued == dt.date(2023, 7, 26)
    assert plan.meta.year == 2023
    assert plan.meta.timezone == "Asia/Shanghai"
    assert plan.meta.title in source_text
    assert plan.meta.notice_title in source_text


def test_parts_and_sections_verbatim(plan, source) -> None:  # type: ignore[no-untyped-def]
    parts, sections, _ = source
    assert {p.number: p.title for p in plan.parts} == parts
    assert {s.number: (s.part, s.title) for s in plan.sections} == sections


def test_every_row_matches_the_source(plan, source) -> None:  # type: ignore[no-untyped-def]
    _, _, rows = source
    assert [t.id for t in plan.tasks] == list(range(1, len(rows) + 1))
    for task, row in zip(plan.tasks, rows, strict=True):
        where = f"row {task.id}"
        assert task.requirement == row.requirement, where
        assert list(task.units) == row.units, where
        assert task.section == row.section, where
        assert task.part == row.part, where
        assert task.deadline.text == row.deadline_text, where
        month = int(row.deadline_text[: row.deadline_text.index("月")])
        expected = dt.date(2023, month, calendar.monthrange(2023, month)[1])
        assert task.deadline.date == expected, where


def test_every_named_unit_is_in_the_directory(plan, source) -> None:  # type: ignore[no-untyped-def]
    _, _, rows = source
    names = {u.name for u in plan.units} | {g.name for g in plan.groups}
    written = {u for r in rows for u in r.units}
    assert written <= names
    assert {"区政府各部门单位", "各镇(街道)", "各涉农镇(街道)", "区政府有关部门单位"} <= written


def test_units_outside_district_government_are_not_department_members(plan) -> None:  # type: ignore[no-untyped-def]
    outside = {
        "国网任城供电公司",
        "经开区税务局",
        "任城区税务局",
        "市中公安分局",
        "任城公安分局",
        "济宁市土地储备和规划事务中心任城事务部",
        "运河新城建管中心",
    }
    departments = set(plan.group("区政府各部门单位").members)
    assert not outside & departments
    assert all(plan.unit(n).kind == "external" for n in outside)
    assert "运河经济开发区" not in departments
    assert plan.unit("运河经济开发区").kind == "zone"
