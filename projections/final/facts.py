"""The exact sums (分) of one unit-year that every table of the final accounts is built from.

:class:`Facts` is what ``projections.accounts.gather`` reads out of the read models; the
functions here are the questions the table builders ask of it (spending by function for
some funds and 基本/项目, income by source), and :func:`rolled`, which carries a sum by
项 up to its 款 and 类. Everything stays in 分; a builder rounds each cell once, with
``ledger.money.wan``.
"""

from __future__ import annotations

from collections import defaultdict

from ledger.codes import CodeKind, rollup
from ledger.domain.kinds import Category, Fund

FISCAL = tuple(f.value for f in Fund if f.is_fiscal)
SOURCES = ("上级补助收入", "事业收入", "经营收入", "附属单位上缴收入", "其他收入")
BASIC = (Category.PERSONNEL.value, Category.OPERATING.value)
SANGONG = {
    "30212": "因公出国（境）费",
    "31013": "公务用车购置费",
    "30231": "公务用车运行维护费",
    "30217": "公务接待费",
}


class Facts:
    """Exact sums (分) for one unit-year, from which every cell is formed; equal when every
    sum is. (A plain class, not a dataclass: a report run without click imports nothing it
    need not.)"""

    __slots__ = ("economic", "income", "opening", "projects", "sangong_quota", "spend", "unit", "year")

    def __init__(self, unit: str, year: int) -> None:
        self.unit = unit
        self.year = year
        # (function, is_basic, fund) → paid
        self.spend: dict[tuple[str, bool, str], int] = defaultdict(int)
        # (economic, is_basic, fund) → paid
        self.economic: dict[tuple[str, bool, str], int] = defaultdict(int)
        # (source, function) → income
        self.income: dict[tuple[str, str], int] = defaultdict(int)
        self.opening: dict[str, int] = defaultdict(int)
        # 三公 economic code → quota on lines whose economic code it is (一般公共预算)
        self.sangong_quota: dict[str, int] = defaultdict(int)
        # 自评 rows: code → (年初, 全年, 执行, override)
        self.projects: list[tuple[str, int, int, int, int | None]] = []

    def _sums(self) -> tuple[object, ...]:
        return tuple(getattr(self, name) for name in self.__slots__)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Facts):
            return self._sums() == other._sums()
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]  # mutable, as the dataclass was

    def __repr__(self) -> str:
        return "Facts(" + ", ".join(f"{name}={getattr(self, name)!r}" for name in self.__slots__) + ")"


def spend(facts: Facts, funds: tuple[str, ...] | None = None, basic: bool | None = None) -> dict[str, int]:
    """Paid by function code, on lines of ``funds`` (all if None), 基本支出 or 项目支出 (both if None)."""
    by_function: dict[str, int] = defaultdict(int)
    for (function, is_basic, fund), paid in facts.spend.items():
        if (funds is None or fund in funds) and (basic is None or is_basic == basic):
            by_function[function] += paid
    return by_function


def fiscal_by_fund(facts: Facts) -> dict[str, int]:
    """财政拨款 paid — and so 财政拨款收入, recognised when paid — per fiscal fund."""
    return {f: sum(spend(facts, (f,)).values()) for f in FISCAL}


def income_by_source(facts: Facts) -> dict[str, int]:
    """非财政拨款收入 per source; 非财政 lines spend their own money, recorded separately."""
    return {s: sum(v for (src, _), v in facts.income.items() if src == s) for s in SOURCES}


def opening_of(facts: Facts, fund: str) -> int:
    return facts.opening.get(fund, 0)


def rolled(amounts: dict[str, int], kind: CodeKind = CodeKind.FUNCTION) -> dict[str, int]:
    """Sum amounts by code onto every level: 项 → 款 → 类."""
    out: dict[str, int] = defaultdict(int)
    for code, amount in amounts.items():
        for level in rollup(kind, code):
            out[level] += amount
    return out
