from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gongkai_cli.dates import add_months, parse_date, parse_duration, resolve_deadline
from gongkai_cli.errors import UsageError

TODAY = dt.date(2023, 11, 27)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("11月底前", dt.date(2023, 11, 30)),
        ("12月底前", dt.date(2023, 12, 31)),
        ("2月底前", dt.date(2023, 2, 28)),
        ("6月底前", dt.date(2023, 6, 30)),
        ("年底前", dt.date(2023, 12, 31)),
        ("2022年9月底前", dt.date(2022, 9, 30)),
        ("8月前", dt.date(2023, 7, 31)),  # before August: by July 31 (DOMAIN.md)
        ("1月前", dt.date(2022, 12, 31)),
        ("三季度前", dt.date(2023, 9, 30)),  # the end of the third quarter, as issue 13 reads it
        ("三季度末前", dt.date(2023, 9, 30)),
        ("全年", dt.date(2023, 12, 31)),
        ("上半年", dt.date(2023, 6, 30)),
        ("12月1日前", dt.date(2023, 12, 1)),
        ("十二月底前", dt.date(2023, 12, 31)),
        ("6月底前启动,12月底前完成", dt.date(2023, 12, 31)),
        ("6月底前完成摸底；11月底前全面完成", dt.date(2023, 11, 30)),
    ],
)
def test_deadline_wording(text: str, expected: dt.date) -> None:
    assert resolve_deadline(text, 2023) == expected


def test_leap_year_month_end() -> None:
    assert resolve_deadline("2月底前", 2024) == dt.date(2024, 2, 29)


@pytest.mark.parametrize("text", ["持续推进", "长期坚持", "长期推进"])
def test_open_ended_wording_never_falls_due(text: str) -> None:
    assert resolve_deadline(text, 2023) is None


@pytest.mark.parametrize("text", ["", "尽快", "13月底前", "0月底前", "下周", "12月32日前"])
def test_unreadable_wording_is_refused(text: str) -> None:
    with pytest.raises(ValueError):
        resolve_deadline(text, 2023)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2023-12-01", dt.date(2023, 12, 1)),
        ("2023/12/1", dt.date(2023, 12, 1)),
        ("20231201", dt.date(2023, 12, 1)),
        ("12-01", dt.date(2023, 12, 1)),
        ("today", TODAY),
        ("今天", TODAY),
        ("tomorrow", dt.date(2023, 11, 28)),
        ("yesterday", dt.date(2023, 11, 26)),
        ("+3d", dt.date(2023, 11, 30)),
        ("7d", dt.date(2023, 12, 4)),
        ("+2w", dt.date(2023, 12, 11)),
        ("-1w", dt.date(2023, 11, 20)),
        ("+1m", dt.date(2023, 12, 27)),
        ("eom", dt.date(2023, 11, 30)),
        ("11月底", dt.date(2023, 11, 30)),
        ("11月", dt.date(2023, 11, 30)),
        ("12月1日", dt.date(2023, 12, 1)),
        ("2023年12月1日", dt.date(2023, 12, 1)),
        ("２０２３－１２－０１", dt.date(2023, 12, 1)),  # full-width, as an IME types it
        ("1 dec 2023", dt.date(2023, 12, 1)),
    ],
)
def test_typed_dates(text: str, expected: dt.date) -> None:
    assert parse_date(text, today=TODAY, year=2023) == expected


def test_month_day_takes_the_plan_year_not_today() -> None:
    assert parse_date("12-01", today=dt.date(2026, 11, 27), year=2023) == dt.date(2023, 12, 1)


@pytest.mark.parametrize("text", ["", "soon", "2023-13-01", "2023-02-30", "13月", "+3x", "12/45"])
def test_unreadable_dates_name_what_was_typed(text: str) -> None:
    with pytest.raises(UsageError) as err:
        parse_date(text, today=TODAY, year=2023)
    assert repr(text) in str(err.value)


def test_relative_months_clamp_to_month_end() -> None:
    assert parse_date("+1m", today=dt.date(2023, 1, 31), year=2023) == dt.date(2023, 2, 28)
    assert add_months(dt.date(2024, 1, 31), 1) == dt.date(2024, 2, 29)
    assert add_months(dt.date(2023, 3, 31), -1) == dt.date(2023, 2, 28)


@given(st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2200, 12, 31)))
def test_iso_dates_round_trip(day: dt.date) -> None:
    assert parse_date(day.isoformat(), today=TODAY) == day


@given(st.text(max_size=30))
def test_any_text_is_a_date_or_a_usage_error(text: str) -> None:
    try:
        result = parse_date(text, today=TODAY, year=2023)
    except UsageError:
        return
    assert isinstance(result, dt.date)


@given(st.text(max_size=30), st.integers(min_value=1990, max_value=2200))
def test_any_wording_is_a_date_none_or_value_error(text: str, year: int) -> None:
    try:
        result = resolve_deadline(text, year)
    except ValueError:
        return
    assert result is None or isinstance(result, dt.date)


@given(st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2200, 1, 1)), st.integers(-240, 240))
def test_month_arithmetic_clamps(day: dt.date, months: int) -> None:
    out = add_months(day, months)
    assert (out.year * 12 + out.month) - (day.year * 12 + day.month) == months
    assert out.day == day.day or (out.day < day.day and (out + dt.timedelta(days=1)).day == 1)


@given(st.integers(1, 12), st.integers(1990, 2200))
def test_month_end_wording_is_the_last_day(month: int, year: int) -> None:
    day = resolve_deadline(f"{month}月底前", year)
    assert day is not None and day.month == month and (day + dt.timedelta(days=1)).day == 1


def test_durations() -> None:
    assert parse_duration("7d") == 7
    assert parse_duration("2w") == 14
    assert parse_duration("10天") == 10
    with pytest.raises(UsageError):
        parse_duration("a week")


def test_fixed_utc8_matches_the_tz_database_since_1992() -> None:
    """plan_zone() uses UTC+8 for Asia/Shanghai without loading the tz database; check it agrees."""
    zoneinfo = pytest.importorskip("zoneinfo")
    from gongkai_cli.dates import plan_zone

    try:
        shanghai = zoneinfo.ZoneInfo("Asia/Shanghai")
    except zoneinfo.ZoneInfoNotFoundError:
        pytest.skip("no tz database on this machine")
    fixed = plan_zone("Asia/Shanghai")
    moment = dt.datetime(1992, 1, 1, 15, 59, tzinfo=dt.timezone.utc)
    while moment.year < 2100:
        for hours in (0, 1):
            t = moment + dt.timedelta(hours=hours)
            assert t.astimezone(shanghai).date() == t.astimezone(fixed).date(), t
        moment += dt.timedelta(days=7)


def test_month_ends_agree_with_the_calendar_module() -> None:
    import calendar

    from gongkai_cli.dates import month_end

    for year in (*range(1896, 2105), 1, 9999):
        for month in range(1, 13):
            assert month_end(year, month).day == calendar.monthrange(year, month)[1], (year, month)
