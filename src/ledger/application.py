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

from ledger.domain.kinds import Category, Fund, IssueKind
from ledger.domain.project import NAMESPACE, Project, Target, project_id, unit_id
from ledger.domain.unit import IncomeSource, Unit, UnitKind
from ledger.errors import AlreadyExists, LedgerError, MalformedInput, NotFound, PermissionRefused
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
        if not head or not number.isascii() or not number.isdigit() or int(number) < 1:
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

    def set_opening_balance(self, code: str, year: int, fund: Fund, amount: Amount, *, actor: str) -> None:
        def attempt() -> tuple[Sequence[Aggregate], None]:
            unit = self.get_unit(code)
            unit.set_opening_balance(year, fund, amount, actor=actor)
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
    ) -> bool:
        """Register a project line; False (nothing recorded) if it exists identically."""

        def attempt() -> tuple[Sequence[Aggregate], bool]:
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
        return self._on_project(
            ref, lambda p: p.issue_quota(amount, on=on, doc=doc, kind=kind, actor=actor, key=key)
        )

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

        def decide(project: Project) -> tuple[PaymentRef, bool]:
            number, created = project.request_payment(
                amount, payee=payee, economic=economic, on=on, key=key, actor=actor
            )
            if created and settled_on is not None:
                project.settle_payment(number, on=settled_on, voucher=voucher, actor=actor)
            return PaymentRef(ref, number), created

        return self._on_project(ref, decide)

    def hold_payment(self, ref: PaymentRef, *, on: dt.date, reason: str, actor: str) -> None:
        self._on_project(ref.project, lambda p: p.hold_payment(ref.number, on=on, reason=reason, actor=actor))

    def settle_payment(self, ref: PaymentRef, *, on: dt.date, voucher: str, actor: str) -> None:
        self._on_project(
            ref.project,
            lambda p: p.settle_payment(ref.number, on=on, voucher=voucher, actor=actor),
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

    def set_score(
        self, ref: ProjectRef, year: int, score_hundredths: int, *, reason: str, actor: str
    ) -> None:
        self._on_project(ref, lambda p: p.set_score(year, score_hundredths, reason=reason, actor=actor))

    def set_target(self, ref: ProjectRef, year: int, target: Target, *, actor: str) -> None:
        self._on_project(ref, lambda p: p.set_target(year, target, actor=actor))

    def close_year(
        self, code: str, year: int, *, withdraw: Sequence[ProjectRef] = (), actor: str
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
            unit.close_year(year, withdrawn=sorted(withdrawn), actor=actor)
            summary = []
            for project in projects:
                project.close_year(year, withdraw=project.code in withdrawn, doc="", actor=actor)
                book = project.peek(year)
                summary.append((project.code, book.carried_out, book.withdrawn))
            return [unit, *projects], summary

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


def _today() -> dt.date:
    from ledger.calendar import today

    return today()
