from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from gongkai_cli.text import cn_numeral, normalize, parse_cn_numeral, suggest


def test_numerals_as_the_table_writes_them() -> None:
    assert [cn_numeral(n) for n in (1, 5, 10, 11, 14, 20, 21)] == [
        "一",
        "五",
        "十",
        "十一",
        "十四",
        "二十",
        "二十一",
    ]
    assert parse_cn_numeral("十四") == 14
    assert parse_cn_numeral("两") == 2
    assert parse_cn_numeral("14") == 14
    assert parse_cn_numeral("十十") is None
    assert parse_cn_numeral("甲") is None


@given(st.integers(1, 99))
def test_numerals_round_trip(n: int) -> None:
    assert parse_cn_numeral(cn_numeral(n)) == n


def test_normalize_folds_full_width_and_space() -> None:
    assert normalize("各镇（街道）") == "各镇(街道)"
    assert normalize(" 区 教体局 ") == "区教体局"


def test_suggest_prefers_names_containing_the_text() -> None:
    assert suggest("教体", ["区教体局", "区卫健局", "区科技局"])[0] == "区教体局"
