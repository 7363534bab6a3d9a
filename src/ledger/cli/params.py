"""click parameter types: text becomes domain values here, or a usage error (exit 2)."""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any, BinaryIO

import click

from ledger import calendar, codes, files
from ledger.errors import LedgerError, MalformedInput
from ledger.money import Amount
from ledger.text import clean_key, clean_text, parse_count, parse_number


class _Type(click.ParamType[Any]):
    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if not isinstance(value, str):
            return value
        try:
            return self.parse(value)
        except MalformedInput as e:
            self.fail(e.message, param, ctx)

    def parse(self, value: str) -> Any:
        raise NotImplementedError


class AmountType(_Type):
    """A positive amount in 元 or 万元."""

    name = "金额"

    def parse(self, value: str) -> Amount:
        return Amount.parse_positive(value)


class DateType(_Type):
    name = "日期"

    def parse(self, value: str) -> dt.date:
        return calendar.parse_date(value)


class YearType(_Type):
    name = "年度"

    def parse(self, value: str) -> int:
        return calendar.parse_year(value)


class NumberType(_Type):
    """A plain non-negative decimal (percentage points, a tolerance): ASCII or full-width digits."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.name = label

    def parse(self, value: str) -> Decimal:
        number = parse_number(value, label=self.label)
        if number < 0:
            raise MalformedInput(f"{self.label}“{value[:20]}”不能为负数")
        return number


class CountType(_Type):
    """A whole number of days or items, ``0`` or more: ASCII or full-width digits only."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.name = label

    def parse(self, value: str) -> int:
        return parse_count(value, label=self.label)


class FunctionCodeType(_Type):
    name = "功能分类科目"

    def parse(self, value: str) -> str:
        # well-formed here; known is decided against the book of the act's year
        return codes.check_shape(codes.CodeKind.FUNCTION, value)


class EconomicCodeType(_Type):
    name = "经济分类科目"

    def parse(self, value: str) -> str:
        return codes.check_shape(codes.CodeKind.ECONOMIC, value)


class KeyType(_Type):
    """A request key (幂等键), NFKC-normalised so full-width and ASCII spellings are one key."""

    name = "幂等键"

    def parse(self, value: str) -> str:
        return clean_key(value, label=self.name, max_length=100)


class TextType(_Type):
    def __init__(self, label: str, max_length: int = 200) -> None:
        self.label = label
        self.max_length = max_length
        self.name = label

    def parse(self, value: str) -> str:
        return clean_text(value, label=self.label, max_length=self.max_length)


AMOUNT = AmountType()
DATE = DateType()
YEAR = YearType()
FUNCTION = FunctionCodeType()
ECONOMIC = EconomicCodeType()
PAYEE = TextType("收款人", 100)
REASON = TextType("原因", 200)
DOC = TextType("文号", 100)
NAME = TextType("名称", 200)
KEY = KeyType()
POINTS = NumberType("百分点")
DAYS = CountType("天数")


class Choice(click.Choice):  # type: ignore[type-arg]
    """A fixed list of words, refused in Chinese."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        text = unicodedata.normalize("NFKC", value).strip() if isinstance(value, str) else value
        if text in self.choices:
            return text
        self.fail(f"“{str(value)[:40]}”不是可选值，应为：{'、'.join(map(str, self.choices))}", param, ctx)


#: where ``--force`` leaves its answer for the output file types of the same command
FORCE_KEY = "ledger.force"


def _remember_force(ctx: click.Context, param: click.Parameter, value: bool) -> bool:
    ctx.meta[FORCE_KEY] = bool(value)
    return bool(value)


def force_option(func: Any) -> Any:
    """``--force``: let the command overwrite an existing output file.

    Eager, so that it is known when the file names are checked, whatever the order typed.
    """
    return click.option(
        "--force",
        is_flag=True,
        is_eager=True,
        expose_value=False,
        callback=_remember_force,
        help="输出文件已存在时覆盖它（先完整写入临时文件再替换，失败时原文件不变）。",
    )(func)


def _protected(ctx: click.Context | None) -> list[Path]:
    """The store's own file, which no output may overwrite (a PostgreSQL store has none)."""
    obj = ctx.find_root().obj if ctx is not None else None
    store_path = getattr(getattr(obj, "store", None), "path", None)
    return [store_path] if isinstance(store_path, Path) else []


class OutputFileType(_Type):
    """A file the command will write: checked here, before any work, by :mod:`ledger.files`."""

    name = "文件"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if value is None:
            return value
        try:
            force = bool(ctx.meta.get(FORCE_KEY)) if ctx is not None else False
            files.check_target(str(value), force=force, protected=_protected(ctx))
        except LedgerError as e:
            if isinstance(e, MalformedInput):
                self.fail(e.message, param, ctx)
            raise
        return str(value)


OUTPUT_FILE = OutputFileType()


def write_output(path: str | Path, write: Callable[[BinaryIO], None]) -> Path:
    """Write a file the clerk named, by the rules of :mod:`ledger.files` and this command's --force."""
    ctx = click.get_current_context(silent=True)
    force = bool(ctx.meta.get(FORCE_KEY)) if ctx is not None else False
    return files.write_file(path, write, force=force, protected=_protected(ctx))
