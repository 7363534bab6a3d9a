"""The Ledger application: verb_noun commands that decide and record, get_* queries.

Commands take domain values only (parsed at the edge). Each command loads the
aggregates it touches, lets them decide, and saves all their new events in one
transaction. Two writers deciding on the same project at once meet as a version
conflict (``IntegrityError``); the loser reloads, decides again and retries, so no
act is lost, doubled, or let through against a rule.
"""

from __future__ import annotations

import datetime as dt
import random
import re
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any, TypeVar

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError, JSONTranscoder, Transcoding
from eventsourcing.persistence import ProgrammingError as PersistenceProgrammingError

from ledger import codes
from ledger.domain.codebook import CodeBook, codebook_id
from ledger.domain.kinds import Category, Fund, IssueKind, PaymentStatus
from ledger.domain.project import NAMESPACE, Project, Target, project_id, unit_id
from ledger.domain.unit import IncomeSource, Unit, UnitKind
from ledger.errors import (
    AlreadyExists,
    LedgerError,
    MalformedInput,
    NotFound,
    PermissionRefused,
    ReopenRefused,
)
from ledger.money import Amount
from ledger.storage import Store
from ledger.text import numeral

T = TypeVar("T")

UNIT_CODE = re.compile(r"^[0-9A-Za-z_-]{1,32}$")
PROJECT_CODE = re.compile(r"^[0-9A-Za-z._-]{1,40}$")
MAX_RETRIES = 50


class DateAsISO(Transcoding):
    """Business dates are stored as ``YYYY-MM-DD``."""

    type = dt.date
    name = "date_iso"

    def encode(self, obj: dt.date) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> dt.date:
        return dt.date.fromisoformat(data)


@dataclass(frozen=True)
class ProjectRef:
    unit: str
    code: str

    def __str__(self) -> str:
        return f"{self.unit}/{self.code}"

    @cached_property
    def id(self) -> uuid.UUID:
        return project_id(self.unit, self.code)


@dataclass(frozen=True)
class PaymentRef:
    project: ProjectRef
    number: int

    def __str__(self) -> str:
        return f"{self.project}/{self.number}"


class ProjectCodeIndex(Aggregate):
    """Which units use a project code, so a clerk can name a project by its code alone.

    The first two units are all it needs to know: a code one unit uses names its
    project alone; a code two or more use must be written ``UNIT/CODE``. Listing stops
    at two, so the index stays a few events long however many units share a code (when
    every unit of a province listed itself, each new project line replayed thousands of
    events and two clerks registering the same code anywhere collided).
    """

    ENOUGH = 2

    class Created(Aggregate.Created):
        code: str

    class Listed(Aggregate.Event):
        unit: str

        def apply(self, index: ProjectCodeIndex) -> None:
            index.units.append(self.unit)

    def __init__(self, code: str) -> None:
        self.code = code
        self.units: list[str] = []

    @staticmethod
    def create_id(code: str) -> uuid.UUID:
        return code_index_id(code)


def register_project(
    unit: Unit,
    index: ProjectCodeIndex | None,
    code: str,
    *,
    name: str,
    function: str,
    category: Category,
    fund: Fund,
    economic: str,
    doc: str,
    level: str,
    actor: str,
    today: dt.date | None = None,
) -> tuple[Project, ProjectCodeIndex]:
    """Decide a new project line: listed on its unit, created, and indexed by its code.

    ``today`` is the business date of the act; an import decides all its rows as of
    the one date it started on.
    """
    today = today or _today()
    unit.list_project(code, on=today, actor=actor)
    project = Project.register(
        unit=unit.code,
        code=code,
        name=name,
        function=function,
        category=category,
        fund=fund,
        economic=economic,
        doc=doc,
        level=level,
        closed_through=unit.closed_through,
        on=today,
        actor=actor,
    )
    if index is None:
        index = ProjectCodeIndex(code=code)
    if len(index.units) < ProjectCodeIndex.ENOUGH:
        index.trigger_event(ProjectCodeIndex.Listed, unit=unit.code)
    return project, index


def close_unit_year(
    unit: Unit,
    projects: Sequence[Project],
    year: int,
    *,
    withdrawn: set[str],
    actor: str,
    today: dt.date | None = None,
) -> list[tuple[str, int, int]]:
    """Decide a unit's year-end close: the unit closes the year and carries each fund's
    年末结转和结余; every line carries its unpaid quota, or withdraws it if listed.

    Returns (project code, carried 分, withdrawn 分) per line.
    """
    spent: dict[str, int] = {}
    for project in projects:
        spent[str(project.fund)] = spent.get(str(project.fund), 0) + project.paid(year)
    unit.close_year(
        year,
        withdrawn=sorted(withdrawn),
        closing=unit.closing_balances(year, spent),
        today=today or _today(),
        actor=actor,
    )
    summary = []
    for project in projects:
        if project.closed:
            continue
        project.close_year(year, withdraw=project.code in withdrawn, doc="", actor=actor)
        book = project.peek(year)
        summary.append((project.code, book.carried_out, book.withdrawn))
    return summary


def code_index_id(code: str) -> uuid.UUID:
    return uuid.uuid5(NAMESPACE, f"code:{code}")


def check_unit_code(text: str) -> str:
    code = str(text).strip()
    if not UNIT_CODE.match(code):
        raise MalformedInput(
            f"单位编码“{code[:40]}”不合法：只能用字母、数字、- 和 _，最长 32 位（如 153001）"
        )
    return code


def check_project_code(text: str) -> str:
    code = str(text).strip()
    if not PROJECT_CODE.match(code):
        raise MalformedInput(
            f"项目编码“{code[:50]}”不合法：只能用字母、数字、. - _，最长 40 位（如 P2024-017）"
        )
    return code


class Ledger(Application[uuid.UUID]):
    """An event-sourced ledger of budget units, their project lines and their money."""

    name = "Ledger"

    def __init__(self, store: Store, *, create_tables: bool = False) -> None:
        from eventsourcing.domain import TZINFO

        if dt.datetime.now(TZINFO).utcoffset() != dt.timedelta(0):
            # the read models cut recorded times as UTC text (projections.sqlfold)
            raise LedgerError("事件的记录时间必须用 UTC：请取消环境变量 TZINFO_TOPIC 后重试。")
        self.store = store
        #: what a command let through but a clerk should look at (printed as 注意：…)
        self.warnings: list[str] = []
        #: the balances the last (or previewed) close carried into the next year, by fund
        self.last_close_balances: dict[str, int] = {}
        super().__init__(env=store.event_store_env(create_tables=create_tables))

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        transcoder.register(DateAsISO())

    # ------------------------------------------------------------ plumbing

    def _retrying(self, attempt: Callable[[], tuple[Sequence[Aggregate], T]]) -> T:
        """Run decide-and-save until it lands without a version conflict."""
        for n in range(MAX_RETRIES):
            aggregates, result = attempt()
            if not aggregates:
                return result
            try:
                self.save(*aggregates)
            except IntegrityError:
                time.sleep(random.uniform(0, 0.005 * (n + 1)))
                continue
            except PersistenceProgrammingError as e:
                if "permission denied" in str(e).lower():
                    raise PermissionRefused(
                        "当前数据库角色没有记录权限（只读查询角色）。请用记账员（clerk）角色连接后再记录。"
                    ) from None
                raise
            return result
        raise LedgerError("并发冲突过多，本次操作未记录，请稍后重试。")

    def _get(self, aggregate_id: uuid.UUID, cls: type[T]) -> T | None:
        try:
            aggregate: object = self.repository.get(aggregate_id)
        except AggregateNotFoundError:
            return None
        if not isinstance(aggregate, cls):
            raise LedgerError(f"内部错误：{aggregate_id} 不是 {cls.__name__}")
        return aggregate

    def get_unit(self, code: str) -> Unit:
        unit = self._get(unit_id(code), Unit)
        if unit is None:
            raise NotFound(f"单位 {code} 不存在。请先用 `ledger unit add {code} 名称` 登记。")
        return unit

    def get_project(self, ref: ProjectRef) -> Project:
        project = self._get(ref.id, Project)
        if project is None:
            raise NotFound(f"项目 {ref} 不存在。请检查单位编码和项目编码，或先用 `ledger project add` 登记。")
        return project

    def load_codes(self) -> CodeBook | None:
        """Lay the codes clerks admitted over the shipped books; the code book, if any."""
        book = self._get(codebook_id(), CodeBook)
        codes.use_local(book.entries if book is not None else ())
        return book

    def add_codes(
        self, entries: Sequence[codes.LocalCode], *, source: str, actor: str
    ) -> tuple[list[codes.LocalCode], list[codes.LocalCode]]:
        """Admit local codes, all or nothing; returns (added, already known).

        Parents go before their children, so one file may bring a 款 and its 项. Another
        name for a known code refuses the whole batch, listing every such row.
        """
        ordered = sorted(entries, key=lambda e: (e.kind.value, e.year, len(e.code), e.code))

        def attempt() -> tuple[Sequence[Aggregate], tuple[list[codes.LocalCode], list[codes.LocalCode]]]:
            book = self.load_codes()
            added: list[codes.LocalCode] = []
            known: list[codes.LocalCode] = []
            problems: list[LedgerError] = []
            try:
                for entry in ordered:
                    try:
                        new = codes.admit(entry.kind, entry.code, entry.name, entry.year)
                    except LedgerError as e:
                        problems.append(e)
                        continue
                    (added if new else known).append(entry)
            finally:
                self.load_codes()  # the batch is decided: forget what it laid over the books
            if problems:
                raise _batch_refusal(problems)
            if not added:
                return [], (added, known)
            today = _today()
            if book is None:
                book = CodeBook.open(on=today, actor=actor)
            for entry in added:
                book.add(entry, on=today, actor=actor, source=source)
            return [book], (added, known)

        result = self._retrying(attempt)
        self.load_codes()
        return result

    def resolve_project(self, text: str) -> ProjectRef:
        """Read ``UNIT/CODE``, or ``CODE`` alone when exactly one unit uses it."""
        s = str(text).strip()
        if "/" in s:
            unit, _, code = s.partition("/")
            return ProjectRef(check_unit_code(unit), check_project_code(code))
        code = check_project_code(s)
        index = self._get(code_index_id(code), ProjectCodeIndex)
        if index is None or not index.units:
            raise NotFound(f"项目 {code} 不存在。请写成 单位/项目编码，如 153001/{code}。")
        if len(index.units) > 1:
            raise MalformedInput(
                f"项目编码 {code} 在多个单位中使用（如 {'、'.join(index.units)}），"
                f"请写成 单位/项目编码，如 {index.units[0]}/{code}。"
            )
        return ProjectRef(index.units[0], code)

    def resolve_payment(self, text: str) -> PaymentRef:
        """Read ``UNIT/CODE/N`` (or ``CODE/N`` when the code is unique)."""
        s = str(text).strip()
        head, _, number = s.rpartition("/")
        number = numeral(number, label="支付序号")
        # the number's length is bounded before int(): a payment number has at most 9 digits
        if not head or not number.isascii() or not number.isdigit() or len(number) > 9 or int(number) < 1:
            raise MalformedInput(
                f"支付编号“{s[:60]}”格式不对：应为 单位/项目编码/序号，如 153001/P2024-017/3"
            )
        return PaymentRef(self.resolve_project(head), int(number))

    # ------------------------------------------------------------ units

    def add_unit(self, code: str, name: str, kind: UnitKind, *, actor: str) -> bool:
        """Register a unit; returns False (recording nothing) if it exists with the same name."""

        def attempt() -> tuple[Sequence[Aggregate], bool]:
            existing = self._get(unit_id(code), Unit)
            if existing is not None:
                if existing.name == name and existing.kind == kind:
                    return [], False
                raise AlreadyExists(f"单位 {code} 已登记为“{existing.name}”（{existing.kind}）。")
            unit = Unit.register(code=code, name=name, kind=kind, on=_today(), actor=actor)
            return [unit], True

        return self._retrying(attempt)

    def set_opening_balance(
        self, code: str, year: int, fund: Fund, amount: Amount, *, actor: str, reason: str = ""
    ) -> None:
        def attempt() -> tuple[Sequence[Aggregate], None]:
            unit = self.get_unit(code)
            unit.set_opening_balance(year, fund, amount, actor=actor, reason=reason)
            return [unit], None

        self._retrying(attempt)

    def set_curve(self, code: str, year: int, points: list[str], *, actor: str) -> None:
        def attempt() -> tuple[Sequence[Aggregate], None]:
            unit = self.get_unit(code)
            unit.set_curve(year, points, actor=actor)
            return [unit], None

        self._retrying(attempt)

    def add_income(
        self,
        code: str,
        amount: Amount,
        *,
        source: IncomeSource,
        function: str,
        on: dt.date,
        doc: str,
        actor: str,
    ) -> None:
        self.load_codes()
        codes.function_code(function, on.year)

        def attempt() -> tuple[Sequence[Aggregate], None]:
            unit = self.get_unit(code)
            unit.record_income(amount, source=source, function=function, on=on, doc=doc, actor=actor)
            return [unit], None

        self._retrying(attempt)

    # ------------------------------------------------------------ projects

    def add_project(
        self,
        ref: ProjectRef,
        *,
        name: str,
        function: str,
        category: Category,
        fund: Fund,
        economic: str,
        doc: str,
        level: str,
        actor: str,
        year: int | None = None,
    ) -> bool:
        """Register a project line; False (nothing recorded) if it exists identically.

        Its codes are checked against ``year``'s book, or any shipped book without one
        (a line may live for several years)."""

        def attempt() -> tuple[Sequence[Aggregate], bool]:
            self.load_codes()
            codes.function_code(function, year)
            if economic:
                codes.economic_code(economic, year)
            unit = self.get_unit(ref.unit)
            existing = self._get(ref.id, Project)
            if existing is not None:
                same = (existing.name, existing.function, existing.category, existing.fund) == (
                    name,
                    function,
                    category,
                    fund,
                )
                if same:
                    return [], False
                raise AlreadyExists(f"项目 {ref} 已登记为“{existing.name}”，请换一个项目编码。")
            index = self._get(code_index_id(ref.code), ProjectCodeIndex)
            project, index = register_project(
                unit,
                index,
                ref.code,
                name=name,
                function=function,
                category=category,
                fund=fund,
                economic=economic,
                doc=doc,
                level=level,
                actor=actor,
            )
            return [unit, project, index], True

        return self._retrying(attempt)

    def _on_project(self, ref: ProjectRef, decide: Callable[[Project], T]) -> T:
        def attempt() -> tuple[Sequence[Aggregate], T]:
            project = self.get_project(ref)
            result = decide(project)
            return ([project] if project.pending_events else []), result

        return self._retrying(attempt)

    def issue_appropriation(
        self,
        ref: ProjectRef,
        amount: Amount,
        *,
        on: dt.date,
        doc: str,
        kind: IssueKind,
        actor: str,
        key: str = "",
    ) -> bool:
        def decide(project: Project) -> bool:
            codes.function_code(project.function, on.year)  # the line's code exists in that year's book
            twice = [
                i
                for i in project.issues.values()
                if not i.reversed and (i.doc, i.amount) == (doc, amount.fen)
            ]
            recorded = project.issue_quota(amount, on=on, doc=doc, kind=kind, actor=actor, key=key)
            if recorded and twice:
                self.warnings.append(
                    f"项目 {ref} 已于 {twice[0].on} 按文号“{doc}”下达过 {amount} 元（#{twice[0].version}），"
                    "这是第二次；如属重复录入，请用 `ledger appropriation reverse` 冲销。"
                )
            return recorded

        self.load_codes()
        return self._on_project(ref, decide)

    def reduce_appropriation(
        self, ref: ProjectRef, amount: Amount, *, on: dt.date, doc: str, reason: str, actor: str
    ) -> None:
        self._on_project(ref, lambda p: p.reduce_quota(amount, on=on, doc=doc, reason=reason, actor=actor))

    def add_allocation(self, ref: ProjectRef, amount: Amount, *, payee: str, on: dt.date, actor: str) -> None:
        self._on_project(ref, lambda p: p.allocate(amount, payee=payee, on=on, actor=actor))

    def request_payment(
        self,
        ref: ProjectRef,
        amount: Amount,
        *,
        payee: str,
        economic: str,
        on: dt.date,
        key: str = "",
        settled_on: dt.date | None = None,
        voucher: str = "",
        actor: str,
    ) -> tuple[PaymentRef, bool]:
        """Request a payment (and settle it at once with ``settled_on``).

        Returns the payment and whether anything new was recorded.
        """

        self.load_codes()
        codes.economic_code(economic, on.year)

        def decide(project: Project) -> tuple[PaymentRef, bool]:
            number, created = project.request_payment(
                amount, payee=payee, economic=economic, on=on, key=key, actor=actor
            )
            if created and settled_on is not None:
                project.settle_payment(number, on=settled_on, voucher=voucher, actor=actor)
                self._settlement_warnings(project, number)
            return PaymentRef(ref, number), created

        return self._on_project(ref, decide)

    def hold_payment(self, ref: PaymentRef, *, on: dt.date, reason: str, actor: str) -> None:
        self._on_project(ref.project, lambda p: p.hold_payment(ref.number, on=on, reason=reason, actor=actor))

    def settle_payment(self, ref: PaymentRef, *, on: dt.date, voucher: str, actor: str) -> None:
        def decide(project: Project) -> bool:
            recorded = project.settle_payment(ref.number, on=on, voucher=voucher, actor=actor)
            self._settlement_warnings(project, ref.number)
            return recorded

        self._on_project(ref.project, decide)

    def _settlement_warnings(self, project: Project, number: int) -> None:
        """A voucher already used on the line; a settlement dated after today."""
        payment = project.payments[number]
        if payment.voucher:
            others = [
                p.number
                for p in project.payments.values()
                if p.voucher == payment.voucher
                and p.number != number
                and p.status is not PaymentStatus.REVERSED
                and p.replaced_by != number
            ]
            if others:
                self.warnings.append(
                    f"凭证号“{payment.voucher}”已用于支付 {project.payment_ref(others[0])}；"
                    "请核对是否重复录入（重复的请用 `ledger payment reverse` 冲销）。"
                )
        if payment.settled_on is not None and payment.settled_on > _today():
            self.warnings.append(
                f"支付 {project.payment_ref(number)} 的拨付日期 {payment.settled_on} 晚于今天（{_today()}）；"
                "请核对日期（如录错，请用 `ledger payment correct --date` 更正）。"
            )

    def cancel_payment(self, ref: PaymentRef, *, on: dt.date, reason: str, actor: str) -> None:
        self._on_project(
            ref.project, lambda p: p.cancel_payment(ref.number, on=on, reason=reason, actor=actor)
        )

    def refund_payment(
        self, ref: PaymentRef, amount: Amount, *, on: dt.date, reason: str, actor: str
    ) -> None:
        self._on_project(
            ref.project,
            lambda p: p.refund_payment(ref.number, amount, on=on, reason=reason, actor=actor),
        )

    # ------------------------------------------------------------ corrections

    def reverse_payment(self, ref: PaymentRef, *, on: dt.date, reason: str, actor: str) -> None:
        self._on_project(
            ref.project, lambda p: p.reverse_payment(ref.number, on=on, reason=reason, actor=actor)
        )

    def correct_payment(
        self,
        ref: PaymentRef,
        *,
        reason: str,
        actor: str,
        payee: str | None = None,
        amount: Amount | None = None,
        on: dt.date | None = None,
        economic: str | None = None,
        voucher: str | None = None,
    ) -> PaymentRef:
        """The reversal of a settled payment and its corrected twin, in one act; the new payment."""
        self.load_codes()

        def decide(project: Project) -> PaymentRef:
            if economic is not None:
                codes.economic_code(economic, (on or project.payment(ref.number).requested_on).year)
            number = project.correct_payment(
                ref.number,
                reason=reason,
                actor=actor,
                payee=payee,
                amount=amount,
                on=on,
                economic=economic,
                voucher=voucher,
            )
            self._settlement_warnings(project, number)
            return PaymentRef(ref.project, number)

        return self._on_project(ref.project, decide)

    def reverse_appropriation(
        self,
        ref: ProjectRef,
        doc: str,
        *,
        on: dt.date,
        reason: str,
        actor: str,
        act: int | None = None,
        amount: Amount | None = None,
    ) -> tuple[int, int, str]:
        """Reverse one issue of quota; returns its (version, amount 分, kind)."""

        def decide(project: Project) -> tuple[int, int, str]:
            issue = project.reverse_issue(doc, on=on, reason=reason, actor=actor, act=act, amount=amount)
            return issue.version, issue.amount, issue.kind

        return self._on_project(ref, decide)

    def transfer_appropriation(
        self,
        source: ProjectRef,
        target: ProjectRef,
        amount: Amount,
        *,
        on: dt.date,
        doc: str,
        reason: str,
        actor: str,
    ) -> None:
        """调剂 quota between two lines of one unit, both sides in one transaction."""
        if source.unit != target.unit:
            raise MalformedInput(
                f"指标调剂只能在同一单位的项目之间进行：{source} 与 {target} 不属于同一单位。"
            )
        if source == target:
            raise MalformedInput(f"调出和调入是同一个项目 {source}。")

        def attempt() -> tuple[Sequence[Aggregate], None]:
            giver, taker = self.get_project(source), self.get_project(target)
            giver.transfer_out(amount, to=str(target), on=on, doc=doc, reason=reason, actor=actor)
            taker.transfer_in(amount, source=str(source), on=on, doc=doc, reason=reason, actor=actor)
            return [giver, taker], None

        self._retrying(attempt)

    def reduce_allocation(
        self, ref: ProjectRef, amount: Amount, *, payee: str, on: dt.date, reason: str, actor: str
    ) -> None:
        self._on_project(
            ref, lambda p: p.reduce_allocation(amount, payee=payee, on=on, reason=reason, actor=actor)
        )

    def amend_project(
        self,
        ref: ProjectRef,
        *,
        reason: str,
        actor: str,
        name: str | None = None,
        category: Category | None = None,
        function: str | None = None,
    ) -> bool:
        """Correct a line's name, category or function code while it holds no money."""
        self.load_codes()
        if function is not None:
            codes.function_code(function)

        def decide(project: Project) -> bool:
            return project.amend(
                name=name if name is not None else project.name,
                category=category if category is not None else project.category,
                function=function if function is not None else project.function,
                reason=reason,
                on=_today(),
                actor=actor,
            )

        return self._on_project(ref, decide)

    def close_project(self, ref: ProjectRef, *, reason: str, actor: str) -> None:
        self._on_project(ref, lambda p: p.close(reason=reason, on=_today(), actor=actor))

    def reopen_year(self, code: str, year: int, *, reason: str, actor: str) -> list[str]:
        """反结账 of a unit's last closed year; refused while the next year rests on it.

        Returns the project codes whose close was undone.
        """

        def attempt() -> tuple[Sequence[Aggregate], list[str]]:
            unit = self.get_unit(code)
            unit.check_reopen(year)
            projects = [self.get_project(ProjectRef(code, c)) for c in unit.projects]
            later = [(f"单位 {code}", act) for act in unit.later_acts(year)]
            later += [(f"项目 {p.ref}", act) for p in projects for act in p.later_acts(year)]
            if later:
                shown = "；".join(f"{who} #{v} {_act_name(name)} {on}" for who, (v, name, on) in later[:10])
                more = f" 等 {len(later)} 笔" if len(later) > 10 else ""
                raise ReopenRefused(
                    f"单位 {code}：{year + 1} 年及以后已有依赖 {year} 年度结转的业务：{shown}{more}。"
                    f"规则：反结账前，其后年度不得有业务；请先冲销这些业务，或改为在 {year + 1} 年度更正。"
                )
            unit.reopen_year(year, reason=reason, actor=actor)
            undone = []
            for project in projects:
                if year in project.closings:
                    project.reopen_year(year, reason=reason, actor=actor)
                    undone.append(project.code)
            return [unit, *projects], undone

        return self._retrying(attempt)

    def set_score(
        self, ref: ProjectRef, year: int, score_hundredths: int, *, reason: str, actor: str
    ) -> None:
        self._on_project(ref, lambda p: p.set_score(year, score_hundredths, reason=reason, actor=actor))

    def set_target(self, ref: ProjectRef, year: int, target: Target, *, actor: str) -> None:
        self._on_project(ref, lambda p: p.set_target(year, target, actor=actor))

    def close_year(
        self, code: str, year: int, *, withdraw: Sequence[ProjectRef] = (), actor: str, dry_run: bool = False
    ) -> list[tuple[str, int, int]]:
        """Close a unit's year: every line's unpaid quota is carried, or withdrawn if listed.

        Returns (project code, carried 分, withdrawn 分) per line. The unit and all its
        lines are saved in one transaction.
        """
        withdrawn = {r.code for r in withdraw}
        for r in withdraw:
            if r.unit != code:
                raise MalformedInput(f"要收回的项目 {r} 不属于单位 {code}。")

        def attempt() -> tuple[Sequence[Aggregate], list[tuple[str, int, int]]]:
            unit = self.get_unit(code)
            unknown = sorted(withdrawn - set(unit.projects))
            if unknown:
                raise NotFound(f"单位 {code} 没有项目：{'、'.join(unknown)}。")
            projects = [self.get_project(ProjectRef(code, c)) for c in unit.projects]
            summary = close_unit_year(unit, projects, year, withdrawn=withdrawn, actor=actor)
            self.last_close_balances = {f: a for (y, f), a in unit.carried.items() if y == year + 1}
            return ([] if dry_run else [unit, *projects]), summary

        return self._retrying(attempt)

    # ------------------------------------------------------------ queries

    def database_role(self) -> str:
        """The role this process is connected as (PostgreSQL): the actor of its events."""
        datastore: Any = getattr(self.recorder, "datastore", None)
        with datastore.transaction(commit=False) as curs:
            curs.execute("SELECT session_user")
            row = curs.fetchone()
        return str(row["session_user"] if isinstance(row, dict) else row[0])

    def get_history(self, aggregate_id: uuid.UUID) -> list[Any]:
        """Every recorded event of one aggregate, oldest first."""
        return list(self.events.get(aggregate_id))


ACT_NAMES = {
    "QuotaIssued": "下达指标",
    "QuotaReduced": "调减指标",
    "QuotaIssueReversed": "冲销指标",
    "QuotaTransferredOut": "调出指标",
    "QuotaTransferredIn": "调入指标",
    "Allocated": "分配",
    "AllocationReduced": "调减分配",
    "PaymentRequested": "申请支付",
    "PaymentHeld": "暂缓",
    "PaymentSettled": "拨付",
    "PaymentCancelled": "撤销支付",
    "PaymentRefunded": "退款",
    "PaymentReversed": "冲销支付",
    "ScoreSet": "认定得分",
    "TargetSet": "设定绩效目标",
    "Amended": "修改项目",
    "Closed": "撤销项目",
    "IncomeRecorded": "非财政收入",
    "OpeningBalanceSet": "录入年初结转和结余",
    "OpeningBalanceCorrected": "更正年初结转和结余",
}


def _act_name(event: str) -> str:
    return ACT_NAMES.get(event, event)


def _batch_refusal(problems: Sequence[LedgerError]) -> LedgerError:
    """One refusal for a batch: the first error's kind, every row's message (up to 20)."""
    shown = "；".join(p.message for p in problems[:20])
    more = f"（另有 {len(problems) - 20} 处未列出）" if len(problems) > 20 else ""
    error = type(problems[0]) if len({type(p) for p in problems}) == 1 else LedgerError
    return error(
        f"未登记任何科目（共 {len(problems)} 处问题）：{shown}{more}"
        if len(problems) > 1
        else problems[0].message
    )


def _today() -> dt.date:
    from ledger.calendar import today

    return today()
