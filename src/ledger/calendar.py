"""Business dates, fiscal years and the 序时进度 curve. Pendulum lives here and only here.

A business date is a plain :class:`datetime.date` everywhere else in the ledger (events
store it as ISO text); the fiscal year is the calendar year. Recorded times are
timezone-aware UTC instants; times a clerk types without a zone are read in the
ledger's zone (``LEDGER_TZ``, default Asia/Shanghai).
"""

from __future__ import annotations

import datetime as dt
import os
import re

from ledger.errors import MalformedInput
from ledger.text import numeral

TYPE_CHECKING = False  # not typing's: a report run without click does not import typing
if TYPE_CHECKING:
    from decimal import Decimal
    from fractions import Fraction

_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


def zone() -> str:
    return os.environ.get("LEDGER_TZ", "Asia/Shanghai")


#: the earliest fiscal year the ledger accepts: older figures are not kept in this system
EARLIEST_YEAR = 2000
#: how far ahead a business date may lie: a year after today (budgets are issued ahead)
YEARS_AHEAD = 1


def latest_date() -> dt.date:
    """The last business date accepted today: one year after :func:`today`."""
    t = today()
    try:
        return t.replace(year=t.year + YEARS_AHEAD)
    except ValueError:  # 29 February
        return t.replace(year=t.year + YEARS_AHEAD, day=28)


def parse_date(text: str) -> dt.date:
    """Read ``YYYY-MM-DD`` (full-width digits too); refuse impossible dates and other shapes.

    A business date lies between 1 January of :data:`EARLIEST_YEAR` and
    :func:`latest_date`; 2999-01-01 is a typing slip, not a plan.
    """
    s = numeral(text, label="日期")
    if not _DATE.match(s):
        raise MalformedInput(f"日期“{s[:30]}”格式不对：应为 YYYY-MM-DD，如 2024-03-15")
    try:
        parsed = dt.date.fromisoformat(s)  # the ISO calendar date, checked day by day
    except ValueError:
        raise MalformedInput(f"日期“{s}”不存在：请检查月份和日") from None
    return _in_range(parsed, s)


def _in_range(day: dt.date, shown: str) -> dt.date:
    latest = latest_date()
    if day.year < EARLIEST_YEAR:
        raise MalformedInput(
            f"日期“{shown}”早于 {EARLIEST_YEAR} 年：账簿只记 {EARLIEST_YEAR} 年及以后的财政年度"
        )
    if day > latest:
        raise MalformedInput(
            f"日期“{shown}”太远：业务日期最晚为今天起一年内（{latest.isoformat()}），请检查年份"
        )
    return day


def parse_year(text: str) -> int:
    """Read a fiscal year ``YYYY``: from :data:`EARLIEST_YEAR` to the year of :func:`latest_date`."""
    s = numeral(text, label="年度")
    if not (s.isascii() and s.isdigit() and len(s) == 4):
        raise MalformedInput(f"年度“{s[:20]}”格式不对：应为四位年份，如 2024")
    year, last = int(s), latest_date().year
    if not EARLIEST_YEAR <= year <= last:
        raise MalformedInput(
            f"年度 {year} 不在 {EARLIEST_YEAR}–{last} 之间：账簿只记 {EARLIEST_YEAR} 年以来、"
            "最晚明年的财政年度"
        )
    return year


def parse_instant(text: str) -> dt.datetime:
    """Read a recorded-time bound for ``--known-at``: ISO date-time, zone optional.

    A bare date means the end of that day in the ledger's zone.
    """
    import pendulum

    s = numeral(text, label="时间")
    if len(s) > 64 or not (s[:4].isdigit() and 1900 <= int(s[:4]) <= 2999):  # bounded before any parser
        raise MalformedInput(
            f"时间“{s[:40]}”无法识别：应为 ISO 格式、年份在 1900–2999 之间，如 2024-07-01T09:30:00+08:00 或 2024-07-01"
        )
    try:
        if _DATE.match(s):
            day = pendulum.from_format(s, "YYYY-MM-DD", tz=zone())
            moment = day.end_of("day")
        else:
            parsed = pendulum.parse(s, tz=zone())
            if not isinstance(parsed, pendulum.DateTime):
                raise ValueError(s)
            moment = parsed
    except (ValueError, pendulum.parsing.exceptions.ParserError):
        raise MalformedInput(
            f"时间“{s[:40]}”无法识别：应为 ISO 格式，如 2024-07-01T09:30:00+08:00 或 2024-07-01"
        ) from None
    return dt.datetime.fromtimestamp(moment.timestamp(), tz=dt.UTC)


def now() -> dt.datetime:
    """The current instant, UTC."""
    return dt.datetime.now(tz=dt.UTC)


#: zones whose offset from UTC has been fixed since long before the ledger's earliest year
#: (China Standard Time has kept UTC+8 without daylight saving since 1991): today's date
#: there needs no zone database, which costs a report a few milliseconds to load
FIXED_OFFSETS = {"Asia/Shanghai": dt.timedelta(hours=8)}


def today() -> dt.date:
    """Today's business date in the ledger's zone (the standard library's zone will do:
    every command that parses a year or a date asks, and pendulum costs 20 ms to load)."""
    name = zone()
    offset = FIXED_OFFSETS.get(name)
    if offset is not None:
        return (dt.datetime.now(tz=dt.UTC) + offset).date()
    from zoneinfo import ZoneInfo

    return dt.datetime.now(ZoneInfo(name)).date()


def local_text(instant: dt.datetime) -> str:
    """An instant as the clerk reads it: ``2024-07-01 09:30:00`` in the ledger's zone."""
    import pendulum

    p = pendulum.instance(instant).in_timezone(zone())
    return p.format("YYYY-MM-DD HH:mm:ss")


def month_end(year: int, month: int) -> dt.date:
    """The last day of a month: the day before the next month begins (no zone involved,
    nor pendulum, nor the standard library's calendar with its locale)."""
    following = dt.date(year + 1, 1, 1) if month == 12 else dt.date(year, month + 1, 1)
    return following - dt.timedelta(days=1)


def parse_month(text: str) -> tuple[int, int]:
    """Read ``YYYY-MM`` (full-width digits too), its year in the range of :func:`parse_year`."""
    s = numeral(text, label="月份")
    m = re.match(r"^([0-9]{4})-([0-9]{2})$", s)
    if not m or not 1 <= int(m[2]) <= 12:
        raise MalformedInput(f"月份“{s[:20]}”格式不对：应为 YYYY-MM，如 2024-12")
    return parse_year(m[1]), int(m[2])


def default_curve(month: int) -> Fraction:
    """序时进度 by default: elapsed months / 12 at the end of ``month``."""
    from fractions import Fraction

    return Fraction(month, 12)


def default_target(month: int) -> Decimal:
    """:func:`default_curve` in percent, as a report prints it: ``month`` × 100 / 12
    (the same :class:`~decimal.Decimal` as the fraction's numerator × 100 / denominator)."""
    from decimal import Decimal

    return Decimal(month * 100) / 12
