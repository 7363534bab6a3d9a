"""Money movements (资金变动明细): every event's effect on quota, allocations and payments.

The fold is pure: one domain event in, the rows it contributes out. Each row carries
signed deltas (分) of the quantities the reports sum — 全年预算数 (``quota``),
年初预算数 (``opening``), 已分配 (``allocated``), 已申请未拨付 (``pending``),
执行数 (``paid``) and non-财政 income (``income``) — with its business date (``on``)
and the time it was recorded, so every report at any date (``--as-of``) or as known
at any moment (``--known-at``) is a filtered sum.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    Date,
    DateTime,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    text,
)

from ledger.domain.kinds import IssueKind
from projections.folds.movements import (
    NAME,
    SEQ_ALLOCATIONS,
    SEQ_CARRY_IN,
    SEQ_MOVED,
    SEQ_WITHDRAW,
    TABLE,
    VERSION,
    ZERO,
    fold_sql,
)

__all__ = [
    "NAME",
    "TABLES",
    "VERSION",
    "facts",
    "fold_sql",
    "metadata",
    "movement_rows",
    "movements",
    "recorded",
]

metadata = MetaData()

movements = Table(
    TABLE,
    metadata,
    Column("position", BigInteger, primary_key=True, autoincrement=False),
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("project_id", String(32), nullable=True),
    Column("unit", String(32), nullable=True),
    Column("year", Integer, nullable=False),
    Column("on", Date, nullable=False),
    Column("recorded_at", DateTime, nullable=False),
    Column("kind", String(20), nullable=False),
    Column("amount", BigInteger, nullable=False, default=0),
    Column("quota", BigInteger, nullable=False, default=0),
    Column("opening", BigInteger, nullable=False, default=0),
    Column("allocated", BigInteger, nullable=False, default=0),
    Column("pending", BigInteger, nullable=False, default=0),
    Column("paid", BigInteger, nullable=False, default=0),
    Column("income", BigInteger, nullable=False, default=0),
    Column("payment", Integer, nullable=True),
    Column("payee", String(200), nullable=False, default=""),
    Column("economic", String(8), nullable=False, default=""),
    Column("function", String(8), nullable=False, default=""),
    Column("fund", String(20), nullable=False, default=""),
    Column("detail", String(20), nullable=False, default=""),
    Column("doc", String(200), nullable=False, default=""),
    Column("reason", String(400), nullable=False, default=""),
    Index("ix_rm_movements_project", "project_id", "year", "on"),
    # on SQLite only the unit's own rows (income, balances) enter this index
    Index("ix_rm_movements_unit", "unit", "year", "on", sqlite_where=text("unit IS NOT NULL")),
)

TABLES = [movements]


def recorded(event: Any) -> dt.datetime:
    """The event's recording time as naive UTC (how the read models store instants)."""
    ts: dt.datetime = event.timestamp
    return ts.astimezone(dt.UTC).replace(tzinfo=None)


def facts(event: Any, position: int) -> list[tuple[Table, dict[str, Any]]]:
    """The movement rows one event contributes (empty for events that move no money)."""
    return [(movements, row) for row in movement_rows(event, position)]


def movement_rows(event: Any, position: int) -> list[dict[str, Any]]:
    """The movement rows of one event, as plain dicts."""
    # imported here, not above: reports read these tables without loading the event library
    from ledger.domain.project import Project
    from ledger.domain.unit import Unit

    base = {**ZERO, "position": position, "recorded_at": recorded(event)}
    rows: list[dict[str, Any]] = []

    def add(*, seq: int = 0, **values: Any) -> None:
        rows.append({**base, "seq": seq, **values})

    if isinstance(event, Project.Event):
        pid = event.originator_id.hex
        on = event.on
        if isinstance(event, Project.QuotaIssued):
            opening = event.amount if IssueKind(event.kind).is_opening else 0
            add(
                project_id=pid,
                year=on.year,
                on=on,
                kind="issue",
                amount=event.amount,
                quota=event.amount,
                opening=opening,
                detail=event.kind,
                doc=event.doc,
            )
        elif isinstance(event, Project.QuotaIssueReversed):
            add(
                project_id=pid,
                year=event.year,
                on=on,
                kind="issue_reversal",
                amount=event.amount,
                quota=-event.amount,
                opening=-event.amount if IssueKind(event.kind).is_opening else 0,
                detail=event.kind,
                doc=event.doc,
                reason=event.reason,
            )
        elif isinstance(event, Project.QuotaTransferredOut | Project.QuotaTransferredIn):
            sign = 1 if isinstance(event, Project.QuotaTransferredIn) else -1
            add(
                project_id=pid,
                year=on.year,
                on=on,
                kind="transfer_in" if sign > 0 else "transfer_out",
                amount=event.amount,
                quota=sign * event.amount,
                doc=event.doc,
                reason=event.reason,
            )
        elif isinstance(event, Project.AllocationReduced):
            add(
                project_id=pid,
                year=on.year,
                on=on,
                kind="allocation_reduce",
                amount=event.amount,
                allocated=-event.amount,
                payee=event.payee,
                reason=event.reason,
            )
        elif isinstance(event, Project.QuotaReduced):
            add(
                project_id=pid,
                year=on.year,
                on=on,
                kind="reduce",
                amount=event.amount,
                quota=-event.amount,
                doc=event.doc,
                reason=event.reason,
            )
        elif isinstance(event, Project.Allocated):
            add(
                project_id=pid,
                year=on.year,
                on=on,
                kind="allocate",
                amount=event.amount,
                allocated=event.amount,
                payee=event.payee,
            )
        elif isinstance(event, Project.PaymentRequested):
            add(
                project_id=pid,
                year=on.year,
                on=on,
                kind="request",
                amount=event.amount,
                pending=event.amount,
                payment=event.number,
                payee=event.payee,
                economic=event.economic,
                detail=event.key[:20],
            )
        elif isinstance(event, Project.PaymentActed):
            common: dict[str, Any] = {
                "project_id": pid,
                "year": event.year,
                "on": on,
                "payment": event.number,
                "payee": event.payee,
                "economic": event.economic,
                "amount": event.amount,
            }
            if isinstance(event, Project.PaymentHeld):
                add(**common, kind="hold", reason=event.reason)
            elif isinstance(event, Project.PaymentSettled):
                add(
                    **common,
                    kind="settle",
                    pending=-event.amount,
                    paid=event.amount,
                    doc=event.voucher,
                )
            elif isinstance(event, Project.PaymentCancelled):
                add(**common, kind="cancel", pending=-event.amount, reason=event.reason)
            elif isinstance(event, Project.PaymentReversed):
                add(
                    **{**common, "amount": event.reversed},
                    kind="reversal",
                    paid=-event.reversed,
                    doc=event.voucher,
                    reason=event.reason,
                )
            elif isinstance(event, Project.PaymentRefunded):
                add(
                    **{**common, "amount": event.refund},
                    kind="refund",
                    paid=-event.refund,
                    reason=event.reason,
                )
        elif isinstance(event, Project.YearReopened):
            y = event.year
            new_year = dt.date(y + 1, 1, 1)
            add(project_id=pid, year=y, on=on, kind="reopen", amount=event.carried, reason=event.reason)
            if event.carried:
                add(
                    seq=SEQ_CARRY_IN,
                    project_id=pid,
                    year=y + 1,
                    on=new_year,
                    kind="reopen_carry_in",
                    amount=event.carried,
                    quota=-event.carried,
                    opening=-event.carried,
                )
            for n, (payee, left) in enumerate(sorted(event.allocations.items())):
                add(
                    seq=SEQ_ALLOCATIONS + n,
                    project_id=pid,
                    year=y + 1,
                    on=new_year,
                    kind="reopen_allocation",
                    amount=left,
                    allocated=-left,
                    payee=payee,
                )
            for n, (number, amount) in enumerate(event.moved):
                add(
                    seq=SEQ_MOVED + 2 * n,
                    project_id=pid,
                    year=y,
                    on=new_year,
                    kind="reopen_out_payment",
                    amount=amount,
                    pending=amount,
                    payment=number,
                )
                add(
                    seq=SEQ_MOVED + 2 * n + 1,
                    project_id=pid,
                    year=y + 1,
                    on=new_year,
                    kind="reopen_in_payment",
                    amount=amount,
                    pending=-amount,
                    payment=number,
                )
        elif isinstance(event, Project.YearClosed):
            y = event.year
            new_year = dt.date(y + 1, 1, 1)
            add(
                project_id=pid,
                year=y,
                on=on,
                kind="close",
                amount=event.carried,
                detail="withdrawn" if event.withdrawn else "carried",
                doc=event.doc,
            )
            if event.withdrawn:
                add(seq=SEQ_WITHDRAW, project_id=pid, year=y, on=on, kind="withdraw", amount=event.withdrawn)
            if event.carried:
                add(
                    seq=SEQ_CARRY_IN,
                    project_id=pid,
                    year=y + 1,
                    on=new_year,
                    kind="carry_in",
                    amount=event.carried,
                    quota=event.carried,
                    opening=event.carried,
                    detail=str(IssueKind.CARRIED),
                    doc=event.doc,
                )
            for n, (payee, left) in enumerate(sorted(event.allocations.items())):
                add(
                    seq=SEQ_ALLOCATIONS + n,
                    project_id=pid,
                    year=y + 1,
                    on=new_year,
                    kind="carry_allocation",
                    amount=left,
                    allocated=left,
                    payee=payee,
                )
            for n, (number, amount) in enumerate(event.moved):
                add(
                    seq=SEQ_MOVED + 2 * n,
                    project_id=pid,
                    year=y,
                    on=new_year,
                    kind="carry_out_payment",
                    amount=amount,
                    pending=-amount,
                    payment=number,
                )
                add(
                    seq=SEQ_MOVED + 2 * n + 1,
                    project_id=pid,
                    year=y + 1,
                    on=new_year,
                    kind="carry_in_payment",
                    amount=amount,
                    pending=amount,
                    payment=number,
                )
    elif isinstance(event, Unit.Event):
        unit = event.unit
        if isinstance(event, Unit.IncomeRecorded):
            add(
                unit=unit,
                year=event.on.year,
                on=event.on,
                kind="income",
                amount=event.amount,
                income=event.amount,
                fund=event.source,
                function=event.function,
                doc=event.doc,
            )
        elif isinstance(event, Unit.OpeningBalanceSet | Unit.BalanceCarried | Unit.OpeningBalanceCorrected):
            add(
                unit=unit,
                year=event.year,
                on=event.on,
                kind="opening_balance",
                amount=event.amount,
                fund=event.fund,
            )
        elif isinstance(event, Unit.YearClosed):
            add(unit=unit, year=event.year, on=event.on, kind="unit_close", amount=0)
        elif isinstance(event, Unit.YearReopened):
            add(unit=unit, year=event.year, on=event.on, kind="unit_reopen", amount=0, reason=event.reason)
            # what the close carried into the next 年初 is taken back
            add(
                seq=1,
                unit=unit,
                year=event.year + 1,
                on=dt.date(event.year + 1, 1, 1),
                kind="opening_reset",
                amount=0,
            )
    return rows
