"""``ledger report final-accounts UNIT YEAR``: 公开01–09 and the 自评 funds lines, cell by cell."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import click

from ledger.cli import Session, pass_session
from ledger.cli.params import YEAR, Choice
from ledger.codes import PUBLISHED_CLASSES, CodeKind, name_of
from projections import accounts, scoring
from projections.accounts import INCOME_01
from projections.directory import projects, use_local_codes
from projections.output import Report, Sheet, emit
from projections.query import unit_name
from projections.report_cli import cutoff, output_format, reading, report_options

TABLES = ["公开01", "公开02", "公开03", "公开04", "公开05", "公开06", "公开07", "公开08", "公开09", "自评"]
TITLES = {
    "公开01": "收入支出决算总表",
    "公开02": "收入决算表",
    "公开03": "支出决算表",
    "公开04": "财政拨款收入支出决算总表",
    "公开05": "一般公共预算财政拨款支出决算表",
    "公开06": "一般公共预算财政拨款基本支出决算表",
    "公开07": "一般公共预算财政拨款“三公”经费支出决算表",
    "公开08": "政府性基金预算财政拨款收入支出决算表",
    "公开09": "国有资本经营预算财政拨款支出决算表",
    "自评": "项目支出绩效自评表（资金情况）",
}
NUMERALS = "一二三四五六七八九十"
# for each table: the column that gets 上年决算数 / 增减 / 增减% when the prior year exists
YOY = {"公开02": "本年收入合计", "公开03": "本年支出合计", "公开05": "合计"}


def numbered(n: int) -> str:
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


def code_rows(cells: dict[str, str], table: str) -> list[str]:
    keys = {k.split("/")[1] for k in cells if k.startswith(f"{table}/") and k.count("/") == 2}
    codes = sorted(k for k in keys if k.isdigit())
    return ["合计", *codes] if "合计" in keys else codes


def sheet_for(
    table: str, cells: dict[str, str], prior: dict[str, str] | None, names: dict[str, str], year: int
) -> Sheet:
    """One table as published; codes are named as ``year``'s 《政府收支分类科目》 names them."""
    title = f"{table}表 {TITLES[table]}"
    if table == "公开01":
        classes = list(PUBLISHED_CLASSES)
        left = [
            (f"{numbered(i + 1)}、{label}", cells[f"公开01/{label}"]) for i, label in enumerate(INCOME_01)
        ]
        right = [
            (f"{numbered(i + 1)}、{name_of(CodeKind.FUNCTION, c, year)}", cells[f"公开01/类/{c}"])
            for i, c in enumerate(classes)
        ]
        rows: list[list[Any]] = []
        for i in range(max(len(left), len(right))):
            lhs = left[i] if i < len(left) else ("", "")
            rhs = right[i] if i < len(right) else ("", "")
            rows.append([*lhs, *rhs])
        rows += [
            ["本年收入合计", cells["公开01/本年收入合计"], "本年支出合计", cells["公开01/本年支出合计"]],
            [
                "使用非财政拨款结余（含专用结余）",
                cells["公开01/使用非财政拨款结余"],
                "结余分配",
                cells["公开01/结余分配"],
            ],
            [
                "年初结转和结余",
                cells["公开01/年初结转和结余"],
                "年末结转和结余",
                cells["公开01/年末结转和结余"],
            ],
            ["总计", cells["公开01/收入总计"], "总计", cells["公开01/支出总计"]],
        ]
        columns = ["收入项目", "决算数", "支出项目（按支出功能分类）", "决算数"]
        if prior:
            columns.append("上年决算数（支出）")
            for row, c in zip(rows, [*classes, None, None, None, None], strict=False):
                row.append(prior.get(f"公开01/类/{c}", "") if c else "")
            rows[-4][-1] = prior.get("公开01/本年支出合计", "")
        return Sheet(title, columns, rows)
    if table == "公开04":
        classes = list(PUBLISHED_CLASSES)
        cols = ["合计", "一般公共预算财政拨款", "政府性基金预算财政拨款", "国有资本经营预算财政拨款"]
        income = [
            ("一、一般公共预算", cells["公开04/一般公共预算"]),
            ("二、政府性基金预算", cells["公开04/政府性基金预算"]),
            ("三、国有资本经营预算", cells["公开04/国有资本经营预算"]),
        ]
        rows = []
        for i, c in enumerate(classes):
            lhs = income[i] if i < len(income) else ("", "")
            rows.append(
                [
                    *lhs,
                    f"{numbered(i + 1)}、{name_of(CodeKind.FUNCTION, c, year)}",
                    *(cells[f"公开04/类/{c}/{col}"] for col in cols),
                ]
            )
        rows.append(
            [
                "本年收入合计",
                cells["公开04/本年收入合计"],
                "本年支出合计",
                *(cells[f"公开04/本年支出合计/{col}"] for col in cols),
            ]
        )
        funds = ["合计", "一般公共预算", "政府性基金预算", "国有资本经营预算"]
        rows.append(
            [
                "年初财政拨款结转和结余",
                cells["公开04/年初财政拨款结转和结余/合计"],
                "年末财政拨款结转和结余",
                *(cells[f"公开04/年末财政拨款结转和结余/{f}"] for f in funds),
            ]
        )
        for i, fund in enumerate(funds[1:]):
            rows.append(
                [f"{NUMERALS[i]}、{fund}", cells[f"公开04/年初财政拨款结转和结余/{fund}"], "", "", "", "", ""]
            )
        rows.append(["总计", cells["公开04/总计"], "总计", cells["公开04/总计"], "", "", ""])
        return Sheet(title, ["收入项目", "金额", "支出项目（按功能分类）", *cols], rows)
    if table == "公开06":
        rows = []
        for code in sorted(
            k.split("/")[1] for k in cells if k.startswith("公开06/") and k.split("/")[1].isdigit()
        ):
            rows.append([code, name_of(CodeKind.ECONOMIC, code, year), cells[f"公开06/{code}"]])
        rows.append(["", "人员经费合计", cells["公开06/人员经费合计"]])
        rows.append(["", "公用经费合计", cells["公开06/公用经费合计"]])
        columns = ["经济分类科目编码", "科目名称", "金额"]
        if prior:
            columns.append("上年决算数")
            for row in rows:
                row.append(prior.get(f"公开06/{row[0]}" if row[0] else f"公开06/{row[1]}", ""))
        return Sheet(title, columns, rows)
    if table == "公开07":
        labels = [
            "合计",
            "因公出国（境）费",
            "公务用车购置及运行维护费",
            "公务用车购置费",
            "公务用车运行维护费",
            "公务接待费",
        ]
        shown = [
            "合计",
            "1. 因公出国（境）费",
            "2. 公务用车购置及运行维护费",
            "其中：（1）公务用车购置费",
            "（2）公务用车运行维护费",
            "3. 公务接待费",
        ]
        rows = [
            [s, i + 1, cells[f"公开07/{label}/预算数"], cells[f"公开07/{label}/决算数"]]
            for i, (label, s) in enumerate(zip(labels, shown, strict=True))
        ]
        columns = ["项目", "行次", "预算数", "决算数"]
        if prior:
            columns += ["上年决算数", "增减", "增减%"]
            for row, label in zip(rows, labels, strict=True):
                before = prior.get(f"公开07/{label}/决算数", "")
                row += [before, *(change(row[3], before) if before else ("", ""))]
        return Sheet(title, columns, rows)
    if table == "自评":
        codes = sorted(
            {k.split("/")[1] for k in cells if k.startswith("自评/") and k.split("/")[1] != "合计"}
        )
        cols = ["年初预算数", "全年预算数", "全年执行数", "执行率", "得分"]
        rows = [[code, names.get(code, ""), *(cells[f"自评/{code}/{col}"] for col in cols)] for code in codes]
        if "自评/合计/全年预算数" in cells:
            rows.append(["合计", "", *(cells.get(f"自评/合计/{col}", "") for col in cols)])
        return Sheet(title, ["项目编码", "项目名称", *cols], rows)
    columns = {
        "公开02": [
            "本年收入合计",
            "财政拨款收入",
            "上级补助收入",
            "事业收入",
            "经营收入",
            "附属单位上缴收入",
            "其他收入",
        ],
        "公开03": ["本年支出合计", "基本支出", "项目支出", "上缴上级支出", "经营支出", "对附属单位补助支出"],
        "公开05": ["合计", "基本支出", "项目支出"],
        "公开08": ["年初结转和结余", "本年收入", "本年支出合计", "基本支出", "项目支出", "年末结转和结余"],
        "公开09": ["合计", "基本支出", "项目支出"],
    }[table]
    rows = []
    for code in code_rows(cells, table):
        name = "合计" if code == "合计" else name_of(CodeKind.FUNCTION, code, year)
        rows.append(
            [
                code if code != "合计" else "",
                name,
                *(cells.get(f"{table}/{code}/{c}", "0.00") for c in columns),
            ]
        )
    headings = ["小计" if (table == "公开05" and c == "合计") else c for c in columns]
    heading = ["支出功能分类科目编码", "科目名称", *headings]
    if prior and table in YOY:
        column = YOY[table]
        heading += ["上年决算数", "增减", "增减%"]
        for row in rows:
            code = row[0] or "合计"
            before = prior.get(f"{table}/{code}/{column}", "")
            now = str(row[2 + columns.index(column)])
            row += [before, *(change(now, before) if before else ("", ""))]
    return Sheet(title, heading, rows)


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
    with reading(session) as conn:
        name = unit_name(conn, unit)
        use_local_codes(conn)
        facts = accounts.gather(conn, unit, year, cut)
        cells = accounts.cells(facts, score_rule=rule)
        prior = None
        if accounts.prior_year_has_activity(conn, unit, year, cut):
            prior = accounts.cells(accounts.gather(conn, unit, year - 1, cut), score_rule=rule)
        from sqlalchemy import select

        names = dict(
            conn.execute(select(projects.c.code, projects.c.name).where(projects.c.unit == unit)).all()
        )
    chosen = [table] if table else TABLES
    sheets = [sheet_for(t, cells, prior, names, year) for t in chosen]
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
