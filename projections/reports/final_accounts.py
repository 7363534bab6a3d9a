"""``ledger report final-accounts UNIT YEAR``: 公开01–09 and the 自评 funds lines, cell by cell."""

from __future__ import annotations

import datetime as dt
from typing import Any

import click

from ledger.cli import Session, pass_session
from ledger.cli.params import YEAR, Choice
from projections import accounts, final, scoring
from projections.final.table import Page
from projections.output import Report, emit
from projections.query import unit_name, use_local_codes
from projections.report_cli import cutoff, output_format, read_models, report_options

TABLES = list(final.TABLES)


@click.command("final-accounts")
@click.argument("unit")
@click.argument("year", type=YEAR)
@click.option("--table", "table", type=Choice(TABLES), default=None, help="只看一张表，如 公开01 或 自评。")
@click.option("--score-rule", default=None, help="得分规则：proportional（默认）或 threshold[:N]。")
@report_options
@pass_session
def final_accounts(
    session: Session,
    unit: str,
    year: int,
    table: str | None,
    score_rule: str | None,
    fmt: str | None,
    output: str | None,
    as_of: dt.date | None,
    known_at: dt.datetime | None,
) -> None:
    """决算：公开01–公开09 与项目自评表资金情况，逐格从事件计算（万元，逐格四舍五入）。"""
    rule = scoring.check_rule(score_rule or scoring.default_rule())
    fmt = output_format(session, fmt, output)
    cut = cutoff(as_of, known_at)
    with read_models(session) as db:
        name = unit_name(db, unit)
        use_local_codes(db)
        facts = accounts.gather(db, unit, year, cut)
        cells = accounts.cells(facts, score_rule=rule)
        prior = None
        if accounts.prior_year_has_activity(db, unit, year, cut):
            prior = accounts.cells(accounts.gather(db, unit, year - 1, cut), score_rule=rule)
        names = {
            str(code): str(name_)
            for code, name_ in db.rows(
                "SELECT p.code, p.name FROM {projects} p WHERE p.unit = :unit", {"unit": unit}
            )
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
    emit(Report(f"{year} 年度单位决算", sheets, subtitle=subtitle, data=data), fmt, output)
