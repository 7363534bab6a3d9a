"""Each read model is a fold of events: hand-built events in, the rows their
declarations give out (folded by the compiled SQL on an in-memory database), summing
to what the aggregates themselves hold."""

from __future__ import annotations

import contextlib
import datetime as dt
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger.domain.kinds import Fund, IssueKind
from ledger.domain.project import Project, Target
from ledger.domain.unit import IncomeSource, Unit, UnitKind
from ledger.errors import LedgerError
from ledger.money import Amount
from tests.factories import project_line
from tests.readmodels import fold_events, mismatches
from tests.unit.test_invariants_property import apply, commands

D = dt.date


def project() -> Project:
    p = project_line(actor="a")
    p.issue_quota(Amount(100_000), on=D(2024, 1, 5), doc="文1", kind=IssueKind.CARRIED, actor="a")
    p.issue_quota(Amount(50_000), on=D(2024, 3, 5), doc="文2", kind=IssueKind.TRANSFER, actor="a")
    p.reduce_quota(Amount(10_000), on=D(2024, 4, 1), doc="文3", reason="r", actor="a")
    p.allocate(Amount(30_000), payee="甲", on=D(2024, 4, 2), actor="a")
    p.request_payment(Amount(20_000), payee="甲", economic="31299", on=D(2024, 5, 1), key="", actor="a")
    p.hold_payment(1, on=D(2024, 5, 2), reason="待区财政统筹拨付", actor="a")
    p.settle_payment(1, on=D(2024, 6, 1), voucher="V", actor="a")
    p.refund_payment(1, Amount(500), on=D(2024, 6, 9), reason="退", actor="a")
    p.request_payment(Amount(7_000), payee="乙", economic="31299", on=D(2024, 7, 1), key="", actor="a")
    p.request_payment(Amount(3_000), payee="丙", economic="31299", on=D(2024, 8, 1), key="", actor="a")
    p.cancel_payment(3, on=D(2024, 8, 2), reason="作废", actor="a")
    p.close_year(2024, withdraw=False, doc="", actor="a")
    return p


def rows(events: list[Any]) -> list[dict[str, Any]]:
    return fold_events(events)["rm_movements"]


def totals(all_rows: list[dict[str, Any]], year: int, on: dt.date | None = None) -> dict[str, int]:
    keep = [r for r in all_rows if r["year"] == year and (on is None or r["on"] <= on)]
    return {k: sum(r[k] for r in keep) for k in ("quota", "opening", "allocated", "pending", "paid")}


def test_the_movement_fold_sums_to_the_project_state() -> None:
    p = project()
    events = list(p.collect_events())
    assert mismatches(fold_events(events), [p], []) == []
    fold = rows(events)
    assert totals(fold, 2024) == {
        "quota": 140_000,
        "opening": 100_000,
        "allocated": 30_000,
        "pending": 0,
        "paid": 19_500,
    }
    # carried into 2025: the unpaid quota, the pending payment and the unspent allocation
    assert totals(fold, 2025) == {
        "quota": 120_500,
        "opening": 120_500,
        "allocated": 10_500,
        "pending": 7_000,
        "paid": 0,
    }


def test_the_fold_at_a_business_date_is_the_state_of_that_day() -> None:
    fold = rows(list(project().collect_events()))
    assert totals(fold, 2024, D(2024, 5, 31))["pending"] == 20_000
    assert totals(fold, 2024, D(2024, 6, 1)) == {
        "quota": 140_000,
        "opening": 100_000,
        "allocated": 30_000,
        "pending": 0,
        "paid": 20_000,
    }


def test_events_that_move_no_money_fold_to_nothing_but_a_marker() -> None:
    p = project()
    events = list(p.collect_events())
    registered = [e for e in events if isinstance(e, Project.Registered)]
    assert rows(registered) == []
    hold = [r for r in rows(events) if r["kind"] == "hold"]
    assert len(hold) == 1 and hold[0]["reason"] == "待区财政统筹拨付" and hold[0]["pending"] == 0


def test_unit_events_fold_to_income_opening_balances_and_curves() -> None:
    u = Unit.register(code="153001", name="局", kind=UnitKind.PUBLIC_INSTITUTION, on=D(2024, 1, 1), actor="a")
    u.set_opening_balance(2024, Fund.NON_FISCAL, Amount(4_914_000), actor="a")
    u.record_income(
        Amount(620_000), source=IncomeSource.OTHER, function="2150501", on=D(2024, 3, 1), doc="", actor="a"
    )
    u.set_curve(2024, [str(5 * m) for m in range(1, 13)], actor="a")
    events = list(u.collect_events())
    fold = rows(events)
    assert [(r["kind"], r["amount"], r["fund"]) for r in fold] == [
        ("opening_balance", 4_914_000, "非财政拨款"),
        ("income", 620_000, "其他收入"),
    ]
    tables = fold_events(events)
    assert mismatches(tables, [], [u]) == []
    assert [r["name"] for r in tables["rm_units"]] == ["局"]
    assert tables["rm_curves"][0]["points"].split(",")[6] == "35.00"


def test_scores_and_targets_fold_to_their_tables() -> None:
    p = project()
    p.set_score(2024, 1000, reason="认定", actor="a")
    p.set_target(2024, Target("预算执行率", ">=", "95", "%", "正向"), actor="a")
    tables = fold_events(p.collect_events())
    assert mismatches(tables, [p], []) == []
    assert [r["score"] for r in tables["rm_scores"]] == [1000]
    assert [r["indicator"] for r in tables["rm_targets"]] == ["预算执行率"]


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(commands, max_size=40), st.sampled_from(["open", "closed", "reopened"]))
def test_random_command_sequences_fold_to_the_lines_own_totals(
    sequence: list[tuple[Any, ...]], end: str
) -> None:
    """Whatever a line went through — issues and their reversal, transfers, payments in
    every state, closes and reopenings of two years — its movement rows sum, per year,
    to the quota, 年初, allocations, pending and paid the line itself holds."""
    p = project_line(unit="U", code="P", actor="t")
    p.issue_quota(Amount(100_000), on=D(2024, 1, 1), doc="d", kind=IssueKind.INITIAL, actor="t")
    for command in sequence:
        with contextlib.suppress(LedgerError):
            apply(p, command)
    # most sequences end with 2024 closed (quota, allocations and pending payments
    # carried into 2025), and some with that close undone
    with contextlib.suppress(LedgerError):
        if end != "open" and not p.peek(2024).closed:
            last = D(2024, 12, 31)
            p.allocate(Amount(2), payee="丁", on=last, actor="t")
            p.request_payment(Amount(1), payee="丁", economic="31299", on=last, key="", actor="t")
            p.close_year(2024, withdraw=False, doc="", actor="t")
        if end == "reopened" and p.peek(2024).closed and not p.later_acts(2024):
            p.reopen_year(2024, reason="r", actor="t")
    assert mismatches(fold_events(p.collect_events()), [p], []) == []
