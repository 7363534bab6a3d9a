"""The Ledger application: one write path (:meth:`Ledger.execute`), get_* queries.

Every act is a command value (:mod:`ledger.commands`) decided inside one unit of work
(:class:`Work`): the aggregates it touches are loaded once, the rules decide, and all
their new events are saved in one transaction. Two writers deciding on the same
project at once meet as a version conflict (``IntegrityError``); the loser reloads,
decides again and retries, so no act is lost, doubled, or let through against a rule.
"""

from __future__ import annotations

import datetime as dt
import random
import re
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import TYPE_CHECKING, Any, TypeVar

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError, JSONTranscoder, Transcoding
from eventsourcing.persistence import ProgrammingError as PersistenceProgrammingError

from ledger import codes
from ledger.domain.codebook import CodeBook, codebook_id
from ledger.domain.kinds import Category, Fund
from ledger.domain.project import NAMESPACE, Project, project_id, unit_id
from ledger.domain.unit import Unit
from ledger.errors import (
    LedgerError,
    MalformedInput,
    NotFound,
    PermissionRefused,
)
from ledger.storage import Store
from ledger.text import numeral

if TYPE_CHECKING:
    from ledger.commands import Command

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


@lru_cache(maxsize=65536)
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


class Work:
    """One unit of work: the aggregates an act (or an import's acts) touches, loaded
    once and decided on in memory, and the business date they are decided as of."""

    def __init__(self, app: Ledger, *, actor: str, with_codes: bool = True) -> None:
        from ledger.calendar import today

        self.app = app
        self.actor = actor
        self.today = today()
        self.aggregates: dict[uuid.UUID, Aggregate] = {}
        #: what the acts let through but a clerk should look at (printed as 注意：…)
        self.warnings: list[str] = []
        #: the balances a year-end close carried into the next year, by fund
        self.close_balances: dict[str, int] | None = None
        #: during one act of a batch: each aggregate it touched, with its pending events then
        self._marks: dict[uuid.UUID, tuple[Aggregate, int]] | None = None
        self._refs: dict[str, ProjectRef] = {}
        #: the codes clerks admitted, laid over the shipped books for these acts
        self.codebook = app.load_codes() if with_codes else None
        if self.codebook is not None:
            self.aggregates[self.codebook.id] = self.codebook

    def load(self, aggregate_id: uuid.UUID, cls: type[T]) -> T | None:
        aggregate = self.aggregates.get(aggregate_id)
        if aggregate is None:
            loaded = self.app._get(aggregate_id, cls)
            if loaded is None:
                return None
            assert isinstance(loaded, Aggregate)
            self.aggregates[aggregate_id] = aggregate = loaded
        marks = self._marks
        if marks is not None and aggregate_id not in marks:
            marks[aggregate_id] = (aggregate, len(aggregate.pending_events))
        if not isinstance(aggregate, cls):
            raise LedgerError(f"内部错误：{aggregate_id} 不是 {cls.__name__}")
        return aggregate

    def add(self, aggregate: Aggregate) -> None:
        self.aggregates[aggregate.id] = aggregate
        if self._marks is not None:
            self._marks[aggregate.id] = (aggregate, 0)  # new: every event it holds is this act's

    def begin_act(self) -> None:
        """One act of a batch begins: :meth:`act_recorded` tells what it added."""
        self._marks = {}

    def act_recorded(self) -> bool:
        """Whether the act begun last recorded anything (on the aggregates it touched)."""
        marks = self._marks or {}
        return any(len(aggregate.pending_events) > n for aggregate, n in marks.values())

    def pending(self) -> list[Aggregate]:
        return [a for a in self.aggregates.values() if a.pending_events]

    def pending_events(self) -> int:
        return sum(len(a.pending_events) for a in self.aggregates.values())

    def unit(self, code: str) -> Unit:
        unit = self.load(unit_id(code), Unit)
        if unit is None:
            raise NotFound(f"单位 {code} 不存在。请先用 `ledger unit add {code} 名称` 登记（导入时可在文件中先写 unit.add 行）。")
        return unit

    def project(self, ref: ProjectRef) -> Project:
        project = self.load(ref.id, Project)
        if project is None:
            raise NotFound(f"项目 {ref} 不存在。请检查单位编码和项目编码，或先用 `ledger project add` 登记。")
        return project

    def resolve(self, text: str) -> ProjectRef:
        """Read ``UNIT/CODE``, or ``CODE`` alone when exactly one unit uses it."""
        s = str(text).strip()
        if "/" in s:
            ref = self._refs.get(s)  # its id (a uuid5) is worked out once per unit of work
            if ref is None:
                unit, _, code = s.partition("/")
                ref = self._refs[s] = ProjectRef(check_unit_code(unit), check_project_code(code))
            return ref
        code = check_project_code(s)
        index = self.load(code_index_id(code), ProjectCodeIndex)
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
        return PaymentRef(self.resolve(head), int(number))


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

    # ------------------------------------------------------------ the one write path

    def execute(self, command: Command[T], *, actor: str, dry_run: bool = False) -> T:
        """Decide one act and record what it decided: a batch of one (:meth:`run`)."""
        return self.run(command.decide, actor=actor, dry_run=dry_run)

    def run(self, decide: Callable[[Work], T], *, actor: str, dry_run: bool = False) -> T:
        """Decide in one unit of work and save everything it decided in one transaction.

        A version conflict (another writer recorded on the same aggregate first) throws
        the work away: the aggregates are loaded again and it is decided again, so no act
        is lost, doubled, or let through against a rule. ``dry_run`` decides and saves
        nothing.
        """
        for n in range(MAX_RETRIES):
            work = Work(self, actor=actor)
            result = decide(work)
            pending = work.pending()
            if dry_run or not pending:
                self._finished(work)
                return result
            try:
                self.save(*pending)
            except IntegrityError:
                time.sleep(random.uniform(0, 0.005 * (n + 1)))
                continue
            except PersistenceProgrammingError as e:
                if "permission denied" in str(e).lower():
                    raise PermissionRefused(
                        "当前数据库角色没有记录权限（只读查询角色）。请用记账员（clerk）角色连接后再记录。"
                    ) from None
                raise
            self._finished(work)
            return result
        raise LedgerError("并发冲突过多，本次操作未记录，请稍后重试。")

    def _finished(self, work: Work) -> None:
        self.warnings.extend(work.warnings)
        if work.close_balances is not None:
            self.last_close_balances = work.close_balances

    def _get(self, aggregate_id: uuid.UUID, cls: type[T]) -> T | None:
        try:
            aggregate: object = self.repository.get(aggregate_id)
        except AggregateNotFoundError:
            return None
        if not isinstance(aggregate, cls):
            raise LedgerError(f"内部错误：{aggregate_id} 不是 {cls.__name__}")
        return aggregate

    def _reading(self) -> Work:
        return Work(self, actor="", with_codes=False)

    def get_unit(self, code: str) -> Unit:
        return self._reading().unit(code)

    def get_project(self, ref: ProjectRef) -> Project:
        return self._reading().project(ref)

    def load_codes(self) -> CodeBook | None:
        """Lay the codes clerks admitted over the shipped books; the code book, if any."""
        book = self._get(codebook_id(), CodeBook)
        codes.use_local(book.entries if book is not None else ())
        return book

    def resolve_project(self, text: str) -> ProjectRef:
        """Read ``UNIT/CODE``, or ``CODE`` alone when exactly one unit uses it."""
        return self._reading().resolve(text)

    def resolve_payment(self, text: str) -> PaymentRef:
        """Read ``UNIT/CODE/N`` (or ``CODE/N`` when the code is unique)."""
        return self._reading().resolve_payment(text)

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


def act_name(event: str) -> str:
    return ACT_NAMES.get(event, event)


def _today() -> dt.date:
    from ledger.calendar import today

    return today()
