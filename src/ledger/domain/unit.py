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

from eventsourcing.domain import Aggregate

from ledger.domain.kinds import Fund
from ledger.domain.project import unit_id
from ledger.errors import AlreadyExists, YearClosed, YearCloseRefused
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

    class IncomeRecorded(Event):
        class_version = 1
        amount: int
        source: str
        function: str
        doc: str

        def apply(self, unit: Unit) -> None:
            unit.income_count += 1

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
            unit.closed_through = self.year

    def __init__(self, *, on: dt.date, actor: str, unit: str, code: str, name: str, kind: str) -> None:
        self.code = code
        self.name = name
        self.kind = UnitKind(kind)
        self.projects: list[str] = []
        self.opening: dict[tuple[int, str], int] = {}
        self.income_count = 0
        self.closed_through: int | None = None
        self.curves: dict[int, list[str]] = {}

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

    def set_opening_balance(self, year: int, fund: Fund, amount: Amount, *, actor: str) -> None:
        self._open_year(year, "年初结转和结余")
        self.trigger_event(
            self.OpeningBalanceSet,
            on=dt.date(year, 1, 1),
            actor=actor,
            unit=self.code,
            year=year,
            fund=str(fund),
            amount=amount.fen,
        )

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

    def close_year(self, year: int, *, withdrawn: list[str], actor: str) -> None:
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
