"""What every report query shares: the replay cut-off and the unit/year/filters."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, func, select, true
from sqlalchemy.engine import Connection

from ledger.errors import NotFound
from projections.directory import projects, units
from projections.movements import movements


@dataclass(frozen=True)
class Cutoff:
    """Which events a report sees.

    ``as_of``: business dates up to the end of that day (the historical reconstruction);
    ``known_at``: only events recorded by that instant (what the ledger said then).
    """

    as_of: dt.date | None = None
    known_at: dt.datetime | None = None  # aware

    @property
    def known_at_naive_utc(self) -> dt.datetime | None:
        if self.known_at is None:
            return None
        return self.known_at.astimezone(dt.UTC).replace(tzinfo=None)

    def movements(self) -> ColumnElement[bool]:
        """The WHERE clause that keeps only the movements this cut-off sees."""
        clauses: list[ColumnElement[bool]] = []
        if self.as_of is not None:
            clauses.append(movements.c.on <= self.as_of)
        if self.known_at is not None:
            clauses.append(movements.c.recorded_at <= self.known_at_naive_utc)
        return and_(true(), *clauses)

    def projects(self) -> ColumnElement[bool]:
        if self.known_at is None:
            return true()
        return projects.c.recorded_at <= self.known_at_naive_utc

    def describe(self) -> str:
        parts = []
        if self.as_of is not None:
            parts.append(f"截至 {self.as_of} 日终")
        if self.known_at is not None:
            from ledger.calendar import local_text

            parts.append(f"按 {local_text(self.known_at)} 时已记录的事件")
        return "，".join(parts)


NO_CUTOFF = Cutoff()


@dataclass(frozen=True)
class ProjectYear:
    """One project line's figures for one fiscal year, in exact 分."""

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

    @property
    def unexecuted(self) -> int:
        """未执行: 全年预算数 − 全年执行数."""
        return self.quota - self.paid


def project_years(
    conn: Connection,
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
    m = movements
    sums = (
        select(
            m.c.project_id,
            func.coalesce(func.sum(m.c.opening), 0).label("opening"),
            func.coalesce(func.sum(m.c.quota), 0).label("quota"),
            func.coalesce(func.sum(m.c.allocated), 0).label("allocated"),
            func.coalesce(func.sum(m.c.pending), 0).label("pending"),
            func.coalesce(func.sum(m.c.paid), 0).label("paid"),
        )
        .where(m.c.year == year, m.c.project_id.is_not(None), cutoff.movements())
        .group_by(m.c.project_id)
    )
    if unit is not None:
        sums = sums.where(m.c.project_id.in_(select(projects.c.project_id).where(projects.c.unit == unit)))
    sums_sq = sums.subquery()
    held = held_by_project(conn, unit=unit, year=year, cutoff=cutoff)
    p = projects
    query = (
        select(
            p,
            sums_sq.c.opening,
            sums_sq.c.quota,
            sums_sq.c.allocated,
            sums_sq.c.pending,
            sums_sq.c.paid,
        )
        .select_from(p.outerjoin(sums_sq, sums_sq.c.project_id == p.c.project_id))
        .where(cutoff.projects(), p.c.closed == 0)  # a line closed by `project close` is out of the tables
        .order_by(p.c.unit, p.c.code)
    )
    if unit is not None:
        query = query.where(p.c.unit == unit)
    if function_prefix:
        query = query.where(p.c.function.startswith(function_prefix))
    if fund:
        query = query.where(p.c.fund == fund)
    out = []
    for r in conn.execute(query):
        out.append(
            ProjectYear(
                project_id=r.project_id,
                unit=r.unit,
                code=r.code,
                name=r.name,
                function=r.function,
                category=r.category,
                fund=r.fund,
                economic=r.economic,
                doc=r.doc,
                level=r.level,
                opening=int(r.opening or 0),
                quota=int(r.quota or 0),
                allocated=int(r.allocated or 0),
                pending=int(r.pending or 0),
                held=held.get(r.project_id, 0),
                paid=int(r.paid or 0),
            )
        )
    return out


@dataclass(frozen=True)
class OpenPayment:
    """A payment requested or held and not yet settled or cancelled (the backlog)."""

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


def open_payments(
    conn: Connection, *, unit: str | None, year: int | None, cutoff: Cutoff = NO_CUTOFF
) -> list[OpenPayment]:
    """Payments with a pending balance under the cut-off, with their latest hold."""
    m = movements
    scope = cutoff.movements()
    if unit is not None:
        scope = and_(scope, m.c.project_id.in_(select(projects.c.project_id).where(projects.c.unit == unit)))
    balance = (
        select(m.c.project_id, m.c.payment, m.c.year, func.sum(m.c.pending).label("pending"))
        .where(m.c.payment.is_not(None), scope)
        .group_by(m.c.project_id, m.c.payment, m.c.year)
        .having(func.sum(m.c.pending) > 0)
    )
    if year is not None:
        balance = balance.where(m.c.year == year)
    rows = conn.execute(balance).all()
    if not rows:
        return []
    keys = {(r.project_id, r.payment) for r in rows}
    ids = sorted({r.project_id for r in rows})
    acts = conn.execute(
        select(
            m.c.project_id,
            m.c.payment,
            m.c.kind,
            m.c.on,
            m.c.payee,
            m.c.economic,
            m.c.reason,
            m.c.position,
        )
        .where(m.c.project_id.in_(ids), m.c.kind.in_(("request", "hold")), scope)
        .order_by(m.c.position)
    ).all()
    info: dict[tuple[str, int], dict[str, Any]] = {}
    for a in acts:
        key = (a.project_id, a.payment)
        if key not in keys:
            continue
        entry = info.setdefault(key, {"hold_reason": "", "held_on": None})
        if a.kind == "request":
            entry.update(payee=a.payee, economic=a.economic, requested_on=a.on)
        else:
            entry.update(hold_reason=a.reason, held_on=a.on)
    out = []
    for r in rows:
        entry = info.get((r.project_id, r.payment), {})
        if "requested_on" not in entry:
            continue
        out.append(
            OpenPayment(
                project_id=r.project_id,
                payment=r.payment,
                payee=entry["payee"],
                economic=entry["economic"],
                amount=int(r.pending),
                requested_on=entry["requested_on"],
                held=entry["held_on"] is not None,
                hold_reason=entry["hold_reason"],
                held_on=entry["held_on"],
                year=r.year,
            )
        )
    out.sort(key=lambda o: (o.requested_on, o.project_id, o.payment))
    return out


def held_by_project(
    conn: Connection, *, unit: str | None, year: int, cutoff: Cutoff = NO_CUTOFF
) -> dict[str, int]:
    """待财政统筹拨付 per project: pending amounts of payments that have been held."""
    held: dict[str, int] = {}
    for o in open_payments(conn, unit=unit, year=year, cutoff=cutoff):
        if o.held:
            held[o.project_id] = held.get(o.project_id, 0) + o.amount
    return held


def unit_name(conn: Connection, unit: str) -> str:
    """The unit's registered name; NotFound if the cut-off does not know the unit."""
    row = conn.execute(select(units.c.name).where(units.c.unit == unit)).first()
    if row is None:
        raise NotFound(f"单位 {unit} 不存在（或在所选时点尚未登记）。")
    return str(row[0])
