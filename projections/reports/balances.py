"""``ledger report balances UNIT YEAR``: 年初, 收入, 支出, 年末 by fund, with the identities checked."""

from __future__ import annotations

import datetime as dt

import click

from ledger.cli import Session, pass_session
from ledger.cli.params import YEAR
from ledger.errors import RuleViolation
from ledger.money import wan
from projections import accounts
from projections.output import Report, Sheet, emit
from projections.query import unit_name
from projections.report_cli import cutoff, output_format, read_models, report_options


@click.command("balances")
@click.argument("unit")
@click.argument("year", type=YEAR)
@report_options
@pass_session
def balances(
    session: Session,
    unit: str,
    year: int,
    fmt: str | None,
    output: str | None,
    as_of: dt.date | None,
    known_at: dt.datetime | None,
) -> None:
    """年初结转和结余、本年收入、本年支出、年末结转和结余（按资金性质），并校验公开01、公开04 恒等式。"""
    fmt = output_format(session, fmt, output)
    cut = cutoff(as_of, known_at)
    with read_models(session) as db:
        name = unit_name(db, unit)
        facts = accounts.gather(db, unit, year, cut)
    table = accounts.cells(facts)
    by_fund = accounts.balances(facts)
    rows = [[fund, *(wan(v) for v in values)] for fund, values in by_fund.items()]
    totals = [sum(v[i] for v in by_fund.values()) for i in range(4)]
    rows.append(["合计", *(wan(v) for v in totals)])
    checks = accounts.identities(facts, table)
    check_rows = [[label, "成立" if ok else "不成立"] for label, ok in checks]
    data = {
        "unit": unit,
        "year": year,
        "funds": {
            f: dict(zip(["年初结转和结余", "本年收入", "本年支出", "年末结转和结余"], v, strict=True))
            for f, v in by_fund.items()
        },
        "identities": [{"identity": label, "holds": ok} for label, ok in checks],
        "unit_of_amount": "分",
    }
    report = Report(
        f"{year} 年度结转和结余（按资金性质）",
        [
            Sheet(
                "结转和结余",
                ["资金性质", "年初结转和结余", "本年收入", "本年支出", "年末结转和结余"],
                rows,
                notes=[
                    "注：财政拨款收入在国库支付时确认（收入 = 支出）；已下达未支付的指标不是收入，也不是结余。"
                ],
            ),
            Sheet("恒等式校验", ["恒等式", "结果"], check_rows),
        ],
        subtitle=f"单位：{name}（{unit}）    单位：万元"
        + (f"    {cut.describe()}" if cut.describe() else ""),
        data=data,
    )
    emit(report, fmt, output)
    if not all(ok for _, ok in checks):
        raise RuleViolation("决算恒等式不成立：请运行 ledger verify 检查账簿，并核对读模型。")
