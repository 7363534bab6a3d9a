"""Every rule of the project line, decided before any event is recorded."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from ledger.domain.kinds import IssueKind, PaymentStatus
from ledger.domain.project import Project
from ledger.errors import (
    AllocationExceedsQuota,
    DateOutsideYear,
    IdempotencyConflict,
    NotFound,
    PayeeAllocationExceeded,
    PaymentNotSettleable,
    QuotaExceeded,
    ReductionBelowCommitted,
    RefundExceedsSettled,
    YearClosed,
    YearCloseRefused,
)
from ledger.money import Amount
from tests.factories import project_line

D = dt.date


def yuan(text: str) -> Amount:
    return Amount.parse(text)


def new_project(quota: str = "1000") -> Project:
    project = project_line()
    project.issue_quota(yuan(quota), on=D(2024, 1, 10), doc="文1", kind=IssueKind.INITIAL, actor="clerk")
    return project


MARCH_1 = D(2024, 3, 1)


def request(project: Project, amount: str, payee: str = "甲", on: dt.date = MARCH_1, key: str = "") -> int:
    number, _ = project.request_payment(
        yuan(amount), payee=payee, economic="31299", on=on, key=key, actor="c"
    )
    return number


def test_pending_and_settled_payments_never_exceed_quota() -> None:
    project = new_project("1000")
    request(project, "600")
    with pytest.raises(QuotaExceeded) as caught:
        request(project, "400.01")
    assert "153001/P1" in caught.value.message and "尚可申请 400.00 元" in caught.value.message
    request(project, "400")
    assert project.committed(2024) == 100000


def test_a_refused_act_records_nothing() -> None:
    project = new_project("100")
    before = project.version
    with pytest.raises(QuotaExceeded):
        request(project, "200")
    assert project.version == before
    assert [type(e).__name__ for e in project.pending_events] == ["Registered", "QuotaIssued"]


def test_allocations_never_exceed_quota() -> None:
    project = new_project("1000")
    project.allocate(yuan("700"), payee="甲", on=D(2024, 2, 1), actor="c")
    with pytest.raises(AllocationExceedsQuota, match=re.escape("尚可分配 300.00 元")):
        project.allocate(yuan("300.01"), payee="乙", on=D(2024, 2, 1), actor="c")


def test_allocations_reserve_quota_against_payments_to_other_payees() -> None:
    project = new_project("1000")
    project.allocate(yuan("700"), payee="甲", on=D(2024, 2, 1), actor="c")
    with pytest.raises(QuotaExceeded, match=re.escape("已分配给其他收款人未支付 700.00 元")):
        request(project, "301", payee="乙")
    request(project, "300", payee="乙")


def test_a_payment_to_an_allocated_payee_stays_within_its_remaining_allocation() -> None:
    project = new_project("1000")
    project.allocate(yuan("500"), payee="甲", on=D(2024, 2, 1), actor="c")
    request(project, "300", payee="甲")
    with pytest.raises(PayeeAllocationExceeded, match=re.escape("分配余额 200.00 元")):
        request(project, "200.01", payee="甲")


def test_a_reduction_never_takes_quota_below_paid_or_pending() -> None:
    project = new_project("1000")
    number = request(project, "600")
    project.settle_payment(number, on=D(2024, 3, 5), voucher="", actor="c")
    request(project, "100")
    with pytest.raises(ReductionBelowCommitted, match=re.escape("最多可调减 300.00 元")):
        project.reduce_quota(yuan("300.01"), on=D(2024, 6, 1), doc="减", reason="调整", actor="c")
    project.reduce_quota(yuan("300"), on=D(2024, 6, 1), doc="减", reason="调整", actor="c")
    assert project.peek(2024).quota == 70000


def test_only_requested_or_held_payments_settle() -> None:
    project = new_project()
    number = request(project, "100")
    project.hold_payment(number, on=D(2024, 3, 2), reason="待区财政统筹拨付", actor="c")
    project.settle_payment(number, on=D(2024, 3, 9), voucher="V", actor="c")
    with pytest.raises(PaymentNotSettleable, match="已拨付"):
        project.settle_payment(number, on=D(2024, 3, 10), voucher="V", actor="c")
    other = request(project, "100")
    project.cancel_payment(other, on=D(2024, 3, 3), reason="作废", actor="c")
    with pytest.raises(PaymentNotSettleable, match="已撤销"):
        project.settle_payment(other, on=D(2024, 3, 10), voucher="", actor="c")


def test_refunds_never_exceed_what_was_settled() -> None:
    project = new_project()
    number = request(project, "100")
    with pytest.raises(RefundExceedsSettled, match="尚未拨付"):
        project.refund_payment(number, yuan("1"), on=D(2024, 3, 4), reason="退", actor="c")
    project.settle_payment(number, on=D(2024, 3, 5), voucher="", actor="c")
    project.refund_payment(number, yuan("60"), on=D(2024, 3, 6), reason="退", actor="c")
    with pytest.raises(RefundExceedsSettled, match=re.escape("可退金额 40.00 元")):
        project.refund_payment(number, yuan("40.01"), on=D(2024, 3, 7), reason="退", actor="c")
    assert project.paid(2024) == 4000


def test_nothing_is_recorded_into_a_closed_year() -> None:
    project = new_project()
    project.close_year(2024, withdraw=False, doc="", actor="c")
    with pytest.raises(YearClosed, match="2024 年度已结账"):
        request(project, "1", on=D(2024, 12, 31))
    with pytest.raises(YearClosed):
        project.issue_quota(yuan("1"), on=D(2024, 6, 1), doc="x", kind=IssueKind.SUPPLEMENT, actor="c")
    with pytest.raises(YearCloseRefused, match="已经结账"):
        project.close_year(2024, withdraw=False, doc="", actor="c")


def test_unpaid_quota_is_carried_with_pending_payments_and_unspent_allocations() -> None:
    project = new_project("1000")
    project.allocate(yuan("500"), payee="甲", on=D(2024, 2, 1), actor="c")
    paid = request(project, "200", payee="甲")
    project.settle_payment(paid, on=D(2024, 3, 5), voucher="", actor="c")
    pending = request(project, "100", payee="甲")
    project.close_year(2024, withdraw=False, doc="", actor="c")
    book = project.peek(2025)
    assert (book.opening, book.quota, book.allocations) == (80000, 80000, {"甲": 30000})
    assert project.payments[pending].year == 2025
    project.settle_payment(pending, on=D(2025, 1, 20), voucher="", actor="c")
    with pytest.raises(PayeeAllocationExceeded):
        request(project, "200.01", payee="甲", on=D(2025, 2, 1))


def test_withdrawn_quota_is_not_carried_and_pending_payments_block_withdrawal() -> None:
    project = new_project("1000")
    request(project, "100")
    with pytest.raises(YearCloseRefused, match=re.escape("待支付 100.00 元")):
        project.close_year(2024, withdraw=True, doc="", actor="c")
    project.cancel_payment(1, on=D(2024, 12, 1), reason="作废", actor="c")
    project.close_year(2024, withdraw=True, doc="", actor="c")
    assert project.peek(2024).withdrawn == 100000 and project.peek(2025).quota == 0


def test_acts_on_a_payment_fall_in_its_fiscal_year_and_after_it() -> None:
    project = new_project()
    number = request(project, "100", on=D(2024, 3, 1))
    with pytest.raises(DateOutsideYear, match="早于申请日期"):
        project.settle_payment(number, on=D(2024, 2, 28), voucher="", actor="c")
    with pytest.raises(DateOutsideYear, match="须先结转"):
        project.settle_payment(number, on=D(2025, 1, 5), voucher="", actor="c")


def test_a_request_key_returns_the_same_payment_and_records_nothing_new() -> None:
    project = new_project()
    first = request(project, "100", key="K1")
    version = project.version
    again, created = project.request_payment(
        yuan("100"), payee="甲", economic="31299", on=D(2024, 3, 1), key="K1", actor="c"
    )
    assert (again, created, project.version) == (first, False, version)
    with pytest.raises(IdempotencyConflict, match="K1"):
        request(project, "101", key="K1")


def test_an_unknown_payment_is_not_found() -> None:
    with pytest.raises(NotFound, match="153001/P1/1"):
        new_project().payment(9)


def test_settling_marks_the_payment_and_counts_as_executed() -> None:
    project = new_project()
    number = request(project, "250")
    project.settle_payment(number, on=D(2024, 3, 5), voucher="V9", actor="c")
    payment = project.payments[number]
    assert (payment.status, payment.voucher, project.paid(2024), project.pending(2024)) == (
        PaymentStatus.SETTLED,
        "V9",
        25000,
        0,
    )


def test_the_invariant_checker_fires_when_state_is_broken() -> None:
    project = new_project("100")
    request(project, "100")
    assert project.invariant_violations() == []
    project.books[2024].reduced += 1  # corrupt the state directly, bypassing the rules
    assert "指标" in project.invariant_violations()[0]
