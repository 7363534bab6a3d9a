"""``ledger report final-accounts UNIT YEAR``: 公开01–09 and the 自评 funds lines, cell by cell.

Built here from the read models with nothing beyond the standard library (the click
command is in ``projections.reports.cli``), so the launcher can run a plain invocation.
"""

from __future__ import annotations

from projections import accounts, final
from projections.final.table import Page
from projections.output import Report
from projections.query import Cutoff, Reader, unit_name, use_local_codes

TYPE_CHECKING = False  # not typing's: a report run without click does not import typing
if TYPE_CHECKING:
    from typing import Any

TABLES = list(final.TABLES)


def build(db: Reader, *, unit: str, year: int, table: str | None, rule: str, cut: Cutoff) -> Report:
    """The report, read from the read models in one go (one read transaction: ``db``)."""
    name = unit_name(db, unit)
    use_local_codes(db)
    facts = accounts.gather(db, unit, year, cut)
    cells = accounts.cells(facts, score_rule=rule)
    prior = None
    if accounts.prior_year_has_activity(db, unit, year, cut):
        prior = accounts.cells(accounts.gather(db, unit, year - 1, cut), score_rule=rule)
    names = {
        str(code): str(name_)
        for code, name_ in db.rows("SELECT p.code, p.name FROM {projects} p WHERE p.unit = :unit", {"unit": unit})
    }
    chosen = [table] if table else TABLES
    page = Page(cells, prior, names, year)
    sheets = [final.sheet_for(t, page) for t in chosen]
    data: dict[str, Any] = {
        "unit": unit,
        "year": year,
        "unit_of_amount": "万元",
        "source": f"ledger {name} {year} 年决算（由事件计算）",
        "cells": {k: v for k, v in cells.items() if not table or k.startswith(f"{table}/")},
    }
    if prior is not None:
        data["prior_year"] = {"year": year - 1, "cells": prior}
    subtitle = f"单位：{name}（{unit}）    单位：万元" + (f"    {cut.describe()}" if cut.describe() else "")
    return Report(f"{year} 年度单位决算", sheets, subtitle=subtitle, data=data)
