"""Classification codes: 支出功能分类 (function) and 支出经济分类 (economic), year by year.

A function code is a 类 (3 digits), 款 (5) or 项 (7); an economic code a 类 (3) or
款 (5). The ledger ships 财政部's 《政府收支分类科目》 of each year it knows
(``ledger/data/codes/<kind>-<year>.tsv``, the source named in each file's header):
every 支出功能分类 类/款/项, every 部门预算支出经济分类 类/款 and the 政府预算支出经济分类
类/款. An act is checked against the book of its fiscal year — a year after the last
book shipped reads the last one, a year before the first reads the first — and a
table prints the name that year's book gives.

A unit's finance bureau may use a code the shipped book lacks (a local 项, a code of
a later book). A clerk admits it with ``ledger codes add`` or ``ledger codes import``;
those acts are events (:mod:`ledger.domain.codebook`), and the application lays them
over the shipped book with :func:`use_local` before it decides anything. A code of
the right shape that is in neither is refused with the nearest known codes and the
exact command that would admit it, so a typo is caught before money moves.
"""

from __future__ import annotations

import enum
import os
import unicodedata
from collections.abc import Iterable
from functools import cache

from ledger.errors import AlreadyExists, MalformedInput, UnknownCode
from ledger.values import Value

#: the fiscal years whose code book ships with the ledger
SHIPPED_YEARS = (2024, 2025)

#: the 类 rows of 公开01/公开04, in the order a department's 决算 prints them (the seed's 26)
PUBLISHED_CLASSES = (
    "201", "202", "203", "204", "205", "206", "207", "208", "210", "211", "212", "213", "214",
    "215", "216", "217", "219", "220", "221", "222", "223", "224", "229", "231", "232", "234",
)  # fmt: skip

#: a local addition valid in every year (``ledger codes add`` without ``--year``)
EVERY_YEAR = 0


class CodeKind(enum.Enum):
    FUNCTION = "function"
    ECONOMIC = "economic"
    GOV_ECONOMIC = "gov-economic"

    @property
    def label(self) -> str:
        return {
            CodeKind.FUNCTION: "支出功能分类科目",
            CodeKind.ECONOMIC: "支出经济分类科目",
            CodeKind.GOV_ECONOMIC: "政府预算支出经济分类科目",
        }[self]

    @property
    def lengths(self) -> tuple[int, ...]:
        return (3, 5, 7) if self is CodeKind.FUNCTION else (3, 5)

    @property
    def levels(self) -> str:
        return "类/款/项" if self is CodeKind.FUNCTION else "类/款"


class Code(Value):
    __slots__ = ("kind", "code", "name")  # noqa: RUF023 (the fields' order)
    kind: CodeKind
    code: str
    name: str

    def __init__(self, kind: CodeKind, code: str, name: str) -> None:
        self._set(kind=kind, code=code, name=name)

    @property
    def level(self) -> str:
        """类, 款 or 项."""
        return {3: "类", 5: "款", 7: "项"}[len(self.code)]

    def parents(self) -> list[str]:
        """The codes this one rolls up into, nearest first (项 → 款 → 类)."""
        return [self.code[:n] for n in reversed(self.kind.lengths) if n < len(self.code)]


class LocalCode(Value):
    """A code a clerk admitted: valid in ``year``, or in every year when it is 0."""

    __slots__ = ("kind", "year", "code", "name")  # noqa: RUF023 (the fields' order)
    kind: CodeKind
    year: int
    code: str
    name: str

    def __init__(self, kind: CodeKind, year: int, code: str, name: str) -> None:
        self._set(kind=kind, year=year, code=code, name=name)


def book_year(year: int | None) -> int:
    """The shipped book an act of ``year`` is checked against."""
    if year is None:
        return SHIPPED_YEARS[-1]
    earlier = [y for y in SHIPPED_YEARS if y <= year]
    return earlier[-1] if earlier else SHIPPED_YEARS[0]


@cache
def shipped(kind: CodeKind, book: int) -> dict[str, str]:
    """One shipped book: code → name, in code order."""
    text = _book_text(f"{kind.value}-{book}.tsv")
    table: dict[str, str] = {}
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        code, label = line.split("\t", 1)
        table[code.strip()] = label.strip()
    return dict(sorted(table.items()))


def _book_text(name: str) -> str:
    """A shipped book's text: the file beside this module (an installed package), else
    through ``importlib.resources`` (a package the loader serves from elsewhere, a zip)."""
    try:
        with open(os.path.join(os.path.dirname(__file__), "data", "codes", name), encoding="utf-8") as f:
            return f.read()
    except FileNotFoundError:
        from importlib import resources

        return resources.files("ledger.data").joinpath("codes", name).read_text("utf-8")


def source_of(kind: CodeKind, book: int) -> str:
    """The header of a shipped book: where its codes and names come from."""
    text = _book_text(f"{kind.value}-{book}.tsv")
    return "\n".join(line.lstrip("# ").rstrip() for line in text.splitlines() if line.startswith("#"))


_local: dict[CodeKind, list[LocalCode]] = {kind: [] for kind in CodeKind}
_merged: dict[tuple[CodeKind, int | None], dict[str, str]] = {}
#: each code as typed, read against a year's book (an import names the same few codes on
#: every row); forgotten with the merged books whenever the local codes change
_found: dict[tuple[CodeKind, str, int | None], Code] = {}


def use_local(entries: Iterable[LocalCode]) -> None:
    """Lay the codes clerks admitted over the shipped books (replacing any laid before)."""
    for kind in CodeKind:
        _local[kind] = []
    for entry in entries:
        _local[entry.kind].append(entry)
    _merged.clear()
    _found.clear()


def local(kind: CodeKind) -> list[LocalCode]:
    return list(_local[kind])


def catalogue(kind: CodeKind, year: int | None = None) -> dict[str, str]:
    """Every known code of a kind in ``year``'s book, with the local additions; in code order.

    Without a year: every code of every shipped book (the latest book's name where two
    differ) and every local addition — what a line that spans years may carry.
    """
    merged = _merged.get((kind, year))
    if merged is None:
        table: dict[str, str] = {}
        books = SHIPPED_YEARS if year is None else (book_year(year),)
        for book in books:
            table.update(shipped(kind, book))
        for entry in _local[kind]:
            if year is None or entry.year in (EVERY_YEAR, year):
                table.setdefault(entry.code, entry.name)
        merged = _merged[(kind, year)] = dict(sorted(table.items()))
    return merged


def is_local(kind: CodeKind, code: str, year: int | None = None) -> bool:
    """Whether the code is known only because a clerk admitted it."""
    books = SHIPPED_YEARS if year is None else (book_year(year),)
    return not any(code in shipped(kind, b) for b in books) and code in catalogue(kind, year)


def check_shape(kind: CodeKind, text: str) -> str:
    """A code as typed: ASCII digits of one of the kind's lengths, or :class:`MalformedInput`."""
    code = str(text).strip()
    if not code.isascii() or not code.isdigit() or len(code) not in kind.lengths:
        shapes = "/".join(str(n) for n in kind.lengths)
        shown = "".join(c if c.isprintable() else "?" for c in code[:20])
        raise MalformedInput(f"{kind.label}“{shown}”格式不对：应为 {shapes} 位数字（{kind.levels}）")
    return code


def lookup(kind: CodeKind, text: str, year: int | None = None) -> Code:
    """Read a code typed by a clerk: well-formed, then known in ``year``'s book."""
    found = _found.get((kind, text, year))
    if found is not None:
        return found
    code = check_shape(kind, text)
    table = catalogue(kind, year)
    if code not in table:
        raise UnknownCode(_unknown_message(kind, code, year))
    found = Code(kind, code, table[code])
    if len(_found) < 4096:
        _found[(kind, text, year)] = found
    return found


def function_code(text: str, year: int | None = None) -> Code:
    return lookup(CodeKind.FUNCTION, text, year)


def economic_code(text: str, year: int | None = None) -> Code:
    return lookup(CodeKind.ECONOMIC, text, year)


def name_of(kind: CodeKind, code: str, year: int | None = None) -> str:
    """The name ``year``'s book prints (any book's, then a local one's, if that book lacks it)."""
    return catalogue(kind, year).get(code) or catalogue(kind).get(code, "")


def rollup(kind: CodeKind, code: str) -> list[str]:
    """The code itself and every parent: ``2150805`` → [2150805, 21508, 215]."""
    return [code[:n] for n in reversed(kind.lengths) if n <= len(code)]


def same_name(a: str, b: str) -> bool:
    """Names equal as a clerk reads them: full- and half-width forms and spaces aside."""

    def loose(s: str) -> str:
        return "".join(unicodedata.normalize("NFKC", s).split())

    return loose(a) == loose(b)


def admit(kind: CodeKind, code: str, name: str, year: int) -> bool:
    """Decide whether a clerk's code may be added: True if new, False if already known as
    such (nothing to record). Refuses another name for a known code, and a code whose
    parent (款 of a 项, 类 of a 款) is not known in that year."""
    code = check_shape(kind, code)
    scope = None if year == EVERY_YEAR else year
    where = "各年度" if year == EVERY_YEAR else f"{year} 年"
    books = SHIPPED_YEARS if scope is None else (book_year(scope),)
    for book in books:
        printed = shipped(kind, book).get(code)
        if printed is not None:
            if same_name(printed, name):
                return False
            raise AlreadyExists(
                f"{kind.label} {code} 在《{book}年政府收支分类科目》中的名称是“{printed}”，"
                f"不能另登记为“{name}”。如该科目确已更名，请登记下一年度的科目。"
            )
    for entry in _local[kind]:
        if entry.code == code and (entry.year == year or EVERY_YEAR in (entry.year, year)):
            if same_name(entry.name, name):
                return False
            raise AlreadyExists(
                f"{kind.label} {code} 已作为本地新增科目登记为“{entry.name}”（"
                f"{'各年度' if entry.year == EVERY_YEAR else f'{entry.year} 年'}），不能再登记为“{name}”。"
            )
    parent = code[: max(n for n in kind.lengths if n < len(code))] if len(code) > 3 else ""
    if parent and parent not in catalogue(kind, scope):
        level = "类" if len(parent) == 3 else "款"
        raise UnknownCode(
            f"{kind.label} {code} 的上级{level} {parent} 在{where}科目表中不存在：请先登记上级科目，"
            f"如 `ledger codes add {parent} 科目名称 --kind {kind.value}"
            f"{'' if year == EVERY_YEAR else f' --year {year}'}`。"
        )
    _local[kind].append(LocalCode(kind, year, code, name))
    _merged.clear()
    _found.clear()
    return True


def _nearest(kind: CodeKind, code: str, year: int | None) -> list[str]:
    """Known codes closest to ``code``: same level, longest shared prefix, then nearest number."""
    table = catalogue(kind, year)
    same_level = [c for c in table if len(c) == len(code)]

    def shared(c: str) -> int:
        n = 0
        while n < len(code) and c[n] == code[n]:
            n += 1
        return n

    return sorted(same_level, key=lambda c: (-shared(c), abs(int(c) - int(code)), c))[:5]


def _unknown_message(kind: CodeKind, code: str, year: int | None) -> str:
    table = catalogue(kind, year)
    book = f"{book_year(year)} 年" if year is not None else "已知各年度"
    near = "、".join(f"{c} {table[c]}" for c in _nearest(kind, code, year))
    command = f"ledger codes add {code} 科目名称 --kind {kind.value}" + (
        f" --year {year}" if year is not None else ""
    )
    return (
        f"未知的{kind.label} {code}（{book}科目表中没有）。"
        + (f"相近的科目：{near}。" if near else "")
        + f"如确为本地财政使用的科目，请先登记：`{command}`（把“科目名称”换成科目的正式名称）；"
        f"用 `ledger codes list --kind {kind.value} --prefix {code[:3]}` 查看已知科目。"
    )
