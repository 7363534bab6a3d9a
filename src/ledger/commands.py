"""Every act a clerk can ask for, as one frozen value, and how the ledger decides it.

A command is built by the command line's parameters (``ledger.cli``) or by a row of an
import (:func:`from_row`), the same fields read by the same parsers
(:mod:`ledger.parsers`). It is decided by :meth:`Command.decide` inside one unit of
work (:class:`ledger.application.Work`): the aggregates it touches are loaded once, the
rules decide, and everything new is saved in one transaction — retried from the start
on a version conflict (:meth:`ledger.application.Ledger.execute`). A command on the
command line is a batch of one; an import is a batch of many, decided the same way.

A field's metadata (:func:`arg`) names its parser and, for an import, its column:
``date`` for ``on``, ``key`` for the key that names a payment. A field whose column is
``None`` is not read from a row.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Generic, NamedTuple, TypeVar

from ledger import codes, parsers
from ledger.application import (
    PaymentRef,
    ProjectCodeIndex,
    ProjectRef,
    Work,
    close_unit_year,
    code_index_id,
    register_project,
)
from ledger.domain.codebook import CodeBook
from ledger.domain.kinds import Category, Fund, IssueKind, Level, PaymentStatus
from ledger.domain.project import Project, Target, project_id, unit_id
from ledger.domain.unit import IncomeSource, Unit, UnitKind
from ledger.errors import AlreadyExists, LedgerError, MalformedInput, NotFound, YearCloseRefused
from ledger.money import Amount
from ledger.parsers import Parser

R = TypeVar("R")

_NO_DEFAULT: Any = dataclasses.MISSING


@dataclass(frozen=True)
class Arg:
    """How a command's field is read from text: its parser and its import column."""

    parser: Parser[Any]
    column: str | None  # None: not read from an import row


def arg(parser: Parser[Any], default: Any = _NO_DEFAULT, *, column: str | None = "") -> Any:
    """A command field read by ``parser``; ``column`` is its import column (the field's
    name when left empty; ``None`` when an import does not read it)."""
    meta = {"arg": Arg(parser, column)}
    if default is _NO_DEFAULT:
        return field(metadata=meta)
    return field(default=default, metadata=meta)


class Command(Generic[R]):
    """One act. ``op`` names it in an import file (``payment.request``)."""

    op: ClassVar[str]
    #: what a command that records nothing new says in an import's list of skipped rows
    skipped: ClassVar[str] = "账簿中已有（同一编号或幂等键），未重复记录"

    def decide(self, work: Work) -> R:
        raise NotImplementedError


class Acted(NamedTuple):
    """What an act on a project line did: the line, and whether anything was recorded."""

    ref: ProjectRef
    recorded: bool


class PaymentActed(NamedTuple):
    ref: PaymentRef
    recorded: bool


# ---------------------------------------------------------------- units


@dataclass(frozen=True, kw_only=True)
class AddUnit(Command[bool]):
    """Register a unit; nothing is recorded when it exists with the same name and kind."""

    op: ClassVar[str] = "unit.add"
    unit: str = arg(parsers.UNIT)
    name: str = arg(parsers.text("单位名称"))
    kind: UnitKind = arg(parsers.choice("单位性质", UnitKind), UnitKind.ADMINISTRATIVE)

    def decide(self, work: Work) -> bool:
        existing = work.load(unit_id(self.unit), Unit)
        if existing is not None:
            if (existing.name, existing.kind) == (self.name, self.kind):
                return False
            raise AlreadyExists(f"单位 {self.unit} 已登记为“{existing.name}”（{existing.kind}）。")
        work.add(Unit.register(code=self.unit, name=self.name, kind=self.kind, on=work.today, actor=work.actor))
        return True


@dataclass(frozen=True, kw_only=True)
class SetOpeningBalance(Command[None]):
    op: ClassVar[str] = "unit.opening-balance"
    unit: str = arg(parsers.UNIT)
    year: int = arg(parsers.YEAR)
    fund: Fund = arg(parsers.choice("资金性质", Fund))
    amount: Amount = arg(parsers.AMOUNT)
    reason: str = arg(parsers.REASON, "")

    def decide(self, work: Work) -> None:
        work.unit(self.unit).set_opening_balance(
            self.year, self.fund, self.amount, actor=work.actor, reason=self.reason
        )


@dataclass(frozen=True, kw_only=True)
class SetCurve(Command[None]):
    op: ClassVar[str] = "unit.curve"
    unit: str = arg(parsers.UNIT)
    year: int = arg(parsers.YEAR)
    points: tuple[str, ...] = arg(parsers.POINTS)

    def decide(self, work: Work) -> None:
        work.unit(self.unit).set_curve(self.year, list(self.points), actor=work.actor)


@dataclass(frozen=True, kw_only=True)
class AddIncome(Command[None]):
    op: ClassVar[str] = "income.add"
    unit: str = arg(parsers.UNIT)
    amount: Amount = arg(parsers.AMOUNT)
    source: IncomeSource = arg(parsers.choice("收入来源", IncomeSource))
    function: str = arg(parsers.FUNCTION)
    on: dt.date = arg(parsers.DATE, column="date")
    doc: str = arg(parsers.text("凭证号", 100), "")

    def decide(self, work: Work) -> None:
        codes.function_code(self.function, self.on.year)
        work.unit(self.unit).record_income(
            self.amount, source=self.source, function=self.function, on=self.on, doc=self.doc, actor=work.actor
        )


class Closing(NamedTuple):
    """(project code, carried 分, withdrawn 分) per line, and whether the close was recorded."""

    lines: list[tuple[str, int, int]]
    recorded: bool


@dataclass(frozen=True, kw_only=True)
class CloseYear(Command[Closing]):
    """年终结账: every line's unpaid quota is carried, or withdrawn if listed.

    Closing a year again as it was closed records nothing; closing it again otherwise is
    refused (reopen it first).
    """

    op: ClassVar[str] = "year.close"
    skipped: ClassVar[str] = "该年度已按同样的收回项目结账，未重复记录"
    unit: str = arg(parsers.UNIT)
    year: int = arg(parsers.YEAR)
    withdraw: tuple[str, ...] = arg(parsers.CODES, ())

    def decide(self, work: Work) -> Closing:
        unit = work.unit(self.unit)
        withdrawn = set(self.withdraw)
        if self.year in unit.closings:
            if unit.closings[self.year] == tuple(sorted(withdrawn)):
                return Closing([], recorded=False)
            listed = "、".join(unit.closings[self.year]) or "无"
            raise YearCloseRefused(
                f"单位 {unit.code}：{self.year} 年度已经结账（收回项目：{listed}），与本次不同。"
                f"如需更改，请先 `ledger year reopen {unit.code} {self.year} --reason …` 反结账。"
            )
        unknown = sorted(withdrawn - set(unit.projects))
        if unknown:
            raise NotFound(f"单位 {unit.code} 没有项目：{'、'.join(unknown)}。")
        projects = [work.project(ProjectRef(unit.code, c)) for c in unit.projects]
        summary = close_unit_year(unit, projects, self.year, withdrawn=withdrawn, actor=work.actor, today=work.today)
        work.close_balances = {f: a for (y, f), a in unit.carried.items() if y == self.year + 1}
        return Closing(summary, recorded=True)


@dataclass(frozen=True, kw_only=True)
class ReopenYear(Command[list[str]]):
    """反结账 of a unit's last closed year; refused while the next year rests on it.
    Returns the project codes whose close was undone."""

    op: ClassVar[str] = "year.reopen"
    unit: str = arg(parsers.UNIT)
    year: int = arg(parsers.YEAR)
    reason: str = arg(parsers.REASON)

    def decide(self, work: Work) -> list[str]:
        from ledger.application import act_name
        from ledger.errors import ReopenRefused

        unit = work.unit(self.unit)
        code, year = unit.code, self.year
        unit.check_reopen(year)
        projects = [work.project(ProjectRef(code, c)) for c in unit.projects]
        later = [(f"单位 {code}", act) for act in unit.later_acts(year)]
        later += [(f"项目 {p.ref}", act) for p in projects for act in p.later_acts(year)]
        if later:
            shown = "；".join(f"{who} #{v} {act_name(name)} {on}" for who, (v, name, on) in later[:10])
            more = f" 等 {len(later)} 笔" if len(later) > 10 else ""
            raise ReopenRefused(
                f"单位 {code}：{year + 1} 年及以后已有依赖 {year} 年度结转的业务：{shown}{more}。"
                f"规则：反结账前，其后年度不得有业务；请先冲销这些业务，或改为在 {year + 1} 年度更正。"
            )
        unit.reopen_year(year, reason=self.reason, actor=work.actor)
        undone = []
        for project in projects:
            if year in project.closings:
                project.reopen_year(year, reason=self.reason, actor=work.actor)
                undone.append(project.code)
        return undone


@dataclass(frozen=True, kw_only=True)
class AddCodes(Command[tuple[list[codes.LocalCode], list[codes.LocalCode]]]):
    """Admit local classification codes, all or nothing; (added, already known).

    Parents go before their children, so one file may bring a 款 and its 项. Another
    name for a known code refuses the whole batch, listing every such row. (Read from a
    code file by ``ledger codes import``, not from an import row.)
    """

    op: ClassVar[str] = "codes.add"
    entries: tuple[codes.LocalCode, ...]
    source: str

    def decide(self, work: Work) -> tuple[list[codes.LocalCode], list[codes.LocalCode]]:
        added: list[codes.LocalCode] = []
        known: list[codes.LocalCode] = []
        problems: list[LedgerError] = []
        try:
            for entry in sorted(self.entries, key=lambda e: (e.kind.value, e.year, len(e.code), e.code)):
                try:
                    new = codes.admit(entry.kind, entry.code, entry.name, entry.year)
                except LedgerError as e:
                    problems.append(e)
                    continue
                (added if new else known).append(entry)
        finally:
            work.app.load_codes()  # the batch is decided: forget what it laid over the books
        if problems:
            raise _batch_refusal(problems)
        book = work.codebook
        if added and book is None:
            book = CodeBook.open(on=work.today, actor=work.actor)
            work.add(book)
        for entry in added:
            assert book is not None
            book.add(entry, on=work.today, actor=work.actor, source=self.source)
        return added, known


def _batch_refusal(problems: list[LedgerError]) -> LedgerError:
    """One refusal for a batch: the first error's kind, every row's message (up to 20)."""
    shown = "；".join(p.message for p in problems[:20])
    more = f"（另有 {len(problems) - 20} 处未列出）" if len(problems) > 20 else ""
    error = type(problems[0]) if len({type(p) for p in problems}) == 1 else LedgerError
    return error(
        f"未登记任何科目（共 {len(problems)} 处问题）：{shown}{more}" if len(problems) > 1 else problems[0].message
    )


# ---------------------------------------------------------------- project lines


@dataclass(frozen=True, kw_only=True)
class AddProject(Command[bool]):
    """Register a project line; nothing is recorded when it exists identically.

    Its codes are checked against ``year``'s book, or any shipped book without one (a
    line may live for several years)."""

    op: ClassVar[str] = "project.add"
    unit: str = arg(parsers.UNIT)
    code: str = arg(parsers.CODE)
    name: str = arg(parsers.text("项目名称"))
    function: str = arg(parsers.FUNCTION)
    category: Category = arg(parsers.choice("项目类别", Category))
    fund: Fund = arg(parsers.choice("资金来源", Fund), Fund.GENERAL)
    economic: str = arg(parsers.ECONOMIC, "")
    doc: str = arg(parsers.DOC, "")
    level: str = arg(parsers.words("级次", [lv.value for lv in Level]), "")
    year: int | None = arg(parsers.YEAR, None)

    def decide(self, work: Work) -> bool:
        codes.function_code(self.function, self.year)
        if self.economic:
            codes.economic_code(self.economic, self.year)
        unit = work.unit(self.unit)
        # a line is registered only with its unit listing its code, in one transaction
        # (register_project): a code the unit does not list has no line to look up
        existing = work.load(project_id(unit.code, self.code), Project) if self.code in unit.projects else None
        if existing is not None:
            ours = (self.name, self.function, self.category, self.fund)
            if (existing.name, existing.function, existing.category, existing.fund) == ours:
                return False
            raise AlreadyExists(
                f"项目 {unit.code}/{self.code} 已登记为“{existing.name}”（{existing.category}，"
                f"{existing.function}，{existing.fund}），请换一个项目编码。"
            )
        project, index = register_project(
            unit,
            work.load(code_index_id(self.code), ProjectCodeIndex),
            self.code,
            name=self.name,
            function=self.function,
            category=self.category,
            fund=self.fund,
            economic=self.economic,
            doc=self.doc,
            level=self.level,
            actor=work.actor,
            today=work.today,
        )
        work.add(project)
        work.add(index)
        return True


@dataclass(frozen=True, kw_only=True)
class OnProject(Command[R]):
    """An act on one project line, named as a clerk writes it."""

    project: str = arg(parsers.PROJECT)

    def line(self, work: Work) -> Project:
        return work.project(work.resolve(self.project))


@dataclass(frozen=True, kw_only=True)
class AmendProject(OnProject[Acted]):
    """Correct a line's name, category or function code while it holds no money."""

    op: ClassVar[str] = "project.amend"
    reason: str = arg(parsers.REASON, "")
    name: str | None = arg(parsers.text("项目名称"), None)
    category: Category | None = arg(parsers.choice("项目类别", Category), None)
    function: str | None = arg(parsers.FUNCTION, None)

    def decide(self, work: Work) -> Acted:
        if self.name is None and self.category is None and self.function is None:
            raise MalformedInput("请给出要修改的内容：名称、项目类别或功能分类科目。")
        if self.function is not None:
            codes.function_code(self.function)
        line = self.line(work)
        changed = line.amend(
            name=self.name if self.name is not None else line.name,
            category=self.category if self.category is not None else line.category,
            function=self.function if self.function is not None else line.function,
            reason=self.reason,
            on=work.today,
            actor=work.actor,
        )
        return Acted(ref_of(line), changed)


@dataclass(frozen=True, kw_only=True)
class CloseProject(OnProject[Acted]):
    op: ClassVar[str] = "project.close"
    reason: str = arg(parsers.REASON)

    def decide(self, work: Work) -> Acted:
        line = self.line(work)
        line.close(reason=self.reason, on=work.today, actor=work.actor)
        return Acted(ref_of(line), True)


@dataclass(frozen=True, kw_only=True)
class IssueQuota(OnProject[Acted]):
    """下达指标. A second issue of the same amount under the same 文号 is let through
    with a warning (a supplement may repeat a document); a key makes it idempotent."""

    op: ClassVar[str] = "appropriation.issue"
    amount: Amount = arg(parsers.AMOUNT)
    on: dt.date = arg(parsers.DATE, column="date")
    doc: str = arg(parsers.DOC)
    kind: IssueKind = arg(parsers.choice("指标类型", IssueKind), IssueKind.SUPPLEMENT)
    key: str = arg(parsers.KEY, "")

    def decide(self, work: Work) -> Acted:
        line = self.line(work)
        codes.function_code(line.function, self.on.year)  # the line's code exists in that year's book
        twice = [
            i for i in line.issues.values() if not i.reversed and (i.doc, i.amount) == (self.doc, self.amount.fen)
        ]
        recorded = line.issue_quota(
            self.amount, on=self.on, doc=self.doc, kind=self.kind, actor=work.actor, key=self.key
        )
        if recorded and twice:
            work.warnings.append(
                f"项目 {line.ref} 已于 {twice[0].on} 按文号“{self.doc}”下达过 {self.amount} 元（#{twice[0].version}），"
                "这是第二次；如属重复录入，请用 `ledger appropriation reverse` 冲销。"
            )
        return Acted(ref_of(line), recorded)


@dataclass(frozen=True, kw_only=True)
class ReduceQuota(OnProject[Acted]):
    op: ClassVar[str] = "appropriation.reduce"
    amount: Amount = arg(parsers.AMOUNT)
    on: dt.date = arg(parsers.DATE, column="date")
    doc: str = arg(parsers.DOC)
    reason: str = arg(parsers.REASON)
    key: str = arg(parsers.KEY, "")

    def decide(self, work: Work) -> Acted:
        line = self.line(work)
        recorded = line.reduce_quota(
            self.amount, on=self.on, doc=self.doc, reason=self.reason, actor=work.actor, key=self.key
        )
        return Acted(ref_of(line), recorded)


class Reversal(NamedTuple):
    ref: ProjectRef
    version: int
    amount: int
    kind: str


@dataclass(frozen=True, kw_only=True)
class ReverseQuota(OnProject[Reversal]):
    """Reverse one issue of quota, named by its 文号 (and its act or amount when the
    document issued several)."""

    op: ClassVar[str] = "appropriation.reverse"
    doc: str = arg(parsers.DOC)
    on: dt.date = arg(parsers.DATE, column="date")
    reason: str = arg(parsers.REASON, "")
    act: int | None = arg(parsers.ORDINAL, None)
    amount: Amount | None = arg(parsers.AMOUNT, None)

    def decide(self, work: Work) -> Reversal:
        line = self.line(work)
        issue = line.reverse_issue(
            self.doc, on=self.on, reason=self.reason, actor=work.actor, act=self.act, amount=self.amount
        )
        return Reversal(ref_of(line), issue.version, issue.amount, issue.kind)


@dataclass(frozen=True, kw_only=True)
class TransferQuota(Command[tuple[ProjectRef, ProjectRef]]):
    """指标调剂 between two lines of one unit, both sides in one transaction."""

    op: ClassVar[str] = "appropriation.transfer"
    source: str = arg(parsers.PROJECT)
    target: str = arg(parsers.PROJECT)
    amount: Amount = arg(parsers.AMOUNT)
    on: dt.date = arg(parsers.DATE, column="date")
    doc: str = arg(parsers.DOC)
    reason: str = arg(parsers.REASON)

    def decide(self, work: Work) -> tuple[ProjectRef, ProjectRef]:
        source, target = work.resolve(self.source), work.resolve(self.target)
        if source.unit != target.unit:
            raise MalformedInput(f"指标调剂只能在同一单位的项目之间进行：{source} 与 {target} 不属于同一单位。")
        if source == target:
            raise MalformedInput(f"调出和调入是同一个项目 {source}。")
        giver, taker = work.project(source), work.project(target)
        giver.transfer_out(self.amount, to=str(target), on=self.on, doc=self.doc, reason=self.reason, actor=work.actor)
        taker.transfer_in(
            self.amount, source=str(source), on=self.on, doc=self.doc, reason=self.reason, actor=work.actor
        )
        return source, target


@dataclass(frozen=True, kw_only=True)
class Allocate(OnProject[Acted]):
    op: ClassVar[str] = "allocation.add"
    amount: Amount = arg(parsers.AMOUNT)
    payee: str = arg(parsers.PAYEE)
    on: dt.date = arg(parsers.DATE, column="date")
    key: str = arg(parsers.KEY, "")

    def decide(self, work: Work) -> Acted:
        line = self.line(work)
        recorded = line.allocate(self.amount, payee=self.payee, on=self.on, actor=work.actor, key=self.key)
        return Acted(ref_of(line), recorded)


@dataclass(frozen=True, kw_only=True)
class ReduceAllocation(OnProject[Acted]):
    op: ClassVar[str] = "allocation.reduce"
    amount: Amount = arg(parsers.AMOUNT)
    payee: str = arg(parsers.PAYEE)
    on: dt.date = arg(parsers.DATE, column="date")
    reason: str = arg(parsers.REASON)

    def decide(self, work: Work) -> Acted:
        line = self.line(work)
        line.reduce_allocation(self.amount, payee=self.payee, on=self.on, reason=self.reason, actor=work.actor)
        return Acted(ref_of(line), True)


@dataclass(frozen=True, kw_only=True)
class SetScore(OnProject[Acted]):
    op: ClassVar[str] = "score.set"
    year: int = arg(parsers.YEAR)
    score: int = arg(parsers.SCORE)  # hundredths of a point
    reason: str = arg(parsers.text("理由"))
    key: str = arg(parsers.KEY, "")

    def decide(self, work: Work) -> Acted:
        line = self.line(work)
        recorded = line.set_score(self.year, self.score, reason=self.reason, actor=work.actor, key=self.key)
        return Acted(ref_of(line), recorded)


@dataclass(frozen=True, kw_only=True)
class SetTarget(OnProject[Acted]):
    op: ClassVar[str] = "target.set"
    year: int = arg(parsers.YEAR)
    indicator: str = arg(parsers.text("指标名称", 100))
    operator: str = arg(parsers.words("比较符", [">=", "<=", "="]))
    value: str = arg(parsers.NUMBER)
    unit: str = arg(parsers.text("计量单位", 20), "%")
    direction: str = arg(parsers.words("指标方向", ["正向", "反向"]), "正向")
    key: str = arg(parsers.KEY, "")

    def decide(self, work: Work) -> Acted:
        line = self.line(work)
        target = Target(self.indicator, self.operator, self.value, self.unit, self.direction)
        recorded = line.set_target(self.year, target, actor=work.actor, key=self.key)
        return Acted(ref_of(line), recorded)


# ---------------------------------------------------------------- payments


@dataclass(frozen=True, kw_only=True)
class RequestPayment(OnProject[PaymentActed]):
    """Request a payment (settled at once with ``settled_on``). With a key already used,
    the earlier payment is returned and nothing is recorded, if it is the same payment."""

    op: ClassVar[str] = "payment.request"
    amount: Amount = arg(parsers.AMOUNT)
    payee: str = arg(parsers.PAYEE)
    economic: str = arg(parsers.ECONOMIC)
    on: dt.date = arg(parsers.DATE, column="date")
    key: str = arg(parsers.KEY, "")
    settled_on: dt.date | None = arg(parsers.DATE, None)
    voucher: str = arg(parsers.VOUCHER, "")

    def decide(self, work: Work) -> PaymentActed:
        if self.voucher and self.settled_on is None:
            raise MalformedInput("凭证号只能与拨付日期一起给出（或在拨付时用 payment settle --voucher）。")
        codes.economic_code(self.economic, self.on.year)
        line = self.line(work)
        number, created = line.request_payment(
            self.amount, payee=self.payee, economic=self.economic, on=self.on, key=self.key, actor=work.actor
        )
        if created and self.settled_on is not None:
            line.settle_payment(number, on=self.settled_on, voucher=self.voucher, actor=work.actor)
            settlement_warnings(work, line, number)
        return PaymentActed(PaymentRef(ref_of(line), number), created)


@dataclass(frozen=True, kw_only=True)
class OnPayment(Command[PaymentActed]):
    """An act on one payment, named ``UNIT/CODE/N`` or (in an import) by its project and
    the key it was requested with."""

    payment: str = arg(parsers.PAYMENT, "")
    project: str = arg(parsers.PROJECT, "")
    request_key: str = arg(parsers.Parser("支付的幂等键", parsers.KEY.read), "", column="key")
    key: str = arg(parsers.KEY, "", column="act_key")  # this act's own 幂等键 (``key`` names the payment)

    def which(self, work: Work) -> tuple[Project, int]:
        if self.payment:
            ref = work.resolve_payment(self.payment)
            line = work.project(ref.project)
            line.payment(ref.number)
            return line, ref.number
        if not self.project or not self.request_key:
            raise MalformedInput("请给出支付编号（单位/项目编码/序号），或项目和申请时的幂等键。")
        line = work.project(work.resolve(self.project))
        if self.request_key not in line.keys:
            raise NotFound(f"项目 {line.ref} 没有幂等键为“{self.request_key}”的支付")
        return line, line.keys[self.request_key]

    def decide(self, work: Work) -> PaymentActed:
        line, number = self.which(work)
        return PaymentActed(PaymentRef(ref_of(line), number), self.act(work, line, number))

    def act(self, work: Work, line: Project, number: int) -> bool:
        raise NotImplementedError


@dataclass(frozen=True, kw_only=True)
class HoldPayment(OnPayment):
    op: ClassVar[str] = "payment.hold"
    on: dt.date = arg(parsers.DATE, column="date")
    reason: str = arg(parsers.REASON)

    def act(self, work: Work, line: Project, number: int) -> bool:
        return line.hold_payment(number, on=self.on, reason=self.reason, actor=work.actor, key=self.key)


@dataclass(frozen=True, kw_only=True)
class SettlePayment(OnPayment):
    op: ClassVar[str] = "payment.settle"
    on: dt.date = arg(parsers.DATE, column="date")
    voucher: str = arg(parsers.VOUCHER, "")

    def act(self, work: Work, line: Project, number: int) -> bool:
        recorded = line.settle_payment(number, on=self.on, voucher=self.voucher, actor=work.actor, key=self.key)
        settlement_warnings(work, line, number)
        return recorded


@dataclass(frozen=True, kw_only=True)
class CancelPayment(OnPayment):
    op: ClassVar[str] = "payment.cancel"
    on: dt.date = arg(parsers.DATE, column="date")
    reason: str = arg(parsers.REASON)

    def act(self, work: Work, line: Project, number: int) -> bool:
        return line.cancel_payment(number, on=self.on, reason=self.reason, actor=work.actor, key=self.key)


@dataclass(frozen=True, kw_only=True)
class RefundPayment(OnPayment):
    op: ClassVar[str] = "payment.refund"
    on: dt.date = arg(parsers.DATE, column="date")
    amount: Amount = arg(parsers.AMOUNT)
    reason: str = arg(parsers.REASON)

    def act(self, work: Work, line: Project, number: int) -> bool:
        return line.refund_payment(
            number, self.amount, on=self.on, reason=self.reason, actor=work.actor, key=self.key
        )


@dataclass(frozen=True, kw_only=True)
class ReversePayment(OnPayment):
    op: ClassVar[str] = "payment.reverse"
    on: dt.date = arg(parsers.DATE, column="date")
    reason: str = arg(parsers.REASON)

    def act(self, work: Work, line: Project, number: int) -> bool:
        line.reverse_payment(number, on=self.on, reason=self.reason, actor=work.actor, key=self.key)
        return True


@dataclass(frozen=True, kw_only=True)
class CorrectPayment(OnPayment):
    """The reversal of a settled payment and its corrected twin, in one act; the result
    names the new payment. What is not given is the original's."""

    op: ClassVar[str] = "payment.correct"
    reason: str = arg(parsers.REASON)
    payee: str | None = arg(parsers.PAYEE, None)
    amount: Amount | None = arg(parsers.AMOUNT, None)
    economic: str | None = arg(parsers.ECONOMIC, None)
    voucher: str | None = arg(parsers.VOUCHER, None)
    on: dt.date | None = arg(parsers.DATE, None, column="date")  # the corrected payment's date

    def act(self, work: Work, line: Project, number: int) -> bool:
        raise AssertionError("decide() is overridden")

    def decide(self, work: Work) -> PaymentActed:
        line, number = self.which(work)
        if self.economic is not None:
            codes.economic_code(self.economic, (self.on or line.payment(number).requested_on).year)
        new = line.correct_payment(
            number,
            reason=self.reason,
            actor=work.actor,
            payee=self.payee,
            amount=self.amount,
            on=self.on,
            economic=self.economic,
            voucher=self.voucher,
        )
        settlement_warnings(work, line, new)
        return PaymentActed(PaymentRef(ref_of(line), new), True)


def ref_of(line: Project) -> ProjectRef:
    return ProjectRef(line.unit, line.code)


def settlement_warnings(work: Work, line: Project, number: int) -> None:
    """A voucher already used on the line; a settlement dated after today."""
    payment = line.payments[number]
    if payment.voucher:
        others = [
            p.number
            for p in line.payments.values()
            if p.voucher == payment.voucher
            and p.number != number
            and p.status is not PaymentStatus.REVERSED
            and p.replaced_by != number
        ]
        if others:
            work.warnings.append(
                f"凭证号“{payment.voucher}”已用于支付 {line.payment_ref(others[0])}；"
                "请核对是否重复录入（重复的请用 `ledger payment reverse` 冲销）。"
            )
    if payment.settled_on is not None and payment.settled_on > work.today:
        work.warnings.append(
            f"支付 {line.payment_ref(number)} 的拨付日期 {payment.settled_on} 晚于今天（{work.today}）；"
            "请核对日期（如录错，请用 `ledger payment correct --date` 更正）。"
        )


# ---------------------------------------------------------------- import rows

#: every act an import row may name, by its ``op``
COMMANDS: dict[str, type[Command[Any]]] = {
    c.op: c
    for c in (
        AddUnit,
        SetOpeningBalance,
        SetCurve,
        AddIncome,
        CloseYear,
        ReopenYear,
        AddProject,
        AmendProject,
        CloseProject,
        IssueQuota,
        ReduceQuota,
        ReverseQuota,
        TransferQuota,
        Allocate,
        ReduceAllocation,
        SetScore,
        SetTarget,
        RequestPayment,
        HoldPayment,
        SettlePayment,
        CancelPayment,
        RefundPayment,
        ReversePayment,
        CorrectPayment,
    )
}


_COLUMNS: dict[type[Command[Any]], dict[str, tuple[str, Arg, bool]]] = {}


def columns(kind: type[Command[Any]]) -> dict[str, tuple[str, Arg, bool]]:
    """An act's import columns: column → (field, how it is read, required)."""
    if kind in _COLUMNS:
        return _COLUMNS[kind]
    found = _COLUMNS[kind] = {}
    for f in dataclasses.fields(kind):  # type: ignore[arg-type]
        meta = f.metadata.get("arg")
        if meta is None or meta.column is None:
            continue
        required = f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
        found[meta.column or f.name] = (f.name, meta, required)
    return found


def from_row(op: str, fields: Mapping[str, str]) -> Command[Any]:
    """The command an import row names, its fields read by the command line's parsers.

    An empty cell is an absent field; a required field absent, a field the act does not
    have, or a value its parser refuses is :class:`MalformedInput`.
    """
    plan = _PLANS.get((op, tuple(fields)))
    if plan is None:
        plan = _plan(op, tuple(fields))
    kind, reads, missing = plan
    values: dict[str, Any] = {}
    for column, name, parser, memo, required in reads:
        text = fields[column]
        found = memo.get(text, _UNREAD)
        if found is _UNREAD:
            if not text.strip():
                if required:
                    raise MalformedInput(f"缺少字段 {column}（{parser.label}）")
                continue
            found = parser(text)
        values[name] = found
    if missing is not None:
        raise MalformedInput(missing)
    return kind(**values)


_UNREAD: Any = object()

#: how a row of an act with these columns (in this order) is read: its command; per column
#: it has, in the act's order, (field, parser, the parser's memo, required); and the
#: refusal of the first required column it lacks (the columns after it are never read).
#: An import repeats the same op and columns by the ten thousand: they are checked once
_Plan = tuple[type[Command[Any]], tuple[tuple[str, str, Parser[Any], dict[str, Any], bool], ...], str | None]
_PLANS: dict[tuple[str, tuple[str, ...]], _Plan] = {}


def _plan(op: str, present: tuple[str, ...]) -> _Plan:
    kind = COMMANDS.get(op.strip())
    if kind is None:
        raise MalformedInput(f"未知的操作 op“{op.strip()[:30]}”，可用：{'、'.join(sorted(COMMANDS))}")
    wanted = columns(kind)
    extra = sorted(set(present) - set(wanted))
    if extra:
        raise MalformedInput(f"未知字段：{'、'.join(extra)}（{kind.op} 可用：{'、'.join(wanted)}）")
    reads = []
    missing = None
    for column, (name, meta, required) in wanted.items():
        if column in present:
            reads.append((column, name, meta.parser, meta.parser.memo, required))
        elif required:
            missing = f"缺少字段 {column}（{meta.parser.label}）"
            break
    plan = (kind, tuple(reads), missing)
    if len(_PLANS) < parsers.MEMO_SIZE:
        _PLANS[(op, present)] = plan
    return plan
