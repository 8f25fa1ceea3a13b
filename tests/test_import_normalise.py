"""The normaliser on grids built by hand (every variant of real tables), the 责任单位 splitter and the
deadline grammar (examples and hypothesis properties)."""

from __future__ import annotations

import calendar
import datetime as dt
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gongkai_cli.dates import resolve_deadline
from gongkai_cli.errors import NothingToImport, UsageError
from gongkai_cli.importers.grid import Cell, Document, Table
from gongkai_cli.importers.normalise import Meta, normalise, split_units
from gongkai_cli.plan import dump_plan, load_plan, validate_plan

# -- grids ---------------------------------------------------------------------------------------
# A row is a list of cell texts; "^" continues the merge from the cell above, "<" from the left.


def grid(*rows: list[str], paragraphs: tuple[str, ...] = ()) -> Document:
    cells: list[list[Cell]] = []
    for row in rows:
        out: list[Cell] = []
        for i, text in enumerate(row):
            if text == "^":
                out.append(cells[-1][i]._replace(down=True, right=False))
            elif text == "<":
                out.append(out[-1]._replace(right=True, down=False))
            else:
                out.append(Cell(text))
        cells.append(out)
    return Document("表.docx", "docx", [Table(cells, "第 1 个表格")], list(paragraphs))


def imported(doc: Document, year: int = 2024) -> tuple[dict[str, Any], Any]:
    result = normalise(doc, Meta(year=year, title="测试表", doc_number="测〔2024〕1号", issuer="测试办"))
    validate_plan(result.mapping)  # every mapping the normaliser builds is a valid plan
    return result.mapping, result.report


def rows(mapping: dict[str, Any], *keys: str) -> list[tuple[Any, ...]]:
    return [tuple(t.get(k) for k in keys) for t in mapping["tasks"]]


def review_texts(report: Any) -> list[str]:
    return [f"{i['row']}:{i['what']}" for i in report.to_review]


def test_official_layout_parts_as_rows_sections_merged_down() -> None:
    mapping, report = imported(
        grid(
            ["工作任务", "责任单位", "具体要求", "完成时限"],
            ["一、推进公开", "<", "<", "<"],
            ["(一)财政公开", "区财政局", "公开预算。", "11月底前"],
            ["^", "区审计局\n区财政局", "公开审计结果。", "12月底前"],
            ["二、推进解读", "<", "<", "<"],
            ["(二)政策解读", "区政府各部门单位", "解读政策。", "年底前"],
        )
    )
    assert mapping["parts"] == [{"number": 1, "title": "推进公开"}, {"number": 2, "title": "推进解读"}]
    assert mapping["sections"] == [
        {"number": 1, "part": 1, "title": "财政公开"},
        {"number": 2, "part": 2, "title": "政策解读"},
    ]
    assert rows(mapping, "id", "section", "units", "deadline_text") == [
        (1, 1, ["区财政局"], "11月底前"),
        (2, 1, ["区审计局", "区财政局"], "12月底前"),
        (3, 2, ["区政府各部门单位"], "年底前"),
    ]
    assert [c["role"] for c in report.columns] == ["task", "units", "requirement", "deadline"]
    assert not report.needs_review
    assert {"name": "区政府各部门单位", "members": []} in mapping["groups"]
    assert {"name": "区财政局", "kind": "unknown"} in mapping["units"]


def test_other_column_names_and_order_with_a_number_column_and_deadline_before_units() -> None:
    mapping, report = imported(
        grid(
            ["序号", "重点任务", "工作要求", "完成时间", "责任部门"],
            ["1", "深化解读", "开展多元化解读。", "6月30日前", "区发改局"],
            ["2", "^", "同步起草解读材料。", "持续推进", "区司法局"],
        )
    )
    assert [(c["header"], c["role"]) for c in report.columns] == [
        ("序号", "seq"),
        ("重点任务", "task"),
        ("工作要求", "requirement"),
        ("完成时间", "deadline"),
        ("责任部门", "units"),
    ]
    assert "parts" not in mapping  # one heading level: sections only
    assert mapping["sections"] == [{"number": 1, "title": "深化解读"}]
    assert rows(mapping, "requirement", "units", "deadline_text") == [
        ("开展多元化解读。", ["区发改局"], "6月30日前"),
        ("同步起草解读材料。", ["区司法局"], "持续推进"),
    ]


def test_lead_and_support_columns_and_a_two_row_header() -> None:
    mapping, _ = imported(
        grid(
            ["工作任务", "具体要求", "责任单位", "<", "完成时限"],
            ["^", "^", "牵头单位", "配合单位", "^"],
            ["公开财政", "细化预决算。", "区财政局", "区直各部门", "年底前"],
        )
    )
    assert rows(mapping, "units", "lead") == [(["区财政局", "区直各部门"], ["区财政局"])]


def test_lead_marked_inside_the_cell() -> None:
    mapping, _ = imported(
        grid(
            ["主要任务", "任务内容", "责任单位", "时限要求"],
            ["公开教育", "公开招生政策。", "区教育局牵头,区卫健局配合", "上半年"],
            ["公开救助", "公开救助标准。", "区民政局主办、区残联协办", "全年"],
            ["公开文旅", "公开惠民活动。", "区文旅局负责落实", "常态化"],
        )
    )
    assert rows(mapping, "units", "lead", "deadline_text") == [
        (["区教育局", "区卫健局"], ["区教育局"], "上半年"),
        (["区民政局", "区残联"], ["区民政局"], "全年"),
        (["区文旅局"], None, "常态化"),
    ]


def test_units_merged_over_rows_carry_down_without_review() -> None:
    mapping, report = imported(
        grid(
            ["工作任务", "具体要求", "责任单位", "完成时限"],
            ["公开规划", "公开空间规划。", "区自然资源局\n区住建局", "9月底前"],
            ["^", "公开批准信息。", "^", "^"],
            ["^", "公开补偿信息。", "^", "12月底前"],
        )
    )
    assert rows(mapping, "units", "deadline_text") == [
        (["区自然资源局", "区住建局"], "9月底前"),
        (["区自然资源局", "区住建局"], "9月底前"),
        (["区自然资源局", "区住建局"], "12月底前"),
    ]
    assert not report.needs_review


def test_empty_cells_carry_down_with_review_naming_the_row() -> None:
    # What a spreadsheet exports from merged cells: the text in the first cell only.
    mapping, report = imported(
        grid(
            ["工作任务", "具体要求", "责任单位", "完成时限"],
            ["公开规划", "公开空间规划。", "区自然资源局", "9月底前"],
            ["", "公开批准信息。", "", ""],
        )
    )
    assert rows(mapping, "section", "units", "deadline_text") == [
        (1, ["区自然资源局"], "9月底前"),
        (1, ["区自然资源局"], "9月底前"),
    ]
    assert review_texts(report) == [
        "3:责任单位为空，沿用上一行的责任单位",
        "3:完成时限为空，沿用上一行的完成时限",
    ]


def test_no_deadline_column_gives_ongoing_rows() -> None:
    mapping, report = imported(
        grid(
            ["序号", "工作任务", "具体内容", "责任主体"],
            ["1", "公开报告", "公开报告全文。", "区政府办公室"],
        )
    )
    assert "deadline_text" not in mapping["tasks"][0] and "deadline" not in mapping["tasks"][0]
    plan = validate_plan(mapping)
    assert plan.tasks[0].deadline.date is None
    assert plan.tasks[0].deadline.shown == "持续推进"
    assert report.needs_review  # the whole table is ongoing: a person should know


def test_heading_columns_two_levels() -> None:
    mapping, _ = imported(
        grid(
            ["公开领域", "重点任务", "具体要求", "责任单位", "完成时限"],
            ["一、经济领域", "(一)财政信息", "公开预算执行。", "区财政局", "7月底前"],
            ["^", "^", "公开政府债务。", "区财政局", "12月底前"],
            ["^", "(二)统计信息", "公开统计公报。", "区统计局", "3月底前"],
            ["二、社会领域", "(三)教育信息", "公开招生计划。", "区教育局", "5月底前"],
        )
    )
    assert mapping["parts"] == [{"number": 1, "title": "经济领域"}, {"number": 2, "title": "社会领域"}]
    assert [(s["number"], s["part"], s["title"]) for s in mapping["sections"]] == [
        (1, 1, "财政信息"),
        (2, 1, "统计信息"),
        (3, 2, "教育信息"),
    ]
    assert rows(mapping, "section") == [(1,), (1,), (2,), (3,)]


def test_three_levels_give_a_topic() -> None:
    mapping, _ = imported(
        grid(
            ["工作任务", "具体要求", "责任单位", "完成时限"],
            ["一、加强重点领域公开", "<", "<", "<"],
            ["(一)公共服务", "<", "<", "<"],
            ["1.公开养老服务", "公开机构名录。", "区民政局", "10月底前"],
            ["^", "公开补贴标准。", "区民政局", "10月底前"],
            ["2.公开医疗服务", "公开医保目录。", "区医保局", "12月底前"],
        )
    )
    assert mapping["parts"] == [{"number": 1, "title": "加强重点领域公开"}]
    assert mapping["sections"] == [{"number": 1, "part": 1, "title": "公共服务"}]
    assert rows(mapping, "section", "topic") == [
        (1, "1.公开养老服务"),
        (1, "1.公开养老服务"),
        (1, "2.公开医疗服务"),
    ]


def test_no_headings_at_all() -> None:
    mapping, _ = imported(
        grid(["具体要求", "责任单位", "完成时限"], ["公开预算。", "区财政局", "11月底前"]),
    )
    assert "parts" not in mapping and "sections" not in mapping
    assert "section" not in mapping["tasks"][0]
    plan = validate_plan(mapping)
    assert (plan.tasks[0].part, plan.tasks[0].section) == (0, 0)


def test_traditional_script_is_converted() -> None:
    mapping, report = imported(
        grid(
            ["工作任務", "責任單位", "具體要求", "完成時限"],
            ["推進決策公開", "區發展改革局\n各鎮(街道)", "公開重大決策事項目錄。", "12月底前"],
            ["^", "區司法局", "開展政策評價。", "長期推進"],
        )
    )
    assert mapping["sections"] == [{"number": 1, "title": "推进决策公开"}]
    assert rows(mapping, "units", "requirement", "deadline_text") == [
        (["区发展改革局", "各镇(街道)"], "公开重大决策事项目录。", "12月底前"),
        (["区司法局"], "开展政策评价。", "长期推进"),
    ]
    assert any("繁体" in t for t in review_texts(report))


def test_truncated_last_row_is_listed_for_review() -> None:
    _, report = imported(
        grid(
            ["工作任务", "责任单位", "具体要求", "完成时限"],
            ["公开环境", "区生态环境局", "公开环境月报。", "12月底前"],
            ["公开交通", "区交通局", "公开施工信息，", ""],
        )
    )
    assert "3:具体要求看似不完整（以逗号、顿号等结尾）" in review_texts(report)
    assert "3:完成时限为空，沿用上一行的完成时限" in review_texts(report)


def test_a_repeated_header_and_blank_rows_are_skipped() -> None:
    mapping, report = imported(
        grid(
            ["工作任务", "责任单位", "具体要求", "完成时限"],
            ["公开环境", "区生态环境局", "公开环境月报。", "12月底前"],
            ["", "", "", ""],
            ["工作任务", "责任单位", "具体要求", "完成时限"],
            ["公开交通", "区交通局", "公开施工信息。", "11月底前"],
        )
    )
    assert len(mapping["tasks"]) == 2
    assert report.skipped == [{"row": 4, "reason": "重复的表头（跨页表格常见）"}]


def test_the_table_with_a_header_is_chosen_among_several() -> None:
    info = Table(
        [[Cell("索引号"), Cell("X-1")], [Cell("发文字号"), Cell("青政办字〔2024〕5号")]], "第 1 个表格"
    )
    data = grid(
        ["工作任务", "责任单位", "具体要求", "完成时限"], ["公开", "区财政局", "公开预算。", "6月底前"]
    )
    doc = data._replace(tables=[info, data.tables[0]._replace(where="第 2 个表格")])
    result = normalise(doc, Meta())
    assert result.report.table == "第 2 个表格"
    assert result.mapping["plan"]["doc_number"] == "青政办字〔2024〕5号"
    assert result.mapping["plan"]["year"] == 2024  # from the 文号's 〔2024〕


def test_metadata_from_the_paragraphs() -> None:
    doc = grid(
        ["工作任务", "责任单位", "具体要求", "完成时限"],
        ["公开", "区财政局", "公开预算。", "6月底前"],
        paragraphs=(
            "青政办字[2025]3号",
            "青禾区人民政府办公室关于印发2025年青禾区政务公开重点任务分解表的通知",
            "附件",
        ),
    )
    meta = normalise(doc, Meta()).mapping["plan"]
    assert (meta["title"], meta["doc_number"], meta["issuer"], meta["year"]) == (
        "2025年青禾区政务公开重点任务分解表",
        "青政办字〔2025〕3号",
        "青禾区人民政府办公室",
        2025,
    )


def test_no_year_anywhere_asks_for_it() -> None:
    doc = grid(
        ["工作任务", "责任单位", "具体要求", "完成时限"], ["公开", "区财政局", "公开预算。", "6月底前"]
    )
    with pytest.raises(UsageError, match="--year"):
        normalise(doc, Meta())


@pytest.mark.parametrize(
    ("doc", "says"),
    [
        (Document("a.docx", "docx", [], ["只有正文"]), "没有表格"),
        (grid(["甲", "乙"], ["1", "2"]), "表头"),
        (grid(["工作任务", "责任单位", "具体要求", "完成时限"]), "没有数据行"),
        (grid(["工作任务", "责任单位", "具体要求", "完成时限"], ["", "", "", ""]), "没有数据行"),
    ],
)
def test_nothing_to_import_says_which(doc: Document, says: str) -> None:
    with pytest.raises(NothingToImport, match=says) as err:
        normalise(doc, Meta(year=2024))
    assert err.value.exit_code == 3


def test_deadlines_read_against_the_year_with_judgement_calls_listed() -> None:
    mapping, report = imported(
        grid(
            ["工作任务", "责任单位", "具体要求", "完成时限"],
            ["甲", "区财政局", "要求一。", "2023年8月前"],
            ["乙", "区财政局", "要求二。", "三季度前"],
            ["丙", "区财政局", "要求三。", "6月底前完成初稿，11月底前印发"],
            ["丁", "区财政局", "要求四。", "尽快"],
            ["戊", "区财政局", "要求五。", "6月底前启动\n12月底前完成"],
        ),
        year=2024,
    )
    plan = validate_plan(mapping)
    assert [(t.deadline.text, t.deadline.date) for t in plan.tasks] == [
        ("2023年8月前", dt.date(2023, 7, 31)),
        ("三季度前", dt.date(2024, 9, 30)),
        ("6月底前完成初稿，11月底前印发", dt.date(2024, 11, 30)),
        ("尽快", dt.date(2024, 12, 31)),
        ("6月底前启动\n12月底前完成", dt.date(2024, 12, 31)),
    ]
    texts = review_texts(report)
    assert any(t.startswith("2:完成时限“2023年8月前”") and "严格含义" in t for t in texts)
    assert any(t.startswith("2:") and "不是计划年度 2024" in t for t in texts)
    assert any(t.startswith("3:完成时限“三季度前”") for t in texts)
    assert "5:完成时限“尽快”无法识别，暂按 2024-12-31 处理" in texts
    assert report.deadlines_unknown == [{"row": 5, "text": "尽快", "used": "2024-12-31"}]


def test_imported_plan_round_trips_through_the_writer(tmp_path: Any) -> None:
    mapping, _ = imported(
        grid(
            ["工作任务", "具体要求", "责任单位", "完成时限"],
            ["一、加强公开", "<", "<", "<"],
            ["(一)公共服务", "<", "<", "<"],
            ["1.养老", "公开名录。", "区民政局牵头、区卫健局配合", "10月底前"],
            ["2.医疗", "公开目录。", "区医保局等有关部门", "持续推进"],
        )
    )
    plan = validate_plan(mapping)
    path = tmp_path / "p.yaml"
    path.write_text(dump_plan(plan), encoding="utf-8")
    again = load_plan(path)
    assert again == plan
    assert again.tasks[0].lead == ("区民政局",)
    assert again.tasks[1].topic == "2.医疗"
    assert again.group("有关部门") is not None and again.group("有关部门").open  # type: ignore[union-attr]


# -- the 责任单位 splitter -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "names", "lead", "open_ended"),
    [
        (
            "区工信局、区大数据中心,运河经济开发区、各镇(街道)",
            ["区工信局", "区大数据中心", "运河经济开发区", "各镇(街道)"],
            [],
            [],
        ),
        ("区人社局；区财政局;各乡镇街道", ["区人社局", "区财政局", "各乡镇街道"], [], []),
        ("区国金局\n区发改局\n区工信局", ["区国金局", "区发改局", "区工信局"], [], []),
        ("X局牵头,Y局配合", ["X局", "Y局"], ["X局"], []),
        ("X局、Z局牵头，Y局配合", ["X局", "Z局", "Y局"], ["X局", "Z局"], []),
        ("X局主办、Y局协办", ["X局", "Y局"], ["X局"], []),
        ("牵头单位：X局；配合单位：Y局、Z局", ["X局", "Y局", "Z局"], ["X局"], []),
        ("由X局牵头落实", ["X局"], ["X局"], []),
        (
            "区商务局、区发改局等区政府有关部门单位",
            ["区商务局", "区发改局", "区政府有关部门单位"],
            [],
            ["区政府有关部门单位"],
        ),
        ("区工信局等相关区直部门", ["区工信局", "相关区直部门"], [], ["相关区直部门"]),
        ("区应急局、区消防救援大队等按职责分工落实", ["区应急局", "区消防救援大队"], [], []),
        ("区文旅局负责落实", ["区文旅局"], [], []),
        ("区文旅局按职责分工落实", ["区文旅局"], [], []),
        ("区文旅局具体落实", ["区文旅局"], [], []),
        ("各镇(办)、规划信息处(爱卫办)", ["各镇(办)", "规划信息处(爱卫办)"], [], []),
        ("市府办〔市大数据局〕、区直各部门", ["市府办〔市大数据局〕", "区直各部门"], [], []),
        ("各镇（街道）、区政府各部门", ["各镇(街道)", "区政府各部门"], [], []),
        ("区高等教育中心", ["区高等教育中心"], [], []),
        ("区 财 政 局、区审计局", ["区财政局", "区审计局"], [], []),  # a name spaced out to fill the cell
        ("规划信息处 (爱卫办)", ["规划信息处(爱卫办)"], [], []),
        ("区财政局 区审计局", ["区财政局", "区审计局"], [], []),
        ("区财政局（牵头）、区审计局（配合）", ["区财政局", "区审计局"], ["区财政局"], []),
        ("1.区财政局\n2.区审计局", ["区财政局", "区审计局"], [], []),
        ("1、区财政局；2、区审计局", ["区财政局", "区审计局"], [], []),
        ("①区财政局②区审计局", ["区财政局", "区审计局"], [], []),
    ],
)
def test_split_units(cell: str, names: list[str], lead: list[str], open_ended: list[str]) -> None:
    split = split_units(cell)
    assert (split.names, split.lead, split.open_ended) == (names, lead, open_ended)


def test_split_units_flags_a_bare_etc_and_groups() -> None:
    split = split_units("区应急局等按职责分工落实")
    assert split.bare_etc and split.names == ["区应急局"]
    assert split_units("区直各部门、各成员单位、区财政局").groups == ["区直各部门", "各成员单位"]


_NAME_CHARS = (
    "区市县局委办中心公司街道镇科处室发改财政教体卫健交通水务农业商文旅审计民人社自然资源住建应急医保"
)
_name = st.text(alphabet=_NAME_CHARS, min_size=2, max_size=10)
_named = st.one_of(
    _name,
    st.tuples(_name, st.text(alphabet=_NAME_CHARS + "、,", min_size=1, max_size=6)).map(
        lambda p: f"{p[0]}({p[1]})"
    ),
    st.tuples(_name, _name).map(lambda p: f"{p[0]}〔{p[1]}〕"),
)
_separator = st.sampled_from(["、", "，", ",", "；", ";", "\n", "、 ", " , ", "\n\n", "；\n"])


@given(st.lists(_named, min_size=1, max_size=12, unique=True), st.data())
def test_joined_unit_lists_split_back(names: list[str], data: st.DataObject) -> None:
    text = names[0]
    for name in names[1:]:
        text += data.draw(_separator) + name
    assert split_units(text).names == names


@given(
    st.lists(_name, min_size=1, max_size=4, unique=True),
    st.lists(_name, min_size=0, max_size=4, unique=True),
    st.sampled_from([("牵头", "配合"), ("主办", "协办")]),
    _separator,
)
def test_lead_and_support_words_split_back(
    lead: list[str], support: list[str], words: tuple[str, str], sep: str
) -> None:
    support = [s for s in support if s not in lead]
    text = "、".join(lead) + words[0] + (sep + "、".join(support) + words[1] if support else "")
    split = split_units(text)
    assert split.names == lead + support
    assert split.lead == lead


@given(
    st.lists(_name, min_size=1, max_size=5, unique=True),
    st.sampled_from(["区政府有关部门单位", "相关区直部门", "有关单位"]),
)
def test_etc_tail_splits_into_names_and_an_open_phrase(names: list[str], phrase: str) -> None:
    split = split_units("、".join(names) + "等" + phrase)
    assert split.names == [*names, phrase]
    assert split.open_ended == [phrase]


# -- the deadline grammar -----------------------------------------------------------------------


_CN = "一二三四五六七八九十"


def _cn_month(m: int) -> str:
    return _CN[m - 1] if m <= 10 else "十" + _CN[m - 11]


@given(st.integers(2000, 2100), st.integers(1, 12), st.booleans(), st.booleans())
def test_month_end_forms(year: int, month: int, chinese: bool, explicit_year: bool) -> None:
    words = (_cn_month(month) if chinese else str(month)) + "月底前"
    text = f"{year}年{words}" if explicit_year else words
    plan_year = year if not explicit_year else 1999
    assert resolve_deadline(text, plan_year) == dt.date(year, month, calendar.monthrange(year, month)[1])


@given(st.integers(2000, 2100), st.integers(2, 12))
def test_before_a_month_is_the_end_of_the_month_before(year: int, month: int) -> None:
    expected = dt.date(year, month - 1, calendar.monthrange(year, month - 1)[1])
    assert resolve_deadline(f"{year}年{month}月前", 1999) == expected
    assert resolve_deadline(f"{month}月前", year) == expected


@given(st.dates(dt.date(2000, 1, 1), dt.date(2100, 12, 31)))
def test_month_day_forms(day: dt.date) -> None:
    assert resolve_deadline(f"{day.month}月{day.day}日前", day.year) == day


@given(st.integers(2000, 2100), st.integers(1, 4))
def test_quarter_end_forms(year: int, quarter: int) -> None:
    last = quarter * 3
    assert resolve_deadline(f"{_CN[quarter - 1]}季度末前", year) == dt.date(
        year, last, calendar.monthrange(year, last)[1]
    )


@given(
    st.integers(2000, 2100),
    st.sampled_from(["年底前", "全年", "年内", "下半年"]),
)
def test_year_end_forms(year: int, words: str) -> None:
    assert resolve_deadline(words, year) == dt.date(year, 12, 31)


@given(
    st.integers(2000, 2100),
    st.sampled_from(["持续推进", "长期推进", "长期坚持", "常态化", "常态化推进", "长期"]),
)
def test_open_ended_forms_have_no_date(year: int, words: str) -> None:
    assert resolve_deadline(words, year) is None


@given(st.integers(2000, 2100), st.integers(1, 12), st.integers(1, 12))
def test_two_milestones_resolve_to_the_later(year: int, a: int, b: int) -> None:
    text = f"{a}月底前完成初稿，{b}月底前印发"
    latest = max(a, b)
    assert resolve_deadline(text, year) == dt.date(year, latest, calendar.monthrange(year, latest)[1])


def test_a_requirement_starting_with_an_open_ended_word_is_not_a_deadline() -> None:
    with pytest.raises(ValueError):
        resolve_deadline("持续规范政府信息公开专栏建设,确保法定主动公开内容规范发布。", 2023)


def test_a_table_broken_across_pages_is_read_on() -> None:
    first = grid(
        ["工作任务", "责任单位", "具体要求", "完成时限"],
        ["一、推进公开", "<", "<", "<"],
        ["(一)财政公开", "区财政局", "公开预算。", "11月底前"],
    ).tables[0]
    second = (
        grid(
            ["工作任务", "责任单位", "具体要求", "完成时限"],
            ["(一)财政公开", "区审计局", "公开审计结果。", "12月底前"],
            ["(二)统计公开", "区统计局", "公开统计公报。", "12月底前"],
        )
        .tables[0]
        ._replace(where="第 2 个表格")
    )
    doc = Document("表.docx", "docx", [first, second], [])
    result = normalise(doc, Meta(year=2024, title="t", doc_number="d", issuer="i"))
    mapping = result.mapping
    assert rows(mapping, "section", "units") == [(1, ["区财政局"]), (1, ["区审计局"]), (2, ["区统计局"])]
    assert [s["part"] for s in mapping["sections"]] == [1, 1]
    assert any("续表" in i["what"] for i in result.report.items)


def test_a_numbered_heading_alone_in_the_number_column() -> None:
    # A spreadsheet export of a heading row merged across from the 序号 column.
    mapping, _ = imported(
        grid(
            ["序号", "具体要求", "责任单位", "完成时限"],
            ["一、财政信息", "", "", ""],
            ["1", "公开预算。", "区财政局", "11月底前"],
            ["二、统计信息", "", "", ""],
            ["2", "公开统计公报。", "区统计局", "12月底前"],
        )
    )
    assert mapping["sections"] == [{"number": 1, "title": "财政信息"}, {"number": 2, "title": "统计信息"}]
    assert rows(mapping, "section") == [(1,), (2,)]


def test_text_in_the_units_column_that_is_no_unit_is_listed() -> None:
    _, report = imported(
        grid(
            ["工作任务", "责任单位", "具体要求", "完成时限"],
            ["甲", "区财政局", "公开预算。", "11月底前"],
            ["乙", "公开政府债务限额和余额。区财政局", "公开债务。", "11月底前"],
        )
    )
    assert "3:责任单位中有看似不是单位名称的文字" in review_texts(report)


@given(st.integers(2000, 2100), st.integers(1, 12))
def test_a_month_alone_is_its_last_day(year: int, month: int) -> None:
    expected = dt.date(year, month, calendar.monthrange(year, month)[1])
    assert resolve_deadline(f"{month}月", year) == expected
    assert resolve_deadline(f"{year}年{month}月", 1999) == expected


def test_a_header_merged_across_two_heading_columns() -> None:
    mapping, report = imported(
        grid(
            ["工作任务", "<", "具体要求", "责任单位", "<", "完成时限"],
            ["一、经济", "(一)财政", "公开预算。", "区财政局", "区审计局", "7月底前"],
            ["^", "(二)统计", "公开公报。", "区统计局", "", "3月底前"],
        )
    )
    assert [(c["column"], c["role"]) for c in report.columns] == [
        (1, "task"), (2, "task"), (3, "requirement"), (4, "units"), (5, "units"), (6, "deadline"),
    ]  # fmt: skip
    assert mapping["parts"] == [{"number": 1, "title": "经济"}]
    assert rows(mapping, "section", "units") == [(1, ["区财政局", "区审计局"]), (2, ["区统计局"])]
