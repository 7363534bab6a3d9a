"""Money movements, declared: the rows each event adds to ``rm_movements``.

Each row carries signed deltas (分) of the quantities the reports sum — 全年预算数
(``quota``), 年初预算数 (``opening``), 已分配 (``allocated``), 已申请未拨付
(``pending``), 执行数 (``paid``) and non-财政 income (``income``) — with its business
date (``on``) and the time it was recorded, so every report at any date (``--as-of``)
or as known at any moment (``--known-at``) is a filtered sum. ``ROWS`` is the one
description of which event moves what; ``fold_sql`` compiles it.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from ledger.domain.kinds import IssueKind
from projections.sqlfold import (
    Dialect,
    Each,
    Expr,
    Row,
    Shape,
    Statement,
    among,
    compile_rows,
    const,
    date,
    entry_key,
    entry_rank,
    entry_value,
    neg,
    new_year,
    nonzero,
    number,
    originator,
    pair,
    pair_index,
    plus,
    position,
    prefix,
    recorded_at,
    text,
    when,
    year_of,
)

NAME = "movements"
VERSION = 2  # 2: fixed row numbers within a year-end close (so the SQL fold can number them)

#: ``seq`` of the rows a project's year-end close contributes (its own row is 0)
SEQ_WITHDRAW = 1
SEQ_CARRY_IN = 2
SEQ_ALLOCATIONS = 100  # + the rank of the payee
SEQ_MOVED = 1_000_000  # + 2 × the index of the moved payment (+ 1 for the new year's row)

TABLE = "rm_movements"
COLUMNS = (
    "position",
    "seq",
    "project_id",
    "unit",
    "year",
    "on",
    "recorded_at",
    "kind",
    "amount",
    "quota",
    "opening",
    "allocated",
    "pending",
    "paid",
    "income",
    "payment",
    "payee",
    "economic",
    "function",
    "fund",
    "detail",
    "doc",
    "reason",
)
INDEXES = ("ix_rm_movements_project", "ix_rm_movements_unit")

ZERO: dict[str, Any] = {
    "seq": 0,
    "project_id": None,
    "unit": None,
    "amount": 0,
    "quota": 0,
    "opening": 0,
    "allocated": 0,
    "pending": 0,
    "paid": 0,
    "income": 0,
    "payment": None,
    "payee": "",
    "economic": "",
    "function": "",
    "fund": "",
    "detail": "",
    "doc": "",
    "reason": "",
}

MOVEMENTS = Shape(TABLE, COLUMNS, ZERO)


def _seq(n: int, index: Expr | None = None, factor: int = 1) -> Expr:
    """``n`` (+ ``factor`` × an element's index)."""
    if index is None:
        return const(n)
    i = index
    return lambda d: f"{n} + {factor} * {i(d)}"


@cache
def rows() -> tuple[Row, ...]:
    """Every row an event contributes to ``rm_movements``, declared once."""
    # the topics, named as the event classes are (the aggregates are not imported)
    from projections.folds.topics import Project, Unit

    amount = number("amount")
    year = number("year")
    event = {"position": position, "recorded_at": recorded_at}
    #: a project's act on its business date, in the year of that date
    project = {**event, "project_id": originator, "on": date(), "year": year_of()}
    #: an act on a recorded payment (its facts repeated in the event), in the payment's year
    acted = {
        **project,
        "year": year,
        "payment": number("number"),
        "payee": text("payee"),
        "economic": text("economic"),
        "amount": amount,
    }
    #: a year-end close (or its undoing) of ``year``, and its effect on the next year
    close = {**project, "year": year}
    following = {**close, "year": plus(year, 1), "on": new_year(year)}
    unit = {**event, "unit": text("unit"), "on": date(), "year": year}
    openings = [k.value for k in IssueKind if k.is_opening]
    opening = when(among(text("kind"), openings), amount, const(0))

    def row(topics: list[str], columns: dict[str, Expr], **options: Any) -> Row:
        return Row(MOVEMENTS, topics, columns, **options)

    allocations = Each("allocations", "entries")
    moved = Each("moved", "pairs")
    carried = number("carried")
    withdrawn = number("withdrawn")
    return (
        row(
            [Project.QuotaIssued],
            {
                **project,
                "kind": const("issue"),
                "amount": amount,
                "quota": amount,
                "opening": opening,
                "detail": text("kind"),
                "doc": text("doc"),
            },
        ),
        row(
            [Project.QuotaIssueReversed],
            {
                **project,
                "year": year,
                "kind": const("issue_reversal"),
                "amount": amount,
                "quota": neg(amount),
                "opening": neg(opening),
                "detail": text("kind"),
                "doc": text("doc"),
                "reason": text("reason"),
            },
        ),
        row(
            [Project.QuotaTransferredOut],
            {
                **project,
                "kind": const("transfer_out"),
                "amount": amount,
                "quota": neg(amount),
                "doc": text("doc"),
                "reason": text("reason"),
            },
        ),
        row(
            [Project.QuotaTransferredIn],
            {
                **project,
                "kind": const("transfer_in"),
                "amount": amount,
                "quota": amount,
                "doc": text("doc"),
                "reason": text("reason"),
            },
        ),
        row(
            [Project.QuotaReduced],
            {
                **project,
                "kind": const("reduce"),
                "amount": amount,
                "quota": neg(amount),
                "doc": text("doc"),
                "reason": text("reason"),
            },
        ),
        row(
            [Project.Allocated],
            {
                **project,
                "kind": const("allocate"),
                "amount": amount,
                "allocated": amount,
                "payee": text("payee"),
            },
        ),
        row(
            [Project.AllocationReduced],
            {
                **project,
                "kind": const("allocation_reduce"),
                "amount": amount,
                "allocated": neg(amount),
                "payee": text("payee"),
                "reason": text("reason"),
            },
        ),
        row(
            [Project.PaymentRequested],
            {
                **project,
                "kind": const("request"),
                "amount": amount,
                "pending": amount,
                "payment": number("number"),
                "payee": text("payee"),
                "economic": text("economic"),
                "detail": prefix(text("key"), 20),
            },
        ),
        row([Project.PaymentHeld], {**acted, "kind": const("hold"), "reason": text("reason")}),
        row(
            [Project.PaymentSettled],
            {
                **acted,
                "kind": const("settle"),
                "pending": neg(amount),
                "paid": amount,
                "doc": text("voucher"),
            },
        ),
        row(
            [Project.PaymentCancelled],
            {**acted, "kind": const("cancel"), "pending": neg(amount), "reason": text("reason")},
        ),
        row(
            [Project.PaymentRefunded],
            {
                **acted,
                "kind": const("refund"),
                "amount": number("refund"),
                "paid": neg(number("refund")),
                "reason": text("reason"),
            },
        ),
        row(
            [Project.PaymentReversed],
            {
                **acted,
                "kind": const("reversal"),
                "amount": number("reversed"),
                "paid": neg(number("reversed")),
                "doc": text("voucher"),
                "reason": text("reason"),
            },
        ),
        # the year-end close: its own row, what it withdrew, and what it carried into
        # the next year — the quota, each unspent allocation, each pending payment
        row(
            [Project.YearClosed],
            {
                **close,
                "kind": const("close"),
                "amount": carried,
                "detail": when(nonzero(withdrawn), const("withdrawn"), const("carried")),
                "doc": text("doc"),
            },
        ),
        row(
            [Project.YearClosed],
            {**close, "seq": const(SEQ_WITHDRAW), "kind": const("withdraw"), "amount": withdrawn},
            where=nonzero(withdrawn),
        ),
        row(
            [Project.YearClosed],
            {
                **following,
                "seq": const(SEQ_CARRY_IN),
                "kind": const("carry_in"),
                "amount": carried,
                "quota": carried,
                "opening": carried,
                "detail": const(str(IssueKind.CARRIED)),
                "doc": text("doc"),
            },
            where=nonzero(carried),
        ),
        row(
            [Project.YearClosed],
            {
                **following,
                "seq": _seq(SEQ_ALLOCATIONS, entry_rank),
                "kind": const("carry_allocation"),
                "amount": entry_value,
                "allocated": entry_value,
                "payee": entry_key,
            },
            each=allocations,
        ),
        row(
            [Project.YearClosed],
            {
                **close,
                "on": new_year(year),
                "seq": _seq(SEQ_MOVED, pair_index, 2),
                "kind": const("carry_out_payment"),
                "amount": pair(1),
                "pending": neg(pair(1)),
                "payment": pair(0),
            },
            each=moved,
        ),
        row(
            [Project.YearClosed],
            {
                **following,
                "seq": plus(_seq(SEQ_MOVED, pair_index, 2), 1),
                "kind": const("carry_in_payment"),
                "amount": pair(1),
                "pending": pair(1),
                "payment": pair(0),
            },
            each=moved,
        ),
        # 反结账: the close's rows, each undone by a row of the opposite sign
        row(
            [Project.YearReopened],
            {**close, "kind": const("reopen"), "amount": carried, "reason": text("reason")},
        ),
        row(
            [Project.YearReopened],
            {
                **following,
                "seq": const(SEQ_CARRY_IN),
                "kind": const("reopen_carry_in"),
                "amount": carried,
                "quota": neg(carried),
                "opening": neg(carried),
            },
            where=nonzero(carried),
        ),
        row(
            [Project.YearReopened],
            {
                **following,
                "seq": _seq(SEQ_ALLOCATIONS, entry_rank),
                "kind": const("reopen_allocation"),
                "amount": entry_value,
                "allocated": neg(entry_value),
                "payee": entry_key,
            },
            each=allocations,
        ),
        row(
            [Project.YearReopened],
            {
                **close,
                "on": new_year(year),
                "seq": _seq(SEQ_MOVED, pair_index, 2),
                "kind": const("reopen_out_payment"),
                "amount": pair(1),
                "pending": pair(1),
                "payment": pair(0),
            },
            each=moved,
        ),
        row(
            [Project.YearReopened],
            {
                **following,
                "seq": plus(_seq(SEQ_MOVED, pair_index, 2), 1),
                "kind": const("reopen_in_payment"),
                "amount": pair(1),
                "pending": neg(pair(1)),
                "payment": pair(0),
            },
            each=moved,
        ),
        # a unit's own money: income, opening balances, and its year-end marks
        row(
            [Unit.IncomeRecorded],
            {
                **unit,
                "year": year_of(),
                "kind": const("income"),
                "amount": amount,
                "income": amount,
                "fund": text("source"),
                "function": text("function"),
                "doc": text("doc"),
            },
        ),
        row(
            [Unit.OpeningBalanceSet, Unit.BalanceCarried, Unit.OpeningBalanceCorrected],
            {**unit, "kind": const("opening_balance"), "amount": amount, "fund": text("fund")},
        ),
        row([Unit.YearClosed], {**unit, "kind": const("unit_close")}),
        row([Unit.YearReopened], {**unit, "kind": const("unit_reopen"), "reason": text("reason")}),
        # what the close carried into the next 年初 is taken back
        row(
            [Unit.YearReopened],
            {
                **unit,
                "seq": const(1),
                "year": plus(year, 1),
                "on": new_year(year),
                "kind": const("opening_reset"),
            },
        ),
    )


def fold_sql(d: Dialect) -> list[Statement]:
    """The rows of ``rows()``, as statements over a page of stored events."""
    return compile_rows(d, rows())
