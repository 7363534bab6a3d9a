"""The project line (项目): the consistency boundary of the quota and payment ledgers.

Every act on a project's money — quota issued or reduced by the finance bureau,
allocations to payees, payment requests, holds, settlements, cancellations, refunds
and the year-end close — is decided here, against the project's own state, and then
recorded as one of the explicit event classes below. Deciding happens in the command
methods; applying an event only assigns, so replaying old events never re-runs
today's rules.

Money is kept per fiscal year in a :class:`YearBook`. A payment is charged to the
fiscal year it was requested in; at the year-end close its unpaid quota is carried
(结转) into next year's 年初, together with still-pending payments and unspent
allocations, or withdrawn (收回).
"""

from __future__ import annotations

import copy
import datetime as dt
import uuid
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from eventsourcing.domain import Aggregate

from ledger.domain.kinds import Category, Fund, IssueKind, PaymentStatus
from ledger.errors import (
    AllocationBelowCommitted,
    AllocationExceedsQuota,
    DateOutsideYear,
    IdempotencyConflict,
    MalformedInput,
    NotCorrectable,
    NotFound,
    PayeeAllocationExceeded,
    PaymentNotSettleable,
    QuotaExceeded,
    ReductionBelowCommitted,
    RefundExceedsSettled,
    ReopenRefused,
    YearClosed,
    YearCloseRefused,
)
from ledger.money import Amount

NAMESPACE = uuid.UUID("6f1c3a52-2f0e-5b7e-9d43-1e5a0c2b8f10")


# ids are worked out once per process: an import names the same units and lines by the thousand
@lru_cache(maxsize=65536)
def unit_id(unit: str) -> uuid.UUID:
    return uuid.uuid5(NAMESPACE, f"unit:{unit}")


@lru_cache(maxsize=65536)
def project_id(unit: str, code: str) -> uuid.UUID:
    return uuid.uuid5(NAMESPACE, f"project:{unit}/{code}")


@dataclass
class Payment:
    """A payment request and what became of it."""

    number: int
    amount: int
    payee: str
    economic: str
    requested_on: dt.date
    year: int
    key: str
    status: PaymentStatus = PaymentStatus.REQUESTED
    hold_reason: str = ""
    held_on: dt.date | None = None
    settled_on: dt.date | None = None
    voucher: str = ""
    refunded: int = 0
    settled_version: int = 0  # the version of the settlement event (what a 冲销 names)
    replaced_by: int = 0  # the corrected payment that took this one's place

    @property
    def paid(self) -> int:
        """What this payment has cost so far: settled less refunded."""
        return self.amount - self.refunded if self.status is PaymentStatus.SETTLED else 0

    @property
    def committed(self) -> int:
        """What this payment takes from quota: pending or paid."""
        return self.amount if self.status.is_pending else self.paid


@dataclass
class YearBook:
    """One fiscal year of a project's quota and allocations (amounts in 分)."""

    year: int
    opening: int = 0  # 年初预算数: carried in + 年初/结转 issues
    issued: int = 0  # in-year 追加 / 转移支付
    reduced: int = 0  # 调减, and issues reversed (红字冲销)
    transferred: int = 0  # 调剂: in less out
    allocations: dict[str, int] = field(default_factory=dict)
    closed: bool = False
    carried_out: int = 0
    withdrawn: int = 0
    score: int | None = None  # 得分 override in hundredths of a point
    score_reason: str = ""
    # running totals of the payments charged to this year, kept by the events' apply
    pending: int = 0
    paid: int = 0
    committed_by_payee: dict[str, int] = field(default_factory=dict)
    paid_by_payee: dict[str, int] = field(default_factory=dict)

    def commit(self, payee: str, pending: int = 0, paid: int = 0, committed: int = 0) -> None:
        """Move the running totals: pending and paid amounts, and the payee's share."""
        self.pending += pending
        self.paid += paid
        if committed:
            self.committed_by_payee[payee] = self.committed_by_payee.get(payee, 0) + committed
        if paid:
            self.paid_by_payee[payee] = self.paid_by_payee.get(payee, 0) + paid

    @property
    def quota(self) -> int:
        """全年预算数."""
        return self.opening + self.issued - self.reduced + self.transferred

    @property
    def allocated(self) -> int:
        return sum(self.allocations.values())


@dataclass(frozen=True)
class Target:
    """A performance target (绩效目标) such as 预算执行率 ≥ 95 %."""

    indicator: str
    operator: str
    value: str
    unit: str
    direction: str


@dataclass
class Issue:
    """One act of quota issued (a 文号), so a correction can name it and undo it once."""

    version: int
    amount: int
    kind: str
    doc: str
    on: dt.date
    reversed: bool = False


@dataclass(frozen=True)
class Closing:
    """What a year-end close moved, so a reopening (反结账) can move it back."""

    carried: int
    withdrawn: int
    allocations: dict[str, int]
    moved: list[list[int]]
    previous: int | None  # closed_through before the close


#: the events that move quota, allocations or payments
MONEY_ACTS = frozenset(
    {
        "QuotaIssued",
        "QuotaReduced",
        "QuotaIssueReversed",
        "QuotaTransferredOut",
        "QuotaTransferredIn",
        "Allocated",
        "AllocationReduced",
        "PaymentRequested",
        "PaymentHeld",
        "PaymentSettled",
        "PaymentCancelled",
        "PaymentRefunded",
        "PaymentReversed",
        "ScoreSet",
    }
)


class Project(Aggregate):
    """A project line of a budget unit."""

    class Event(Aggregate.Event):
        """Every project event carries its business date, who recorded it, and a key.

        ``key`` is the act's idempotency key ("" when none): an act whose key the line
        has already seen is not recorded again, so re-running an import or a clerk's
        retried command changes nothing.
        """

        on: dt.date
        actor: str
        key: str

        def mutate(self, aggregate: Any) -> Any:
            project = super().mutate(aggregate)
            if project is not None:
                if self.key:
                    project.act_keys.add(self.key)
                project.acts.append((self.originator_version, type(self).__name__, self.on))
            return project

    class Registered(Aggregate.Created):
        class_version = 1
        on: dt.date
        actor: str
        key: str
        unit: str
        code: str
        name: str
        function: str
        category: str
        fund: str
        economic: str
        doc: str
        level: str
        closed_through: int | None

    class QuotaIssued(Event):
        class_version = 1
        amount: int
        kind: str
        doc: str

        def apply(self, project: Project) -> None:
            book = project.book(self.on.year)
            if IssueKind(self.kind).is_opening:
                book.opening += self.amount
            else:
                book.issued += self.amount
            project.issues[self.originator_version] = Issue(
                self.originator_version, self.amount, self.kind, self.doc, self.on
            )

    class QuotaIssueReversed(Event):
        """红字冲销 of an issue (version ``corrects``): it no longer counts, not even in 年初预算数."""

        class_version = 1
        corrects: int
        year: int
        amount: int
        kind: str
        doc: str
        reason: str

        def apply(self, project: Project) -> None:
            book = project.book(self.year)
            if IssueKind(self.kind).is_opening:
                book.opening -= self.amount
            else:
                book.issued -= self.amount
            project.issues[self.corrects].reversed = True

    class QuotaTransferredOut(Event):
        """调剂: quota moved from this line to ``counterpart`` (UNIT/CODE) of the same unit."""

        class_version = 1
        amount: int
        counterpart: str
        doc: str
        reason: str

        def apply(self, project: Project) -> None:
            project.book(self.on.year).transferred -= self.amount

    class QuotaTransferredIn(Event):
        """调剂: quota moved to this line from ``counterpart`` (UNIT/CODE) of the same unit."""

        class_version = 1
        amount: int
        counterpart: str
        doc: str
        reason: str

        def apply(self, project: Project) -> None:
            project.book(self.on.year).transferred += self.amount

    class QuotaReduced(Event):
        class_version = 1
        amount: int
        doc: str
        reason: str

        def apply(self, project: Project) -> None:
            project.book(self.on.year).reduced += self.amount

    class Allocated(Event):
        class_version = 1
        amount: int
        payee: str

        def apply(self, project: Project) -> None:
            allocations = project.book(self.on.year).allocations
            allocations[self.payee] = allocations.get(self.payee, 0) + self.amount

    class AllocationReduced(Event):
        """An allocation to a payee reduced (a mistyped payee, a plan changed), with the reason."""

        class_version = 1
        amount: int
        payee: str
        reason: str

        def apply(self, project: Project) -> None:
            allocations = project.book(self.on.year).allocations
            allocations[self.payee] -= self.amount
            if not allocations[self.payee]:
                del allocations[self.payee]

    class PaymentRequested(Event):
        class_version = 1
        number: int
        amount: int
        payee: str
        economic: str

        def apply(self, project: Project) -> None:
            project.book(self.on.year).commit(self.payee, pending=self.amount, committed=self.amount)
            project.payments[self.number] = Payment(
                number=self.number,
                amount=self.amount,
                payee=self.payee,
                economic=self.economic,
                requested_on=self.on,
                year=self.on.year,
                key=self.key,
            )
            if self.key:
                project.keys[self.key] = self.number

    class PaymentActed(Event):
        """An act on an existing payment; it repeats the payment's facts for the record."""

        number: int
        amount: int
        year: int
        payee: str
        economic: str

    class PaymentHeld(PaymentActed):
        class_version = 1
        reason: str

        def apply(self, project: Project) -> None:
            payment = project.payments[self.number]
            payment.status = PaymentStatus.HELD
            payment.hold_reason = self.reason
            payment.held_on = self.on

    class PaymentSettled(PaymentActed):
        class_version = 1
        voucher: str

        def apply(self, project: Project) -> None:
            payment = project.payments[self.number]
            payment.status = PaymentStatus.SETTLED
            payment.settled_on = self.on
            payment.voucher = self.voucher
            payment.settled_version = self.originator_version
            project.book(self.year).commit(self.payee, pending=-self.amount, paid=self.amount)

    class PaymentCancelled(PaymentActed):
        class_version = 1
        reason: str

        def apply(self, project: Project) -> None:
            project.payments[self.number].status = PaymentStatus.CANCELLED
            project.book(self.year).commit(self.payee, pending=-self.amount, committed=-self.amount)

    class PaymentRefunded(PaymentActed):
        """A refund of ``refund`` 分 of a settled payment of ``amount`` 分."""

        class_version = 1
        refund: int
        reason: str

        def apply(self, project: Project) -> None:
            project.payments[self.number].refunded += self.refund
            project.book(self.year).commit(self.payee, paid=-self.refund, committed=-self.refund)

    class PaymentReversed(PaymentActed):
        """红字冲销 of a settled payment: what it still cost (``reversed`` 分) no longer counts.

        ``corrects`` is the version of the settlement it reverses; ``replaced_by`` the
        number of the corrected payment recorded with it (0 for a plain reversal).
        """

        class_version = 1
        reversed: int
        voucher: str
        corrects: int
        replaced_by: int
        reason: str

        def apply(self, project: Project) -> None:
            payment = project.payments[self.number]
            payment.status = PaymentStatus.REVERSED
            payment.replaced_by = self.replaced_by
            project.book(self.year).commit(self.payee, paid=-self.reversed, committed=-self.reversed)

    class Amended(Event):
        """The line's name, category or function code corrected while it held no money."""

        class_version = 1
        name: str
        category: str
        function: str
        reason: str

        def apply(self, project: Project) -> None:
            project.name = self.name
            project.category = Category(self.category)
            project.function = self.function

    class Closed(Event):
        """A line registered by mistake (or finished) closed while empty: out of the tables."""

        class_version = 1
        name: str
        category: str
        function: str
        reason: str

        def apply(self, project: Project) -> None:
            project.closed = True

    class YearClosed(Event):
        """The year-end close of one project line: unpaid quota carried or withdrawn.

        ``moved`` lists the still-pending payments ([number, amount]) that go with the
        carried quota into next year; ``allocations`` the unspent allocations carried.
        """

        class_version = 1
        year: int
        carried: int
        withdrawn: int
        doc: str
        moved: list[list[int]]
        allocations: dict[str, int]

        def apply(self, project: Project) -> None:
            book = project.book(self.year)
            book.closed = True
            book.carried_out = self.carried
            book.withdrawn = self.withdrawn
            project.closings[self.year] = Closing(
                self.carried,
                self.withdrawn,
                dict(self.allocations),
                [list(m) for m in self.moved],
                project.closed_through,
            )
            project.closed_through = self.year
            if self.carried:
                nxt = project.book(self.year + 1)
                nxt.opening += self.carried
                for payee, left in self.allocations.items():
                    nxt.allocations[payee] = nxt.allocations.get(payee, 0) + left
            for number, amount in self.moved:
                payment = project.payments[number]
                payment.year = self.year + 1
                book.commit(payment.payee, pending=-amount, committed=-amount)
                project.book(self.year + 1).commit(payment.payee, pending=amount, committed=amount)

    class YearReopened(Event):
        """反结账 of one line: the close of ``year`` undone — what it carried or withdrew
        (repeated here from the close) goes back into the year."""

        class_version = 1
        year: int
        carried: int
        withdrawn: int
        moved: list[list[int]]
        allocations: dict[str, int]
        reason: str

        def apply(self, project: Project) -> None:
            closing = project.closings.pop(self.year)
            book = project.book(self.year)
            book.closed = False
            book.carried_out = 0
            book.withdrawn = 0
            project.closed_through = closing.previous
            nxt = project.book(self.year + 1)
            nxt.opening -= self.carried
            for payee, left in self.allocations.items():
                nxt.allocations[payee] -= left
                if not nxt.allocations[payee]:
                    del nxt.allocations[payee]
            for number, amount in self.moved:
                payment = project.payments[number]
                payment.year = self.year
                nxt.commit(payment.payee, pending=-amount, committed=-amount)
                book.commit(payment.payee, pending=amount, committed=amount)

    class ScoreSet(Event):
        """A recorded override of the funds-line 得分 (score in hundredths of a point)."""

        class_version = 1
        year: int
        score: int
        reason: str

        def apply(self, project: Project) -> None:
            book = project.book(self.year)
            book.score = self.score
            book.score_reason = self.reason

    class TargetSet(Event):
        class_version = 1
        year: int
        indicator: str
        operator: str
        value: str
        unit: str
        direction: str

        def apply(self, project: Project) -> None:
            project.targets.setdefault(self.year, {})[self.indicator] = Target(
                self.indicator, self.operator, self.value, self.unit, self.direction
            )

    # ------------------------------------------------------------------ state

    def __init__(
        self,
        *,
        on: dt.date,
        actor: str,
        key: str,
        unit: str,
        code: str,
        name: str,
        function: str,
        category: str,
        fund: str,
        economic: str,
        doc: str,
        level: str,
        closed_through: int | None,
    ) -> None:
        self.unit = unit
        self.code = code
        self.name = name
        self.function = function
        self.category = Category(category)
        self.fund = Fund(fund)
        self.economic = economic
        self.doc = doc
        self.level = level
        self.registered_on = on
        self.closed_through: int | None = closed_through
        self.books: dict[int, YearBook] = {}
        self.payments: dict[int, Payment] = {}
        self.keys: dict[str, int] = {}
        self.act_keys: set[str] = set()
        self.targets: dict[int, dict[str, Target]] = {}
        self.issues: dict[int, Issue] = {}
        self.closings: dict[int, Closing] = {}
        self.closed = False  # closed by ``project close``
        self.acts: list[tuple[int, str, dt.date]] = []  # (version, event, business date)

    @staticmethod
    def create_id(unit: str, code: str) -> uuid.UUID:
        return project_id(unit, code)

    @classmethod
    def register(
        cls,
        *,
        unit: str,
        code: str,
        name: str,
        function: str,
        category: Category,
        fund: Fund,
        economic: str,
        doc: str,
        level: str,
        closed_through: int | None,
        on: dt.date,
        actor: str,
    ) -> Project:
        return cls._create(
            cls.Registered,
            on=on,
            actor=actor,
            key="",
            unit=unit,
            code=code,
            name=name,
            function=function,
            category=str(category),
            fund=str(fund),
            economic=economic,
            doc=doc,
            level=level,
            closed_through=closed_through,
        )

    @property
    def ref(self) -> str:
        """The clerk's name for this line: ``UNIT/CODE``."""
        return f"{self.unit}/{self.code}"

    def payment_ref(self, number: int) -> str:
        return f"{self.ref}/{number}"

    def book(self, year: int) -> YearBook:
        if year not in self.books:
            self.books[year] = YearBook(year)
        return self.books[year]

    def peek(self, year: int) -> YearBook:
        """The year's book without creating it."""
        return self.books.get(year) or YearBook(year)

    def committed(self, year: int) -> int:
        """Pending + settled (net of refunds) payments charged to ``year``."""
        book = self.peek(year)
        return book.pending + book.paid

    def pending(self, year: int) -> int:
        return self.peek(year).pending

    def paid(self, year: int) -> int:
        return self.peek(year).paid

    def committed_to(self, year: int, payee: str) -> int:
        return self.peek(year).committed_by_payee.get(payee, 0)

    def paid_to(self, year: int, payee: str) -> int:
        return self.peek(year).paid_by_payee.get(payee, 0)

    def reserved(
        self,
        year: int,
        *,
        allocate: tuple[str, int] | None = None,
        commit: tuple[str, int] | None = None,
    ) -> int:
        """Quota spoken for: each payee's allocation or commitment, whichever is larger.

        An allocation reserves quota for its payee; payments to payees without an
        allocation take quota directly. ``allocate`` / ``commit`` add a proposed act.
        """
        book = self.peek(year)
        # Σ max(allocation, commitment) = all commitments + the unspent part of allocations
        total = book.pending + book.paid + (commit[1] if commit is not None else 0)
        allocations = book.allocations
        if allocate is not None:
            allocations = {**allocations, allocate[0]: allocations.get(allocate[0], 0) + allocate[1]}
        for payee, allocated in allocations.items():
            committed = book.committed_by_payee.get(payee, 0)
            if commit is not None and commit[0] == payee:
                committed += commit[1]
            if allocated > committed:
                total += allocated - committed
        return total

    def unspent_allocations(self, year: int) -> dict[str, int]:
        """Allocations not yet paid out (pending payments stay inside their allocation)."""
        left = {}
        for payee, allocated in self.peek(year).allocations.items():
            remaining = allocated - self.paid_to(year, payee)
            if remaining > 0:
                left[payee] = remaining
        return left

    def payment(self, number: int) -> Payment:
        try:
            return self.payments[number]
        except KeyError:
            raise NotFound(
                f"项目 {self.ref} 没有编号为 {number} 的支付（支付编号形如 {self.ref}/1）"
            ) from None

    # ------------------------------------------------------------ decisions

    def _open_year(self, on: dt.date, act: str) -> int:
        year = on.year
        if self.closed:
            raise NotCorrectable(f"项目 {self.ref} 已撤销，不能再记录{act}。")
        if self.closed_through is not None and year <= self.closed_through:
            raise YearClosed(
                f"项目 {self.ref}：{year} 年度已结账，不能再记录{act}（日期 {on}）。"
                f"请使用 {self.closed_through + 1} 年或以后的日期。"
            )
        return year

    def _keep_committed(self, year: int, fen: int, act: str) -> None:
        """Quota lowered by ``fen`` (a reduction, a reversed issue, a transfer out) never
        falls below what is paid, pending or allocated."""
        book = self.peek(year)
        floor = self.reserved(year)
        if book.quota - fen < floor:
            raise ReductionBelowCommitted(
                f"项目 {self.ref} {year} 年：{act} {Amount(fen)} 元后指标为 "
                f"{Amount(book.quota - fen)} 元，低于已支付 {Amount(self.paid(year))} 元、"
                f"待支付 {Amount(self.pending(year))} 元及已分配未支付部分合计的 {Amount(floor)} 元。"
                f"规则：{act}不得使指标低于已支付、待支付和已分配的金额；最多可{act} "
                f"{Amount(max(book.quota - floor, 0))} 元。"
            )

    def seen(self, key: str) -> bool:
        """Whether an act with this idempotency key is already recorded."""
        return bool(key) and key in self.act_keys

    def issue_quota(
        self, amount: Amount, *, on: dt.date, doc: str, kind: IssueKind, actor: str, key: str = ""
    ) -> bool:
        if self.seen(key):
            return False
        self._open_year(on, "指标下达")
        self.trigger_event(
            self.QuotaIssued, on=on, actor=actor, key=key, amount=amount.fen, kind=str(kind), doc=doc
        )
        return True

    def reduce_quota(
        self, amount: Amount, *, on: dt.date, doc: str, reason: str, actor: str, key: str = ""
    ) -> bool:
        if self.seen(key):
            return False
        year = self._open_year(on, "指标调减")
        self._keep_committed(year, amount.fen, "调减")
        self.trigger_event(
            self.QuotaReduced, on=on, actor=actor, key=key, amount=amount.fen, doc=doc, reason=reason
        )
        return True

    def allocate(self, amount: Amount, *, payee: str, on: dt.date, actor: str, key: str = "") -> bool:
        if self.seen(key):
            return False
        year = self._open_year(on, "分配")
        book = self.peek(year)
        after = self.reserved(year, allocate=(payee, amount.fen))
        if after > book.quota:
            free = max(book.quota - self.reserved(year), 0)
            raise AllocationExceedsQuota(
                f"项目 {self.ref} {year} 年：分配给“{payee}” {amount} 元后，已分配及已支付、待支付"
                f"合计 {Amount(after)} 元将超过全年预算数 {Amount(book.quota)} 元。"
                f"规则：分配不得超过指标；尚可分配 {Amount(free)} 元。"
            )
        self.trigger_event(self.Allocated, on=on, actor=actor, key=key, amount=amount.fen, payee=payee)
        return True

    def request_payment(
        self,
        amount: Amount,
        *,
        payee: str,
        economic: str,
        on: dt.date,
        key: str,
        actor: str,
    ) -> tuple[int, bool]:
        """Decide and record a payment request; returns (number, newly recorded).

        With a ``key`` already used, the earlier payment is returned and nothing is
        recorded, provided it is the same payment.
        """
        if key and key in self.keys:
            earlier = self.payments[self.keys[key]]
            if (earlier.amount, earlier.payee, earlier.economic, earlier.requested_on) != (
                amount.fen,
                payee,
                economic,
                on,
            ):
                raise IdempotencyConflict(
                    f"项目 {self.ref}：幂等键“{key}”已用于支付 {self.payment_ref(earlier.number)}"
                    f"（{Amount(earlier.amount)} 元，收款人“{earlier.payee}”，{earlier.requested_on}），"
                    "与本次申请不同。请换一个键，或用原参数重试。"
                )
            return earlier.number, False
        year = self._open_year(on, "支付申请")
        book = self.peek(year)
        if payee in book.allocations:
            remaining = book.allocations[payee] - self.committed_to(year, payee)
            if amount.fen > remaining:
                raise PayeeAllocationExceeded(
                    f"项目 {self.ref} {year} 年：向“{payee}”申请支付 {amount} 元超过其分配余额 "
                    f"{Amount(max(remaining, 0))} 元（已分配 {Amount(book.allocations[payee])} 元）。"
                    "规则：对已分配的收款人支付不得超过其剩余分配额。"
                )
        if self.reserved(year, commit=(payee, amount.fen)) > book.quota:
            left = book.quota - self.reserved(year)
            tied = self.reserved(year) - self.committed(year)
            raise QuotaExceeded(
                f"项目 {self.ref} {year} 年：申请支付 {amount} 元超过可用指标。全年预算数 "
                f"{Amount(book.quota)} 元，已支付 {Amount(self.paid(year))} 元，待支付 "
                f"{Amount(self.pending(year))} 元"
                + (f"，已分配给其他收款人未支付 {Amount(tied)} 元" if tied else "")
                + f"，尚可申请 {Amount(max(left, 0))} 元。规则：已支付与待支付之和不得超过指标。"
            )
        number = len(self.payments) + 1
        self.trigger_event(
            self.PaymentRequested,
            on=on,
            actor=actor,
            number=number,
            amount=amount.fen,
            payee=payee,
            economic=economic,
            key=key,
        )
        return number, True

    def _pending_payment(self, number: int, act: str, on: dt.date) -> Payment:
        payment = self.payment(number)
        if not payment.status.is_pending:
            raise PaymentNotSettleable(
                f"支付 {self.payment_ref(number)} 状态为“{payment.status}”，不能{act}。"
                "规则：只有已申请或待统筹的支付才能拨付、暂缓或撤销。"
            )
        if on < payment.requested_on:
            raise DateOutsideYear(
                f"支付 {self.payment_ref(number)}：{act}日期 {on} 早于申请日期 {payment.requested_on}。"
            )
        self._open_year(on, act)
        if on.year != payment.year:
            raise DateOutsideYear(
                f"支付 {self.payment_ref(number)} 属于 {payment.year} 年度，{act}日期 {on} "
                f"不在该年度内。规则：日期须在业务所属的财政年度内"
                f"{'（上年未拨付的支付须先结转）' if on.year > payment.year else ''}。"
            )
        return payment

    @staticmethod
    def _facts(payment: Payment) -> dict[str, Any]:
        return {
            "number": payment.number,
            "amount": payment.amount,
            "year": payment.year,
            "payee": payment.payee,
            "economic": payment.economic,
        }

    def hold_payment(self, number: int, *, on: dt.date, reason: str, actor: str, key: str = "") -> bool:
        if self.seen(key):
            return False
        payment = self._pending_payment(number, "暂缓", on)
        self.trigger_event(
            self.PaymentHeld, on=on, actor=actor, key=key, reason=reason, **self._facts(payment)
        )
        return True

    def settle_payment(self, number: int, *, on: dt.date, voucher: str, actor: str, key: str = "") -> bool:
        if self.seen(key):
            return False
        payment = self._pending_payment(number, "拨付", on)
        self.trigger_event(
            self.PaymentSettled, on=on, actor=actor, key=key, voucher=voucher, **self._facts(payment)
        )
        return True

    def cancel_payment(self, number: int, *, on: dt.date, reason: str, actor: str, key: str = "") -> bool:
        if self.seen(key):
            return False
        payment = self._pending_payment(number, "撤销", on)
        self.trigger_event(
            self.PaymentCancelled, on=on, actor=actor, key=key, reason=reason, **self._facts(payment)
        )
        return True

    def refund_payment(
        self, number: int, amount: Amount, *, on: dt.date, reason: str, actor: str, key: str = ""
    ) -> bool:
        if self.seen(key):
            return False
        payment = self.payment(number)
        if payment.status is not PaymentStatus.SETTLED:
            raise RefundExceedsSettled(
                f"支付 {self.payment_ref(number)} 状态为“{payment.status}”，尚未拨付，不能退款。"
                "规则：退款不得超过已拨付金额。"
            )
        assert payment.settled_on is not None
        if on < payment.settled_on:
            raise DateOutsideYear(
                f"支付 {self.payment_ref(number)}：退款日期 {on} 早于拨付日期 {payment.settled_on}。"
            )
        self._open_year(on, "退款")
        if on.year != payment.year:
            raise DateOutsideYear(
                f"支付 {self.payment_ref(number)} 属于 {payment.year} 年度，退款日期 {on} 不在该年度内。"
            )
        if amount.fen > payment.amount - payment.refunded:
            raise RefundExceedsSettled(
                f"支付 {self.payment_ref(number)}：退款 {amount} 元超过可退金额 "
                f"{Amount(payment.amount - payment.refunded)} 元（已拨付 {Amount(payment.amount)} 元，"
                f"已退 {Amount(payment.refunded)} 元）。规则：退款不得超过已拨付金额。"
            )
        self.trigger_event(
            self.PaymentRefunded,
            on=on,
            actor=actor,
            key=key,
            refund=amount.fen,
            reason=reason,
            **self._facts(payment),
        )
        return True

    # ------------------------------------------------------------ corrections (红字冲销 / 更正)

    def reverse_payment(
        self, number: int, *, on: dt.date, reason: str, actor: str, replaced_by: int = 0, key: str = ""
    ) -> bool:
        """Reverse a settled payment as a correction (红字冲销), not a refund: 执行数 falls by
        what it still cost, dated ``on`` within its fiscal year."""
        if self.seen(key):
            return False
        payment = self.payment(number)
        if payment.status is not PaymentStatus.SETTLED:
            raise NotCorrectable(
                f"支付 {self.payment_ref(number)} 状态为“{payment.status}”，不能冲销。"
                "规则：只有已拨付的支付才能红字冲销；尚未拨付的支付请用 payment cancel 撤销。"
            )
        assert payment.settled_on is not None  # a settled payment has its date
        if on < payment.settled_on:
            raise DateOutsideYear(
                f"支付 {self.payment_ref(number)}：冲销日期 {on} 早于拨付日期 {payment.settled_on}。"
            )
        self._open_year(on, "冲销")
        if on.year != payment.year:
            raise DateOutsideYear(
                f"支付 {self.payment_ref(number)} 属于 {payment.year} 年度，冲销日期 {on} 不在该年度内。"
            )
        self.trigger_event(
            self.PaymentReversed,
            on=on,
            actor=actor,
            key=key,
            reversed=payment.amount - payment.refunded,
            voucher=payment.voucher,
            corrects=payment.settled_version,
            replaced_by=replaced_by,
            reason=reason,
            **self._facts(payment),
        )
        return True

    def correct_payment(
        self,
        number: int,
        *,
        reason: str,
        actor: str,
        payee: str | None = None,
        amount: Amount | None = None,
        on: dt.date | None = None,
        economic: str | None = None,
        voucher: str | None = None,
    ) -> int:
        """更正 a settled payment: its reversal and the corrected payment, decided together.

        The reversal is dated on the original settlement, so every report after the
        correction shows the corrected payment in its place; ``--known-at`` before the
        correction still shows what was recorded then. The corrected payment is requested
        and settled on ``on`` (default: the original's dates) and meets every rule of a
        new payment. Returns the corrected payment's number.
        """
        payment = self.payment(number)
        if payment.status is not PaymentStatus.SETTLED:
            raise NotCorrectable(
                f"支付 {self.payment_ref(number)} 状态为“{payment.status}”，不能更正。"
                "规则：只有已拨付的支付才能更正；尚未拨付的支付请撤销后重新申请。"
            )
        assert payment.settled_on is not None
        left = payment.amount - payment.refunded
        corrected = (
            payee if payee is not None else payment.payee,
            amount.fen if amount is not None else left,
            on or payment.requested_on,
            on or payment.settled_on,
            economic if economic is not None else payment.economic,
            voucher if voucher is not None else payment.voucher,
        )
        original = (
            payment.payee,
            left,
            payment.requested_on,
            payment.settled_on,
            payment.economic,
            payment.voucher,
        )
        if corrected == original:
            raise MalformedInput(
                f"支付 {self.payment_ref(number)}：没有要更正的内容。请用 --payee、--amount、--date、"
                "--economic 或 --voucher 给出正确的值。"
            )
        new_payee, new_amount, requested_on, settled_on, new_economic, new_voucher = corrected
        reversed_on = payment.settled_on

        def correct(line: Project) -> int:
            line.reverse_payment(
                number, on=reversed_on, reason=reason, actor=actor, replaced_by=len(line.payments) + 1
            )
            got, _ = line.request_payment(
                Amount(new_amount),
                payee=new_payee,
                economic=new_economic,
                on=requested_on,
                key="",
                actor=actor,
            )
            line.settle_payment(got, on=settled_on, voucher=new_voucher, actor=actor)
            return got

        correct(copy.deepcopy(self))  # decided whole on a copy first: if refused, nothing is recorded here
        return correct(self)

    def reverse_issue(
        self,
        doc: str,
        *,
        on: dt.date,
        reason: str,
        actor: str,
        act: int | None = None,
        amount: Amount | None = None,
    ) -> Issue:
        """红字冲销 of one issue of quota by its 文号: as if it had never counted, 年初预算数 too.

        A 文号 with several issues on the line needs ``act`` (the version ``ledger history``
        prints) or ``amount`` to say which one.
        """
        candidates = [i for i in self.issues.values() if not i.reversed and i.doc == doc]
        if act is not None:
            candidates = [i for i in candidates if i.version == act]
        if amount is not None:
            candidates = [i for i in candidates if i.amount == amount.fen]
        if not candidates:
            known = "、".join(sorted({i.doc for i in self.issues.values() if not i.reversed})) or "（无）"
            raise NotFound(
                f"项目 {self.ref} 没有文号为“{doc}”"
                + (f"、序号 #{act}" if act is not None else "")
                + (f"、金额 {amount} 元" if amount is not None else "")
                + f"的未冲销指标。可冲销的文号：{known}。"
            )
        if len(candidates) > 1:
            listed = "；".join(f"#{i.version} {i.on} {Amount(i.amount)} 元（{i.kind}）" for i in candidates)
            raise MalformedInput(
                f"项目 {self.ref} 文号“{doc}”下有 {len(candidates)} 笔下达：{listed}。"
                "请用 --act 序号（或 --amount 金额）指定要冲销的一笔。"
            )
        issue = candidates[0]
        year = issue.on.year
        self._open_year(on, "冲销指标")
        if on.year != year or on < issue.on:
            raise DateOutsideYear(
                f"项目 {self.ref}：冲销日期 {on} 应在所冲销下达（{issue.on}）之后、同一年度（{year} 年）内。"
            )
        self._keep_committed(year, issue.amount, "冲销")
        self.trigger_event(
            self.QuotaIssueReversed,
            on=on,
            actor=actor,
            key="",
            corrects=issue.version,
            year=year,
            amount=issue.amount,
            kind=issue.kind,
            doc=issue.doc,
            reason=reason,
        )
        return issue

    def transfer_out(
        self, amount: Amount, *, to: str, on: dt.date, doc: str, reason: str, actor: str
    ) -> None:
        """调剂 out: as a reduction, quota never falls below what is paid, pending or allocated."""
        year = self._open_year(on, "指标调剂")
        self._keep_committed(year, amount.fen, "调出")
        self.trigger_event(
            self.QuotaTransferredOut,
            on=on,
            actor=actor,
            key="",
            amount=amount.fen,
            counterpart=to,
            doc=doc,
            reason=reason,
        )

    def transfer_in(
        self, amount: Amount, *, source: str, on: dt.date, doc: str, reason: str, actor: str
    ) -> None:
        self._open_year(on, "指标调剂")
        self.trigger_event(
            self.QuotaTransferredIn,
            on=on,
            actor=actor,
            key="",
            amount=amount.fen,
            counterpart=source,
            doc=doc,
            reason=reason,
        )

    def reduce_allocation(self, amount: Amount, *, payee: str, on: dt.date, reason: str, actor: str) -> None:
        """Take back part of a payee's allocation: never below what the payee was paid or is pending."""
        year = self._open_year(on, "调减分配")
        book = self.peek(year)
        if payee not in book.allocations:
            known = "、".join(f"{p} {Amount(a)} 元" for p, a in sorted(book.allocations.items())) or "（无）"
            raise NotFound(f"项目 {self.ref} {year} 年没有分配给“{payee}”的额度。已有分配：{known}。")
        committed = self.committed_to(year, payee)
        left = book.allocations[payee] - amount.fen
        if left < committed:
            raise AllocationBelowCommitted(
                f"项目 {self.ref} {year} 年：“{payee}”的分配 {Amount(book.allocations[payee])} 元调减 {amount} 元后"
                f"为 {Amount(left)} 元，低于已支付和待支付给该收款人的 {Amount(committed)} 元。"
                f"规则：分配不得调减到已占用金额以下；最多可调减 {Amount(book.allocations[payee] - committed)} 元。"
            )
        self.trigger_event(
            self.AllocationReduced, on=on, actor=actor, key="", amount=amount.fen, payee=payee, reason=reason
        )

    def has_money(self) -> bool:
        """Whether anything was ever paid or requested, or quota or allocations are standing."""
        return bool(self.payments) or any(
            book.quota or book.pending or book.paid or book.allocations for book in self.books.values()
        )

    def amend(
        self, *, name: str, category: Category, function: str, reason: str, on: dt.date, actor: str
    ) -> bool:
        """Correct the line's name, category or function code while it holds no money."""
        if self.closed:
            raise NotCorrectable(f"项目 {self.ref} 已撤销，不能修改。")
        if (name, category, function) == (self.name, self.category, self.function):
            return False
        if self.has_money():
            raise NotCorrectable(
                f"项目 {self.ref} 已有资金往来，不能修改名称、类别或功能分类科目（已记录的决算口径会改变）。"
                "如登记有误，请冲销其指标和支付后用 `ledger project close` 撤销，再登记正确的项目；"
                "或用 `ledger appropriation transfer` 把指标调剂到正确的项目。"
            )
        self.trigger_event(
            self.Amended,
            on=on,
            actor=actor,
            key="",
            name=name,
            category=str(category),
            function=function,
            reason=reason,
        )
        return True

    def close(self, *, reason: str, on: dt.date, actor: str) -> None:
        """Close a line that is empty (no quota, nothing pending, no allocations): out of the tables."""
        if self.closed:
            raise NotCorrectable(f"项目 {self.ref} 已经撤销。")
        standing = [
            f"{y} 年指标 {Amount(b.quota)} 元、待支付 {Amount(b.pending)} 元、分配 {Amount(b.allocated)} 元"
            for y, b in sorted(self.books.items())
            if b.quota or b.pending or b.allocations
        ]
        if standing:
            raise NotCorrectable(
                f"项目 {self.ref} 仍有资金：{'；'.join(standing)}。规则：只有没有指标、待支付和分配的项目才能撤销；"
                "请先冲销（appropriation reverse）、调剂或撤销相应业务。"
            )
        self.trigger_event(
            self.Closed,
            on=on,
            actor=actor,
            key="",
            name=self.name,
            category=str(self.category),
            function=self.function,
            reason=reason,
        )

    def later_acts(self, year: int) -> list[tuple[int, str, dt.date]]:
        """Acts on the money dated after ``year``: what a reopening of ``year`` would pull the
        ground from under (registration, amendments, targets and closes aside)."""
        return [a for a in self.acts if a[2].year > year and a[1] in MONEY_ACTS]

    def reopen_year(self, year: int, *, reason: str, actor: str) -> None:
        """反结账 of this line's ``year``: what the close carried or withdrew goes back."""
        closing = self.closings.get(year)
        if closing is None or self.closed_through != year:
            raise ReopenRefused(f"项目 {self.ref}：{year} 年度不是最近结账的年度，不能反结账。")
        self.trigger_event(
            self.YearReopened,
            on=dt.date(year, 12, 31),
            actor=actor,
            key="",
            year=year,
            carried=closing.carried,
            withdrawn=closing.withdrawn,
            moved=[list(m) for m in closing.moved],
            allocations=dict(closing.allocations),
            reason=reason,
        )

    def close_year(self, year: int, *, withdraw: bool, doc: str, actor: str) -> None:
        if self.closed_through is not None and year <= self.closed_through:
            raise YearCloseRefused(f"项目 {self.ref}：{year} 年度已经结账。")
        if self.closed_through is not None and year > self.closed_through + 1:
            raise YearCloseRefused(
                f"项目 {self.ref}：请先结账 {self.closed_through + 1} 年度，再结账 {year} 年度。"
            )
        unpaid = self.peek(year).quota - self.paid(year)
        if withdraw and self.pending(year):
            raise YearCloseRefused(
                f"项目 {self.ref} {year} 年：尚有待支付 {Amount(self.pending(year))} 元，不能收回指标。"
                "请先拨付或撤销这些支付，或改为结转。"
            )
        moved = [
            [p.number, p.amount] for p in self.payments.values() if p.year == year and p.status.is_pending
        ]
        self.trigger_event(
            self.YearClosed,
            on=dt.date(year, 12, 31),
            actor=actor,
            key="",
            year=year,
            carried=0 if withdraw else unpaid,
            withdrawn=unpaid if withdraw else 0,
            doc=doc,
            moved=[] if withdraw else moved,
            allocations={} if withdraw else self.unspent_allocations(year),
        )

    def set_score(self, year: int, score_hundredths: int, *, reason: str, actor: str, key: str = "") -> bool:
        if self.seen(key):
            return False
        self.trigger_event(
            self.ScoreSet,
            on=dt.date(year, 12, 31),
            actor=actor,
            key=key,
            year=year,
            score=score_hundredths,
            reason=reason,
        )
        return True

    def set_target(self, year: int, target: Target, *, actor: str, key: str = "") -> bool:
        if self.seen(key):
            return False
        self.trigger_event(
            self.TargetSet,
            on=dt.date(year, 1, 1),
            actor=actor,
            key=key,
            year=year,
            indicator=target.indicator,
            operator=target.operator,
            value=target.value,
            unit=target.unit,
            direction=target.direction,
        )
        return True

    def invariant_violations(self) -> list[str]:
        """The money invariants this line must always satisfy; empty when all hold."""
        broken = []
        for year, book in sorted(self.books.items()):
            if self.committed(year) > book.quota:
                broken.append(
                    f"{self.ref} {year}: 已支付+待支付 {self.committed(year)} 分 > 指标 {book.quota} 分"
                )
            if self.reserved(year) > book.quota:
                broken.append(
                    f"{self.ref} {year}: 已分配及已支付、待支付 {self.reserved(year)} 分"
                    f" > 指标 {book.quota} 分"
                )
        for year, book in sorted(self.books.items()):
            pending = sum(p.amount for p in self.payments.values() if p.year == year and p.status.is_pending)
            paid = sum(p.paid for p in self.payments.values() if p.year == year)
            if (book.pending, book.paid) != (pending, paid):
                broken.append(
                    f"{self.ref} {year}: 累计数与支付明细不符"
                    f"（待支付 {book.pending}≠{pending}，已支付 {book.paid}≠{paid}）"
                )
        for p in self.payments.values():
            settled = p.status in (PaymentStatus.SETTLED, PaymentStatus.REVERSED)
            if not 0 <= p.refunded <= (p.amount if settled else 0):
                broken.append(f"{self.payment_ref(p.number)}: 退款 {p.refunded} 分超过已拨付")
        return broken

    def snapshot_state(self) -> dict[str, Any]:
        """A plain comparable picture of the state, for tests of replay equality."""
        return {
            "books": {y: vars(b).copy() for y, b in sorted(self.books.items())},
            "payments": {n: vars(p).copy() for n, p in sorted(self.payments.items())},
            "closed_through": self.closed_through,
            "issues": {v: vars(i).copy() for v, i in sorted(self.issues.items())},
            "closings": dict(sorted(self.closings.items())),
            "closed": self.closed,
        }
