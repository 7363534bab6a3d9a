"""The options every report shares, and its caught-up connection to the read models."""

from __future__ import annotations

import datetime as dt
import functools
import os
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TypeVar

import click

from ledger import calendar
from ledger.cli import Session
from ledger.cli.params import DATE, OUTPUT_FILE, YEAR, Choice, _Type, force_option
from ledger.errors import MalformedInput
from ledger.settings import LOCK_TIMEOUT
from ledger.storage import Store
from projections.output import ENCODING, FORMATS, WIDE
from projections.query import Cutoff, Reader

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

F = TypeVar("F", bound=Callable[..., Any])


class InstantType(_Type):
    """``--known-at``: a recorded-time bound (:func:`ledger.calendar.parse_instant`)."""

    name = "时间"

    def parse(self, value: str) -> dt.datetime:
        return calendar.parse_instant(value)


INSTANT = InstantType()




def _remember(key: str) -> Callable[[click.Context, click.Parameter, Any], None]:
    def callback(ctx: click.Context, _param: click.Parameter, value: Any) -> None:
        if value:
            ctx.meta[key] = value

    return callback


def report_options(func: F) -> F:
    """--format, --output (with --force), --wide, --encoding, --as-of and --known-at, shared by every report."""
    func = click.option(
        "--encoding",
        type=Choice(["utf-8", "gbk"]),
        default=None,
        expose_value=False,
        callback=_remember(ENCODING),
        help="CSV 文件的编码：utf-8（默认，带 BOM，Excel 可直接打开）或 gbk（旧版 Excel、WPS）。",
    )(func)
    func = click.option(
        "--wide",
        is_flag=True,
        default=False,
        expose_value=False,
        callback=_remember(WIDE),
        help="表格按全宽打印，长名称不折行（默认折行以适合 100 列的终端）。",
    )(func)
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
    func = force_option(func)
    func = click.option(
        "--output",
        "-o",
        type=OUTPUT_FILE,
        default=None,
        metavar="FILE",
        help="写入文件而不是屏幕（已有的文件须加 --force 才覆盖；不能是账簿本身）。",
    )(func)
    func = click.option(
        "--format",
        "fmt",
        type=Choice(list(FORMATS)),
        default=None,
        help="table（默认）、csv、json、xlsx 或 md。",
    )(func)
    return func


def unit_and_year(func: F) -> F:
    """``[UNIT] [YEAR]`` as arguments, as every other report takes them, beside ``--unit`` / ``--year``.

    ``ledger report execution 153001 2024`` and ``… --unit 153001 --year 2024`` are the
    same report; naming a unit or a year both ways, differently, is refused.
    """

    @functools.wraps(func)
    def wrapper(*args: Any, unit_arg: str | None = None, year_arg: int | None = None, **kwargs: Any) -> Any:
        for key, given, label in (("unit", unit_arg, "单位"), ("year", year_arg, "年度")):
            if given is None:
                continue
            if kwargs.get(key) not in (None, given):
                raise MalformedInput(f"{label}写了两次且不一致：{given} 与 --{key} {kwargs[key]}；请只写一处")
            kwargs[key] = given
        return func(*args, **kwargs)

    wrapper = click.argument("year_arg", type=YEAR, required=False, metavar="[YEAR]")(wrapper)
    wrapper = click.argument("unit_arg", required=False, metavar="[UNIT]")(wrapper)
    return wrapper  # type: ignore[return-value]


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
    """A SQLAlchemy read connection to the read models, caught up first (see :func:`current`)."""
    from projections import runner

    start = time.perf_counter()
    store = current(session)
    caught_up = time.perf_counter()
    reader, _ = runner.engines(store)
    with reader.connect() as conn:
        yield conn
    _timing(start, caught_up)


@contextmanager
def read_models(session: Session) -> Iterator[Reader]:
    """The read models, caught up, for a report written in plain SQL (``projections.query``).

    On SQLite with the models current (or a few events behind, which
    ``projections.quick`` folds on the plain connection) the report reads them on
    ``sqlite3`` alone, in one read transaction, and the process never loads SQLAlchemy
    or the event library; anything else goes through :func:`reading`.
    """
    store = session.store
    if store.is_sqlite and store.path is not None:
        from projections import quick

        start = time.perf_counter()
        if quick.catch_up(store) is not None:
            caught_up = time.perf_counter()
            conn = sqlite3.connect(store.path, timeout=LOCK_TIMEOUT.read(), isolation_level=None)
            try:
                conn.execute("BEGIN")  # one snapshot for all of the report's queries
                yield Reader(conn)
                conn.execute("ROLLBACK")
            finally:
                conn.close()
            _timing(start, caught_up)
            return
    with reading(session) as sqlalchemy_conn:
        yield Reader(sqlalchemy_conn)


def _timing(start: float, caught_up: float) -> None:
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

    from projections import runner

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
