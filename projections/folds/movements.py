"""Money movements as SQL: the rows of ``projections.movements``, folded in the database."""

from __future__ import annotations

from typing import Any

from ledger.domain.kinds import IssueKind
from projections.sqlfold import Dialect, Statement, insert

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

ZERO = {
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


def fold_sql(d: Dialect) -> list[Statement]:
    """The same rows as ``movement_rows``, derived in the database from stored events."""
    # the event classes name the topics; imported here, not above, so that reading the
    # tables (reports) does not load the event library
    from ledger.domain.project import Project
    from ledger.domain.unit import Unit

    t, i, date = d.text, d.int, d.date
    event = {"position": "e.position", "recorded_at": d.recorded_at(), "seq": "0"}
    project = {**event, "project_id": d.hex_id(), "on": date(), "year": d.year_of()}
    acted = {
        **project,
        "year": i("year"),
        "payment": i("number"),
        "payee": t("payee"),
        "economic": t("economic"),
        "amount": i("amount"),
    }
    unit = {**event, "unit": t("unit"), "on": date()}
    openings = ", ".join(d.literal(k.value) for k in IssueKind if k.is_opening)

    def rows(values: dict[str, str], *topics: type[Any], joins: str = "", where: str = "") -> Statement:
        return insert(d, TABLE, COLUMNS, values, ZERO, topics=list(topics), joins=joins, where=where)

    y = i("year")
    close = {**project, "year": y}
    following = {**close, "year": f"{y} + 1", "on": d.new_year(y)}
    if d.sqlite:
        allocations = ", json_each(e.s, '$.allocations') AS a"
        payee, left = "a.key", "a.value"
        rank = "row_number() OVER (PARTITION BY e.position ORDER BY a.key) - 1"
        moved = ", json_each(e.s, '$.moved') AS m"
        index, number, amount = "m.key", "json_extract(m.value, '$[0]')", "json_extract(m.value, '$[1]')"
    else:
        allocations = ", jsonb_each_text(e.s -> 'allocations') AS a(key, value)"
        payee, left = "a.key", "a.value::bigint"
        rank = f"row_number() OVER (PARTITION BY e.position ORDER BY {d.ordered('a.key')}) - 1"
        moved = ", jsonb_array_elements(e.s -> 'moved') WITH ORDINALITY AS m(value, n)"
        index, number, amount = "(m.n - 1)", "(m.value ->> 0)::int", "(m.value ->> 1)::bigint"
    return [
        rows(
            {
                **project,
                "kind": "'issue'",
                "amount": i("amount"),
                "quota": i("amount"),
                "opening": f"CASE WHEN {t('kind')} IN ({openings}) THEN {i('amount')} ELSE 0 END",
                "detail": t("kind"),
                "doc": t("doc"),
            },
            Project.QuotaIssued,
        ),
        rows(
            {
                **{**project, "year": i("year")},
                "kind": "'issue_reversal'",
                "amount": i("amount"),
                "quota": f"-{i('amount')}",
                "opening": f"CASE WHEN {t('kind')} IN ({openings}) THEN -{i('amount')} ELSE 0 END",
                "detail": t("kind"),
                "doc": t("doc"),
                "reason": t("reason"),
            },
            Project.QuotaIssueReversed,
        ),
        rows(
            {
                **project,
                "kind": "'transfer_out'",
                "amount": i("amount"),
                "quota": f"-{i('amount')}",
                "doc": t("doc"),
                "reason": t("reason"),
            },
            Project.QuotaTransferredOut,
        ),
        rows(
            {
                **project,
                "kind": "'transfer_in'",
                "amount": i("amount"),
                "quota": i("amount"),
                "doc": t("doc"),
                "reason": t("reason"),
            },
            Project.QuotaTransferredIn,
        ),
        rows(
            {
                **project,
                "kind": "'allocation_reduce'",
                "amount": i("amount"),
                "allocated": f"-{i('amount')}",
                "payee": t("payee"),
                "reason": t("reason"),
            },
            Project.AllocationReduced,
        ),
        rows(
            {
                **acted,
                "kind": "'reversal'",
                "amount": i("reversed"),
                "paid": f"-{i('reversed')}",
                "doc": t("voucher"),
                "reason": t("reason"),
            },
            Project.PaymentReversed,
        ),
        rows(
            {**close, "kind": "'reopen'", "amount": i("carried"), "reason": t("reason")}, Project.YearReopened
        ),
        rows(
            {
                **following,
                "seq": str(SEQ_CARRY_IN),
                "kind": "'reopen_carry_in'",
                "amount": i("carried"),
                "quota": f"-{i('carried')}",
                "opening": f"-{i('carried')}",
            },
            Project.YearReopened,
            where=f"{i('carried')} <> 0",
        ),
        rows(
            {
                **following,
                "seq": f"{SEQ_ALLOCATIONS} + {rank}",
                "kind": "'reopen_allocation'",
                "amount": left,
                "allocated": f"-{left}",
                "payee": payee,
            },
            Project.YearReopened,
            joins=allocations,
        ),
        rows(
            {
                **close,
                "on": d.new_year(y),
                "seq": f"{SEQ_MOVED} + 2 * {index}",
                "kind": "'reopen_out_payment'",
                "amount": amount,
                "pending": amount,
                "payment": number,
            },
            Project.YearReopened,
            joins=moved,
        ),
        rows(
            {
                **following,
                "seq": f"{SEQ_MOVED} + 2 * {index} + 1",
                "kind": "'reopen_in_payment'",
                "amount": amount,
                "pending": f"-{amount}",
                "payment": number,
            },
            Project.YearReopened,
            joins=moved,
        ),
        rows(
            {
                **project,
                "kind": "'reduce'",
                "amount": i("amount"),
                "quota": f"-{i('amount')}",
                "doc": t("doc"),
                "reason": t("reason"),
            },
            Project.QuotaReduced,
        ),
        rows(
            {
                **project,
                "kind": "'allocate'",
                "amount": i("amount"),
                "allocated": i("amount"),
                "payee": t("payee"),
            },
            Project.Allocated,
        ),
        rows(
            {
                **project,
                "kind": "'request'",
                "amount": i("amount"),
                "pending": i("amount"),
                "payment": i("number"),
                "payee": t("payee"),
                "economic": t("economic"),
                "detail": f"substr({t('key')}, 1, 20)",
            },
            Project.PaymentRequested,
        ),
        rows({**acted, "kind": "'hold'", "reason": t("reason")}, Project.PaymentHeld),
        rows(
            {
                **acted,
                "kind": "'settle'",
                "pending": f"-{i('amount')}",
                "paid": i("amount"),
                "doc": t("voucher"),
            },
            Project.PaymentSettled,
        ),
        rows(
            {**acted, "kind": "'cancel'", "pending": f"-{i('amount')}", "reason": t("reason")},
            Project.PaymentCancelled,
        ),
        rows(
            {
                **acted,
                "kind": "'refund'",
                "amount": i("refund"),
                "paid": f"-{i('refund')}",
                "reason": t("reason"),
            },
            Project.PaymentRefunded,
        ),
        rows(
            {
                **close,
                "kind": "'close'",
                "amount": i("carried"),
                "detail": f"CASE WHEN {i('withdrawn')} <> 0 THEN 'withdrawn' ELSE 'carried' END",
                "doc": t("doc"),
            },
            Project.YearClosed,
        ),
        rows(
            {**close, "seq": str(SEQ_WITHDRAW), "kind": "'withdraw'", "amount": i("withdrawn")},
            Project.YearClosed,
            where=f"{i('withdrawn')} <> 0",
        ),
        rows(
            {
                **following,
                "seq": str(SEQ_CARRY_IN),
                "kind": "'carry_in'",
                "amount": i("carried"),
                "quota": i("carried"),
                "opening": i("carried"),
                "detail": d.literal(str(IssueKind.CARRIED)),
                "doc": t("doc"),
            },
            Project.YearClosed,
            where=f"{i('carried')} <> 0",
        ),
        rows(
            {
                **following,
                "seq": f"{SEQ_ALLOCATIONS} + {rank}",
                "kind": "'carry_allocation'",
                "amount": left,
                "allocated": left,
                "payee": payee,
            },
            Project.YearClosed,
            joins=allocations,
        ),
        rows(
            {
                **close,
                "on": d.new_year(y),
                "seq": f"{SEQ_MOVED} + 2 * {index}",
                "kind": "'carry_out_payment'",
                "amount": amount,
                "pending": f"-{amount}",
                "payment": number,
            },
            Project.YearClosed,
            joins=moved,
        ),
        rows(
            {
                **following,
                "seq": f"{SEQ_MOVED} + 2 * {index} + 1",
                "kind": "'carry_in_payment'",
                "amount": amount,
                "pending": amount,
                "payment": number,
            },
            Project.YearClosed,
            joins=moved,
        ),
        rows(
            {
                **unit,
                "year": d.year_of(),
                "kind": "'income'",
                "amount": i("amount"),
                "income": i("amount"),
                "fund": t("source"),
                "function": t("function"),
                "doc": t("doc"),
            },
            Unit.IncomeRecorded,
        ),
        rows(
            {
                **unit,
                "year": i("year"),
                "kind": "'opening_balance'",
                "amount": i("amount"),
                "fund": t("fund"),
            },
            Unit.OpeningBalanceSet,
            Unit.BalanceCarried,
            Unit.OpeningBalanceCorrected,
        ),
        rows({**unit, "year": i("year"), "kind": "'unit_close'", "amount": "0"}, Unit.YearClosed),
        rows(
            {**unit, "year": i("year"), "kind": "'unit_reopen'", "amount": "0", "reason": t("reason")},
            Unit.YearReopened,
        ),
        rows(
            {
                **unit,
                "seq": "1",
                "year": f"{i('year')} + 1",
                "on": d.new_year(i("year")),
                "kind": "'opening_reset'",
                "amount": "0",
            },
            Unit.YearReopened,
        ),
    ]
