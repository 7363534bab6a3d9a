"""What every report query shares: the replay cut-off and the unit/year/filters.

The queries are plain SQL over the read-model tables, written once and run either on
SQLite's own connection (``sqlite3``: a report on current models needs nothing else,
see :func:`projections.report_cli.read_models`) or on a SQLAlchemy connection
(PostgreSQL, and the reports that build their own queries with SQLAlchemy).
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Callable, Hashable, Mapping, Sequence

from ledger.errors import NotFound
from ledger.values import Value

#: (not ``typing.TYPE_CHECKING``: a report run without click imports neither ``typing`` nor
#: ``dataclasses``; mypy reads any ``TYPE_CHECKING`` as true)
TYPE_CHECKING = False

if TYPE_CHECKING:
    from typing import Any, TypeAlias, TypeVar

    from sqlalchemy import ColumnElement
    from sqlalchemy.engine import Connection as SQLAlchemyConnection

    #: a connection to the read models: SQLite's own, or SQLAlchemy's (any backend)
    Connection: TypeAlias = sqlite3.Connection | SQLAlchemyConnection

    T = TypeVar("T")


class Reader:
    """Runs the reports' SQL on either kind of connection, naming the read-model tables
    as the backend knows them (schema-qualified on PostgreSQL) and binding dates and
    instants as the tables store them."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        if isinstance(conn, sqlite3.Connection):
            self.sqlite, schema = True, None
        else:
            self.sqlite = conn.dialect.name == "sqlite"
            schema = (conn.get_execution_options().get("schema_translate_map") or {}).get(None)
        self._prefix = f'"{schema}".' if schema else ""
        self._answers: dict[Hashable, Any] = {}

    def table(self, name: str) -> str:
        return f'{self._prefix}"{name}"'

    def tables(self) -> dict[str, str]:
        """The names the SQL below uses in ``{…}``: the tables, and the project lines
        as they stand (:data:`PROJECTS_NOW`)."""
        names = {
            "units": self.table("rm_units"),
            "registered": self.table("rm_projects"),
            "changes": self.table("rm_project_changes"),
            "movements": self.table("rm_movements"),
            "scores": self.table("rm_scores"),
            "targets": self.table("rm_targets"),
            "curves": self.table("rm_curves"),
            "codes": self.table("rm_codes"),
        }
        names["projects"] = "(" + PROJECTS_NOW.format(**names) + ")"
        return names

    def once(self, question: Hashable, answer: Callable[[], T]) -> T:
        """``answer()``, worked out once per ``question`` for this reader: a report that asks
        the same thing twice (the month report's lines, and its backlog's idle quota and
        held amounts) reads it once. A reader is one report's read of the models."""
        if question not in self._answers:
            self._answers[question] = answer()
        return self._answers[question]  # type: ignore[no-any-return]

    def rows(self, sql: str, params: Mapping[str, Any] | None = None) -> list[Sequence[Any]]:
        """The rows of ``sql`` (``{table}`` names filled in, ``:name`` parameters) as tuples."""
        statement = sql.format(**self.tables())
        bound = {k: self.bind(v) for k, v in (params or {}).items()}
        if isinstance(self.conn, sqlite3.Connection):
            return list(self.conn.execute(statement, bound).fetchall())
        from sqlalchemy import text

        return [tuple(r) for r in self.conn.execute(text(statement), bound)]

    def bind(self, value: Any) -> Any:
        """On SQLite, a date as its ISO text and an instant as SQLAlchemy stores a
        ``DateTime`` (``2024-07-01 01:00:00.000000``), so comparisons match the rows."""
        if not self.sqlite:
            return value
        if isinstance(value, dt.datetime):
            return value.strftime("%Y-%m-%d %H:%M:%S.%f")
        if isinstance(value, dt.date):
            return value.isoformat()
        return value

    def date(self, value: Any) -> dt.date:
        """A ``DATE`` column's value (text on SQLite's own connection)."""
        if isinstance(value, dt.date):
            return value
        return dt.date.fromisoformat(str(value))

    def placeholders(self, name: str, values: Sequence[Any], params: dict[str, Any]) -> str:
        """``:name0, :name1 …`` for an ``IN (…)`` list, with the values put in ``params``."""
        marks = []
        for i, value in enumerate(values):
            params[f"{name}{i}"] = value
            marks.append(f":{name}{i}")
        return ", ".join(marks)


def reader(conn: Connection | Reader) -> Reader:
    return conn if isinstance(conn, Reader) else Reader(conn)


def _latest(column: str, default: str) -> str:
    return (
        f"coalesce((SELECT c.{column} FROM {{changes}} c WHERE c.project_id = r.project_id "
        f"ORDER BY c.position DESC LIMIT 1), {default})"
    )


#: the project lines as they stand: registered, with any later amendment or closing
#: applied (as ``projections.directory.projects``)
PROJECTS_NOW = (
    "SELECT r.project_id, r.unit, r.code, "
    + _latest("name", "r.name")
    + " AS name, "
    + _latest("function", "r.function")
    + " AS function, "
    + _latest("category", "r.category")
    + " AS category, r.fund, r.economic, r.doc, r.level, r.position, r.recorded_at, "
    + _latest("closed", "0")
    + " AS closed FROM {registered} r"
)


class Cutoff(Value):
    """Which events a report sees.

    ``as_of``: business dates up to the end of that day (the historical reconstruction);
    ``known_at``: only events recorded by that instant (what the ledger said then).
    """

    __slots__ = ("as_of", "known_at")
    as_of: dt.date | None
    known_at: dt.datetime | None  # aware

    def __init__(self, as_of: dt.date | None = None, known_at: dt.datetime | None = None) -> None:
        self._set(as_of=as_of, known_at=known_at)

    @property
    def known_at_naive_utc(self) -> dt.datetime | None:
        if self.known_at is None:
            return None
        return self.known_at.astimezone(dt.UTC).replace(tzinfo=None)

    def movements(self) -> ColumnElement[bool]:
        """The WHERE clause that keeps only the movements this cut-off sees."""
        from sqlalchemy import and_, true

        from projections.movements import movements

        clauses: list[ColumnElement[bool]] = []
        if self.as_of is not None:
            clauses.append(movements.c.on <= self.as_of)
        if self.known_at is not None:
            clauses.append(movements.c.recorded_at <= self.known_at_naive_utc)
        return and_(true(), *clauses)

    def projects(self) -> ColumnElement[bool]:
        from sqlalchemy import true

        from projections.directory import projects

        if self.known_at is None:
            return true()
        return projects.c.recorded_at <= self.known_at_naive_utc

    def movements_sql(self, alias: str, params: dict[str, Any]) -> str:
        """:meth:`movements` as SQL over the movements aliased ``alias``; its values go in ``params``."""
        clauses = ["1 = 1"]
        if self.as_of is not None:
            params["cut_as_of"] = self.as_of
            clauses.append(f'{alias}."on" <= :cut_as_of')
        if self.known_at is not None:
            params["cut_known_at"] = self.known_at_naive_utc
            clauses.append(f"{alias}.recorded_at <= :cut_known_at")
        return " AND ".join(clauses)

    def recorded_sql(self, alias: str, params: dict[str, Any]) -> str:
        """Rows (project lines, scores, targets) recorded by ``known_at``, as SQL."""
        if self.known_at is None:
            return "1 = 1"
        params["cut_known_at"] = self.known_at_naive_utc
        return f"{alias}.recorded_at <= :cut_known_at"

    def describe(self) -> str:
        parts = []
        if self.as_of is not None:
            parts.append(f"截至 {self.as_of} 日终")
        if self.known_at is not None:
            from ledger.calendar import local_text

            parts.append(f"按 {local_text(self.known_at)} 时已记录的事件")
        return "，".join(parts)


NO_CUTOFF = Cutoff()


class ProjectYear(Value):
    """One project line's figures for one fiscal year, in exact 分."""

    __slots__ = (
        "allocated",
        "category",
        "code",
        "doc",
        "economic",
        "function",
        "fund",
        "held",
        "level",
        "name",
        "opening",
        "paid",
        "pending",
        "project_id",
        "quota",
        "unit",
    )
    project_id: str
    unit: str
    code: str
    name: str
    function: str
    category: str
    fund: str
    economic: str
    doc: str
    level: str
    opening: int  # 年初预算数
    quota: int  # 全年预算数
    allocated: int  # 已分配
    pending: int  # 已申请未拨付
    held: int  # of which 待财政统筹拨付
    paid: int  # 全年执行数

    def __init__(
        self,
        *,
        project_id: str,
        unit: str,
        code: str,
        name: str,
        function: str,
        category: str,
        fund: str,
        economic: str,
        doc: str,
        level: str,
        opening: int,
        quota: int,
        allocated: int,
        pending: int,
        held: int,
        paid: int,
    ) -> None:
        self._set(
            project_id=project_id,
            unit=unit,
            code=code,
            name=name,
            function=function,
            category=category,
            fund=fund,
            economic=economic,
            doc=doc,
            level=level,
            opening=opening,
            quota=quota,
            allocated=allocated,
            pending=pending,
            held=held,
            paid=paid,
        )

    @property
    def unexecuted(self) -> int:
        """未执行: 全年预算数 − 全年执行数."""
        return self.quota - self.paid


def project_years(
    conn: Connection | Reader,
    *,
    unit: str | None,
    year: int,
    cutoff: Cutoff = NO_CUTOFF,
    function_prefix: str = "",
    fund: str = "",
) -> list[ProjectYear]:
    """Every project line of a unit (or all units) with its figures for ``year``.

    Lines registered (as the cut-off sees them) but without movements appear with
    zeros. Held is the pending amount of payments whose latest act was a hold.
    """
    db = reader(conn)
    question = ("project_years", unit, year, cutoff, function_prefix, fund)
    return list(db.once(question, lambda: _project_years(db, unit, year, cutoff, function_prefix, fund)))


def _project_years(
    db: Reader, unit: str | None, year: int, cutoff: Cutoff, function_prefix: str, fund: str
) -> list[ProjectYear]:
    params: dict[str, Any] = {"year": year}
    of_unit = ""
    if unit is not None:
        params["unit"] = unit
        of_unit = " AND m.project_id IN (SELECT project_id FROM {registered} WHERE unit = :unit)"
    sums = (
        "SELECT m.project_id, coalesce(sum(m.opening), 0) AS opening, coalesce(sum(m.quota), 0) AS quota, "
        "coalesce(sum(m.allocated), 0) AS allocated, coalesce(sum(m.pending), 0) AS pending, "
        "coalesce(sum(m.paid), 0) AS paid FROM {movements} m "
        f"WHERE m.year = :year AND m.project_id IS NOT NULL AND {cutoff.movements_sql('m', params)}{of_unit} "
        "GROUP BY m.project_id"
    )
    where = [cutoff.recorded_sql("p", params), "p.closed = 0"]  # a line closed by `project close` is out
    if unit is not None:
        where.append("p.unit = :unit")
    if function_prefix:
        params["function_prefix"] = function_prefix
        where.append("p.function LIKE :function_prefix || '%'")
    if fund:
        params["fund"] = fund
        where.append("p.fund = :fund")
    query = (
        "SELECT p.project_id, p.unit, p.code, p.name, p.function, p.category, p.fund, p.economic, p.doc, "
        "p.level, s.opening, s.quota, s.allocated, s.pending, s.paid "
        f"FROM {{projects}} p LEFT OUTER JOIN ({sums}) s ON s.project_id = p.project_id "
        f"WHERE {' AND '.join(where)} ORDER BY p.unit, p.code"
    )
    held = held_by_project(db, unit=unit, year=year, cutoff=cutoff)
    out = []
    for pid, unit_, code, name, function, category, fund_, economic, doc, level, *sums_ in db.rows(
        query, params
    ):
        opening, quota, allocated, pending, paid = (int(x or 0) for x in sums_)
        out.append(
            ProjectYear(
                project_id=pid,
                unit=unit_,
                code=code,
                name=name,
                function=function,
                category=category,
                fund=fund_,
                economic=economic,
                doc=doc,
                level=level,
                opening=opening,
                quota=quota,
                allocated=allocated,
                pending=pending,
                held=held.get(pid, 0),
                paid=paid,
            )
        )
    return out


class OpenPayment(Value):
    """A payment requested or held and not yet settled or cancelled (the backlog)."""

    __slots__ = (
        "amount",
        "economic",
        "held",
        "held_on",
        "hold_reason",
        "payee",
        "payment",
        "project_id",
        "requested_on",
        "year",
    )
    project_id: str
    payment: int
    payee: str
    economic: str
    amount: int
    requested_on: dt.date
    held: bool
    hold_reason: str
    held_on: dt.date | None
    year: int

    def __init__(
        self,
        *,
        project_id: str,
        payment: int,
        payee: str,
        economic: str,
        amount: int,
        requested_on: dt.date,
        held: bool,
        hold_reason: str,
        held_on: dt.date | None,
        year: int,
    ) -> None:
        self._set(
            project_id=project_id,
            payment=payment,
            payee=payee,
            economic=economic,
            amount=amount,
            requested_on=requested_on,
            held=held,
            hold_reason=hold_reason,
            held_on=held_on,
            year=year,
        )


def open_payments(
    conn: Connection | Reader,
    *,
    unit: str | None,
    year: int | None,
    cutoff: Cutoff = NO_CUTOFF,
) -> list[OpenPayment]:
    """Payments with a pending balance under the cut-off, with their latest hold."""
    db = reader(conn)
    return list(
        db.once(("open_payments", unit, year, cutoff), lambda: _open_payments(db, unit, year, cutoff))
    )


def _open_payments(db: Reader, unit: str | None, year: int | None, cutoff: Cutoff) -> list[OpenPayment]:
    params: dict[str, Any] = {}
    scope = cutoff.movements_sql("m", params)
    if unit is not None:
        params["unit"] = unit
        scope += " AND m.project_id IN (SELECT project_id FROM {registered} WHERE unit = :unit)"
    of_year = ""
    if year is not None:
        params["year"] = year
        of_year = " AND m.year = :year"
    rows = db.rows(
        "SELECT m.project_id, m.payment, m.year, sum(m.pending) AS pending FROM {movements} m "
        f"WHERE m.payment IS NOT NULL AND {scope}{of_year} "
        "GROUP BY m.project_id, m.payment, m.year HAVING sum(m.pending) > 0",
        params,
    )
    if not rows:
        return []
    keys = {(r[0], r[1]) for r in rows}
    ids = sorted({r[0] for r in rows})
    marks = db.placeholders("id", ids, params)
    acts = db.rows(
        'SELECT m.project_id, m.payment, m.kind, m."on", m.payee, m.economic, m.reason, m.position '
        f"FROM {{movements}} m WHERE m.project_id IN ({marks}) AND m.kind IN ('request', 'hold') "
        f"AND {scope} ORDER BY m.position",
        params,
    )
    info: dict[tuple[str, int], dict[str, Any]] = {}
    for project_id, payment, kind, on, payee, economic, reason, _position in acts:
        key = (project_id, payment)
        if key not in keys:
            continue
        entry = info.setdefault(key, {"hold_reason": "", "held_on": None})
        if kind == "request":
            entry.update(payee=payee, economic=economic, requested_on=db.date(on))
        else:
            entry.update(hold_reason=reason, held_on=db.date(on))
    out = []
    for project_id, payment, year_, pending in rows:
        entry = info.get((project_id, payment), {})
        if "requested_on" not in entry:
            continue
        out.append(
            OpenPayment(
                project_id=project_id,
                payment=payment,
                payee=entry["payee"],
                economic=entry["economic"],
                amount=int(pending),
                requested_on=entry["requested_on"],
                held=entry["held_on"] is not None,
                hold_reason=entry["hold_reason"],
                held_on=entry["held_on"],
                year=year_,
            )
        )
    out.sort(key=lambda o: (o.requested_on, o.project_id, o.payment))
    return out


def held_by_project(
    conn: Connection | Reader, *, unit: str | None, year: int, cutoff: Cutoff = NO_CUTOFF
) -> dict[str, int]:
    """待财政统筹拨付 per project: pending amounts of payments that have been held."""
    held: dict[str, int] = {}
    for o in open_payments(conn, unit=unit, year=year, cutoff=cutoff):
        if o.held:
            held[o.project_id] = held.get(o.project_id, 0) + o.amount
    return held


def unit_lines(params: dict[str, Any], unit: str) -> str:
    """The SQL set of the unit's project lines' ids (for ``project_id IN …``); ``unit`` goes in ``params``."""
    params["unit"] = unit
    return "(SELECT project_id FROM {registered} WHERE unit = :unit)"


def use_local_codes(conn: Connection | Reader) -> None:
    """Lay the codes clerks admitted (as folded into ``rm_codes``) over the shipped books,
    so a report names a local code as the clerk named it."""
    from ledger import codes

    found = reader(conn).rows("SELECT kind, year, code, name FROM {codes} ORDER BY position")
    codes.use_local(codes.LocalCode(codes.CodeKind(k), int(y), str(c), str(n)) for k, y, c, n in found)


def unit_name(conn: Connection | Reader, unit: str) -> str:
    """The unit's registered name; NotFound if the cut-off does not know the unit."""
    found = reader(conn).rows("SELECT name FROM {units} WHERE unit = :unit", {"unit": unit})
    if not found:
        raise NotFound(f"单位 {unit} 不存在（或在所选时点尚未登记）。")
    return str(found[0][0])
