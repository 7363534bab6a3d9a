"""The budget unit (预算单位): its register of project lines, its own money and its year ends.

The unit aggregate decides what belongs to the unit as a whole: which project codes
exist (so a code is registered once), the opening balance (年初结转和结余) of the first
year kept, non-财政 income, and the year-end close, which it records together with
one close event on every project line in a single transaction.
"""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from typing import Any

from eventsourcing.domain import Aggregate

from ledger.domain.kinds import Fund
from ledger.domain.project import unit_id
from ledger.errors import AlreadyExists, ReopenRefused, RuleViolation, YearClosed, YearCloseRefused
from ledger.money import Amount


class UnitKind(enum.StrEnum):
    ADMINISTRATIVE = "行政单位"
    PUBLIC_INSTITUTION = "事业单位"


class IncomeSource(enum.StrEnum):
    """Non-财政 income sources of 公开01/公开02."""

    SUPERIOR_SUBSIDY = "上级补助收入"
    BUSINESS = "事业收入"
    OPERATING = "经营收入"
    AFFILIATE = "附属单位上缴收入"
    OTHER = "其他收入"


class Unit(Aggregate):
    """A budget unit."""

    class Event(Aggregate.Event):
        """Every unit event names its unit, its business date and who recorded it."""

        on: dt.date
        actor: str
        unit: str

        def mutate(self, aggregate: Any) -> Any:
            unit = super().mutate(aggregate)
            if unit is not None:
                unit.acts.append((self.originator_version, type(self).__name__, self.on))
            return unit

    class Registered(Aggregate.Created):
        class_version = 1
        on: dt.date
        actor: str
        unit: str
        code: str
        name: str
        kind: str

    class ProjectListed(Event):
        class_version = 1
        code: str

        def apply(self, unit: Unit) -> None:
            unit.projects.append(self.code)

    class OpeningBalanceSet(Event):
        class_version = 1
        year: int
        fund: str
        amount: int

        def apply(self, unit: Unit) -> None:
            unit.opening[(self.year, self.fund)] = self.amount

    class BalanceCarried(Event):
        """年末结转和结余 of a fund carried by the year-end close into ``year``'s 年初."""

        class_version = 1
        year: int
        fund: str
        amount: int

        def apply(self, unit: Unit) -> None:
            unit.opening[(self.year, self.fund)] = self.amount
            unit.carried[(self.year, self.fund)] = self.amount

    class OpeningBalanceCorrected(Event):
        """A carried 年初结转和结余 corrected, with the reason: its own act, the carry kept."""

        class_version = 1
        year: int
        fund: str
        amount: int
        reason: str

        def apply(self, unit: Unit) -> None:
            unit.opening[(self.year, self.fund)] = self.amount

    class IncomeRecorded(Event):
        class_version = 1
        amount: int
        source: str
        function: str
        doc: str

        def apply(self, unit: Unit) -> None:
            unit.income_count += 1
            unit.income[(self.on.year, self.source)] = (
                unit.income.get((self.on.year, self.source), 0) + self.amount
            )

    class CurveSet(Event):
        """The 序时进度 curve of a year: cumulative target % at each month end (12 values)."""

        class_version = 1
        year: int
        points: list[str]

        def apply(self, unit: Unit) -> None:
            unit.curves[self.year] = list(self.points)

    class YearClosed(Event):
        class_version = 1
        year: int
        withdrawn: list[str]

        def apply(self, unit: Unit) -> None:
            unit.closed_years.append(self.year)
            unit.closed_through = self.year
            unit.closings[self.year] = tuple(sorted(self.withdrawn))

    class YearReopened(Event):
        """反结账 of ``year``: the year takes acts again; what its close carried into the next
        year's 年初 is taken back."""

        class_version = 1
        year: int
        reason: str

        def apply(self, unit: Unit) -> None:
            unit.closed_years.remove(self.year)
            del unit.closings[self.year]
            unit.closed_through = unit.closed_years[-1] if unit.closed_years else None
            for key in [k for k in unit.carried if k[0] == self.year + 1]:
                del unit.carried[key]
                unit.opening.pop(key, None)

    def __init__(self, *, on: dt.date, actor: str, unit: str, code: str, name: str, kind: str) -> None:
        self.code = code
        self.name = name
        self.kind = UnitKind(kind)
        self.projects: list[str] = []
        self.opening: dict[tuple[int, str], int] = {}
        self.carried: dict[tuple[int, str], int] = {}
        self.income: dict[tuple[int, str], int] = {}
        self.income_count = 0
        self.closed_through: int | None = None
        self.closed_years: list[int] = []
        #: each closed year's withdrawn project codes, as the close recorded them
        self.closings: dict[int, tuple[str, ...]] = {}
        self.curves: dict[int, list[str]] = {}
        self.acts: list[tuple[int, str, dt.date]] = []  # (version, event, business date)

    @staticmethod
    def create_id(code: str) -> uuid.UUID:
        return unit_id(code)

    @classmethod
    def register(cls, *, code: str, name: str, kind: UnitKind, on: dt.date, actor: str) -> Unit:
        return cls._create(
            cls.Registered, on=on, actor=actor, unit=code, code=code, name=name, kind=str(kind)
        )

    def _open_year(self, year: int, act: str) -> None:
        if self.closed_through is not None and year <= self.closed_through:
            raise YearClosed(
                f"单位 {self.code}：{year} 年度已结账，不能再记录{act}。"
                f"请使用 {self.closed_through + 1} 年或以后的日期。"
            )

    def list_project(self, code: str, *, on: dt.date, actor: str) -> None:
        if code in self.projects:
            raise AlreadyExists(f"单位 {self.code} 已有项目编码 {code}，请换一个编码。")
        self.trigger_event(self.ProjectListed, on=on, actor=actor, unit=self.code, code=code)

    def set_opening_balance(
        self, year: int, fund: Fund, amount: Amount, *, actor: str, reason: str = ""
    ) -> None:
        """年初结转和结余 of the first year the unit is kept; for a year that follows a closed
        one the close carried it, and only a correction with a reason is recorded."""
        self._open_year(year, "年初结转和结余")
        if self.closed_through is not None and year > self.closed_through + 1:
            raise YearCloseRefused(
                f"单位 {self.code}：{year} 年的年初结转和结余由 {year - 1} 年度结账结转，"
                f"请先结账 {self.closed_through + 1} 年度。"
            )
        if self.closed_through is not None:  # year == closed_through + 1: carried by the close
            if not reason:
                raise RuleViolation(
                    f"单位 {self.code}：{year} 年的年初结转和结余已由 {self.closed_through} 年度结账自动结转"
                    f"（{self.carried_text(year)}），不需再录入。如结转数确需更正，请加上更正原因："
                    f"`ledger unit opening-balance {self.code} {year} 金额 --fund {fund} --reason 原因`。"
                )
            self.trigger_event(
                self.OpeningBalanceCorrected,
                on=dt.date(year, 1, 1),
                actor=actor,
                unit=self.code,
                year=year,
                fund=str(fund),
                amount=amount.fen,
                reason=reason,
            )
            return
        earlier = sorted({y for (y, _) in self.opening if y < year})
        if earlier:
            raise RuleViolation(
                f"单位 {self.code}：首个记账年度是 {earlier[0]} 年，年初结转和结余只在首个记账年度录入；"
                f"以后年度的年初由年终结账（ledger year close {self.code} {year - 1}）自动结转。"
            )
        self.trigger_event(
            self.OpeningBalanceSet,
            on=dt.date(year, 1, 1),
            actor=actor,
            unit=self.code,
            year=year,
            fund=str(fund),
            amount=amount.fen,
        )

    def carried_text(self, year: int) -> str:
        """The balances the close carried into ``year``, as a clerk reads them."""
        carried = [(f, a) for (y, f), a in sorted(self.carried.items()) if y == year]
        if not carried:
            return "各资金性质均为 0.00 元"
        return "、".join(f"{f} {Amount(a)} 元" for f, a in carried)

    def record_income(
        self,
        amount: Amount,
        *,
        source: IncomeSource,
        function: str,
        on: dt.date,
        doc: str,
        actor: str,
    ) -> None:
        self._open_year(on.year, "收入")
        self.trigger_event(
            self.IncomeRecorded,
            on=on,
            actor=actor,
            unit=self.code,
            amount=amount.fen,
            source=str(source),
            function=function,
            doc=doc,
        )

    def set_curve(self, year: int, points: list[str], *, actor: str) -> None:
        """Record the year's 序时进度 curve (percentages, non-decreasing, the last ≤ 100)."""
        from ledger.errors import MalformedInput
        from ledger.text import parse_number

        if len(points) != 12:
            raise MalformedInput(f"序时进度曲线需要 12 个月的累计百分比，收到 {len(points)} 个")
        values = [parse_number(p, label="序时进度") for p in points]
        if any(not v.is_finite() or v < 0 or v > 100 for v in values) or values != sorted(values):
            raise MalformedInput("序时进度曲线应为 0–100 之间、逐月不减的累计百分比")
        self.trigger_event(
            self.CurveSet,
            on=dt.date(year, 1, 1),
            actor=actor,
            unit=self.code,
            year=year,
            points=[f"{v:.2f}" for v in values],
        )

    def close_year(
        self, year: int, *, withdrawn: list[str], closing: dict[str, int], today: dt.date, actor: str
    ) -> None:
        """Close ``year``: nothing more is recorded into it, and each fund's 年末结转和结余
        (``closing``, 分) is carried into the next year's 年初."""
        if year > today.year:
            raise YearCloseRefused(
                f"单位 {self.code}：不能结账 {year} 年度，它还没有到来（今天是 {today.isoformat()}）。"
                f"年终结账只能结账 {today.year} 年或以前的年度。"
            )
        if self.closed_through is not None and year <= self.closed_through:
            raise YearCloseRefused(f"单位 {self.code}：{year} 年度已经结账。")
        if self.closed_through is not None and year > self.closed_through + 1:
            raise YearCloseRefused(
                f"单位 {self.code}：请先结账 {self.closed_through + 1} 年度，再结账 {year} 年度。"
            )
        self.trigger_event(
            self.YearClosed,
            on=dt.date(year, 12, 31),
            actor=actor,
            unit=self.code,
            year=year,
            withdrawn=withdrawn,
        )
        for fund, amount in sorted(closing.items()):
            if amount:
                self.trigger_event(
                    self.BalanceCarried,
                    on=dt.date(year + 1, 1, 1),
                    actor=actor,
                    unit=self.code,
                    year=year + 1,
                    fund=fund,
                    amount=amount,
                )

    def closing_balances(self, year: int, spent: dict[str, int]) -> dict[str, int]:
        """年末结转和结余 of ``year`` by fund (分), given what the lines paid by fund.

        财政拨款 is income when paid, so a 财政 fund closes at its opening balance; the
        unit's other money (every non-财政 source, as 公开01 groups it) closes at opening
        + income − spending.
        """
        closing: dict[str, int] = {}
        for (y, fund), amount in self.opening.items():
            if y == year:
                key = fund if Fund(fund).is_fiscal else str(Fund.NON_FISCAL)
                closing[key] = closing.get(key, 0) + amount
        other = str(Fund.NON_FISCAL)
        for (y, _source), amount in self.income.items():
            if y == year:
                closing[other] = closing.get(other, 0) + amount
        for fund, amount in spent.items():
            if not Fund(fund).is_fiscal:
                closing[other] = closing.get(other, 0) - amount
        return closing

    def later_acts(self, year: int) -> list[tuple[int, str, dt.date]]:
        """The unit's own money acts dated after ``year`` (income, corrected balances)."""
        money = ("IncomeRecorded", "OpeningBalanceSet", "OpeningBalanceCorrected")
        return [a for a in self.acts if a[2].year > year and a[1] in money]

    def reopen_year(self, year: int, *, reason: str, actor: str) -> None:
        """反结账: only the last closed year reopens."""
        self.check_reopen(year)
        self.trigger_event(
            self.YearReopened, on=dt.date(year, 12, 31), actor=actor, unit=self.code, year=year, reason=reason
        )

    def check_reopen(self, year: int) -> None:
        if self.closed_through is None:
            raise ReopenRefused(f"单位 {self.code} 还没有结账的年度，不需要反结账。")
        if year != self.closed_through:
            raise ReopenRefused(
                f"单位 {self.code}：只能反结账最近结账的 {self.closed_through} 年度"
                + (f"；要反结账 {year} 年度，请先反结账其后各年度。" if year < self.closed_through else "。")
            )
