"""How a clerk's text becomes a domain value: one parser per kind of field.

The command line's parameter types (``ledger.cli.params``) and the import's rows
(``ledger.commands.from_row``) read every field through these, so ``1,234.50``,
``１２３４.５`` and ``2026/03/09`` mean the same typed on the command line and written in
a file, and are refused with the same words. Each parser raises
:class:`~ledger.errors.MalformedInput` naming what was wrong.
"""

from __future__ import annotations

import datetime as dt
import enum
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from ledger import calendar, codes
from ledger.errors import MalformedInput
from ledger.money import Amount
from ledger.text import clean_key, clean_text, parse_number, parse_score

T = TypeVar("T")
MEMO_SIZE = 50_000
E = TypeVar("E", bound=enum.Enum)


@dataclass(frozen=True)
class Parser(Generic[T]):
    """A field's label (as a clerk reads it) and how its text is read."""

    label: str
    read: Callable[[str], T]
    #: one of fixed words (a default of which an import's key counts as said)
    fixed: bool = False
    #: what each text read to: an import repeats the same dates, amounts and names by the
    #: thousand (a refused text raises again each time; a day changes what no date reads to)
    memo: dict[str, T] = field(default_factory=dict, compare=False, repr=False)

    def __call__(self, text: str) -> T:
        if text in self.memo:
            return self.memo[text]
        found = self.read(text)
        if len(self.memo) < MEMO_SIZE and text.strip():  # a blank cell is an absent field
            self.memo[text] = found
        return found


def text(label: str, max_length: int = 200) -> Parser[str]:
    return Parser(label, lambda s: clean_text(s, label=label, max_length=max_length))


def choice(label: str, kind: type[E]) -> Parser[E]:
    """One of an enumeration's words (full-width spellings fold to it)."""
    words = [str(k.value) for k in kind]

    def read(s: str) -> E:
        word = unicodedata.normalize("NFKC", s).strip()
        if word not in words:
            raise MalformedInput(f"{label}“{word[:30]}”不是可选值，应为：{'、'.join(words)}")
        return kind(word)

    return Parser(label, read, fixed=True)


def words(label: str, options: list[str]) -> Parser[str]:
    """One of a few fixed words that are not an enumeration (a comparison, a direction)."""

    def read(s: str) -> str:
        word = unicodedata.normalize("NFKC", s).strip()
        if word not in options:
            raise MalformedInput(f"{label}“{word[:30]}”不是可选值，应为：{'、'.join(options)}")
        return word

    return Parser(label, read, fixed=True)


def _unit_code(s: str) -> str:
    from ledger.application import check_unit_code

    return check_unit_code(unicodedata.normalize("NFKC", s))


def _project_code(s: str) -> str:
    from ledger.application import check_project_code

    return check_project_code(unicodedata.normalize("NFKC", s))


def _reference(label: str, example: str) -> Callable[[str], str]:
    """A project or payment as written (``153001/P1``, ``P1``, ``153001/P1/3``): resolved
    when the act is decided, against the ledger as it then stands."""

    def read(s: str) -> str:
        ref = clean_text(unicodedata.normalize("NFKC", s), label=label, max_length=120)
        if any(c.isspace() for c in ref):
            raise MalformedInput(f"{label}“{ref[:60]}”不能含空格，应写成 {example}")
        return ref

    return read


def _ordinal(s: str) -> int:
    from ledger.text import numeral

    digits = numeral(s, label="序号")
    if not (digits.isascii() and digits.isdigit()) or len(digits) > 9 or int(digits) < 1:
        raise MalformedInput(f"序号“{digits[:20]}”应为正整数，如 3")
    return int(digits)


def _number(s: str) -> str:
    return str(parse_number(s, label="目标值"))


def _codes(s: str) -> tuple[str, ...]:
    """Project codes listed with commas, 、 or spaces, or as a JSON list."""
    import json

    body = unicodedata.normalize("NFKC", s).strip()
    items: list[Any]
    if body.startswith("["):
        try:
            items = json.loads(body)
        except ValueError:
            raise MalformedInput(f"收回项目“{body[:60]}”不是项目编码的列表") from None
        if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
            raise MalformedInput(f"收回项目“{body[:60]}”不是项目编码的列表")
    else:
        items = body.replace("、", ",").replace(" ", ",").split(",")
    return tuple(sorted({_project_code(i) for i in items if i.strip()}))


def _points(s: str) -> tuple[str, ...]:
    body = unicodedata.normalize("NFKC", s).replace("、", ",").replace(" ", ",")
    return tuple(p.strip() for p in body.split(",") if p.strip())


AMOUNT: Parser[Amount] = Parser("金额", Amount.parse_positive)
DATE: Parser[dt.date] = Parser("日期", calendar.parse_date)
YEAR: Parser[int] = Parser("年度", calendar.parse_year)
FUNCTION: Parser[str] = Parser("功能分类科目", lambda s: codes.check_shape(codes.CodeKind.FUNCTION, s))
ECONOMIC: Parser[str] = Parser("经济分类科目", lambda s: codes.check_shape(codes.CodeKind.ECONOMIC, s))
KEY: Parser[str] = Parser("幂等键", lambda s: clean_key(s, label="幂等键", max_length=100))
SCORE: Parser[int] = Parser("得分", parse_score)
NUMBER: Parser[str] = Parser("目标值", _number)
ORDINAL: Parser[int] = Parser("序号", _ordinal)
UNIT: Parser[str] = Parser("单位编码", _unit_code)
CODE: Parser[str] = Parser("项目编码", _project_code)
PROJECT: Parser[str] = Parser("项目", _reference("项目", "单位/项目编码，如 153001/P2024-017"))
PAYMENT: Parser[str] = Parser("支付编号", _reference("支付编号", "单位/项目编码/序号，如 153001/P2024-017/3"))
CODES: Parser[tuple[str, ...]] = Parser("收回项目", _codes)
POINTS: Parser[tuple[str, ...]] = Parser("序时进度", _points)
PAYEE = text("收款人", 100)
REASON = text("原因", 200)
DOC = text("文号", 100)
NAME = text("名称", 200)
VOUCHER = text("凭证号", 100)
