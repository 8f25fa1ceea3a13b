"""dump_plan: readable YAML that reads back to an equal plan, with every 具体要求 character for character."""

from __future__ import annotations

import datetime as dt
import string
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from gongkai_cli.plan import check_mapping, check_plan, dump_plan, load_plan, read_yaml, validate_plan

from .helpers.common import BUILT_IN_PLAN, ROWS, minimal_mapping, synth_plan, write


def reload(tmp_path: Path, text: str, name: str = "dumped.yaml"):  # type: ignore[no-untyped-def]
    """The dumped text as a file, read back by the same path every plan file takes."""
    plan, problems = check_plan(write(tmp_path, text, name))
    assert problems == [], (problems, text)
    return plan


def test_the_built_in_plan_round_trips(tmp_path: Path) -> None:
    plan = load_plan()
    text = dump_plan(plan)
    again = reload(tmp_path, text)
    assert again == plan
    assert dump_plan(again) == text  # a dump is a fixed point
    # Checked against the published notice, not against the code: each row's 具体要求 verbatim.
    assert [t.requirement for t in again.tasks] == [r.requirement for r in ROWS]
    assert [t.deadline.text for t in again.tasks] == [r.deadline_text for r in ROWS]


def test_the_dump_keeps_what_the_source_file_says(tmp_path: Path) -> None:
    """Field by field against data/tasks.yaml as the YAML reader sees it, validation aside."""
    source = read_yaml(BUILT_IN_PLAN.read_text(encoding="utf-8"))
    dumped = read_yaml(dump_plan(load_plan()))
    assert list(dumped) == ["schema", "plan", "parts", "sections", "units", "groups", "tasks"]
    assert dumped["plan"] == source["plan"]
    assert dumped["parts"] == source["parts"] and dumped["sections"] == source["sections"]
    assert dumped["units"] == source["units"]
    for a, b in zip(dumped["groups"], source["groups"], strict=True):
        assert a == b
    for a, b in zip(dumped["tasks"], source["tasks"], strict=True):
        # The source file spells out every deadline; the dump only the ones the wording cannot give.
        assert "deadline" not in a
        assert a == {k: v for k, v in b.items() if k != "deadline"}


def test_the_layout_reads_like_the_hand_written_file() -> None:
    text = dump_plan(load_plan())
    lines = text.splitlines()
    assert lines[0] == "# 2023年济宁市任城区政务公开重点工作任务分解表（济任政办字〔2023〕24号）"
    assert any("gongkai" in line for line in lines[:5] if line.startswith("#"))
    assert "  - {number: 1, title: 推进绿色低碳高质量发展信息公开}" in lines
    assert "  - {name: 区教体局, kind: department, full_name: 区教育和体育局}" in lines
    assert "  # (十四)依法依规做好政府信息依申请公开答复工作" in lines
    assert "  # ===== 四、推进政务公开标准化、制度化、规范化夯实工作基础 =====" in lines
    assert sum(line.startswith("  - id: ") for line in lines) == 59
    assert "'" not in text and '"' not in text  # nothing in the 2023 table needs quoting
    assert "!" not in text and "&" not in text and "*" not in text  # no tags, anchors or aliases


def test_optional_fields_are_written_only_when_set(tmp_path: Path) -> None:
    text = dump_plan(validate_plan(minimal_mapping()))
    doc = read_yaml(text)
    assert list(doc["plan"]) == ["title", "doc_number", "issuer", "year", "timezone"]
    assert [list(u) for u in doc["units"]] == [["name", "kind"], ["name", "kind"]]
    assert list(doc["groups"][0]) == ["name", "members"]
    assert [list(t) for t in doc["tasks"]] == [["id", "section", "units", "requirement", "deadline_text"]] * 2
    assert reload(tmp_path, text) == validate_plan(minimal_mapping())


def test_a_deadline_the_wording_cannot_give_is_written(tmp_path: Path) -> None:
    mapping = minimal_mapping()
    mapping["tasks"][0]["deadline_text"] = "尽快（以通知为准）"
    mapping["tasks"][0]["deadline"] = dt.date(2024, 5, 1)
    mapping["plan"]["issued"] = dt.date(2024, 1, 2)
    plan = validate_plan(mapping)
    doc = read_yaml(dump_plan(plan))
    assert doc["tasks"][0]["deadline"] == dt.date(2024, 5, 1)
    assert "deadline" not in doc["tasks"][1]
    assert doc["plan"]["issued"] == dt.date(2024, 1, 2)
    assert reload(tmp_path, dump_plan(plan)) == plan


def test_a_synthetic_plan_round_trips(tmp_path: Path) -> None:
    path = synth_plan(tmp_path / "synth", tasks=1000, units=200)
    plan = load_plan(path)
    again = reload(tmp_path, dump_plan(plan))
    assert again == plan
    assert len(again.tasks) == 1000 and len(again.units) == 200


def test_open_and_closed_groups_keep_their_members(tmp_path: Path) -> None:
    mapping = minimal_mapping()
    mapping["groups"] += [
        {"name": "有关部门", "open": True, "within": ["各部门"], "aliases": ["等有关部门"]},
        {"name": "待定统称", "members": [], "note": "成员未知"},
    ]
    plan = validate_plan(mapping)
    doc = read_yaml(dump_plan(plan))
    assert "members" not in doc["groups"][1] and doc["groups"][1]["open"] is True
    assert doc["groups"][2]["members"] == []
    assert reload(tmp_path, dump_plan(plan)) == plan


def test_long_unit_lists_wrap_and_read_back(tmp_path: Path) -> None:
    mapping = minimal_mapping()
    names = [f"区第{i}号很长名字的局" for i in range(1, 41)]
    mapping["units"] += [{"name": n, "kind": "department", "note": "备注" * 60} for n in names]
    mapping["tasks"][0]["units"] = names
    plan = validate_plan(mapping)
    text = dump_plan(plan)
    assert max(len(line) for line in text.splitlines() if "区第" in line and "note" not in line) < 100
    assert "    note: " + "备注" * 60 in text.splitlines()  # too wide for one line: one field per line
    assert reload(tmp_path, text) == plan


# ---------------------------------------------------------------------------------------------
# Awkward text: whatever a document may hold, written so that it reads back the same

AWKWARD = [
    "- ", "? ", ": ", "#", " #", "*", "&", "!", "%", "@", "`", "|", ">", "'", '"', "=", "~", "<<",
    "null", "true", "No", "2023", "1:20", "0x1F", ".inf", "1e3", "2023-07-26", "---", "...",
    "，", "：", "；", "“", "”", "‘", "’", "「", "」", "（", "）", "【", "】", "、", "。", "《", "》",
    "{", "}", "[", "]", ",", "?", ":", "\\", "\\n", "\t", "\n", "\r\n", "\r", " ", "  ", "\u3000",
    "\x00", "\x07", "\x1b", "\x7f", "\x85", "\xa0", "\u2028", "\u2029", "\ufeff", "\ufffe", "\U0001f600",
    "12月底前", "区教体局", "各镇(街道)", "X、Y等区政府有关部门单位",
]  # fmt: skip
# Any character a UTF-8 file can hold: lone surrogates (category Cs) cannot be encoded at all.
CHARS = st.characters(blacklist_categories=("Cs",))
TEXT = st.lists(
    st.one_of(st.sampled_from(AWKWARD), st.text(CHARS, max_size=6), st.text(string.printable, max_size=6)),
    min_size=1,
    max_size=10,
).map("".join)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    requirement=TEXT,
    title=TEXT,
    note=TEXT,
    section_title=TEXT,
    alias=TEXT,
    deadline=st.one_of(
        st.sampled_from([("6月底前", None), ("持续推进", None), ("2024年9月底前", None)]),
        st.tuples(TEXT, st.just(dt.date(2024, 5, 1))),  # wording no parser knows, so a date
    ),
)
def test_awkward_text_round_trips(
    tmp_path_factory: pytest.TempPathFactory,
    requirement: str,
    title: str,
    note: str,
    section_title: str,
    alias: str,
    deadline: tuple[str, dt.date | None],
) -> None:
    # Validation strips surrounding whitespace (Python's idea of it: also \u3000, \x85, \u2028,
    # \x1c-\x1f) from every text and drops blank requirements, so that is what can come back; the
    # dump itself keeps every character, inside included (see test_quoting_keeps_every_character).
    mapping = minimal_mapping()
    mapping["plan"].update(title=title, notice_title=note, source=alias)
    mapping["sections"][0]["title"] = section_title
    mapping["units"][0].update(full_name=note, note=note, aliases=[alias])
    mapping["groups"][0]["note"] = note
    task = mapping["tasks"][0]
    task["requirement"] = requirement
    task["deadline_text"], task["deadline"] = deadline
    plan, problems = check_mapping(mapping)
    if problems:  # e.g. a blank text, or an alias that is another unit's name: nothing to write
        assume(False)
    assert plan is not None
    text = dump_plan(plan)
    again = reload(tmp_path_factory.mktemp("awkward"), text)
    assert again == plan
    assert again.tasks[0].requirement == requirement.strip()
    assert again.meta.title == title.strip() and again.sections[0].title == section_title.strip()
    assert again.units[0].note == note.strip()
    assert again.tasks[0].deadline == (deadline[0].strip(), plan.tasks[0].deadline.date)


@settings(max_examples=300, deadline=None)
@given(text=st.text(CHARS, min_size=1, max_size=40) | TEXT)
def test_quoting_keeps_every_character(text: str) -> None:
    """Below validation: a document holding just the text, exactly (no strip), in both contexts."""
    from gongkai_cli.plan.write import _scalar

    doc = read_yaml(f"block: {_scalar(text)}\nflow: [{_scalar(text, flow=True)}]\n")
    assert doc == {"block": text, "flow": [text]}


def test_the_dump_of_a_minimal_plan_is_a_valid_file(tmp_path: Path) -> None:
    plan = validate_plan(minimal_mapping())
    path = write(tmp_path, dump_plan(plan))
    assert load_plan(path) == plan
