"""The final accounts (决算) table by table: 公开01–09 and the 自评 funds lines.

Each table is one module with a builder (``Facts`` → that table's CELLS.md cells) and a
layout (cells → printed headings and rows), registered in :data:`TABLES` in the order the
tables are published. :func:`cells` is the union of the builders — the full map that
``reconcile`` and the identities use — and :func:`sheet_for` prints one table.
"""

from __future__ import annotations

from projections.final import (
    self_evaluation,
    table01,
    table02,
    table03,
    table04,
    table05,
    table06,
    table07,
    table08,
    table09,
)
from projections.final.facts import Facts
from projections.final.table import Cells, Page, Table
from projections.output import Sheet

TABLES: dict[str, Table] = {
    "公开01": table01.TABLE,
    "公开02": table02.TABLE,
    "公开03": table03.TABLE,
    "公开04": table04.TABLE,
    "公开05": table05.TABLE,
    "公开06": table06.TABLE,
    "公开07": table07.TABLE,
    "公开08": table08.TABLE,
    "公开09": table09.TABLE,
    "自评": self_evaluation.TABLE,
}


def cells(facts: Facts, *, score_rule: str = "proportional") -> Cells:
    """The CELLS.md address → value map of one unit-year: every table's cells, in table order."""
    out: Cells = {}
    for table in TABLES.values():
        out.update(table.build(facts, score_rule))
    return out


def sheet_for(table: str, page: Page) -> Sheet:
    """One table as published; codes are named as ``page.year``'s 《政府收支分类科目》 names them."""
    spec = TABLES[table]
    columns, rows = spec.layout(page)
    return Sheet(f"{table}表 {spec.title}", columns, rows)
