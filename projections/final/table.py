"""What a table of the final accounts is: a builder (facts → its cells) and a layout (cells → rows).

A builder returns the CELLS.md address → value map of its own table and nothing else;
a layout prints that table from the full map of the year (and the prior year's, for the
上年决算数 columns). Most tables are *code tables* — rows are function codes rolled up
项 → 款 → 类 plus a 合计 row — and share :func:`code_cells` and :func:`code_layout`.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from ledger.codes import CodeKind, name_of
from ledger.money import wan
from projections.final.facts import Facts, rolled

TYPE_CHECKING = False  # not typing's: a report run without click does not import typing
if TYPE_CHECKING:
    from typing import Any

Cells = dict[str, str]
Rows = list[list["Any"]]


class Page:
    """What a layout prints from: the year's cells, the prior year's (None when it had no
    activity), the unit's project names by code, and the year whose code names are used.

    (Plain classes, not dataclasses: a report run without click imports nothing it need not.)
    """

    __slots__ = ("cells", "names", "prior", "year")

    def __init__(self, cells: Cells, prior: Cells | None, names: dict[str, str], year: int) -> None:
        self.cells, self.prior, self.names, self.year = cells, prior, names, year


Build = Callable[[Facts, str], Cells]  # (facts, score rule) → the table's cells
Layout = Callable[[Page], tuple[list[str], Rows]]  # → (column headings, rows)


class Table:
    """One published table: its title as printed, its builder and its layout."""

    __slots__ = ("build", "layout", "title")

    def __init__(self, title: str, build: Build, layout: Layout) -> None:
        self.title, self.build, self.layout = title, build, layout


NUMERALS = "一二三四五六七八九十"


def numbered(n: int) -> str:
    """一, 二, … 十, 十一, … 二十一: the ordinals the tables print before their items."""
    if n <= 10:
        return NUMERALS[n - 1]
    tens, ones = divmod(n, 10)
    return f"{'' if tens == 1 else NUMERALS[tens - 1]}十{NUMERALS[ones - 1] if ones else ''}"


def change(now: str, before: str) -> tuple[str, str]:
    """增减 and 增减% between two printed cells."""
    a, b = Decimal(now), Decimal(before)
    diff = a - b
    pct = "" if b == 0 else f"{(diff / b * 100).quantize(Decimal('0.01'))}"
    return f"{diff:.2f}", pct


def code_cells(table: str, columns: dict[str, dict[str, int]], total_row: str = "合计") -> Cells:
    """Cells of a table whose rows are codes: the total row, then every non-zero code row."""
    out: Cells = {}
    by_level = {column: rolled(by_function) for column, by_function in columns.items()}
    codes = sorted({code for by_code in by_level.values() for code, amount in by_code.items() if amount})
    for column, by_function in columns.items():
        out[f"{table}/{total_row}/{column}"] = wan(sum(by_function.values()))
    for code in codes:
        for column, by_code in by_level.items():
            out[f"{table}/{code}/{column}"] = wan(by_code.get(code, 0))
    return out


def code_rows(cells: Cells, table: str) -> list[str]:
    """The row codes of a code table present in ``cells``: 合计 first, then codes in order."""
    keys = {k.split("/")[1] for k in cells if k.startswith(f"{table}/") and k.count("/") == 2}
    codes = sorted(k for k in keys if k.isdigit())
    return ["合计", *codes] if "合计" in keys else codes


def code_layout(
    table: str, columns: list[str], *, yoy: str | None = None, headings: dict[str, str] | None = None
) -> Layout:
    """The layout of a code table: code, name, one column per ``columns``; with a prior year,
    上年决算数 / 增减 / 增减% of column ``yoy``. ``headings`` renames printed column headings."""

    def layout(page: Page) -> tuple[list[str], Rows]:
        rows: Rows = []
        for code in code_rows(page.cells, table):
            name = "合计" if code == "合计" else name_of(CodeKind.FUNCTION, code, page.year)
            rows.append(
                [
                    code if code != "合计" else "",
                    name,
                    *(page.cells.get(f"{table}/{code}/{c}", "0.00") for c in columns),
                ]
            )
        heading = ["支出功能分类科目编码", "科目名称", *((headings or {}).get(c, c) for c in columns)]
        if page.prior and yoy:
            heading += ["上年决算数", "增减", "增减%"]
            for row in rows:
                code = row[0] or "合计"
                before = page.prior.get(f"{table}/{code}/{yoy}", "")
                now = str(row[2 + columns.index(yoy)])
                row += [before, *(change(now, before) if before else ("", ""))]
        return heading, rows

    return layout
