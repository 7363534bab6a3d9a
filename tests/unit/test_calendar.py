from __future__ import annotations

import datetime as dt
from fractions import Fraction

import pytest

from ledger import calendar
from ledger.errors import MalformedInput


def test_business_dates_are_plain_dates() -> None:
    parsed = calendar.parse_date("2024-02-29")
    assert parsed == dt.date(2024, 2, 29) and type(parsed) is dt.date


@pytest.mark.parametrize(
    "text", ["2024-02-30", "2023-02-29", "2024-13-01", "2024/01/01", "24-01-01", "", "2024-1-1"]
)
def test_impossible_or_misshapen_dates_are_refused(text: str) -> None:
    with pytest.raises(MalformedInput):
        calendar.parse_date(text)


def test_a_bare_known_at_date_means_the_end_of_that_day_in_the_ledger_zone() -> None:
    instant = calendar.parse_instant("2024-07-01")
    assert instant == dt.datetime(2024, 7, 1, 15, 59, 59, 999999, tzinfo=dt.UTC)


def test_known_at_accepts_iso_times_with_or_without_zone() -> None:
    assert calendar.parse_instant("2024-07-01T09:00:00+08:00") == dt.datetime(2024, 7, 1, 1, tzinfo=dt.UTC)
    assert calendar.parse_instant("2024-07-01T09:00") == dt.datetime(2024, 7, 1, 1, tzinfo=dt.UTC)


def test_the_default_curve_is_elapsed_months_over_twelve() -> None:
    assert calendar.default_curve(7) == Fraction(7, 12)
    assert calendar.month_end(2024, 2) == dt.date(2024, 2, 29)


@pytest.mark.parametrize("year", [1900, 2000, 2023, 2024, 2100])
def test_a_month_ends_the_day_before_the_next_month_begins(year: int) -> None:
    for month in range(1, 13):
        following = dt.date(year + month // 12, month % 12 + 1, 1)
        assert calendar.month_end(year, month) == following - dt.timedelta(days=1)


@pytest.mark.parametrize("year", [1900, 2000, 2023, 2024, 2100])
def test_a_month_ends_on_the_last_day_the_standard_library_calendar_gives(year: int) -> None:
    import calendar as stdlib_calendar

    for month in range(1, 13):
        assert calendar.month_end(year, month).day == stdlib_calendar.monthrange(year, month)[1]


def test_the_default_target_is_the_default_curve_in_percent_to_the_last_digit() -> None:
    from decimal import Decimal

    for month in range(1, 13):
        curve = calendar.default_curve(month)
        exact = Decimal(curve.numerator * 100) / curve.denominator
        assert str(calendar.default_target(month)) == str(exact)


@pytest.mark.parametrize("name", sorted(calendar.FIXED_OFFSETS))
def test_today_in_a_zone_of_fixed_offset_is_todays_date_there_in_the_zone_database(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from zoneinfo import ZoneInfo

    monkeypatch.setenv("LEDGER_TZ", name)
    zone = ZoneInfo(name)
    for day in (dt.datetime(2000, 1, 1, tzinfo=dt.UTC), dt.datetime.now(tz=dt.UTC)):
        for hour in range(24):
            instant = day.replace(hour=hour)
            assert zone.utcoffset(instant.replace(tzinfo=None)) == calendar.FIXED_OFFSETS[name]
    before = dt.datetime.now(zone).date()
    assert calendar.today() in (before, dt.datetime.now(zone).date())


def test_today_in_any_other_zone_asks_the_zone_database(monkeypatch: pytest.MonkeyPatch) -> None:
    from zoneinfo import ZoneInfo

    monkeypatch.setenv("LEDGER_TZ", "Pacific/Kiritimati")  # UTC+14: a date ahead of most
    before = dt.datetime.now(ZoneInfo("Pacific/Kiritimati")).date()
    assert calendar.today() in (before, dt.datetime.now(ZoneInfo("Pacific/Kiritimati")).date())
