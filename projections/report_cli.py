"""The options every report shares, and its caught-up connection to the read models."""

from __future__ import annotations

import datetime as dt
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import click
from sqlalchemy.engine import Connection

from ledger import calendar
from ledger.cli import Session
from ledger.cli.params import DATE, Choice, _Type
from ledger.errors import MalformedInput
from ledger.storage import Store
from projections import runner
from projections.output import FORMATS
from projections.query import Cutoff

F = TypeVar("F", bound=Callable[..., Any])


#: the years a report can be asked about; the business dates share the range
YEARS = range(1900, 3000)


class InstantType(_Type):
    """``--known-at``: a recorded-time bound, its year within :data:`YEARS`."""

    name = "时间"

    def parse(self, value: str) -> dt.datetime:
        s = str(value).strip()
        year = s[:4]
        if len(s) > 64 or not (year.isascii() and year.isdigit() and int(year) in YEARS):
            raise MalformedInput(
                f"时间“{s[:40]}”无法识别：应为 ISO 格式、年份在 {YEARS[0]}–{YEARS[-1]} 之间，"
                "如 2024-07-01T09:30:00+08:00 或 2024-07-01"
            )
        return calendar.parse_instant(s)


INSTANT = InstantType()


def parse_month(text: str) -> tuple[int, int]:
    """A report's ``YYYY-MM``, its year within :data:`YEARS`."""
    year, month = calendar.parse_month(text)
    if year not in YEARS:
        raise MalformedInput(
            f"月份“{str(text).strip()[:20]}”的年份不在 {YEARS[0]}–{YEARS[-1]} 之间：应为 YYYY-MM，如 2024-12"
        )
    return year, month


class WholeNumberType(_Type):
    """A whole number of a report option (days, say), its length bounded before ``int()``."""

    def __init__(self, label: str, high: int) -> None:
        self.name = label
        self.label = label
        self.high = high

    def parse(self, value: str) -> int:
        import unicodedata

        s = unicodedata.normalize("NFKC", value).strip()
        if not (s.isascii() and s.isdigit() and len(s) <= len(str(self.high)) and int(s) <= self.high):
            raise MalformedInput(f"{self.label}“{value[:20]}”不对：应为 0 到 {self.high} 之间的整数")
        return int(s)


class PercentType(_Type):
    """A number of percentage points, 0–100, as written (no exponent, no NaN)."""

    name = "百分点"

    def parse(self, value: str) -> float:
        import re
        import unicodedata

        s = unicodedata.normalize("NFKC", value).strip()
        if not re.fullmatch(r"[0-9]{1,3}(\.[0-9]{1,2})?", s) or float(s) > 100:
            raise MalformedInput(
                f"百分点“{value[:20]}”不对：应为 0 到 100 之间的数，最多两位小数，如 10 或 7.5"
            )
        return float(s)


DAYS = WholeNumberType("天数", 36500)
PERCENT = PercentType()


def report_options(func: F) -> F:
    """--format, --output, --as-of and --known-at, shared by every report."""
    func = click.option(
        "--known-at",
        type=INSTANT,
        default=None,
        help="只看此时刻之前已记录的事件（审计：当时账上怎么说），如 2024-07-01T09:00。",
    )(func)
    func = click.option(
        "--as-of",
        type=DATE,
        default=None,
        help="业务日期截至此日日终（历史状态重建），如 2024-06-30。",
    )(func)
    func = click.option("--output", "-o", default=None, metavar="FILE", help="写入文件而不是屏幕。")(func)
    func = click.option(
        "--format",
        "fmt",
        type=Choice(list(FORMATS)),
        default=None,
        help="table（默认）、csv、json、xlsx 或 md。",
    )(func)
    return func


def cutoff(as_of: dt.date | None, known_at: dt.datetime | None) -> Cutoff:
    return Cutoff(as_of=as_of, known_at=known_at)


def output_format(session: Session, fmt: str | None, output: str | None) -> str:
    """The report's format: its own --format, else the global one, else guessed from --output."""
    if fmt:
        return fmt
    if output:
        suffix = output.rsplit(".", 1)[-1].lower() if "." in output else ""
        if suffix in FORMATS:
            return suffix
        if suffix == "txt":
            return "table"
        raise MalformedInput(f"无法从文件名“{output}”判断格式，请加 --format")
    return session.fmt


@contextmanager
def reading(session: Session) -> Iterator[Connection]:
    """A read connection to the read models, caught up first (see :func:`current`)."""
    start = time.perf_counter()
    store = current(session)
    caught_up = time.perf_counter()
    reader, _ = runner.engines(store)
    with reader.connect() as conn:
        yield conn
    if os.environ.get("LEDGER_TIMING"):
        # for the benchmark and for a clerk asking why a report is slow: the time spent
        # catching the read models up, and the time of the report's own queries
        click.echo(
            f"用时：追平读模型 {caught_up - start:.3f} 秒，查询 {time.perf_counter() - caught_up:.3f} 秒",
            err=True,
        )


def current(session: Session) -> Store:
    """The store, with its read models caught up: reports never show a stale state.

    Models already current are seen on a plain read, without loading the event library;
    on SQLite the few events a write left are folded there too (``projections.quick``);
    the runner does the rest. A read-only role (reporter) cannot write the read models;
    it reads them as the writers left them (every write catches them up) and is told if
    they lag.
    """
    from sqlalchemy.exc import DBAPIError

    store = session.store
    if store.is_sqlite:
        from projections import quick

        if quick.catch_up(store) is not None:
            return store
    else:
        try:
            if runner.is_current(store):
                return store
        except DBAPIError:
            pass  # no ledger there, or not readable: the runner's path says what is wrong
    ledger = session.ledger()
    try:
        runner.catch_up(ledger)
    except DBAPIError as e:
        if "permission denied" not in str(e).lower() and "权限" not in str(e):
            raise
        behind = max(s.behind for s in runner.status(ledger))
        if behind:
            click.echo(f"注意：读模型落后事件日志 {behind} 个事件（只读角色无法更新读模型）。", err=True)
    return store
