from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gongkai_cli.errors import UsageError
from gongkai_cli.model import Group, Unit
from gongkai_cli.units import DIRECT, GROUP, POSSIBLE

from .helpers.common import rows_naming


@pytest.mark.parametrize(
    ("typed", "name"),
    [
        ("区教体局", "区教体局"),
        ("教体局", "区教体局"),
        ("区教育和体育局", "区教育和体育局"),
        (" 区 教体局 ", "区教体局"),
        ("各镇（街道）", "各镇(街道)"),
        ("各镇街道", "各镇(街道)"),
        ("二十里铺街道", "廿里铺街道"),
        ("二十里铺", "廿里铺街道"),
        ("廿里铺", "廿里铺街道"),
        ("长沟", "长沟镇"),
        ("运河经开区", "运河经济开发区"),
        ("政府办", "区政府办公室"),
    ],
)
def test_names_people_type(directory, typed: str, name: str) -> None:  # type: ignore[no-untyped-def]
    found = directory.resolve(typed)
    expected = {"区教育和体育局": "区教体局"}.get(name, name)
    assert found.name == expected


def test_unknown_name_suggests_the_closest(directory) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(UsageError) as err:
        directory.resolve("教体")
    assert "区教体局" in str(err.value)
    with pytest.raises(UsageError) as err:
        directory.resolve("区卫生局")
    assert "区卫健局" in str(err.value)


@given(st.text(max_size=20))
def test_any_text_resolves_or_is_a_usage_error(directory, text: str) -> None:  # type: ignore[no-untyped-def]
    try:
        found = directory.resolve(text)
    except UsageError as err:
        assert "\n" not in str(err)
        return
    assert isinstance(found, (Unit, Group))


@given(st.data())
def test_every_unit_resolves_from_its_typed_variants(directory, plan, data) -> None:  # type: ignore[no-untyped-def]
    unit = data.draw(st.sampled_from(plan.units))
    variant = unit.name
    if data.draw(st.booleans()):
        variant = variant.replace("(", "（").replace(")", "）")
    if data.draw(st.booleans()) and variant.startswith("区") and len(variant) > 2:
        variant = variant[1:]
    spaces = data.draw(st.lists(st.integers(0, len(variant)), max_size=3))
    for at in sorted(spaces, reverse=True):
        variant = variant[:at] + " " + variant[at:]
    assert directory.resolve(variant).name == unit.name


def test_every_group_member_is_a_unit(plan) -> None:  # type: ignore[no-untyped-def]
    units = {u.name for u in plan.units}
    for group in plan.groups:
        assert set(group.members) <= units


def test_department_rows_come_through_the_group(plan, directory) -> None:  # type: ignore[no-untyped-def]
    who = directory.resolve("区教体局")
    relations = {t.id: directory.relation(who, t) for t in plan.tasks}
    direct = {i for i, r in relations.items() if r and r.kind == DIRECT}
    via = {i for i, r in relations.items() if r and r.kind == GROUP}
    possible = {i for i, r in relations.items() if r and r.kind == POSSIBLE}
    assert direct == rows_naming("区教体局")
    assert via == rows_naming("区政府各部门单位") - direct
    assert all(relations[i].via == "区政府各部门单位" for i in via)
    assert possible == rows_naming("区政府有关部门单位", "重大行政决策事项承办单位") - direct - via


def test_town_rows_and_unknown_agricultural_towns(plan, directory) -> None:  # type: ignore[no-untyped-def]
    who = directory.resolve("长沟镇")
    relations = {t.id: directory.relation(who, t) for t in plan.tasks}
    via = {i for i, r in relations.items() if r and r.kind == GROUP}
    possible = {i for i, r in relations.items() if r and r.kind == POSSIBLE}
    assert via == rows_naming("各镇(街道)")
    # 各涉农镇(街道) has no known members: a town sees those rows only as possibly relevant.
    assert possible == rows_naming("各涉农镇(街道)", "重大行政决策事项承办单位") - via


def test_outside_units_do_not_get_department_rows(plan, directory) -> None:  # type: ignore[no-untyped-def]
    who = directory.resolve("国网任城供电公司")
    got = {t.id for t in plan.tasks if directory.relation(who, t)}
    assert got == rows_naming("国网任城供电公司")


def test_zone_is_one_unit_not_a_group(plan, directory) -> None:  # type: ignore[no-untyped-def]
    who = directory.resolve("运河经济开发区")
    direct = {t.id for t in plan.tasks if (r := directory.relation(who, t)) and r.kind == DIRECT}
    assert direct == rows_naming("运河经济开发区")


def test_group_query_lists_rows_naming_the_group(plan, directory) -> None:  # type: ignore[no-untyped-def]
    who = directory.resolve("各镇(街道)")
    got = {t.id for t in plan.tasks if directory.relation(who, t)}
    assert got == rows_naming("各镇(街道)")
