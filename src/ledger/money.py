"""Money as integer 分 (fen): the only way amounts enter and leave the ledger.

Clerks type amounts in 元 (``1,234.56``) or in 万元 with the suffix ``万``
(``12.34万``). Inside the ledger every amount is a whole number of 分; nothing is
ever a float. Published tables print 万元 with two decimals, each cell rounded on
its own, half-up, from the exact 分 (DOMAIN.md §6): :meth:`Amount.wan` is that
rounding and the only one.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal

from ledger.errors import MalformedInput
from ledger.text import numeral

FEN_PER_YUAN = 100
FEN_PER_WAN = 1_000_000
#: The largest single amount a clerk may type: one 万亿元 (10^12 元) is far above
#: any budget line and keeps every sum inside SQL's 64-bit integers.
MAX_FEN = 10**12 * FEN_PER_YUAN

#: the longest text an amount can be written as (1,000,000,000,000.00 万元 is 27 characters)
MAX_TEXT = 64
_NUMBER = re.compile(r"^(?P<sign>-)?(?P<int>[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.(?P<frac>[0-9]+))?$")


class Amount:
    """A sum of money in whole 分. Construct it with :meth:`parse` or :meth:`of_fen`.

    An immutable value, ordered and hashed by its 分 (what ``@dataclass(frozen=True,
    order=True, slots=True)`` would make; written out so that the reports, which import
    this module, need not load ``dataclasses`` and ``inspect``).
    """

    __slots__ = ("fen",)
    __match_args__ = ("fen",)
    fen: int

    def __init__(self, fen: int) -> None:
        if type(fen) is not int:
            raise TypeError(f"Amount needs an int number of 分, got {fen!r}")
        object.__setattr__(self, "fen", fen)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"Amount is immutable: cannot assign to {name!r}")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"Amount is immutable: cannot delete {name!r}")

    def __reduce__(self) -> tuple[type[Amount], tuple[int]]:
        return (Amount, (self.fen,))

    def __repr__(self) -> str:
        return f"Amount(fen={self.fen!r})"

    def __eq__(self, other: object) -> bool:
        return self.fen == other.fen if isinstance(other, Amount) else NotImplemented

    def __hash__(self) -> int:
        return hash((self.fen,))

    def __lt__(self, other: Amount) -> bool:
        return self.fen < other.fen if isinstance(other, Amount) else NotImplemented

    def __le__(self, other: Amount) -> bool:
        return self.fen <= other.fen if isinstance(other, Amount) else NotImplemented

    def __gt__(self, other: Amount) -> bool:
        return self.fen > other.fen if isinstance(other, Amount) else NotImplemented

    def __ge__(self, other: Amount) -> bool:
        return self.fen >= other.fen if isinstance(other, Amount) else NotImplemented

    @classmethod
    def of_fen(cls, fen: int) -> Amount:
        return cls(fen)

    @classmethod
    def zero(cls) -> Amount:
        return cls(0)

    @classmethod
    def parse(cls, text: str, *, allow_negative: bool = False) -> Amount:
        """Read an amount typed by a clerk.

        ``1234.56``, ``1,234.56`` and ``1234`` are 元 with at most two decimals;
        ``12.34万`` (or ``12.34 万元``) is 万元 with at most six decimals. Full-width
        digits from a Chinese input method (``１２３``) read as their ASCII twins; other
        scripts' digits (``١٠٥``) and spaces between digits (``1 2 3``) are refused.
        Exponents, NaN, infinities, floats and more decimals than the unit allows are
        refused with :class:`MalformedInput`.
        """
        if not isinstance(text, str):
            raise MalformedInput(f"金额必须是文本，收到 {type(text).__name__}")
        if len(text) > MAX_TEXT:  # before int(): Python refuses int() of over 4,300 digits
            raise MalformedInput(f"金额“{_shown(text)}”过长，超出上限（单笔不超过 1 万亿元）")
        if text.isascii() and text.isdigit():  # whole 元 as plain digits: most imported rows
            if int(text) > MAX_FEN // FEN_PER_YUAN:
                raise MalformedInput(f"金额“{_shown(text)}”超出上限（单笔不超过 1 万亿元）")
            return cls(int(text) * FEN_PER_YUAN)
        raw = text
        s = numeral(text, label="金额")
        if s.endswith("元") and not s.endswith("万元"):
            s = s[:-1].rstrip()
        per_unit, max_decimals, unit_name = FEN_PER_YUAN, 2, "元"
        if s.endswith("万元"):
            s, per_unit, max_decimals, unit_name = s[:-2].rstrip(), FEN_PER_WAN, 6, "万元"
        elif s.endswith("万"):
            s, per_unit, max_decimals, unit_name = s[:-1].rstrip(), FEN_PER_WAN, 6, "万元"
        if any(c.isspace() for c in s):
            raise MalformedInput(
                f"金额“{_shown(raw)}”中间有空格：数字之间不能有空格，千位分隔只用逗号（如 1,234.56）"
            )
        match = _NUMBER.match(s)
        if not s or match is None:
            raise MalformedInput(f"金额“{_shown(raw)}”无法识别：请写成元（如 1,234.56）或万元（如 12.34万）")
        frac = match["frac"] or ""
        if len(frac) > max_decimals:
            raise MalformedInput(
                f"金额“{_shown(raw)}”的小数位过多：以{unit_name}为单位最多 {max_decimals} 位小数"
                "（金额精确到分）"
            )
        whole = int(match["int"].replace(",", ""))
        fen = whole * per_unit + int(frac.ljust(max_decimals, "0") or "0") * (per_unit // 10**max_decimals)
        if match["sign"]:
            if not allow_negative:
                raise MalformedInput(f"金额“{_shown(raw)}”不能为负数")
            fen = -fen
        if abs(fen) > MAX_FEN:
            raise MalformedInput(f"金额“{_shown(raw)}”超出上限（单笔不超过 1 万亿元）")
        return cls(fen)

    @classmethod
    def parse_positive(cls, text: str) -> Amount:
        """Like :meth:`parse`, and refuse zero: an act of zero money records nothing."""
        amount = cls.parse(text)
        if amount.fen <= 0:
            raise MalformedInput(f"金额“{_shown(text)}”必须大于零")
        return amount

    def __add__(self, other: Amount) -> Amount:
        return Amount(self.fen + other.fen)

    def __sub__(self, other: Amount) -> Amount:
        return Amount(self.fen - other.fen)

    def __neg__(self) -> Amount:
        return Amount(-self.fen)

    def __bool__(self) -> bool:
        return self.fen != 0

    def yuan(self) -> str:
        """The exact amount in 元 with thousands separators: ``1,234.56``."""
        sign = "-" if self.fen < 0 else ""
        whole, cents = divmod(abs(self.fen), FEN_PER_YUAN)
        return f"{sign}{whole:,}.{cents:02d}"

    def plain(self) -> str:
        """The exact amount in 元 without separators, for files: ``1234.56``."""
        sign = "-" if self.fen < 0 else ""
        whole, cents = divmod(abs(self.fen), FEN_PER_YUAN)
        return f"{sign}{whole}.{cents:02d}"

    def wan(self) -> str:
        """The printed 万元 cell: two decimals, rounded half-up once from exact 分."""
        return wan(self.fen)

    def __str__(self) -> str:
        return self.yuan()


def wan(fen: int) -> str:
    """Round exact 分 to a 万元 cell with two decimals, half-up (away from zero)."""
    value = (Decimal(fen) / FEN_PER_WAN).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return f"{value:.2f}"


def percent(numerator_fen: int, denominator_fen: int) -> str:
    """执行率: numerator / denominator × 100, half-up to two decimals; 0.00 on a zero base."""
    if denominator_fen == 0:
        return "0.00"
    value = (Decimal(numerator_fen) * 100 / Decimal(denominator_fen)).quantize(
        Decimal("0.01"), rounding=ROUND_HALF_UP
    )
    return f"{value:.2f}"


def _shown(text: object) -> str:
    s = str(text)
    return s if len(s) <= 40 else s[:37] + "…"
