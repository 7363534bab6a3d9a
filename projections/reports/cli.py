"""The click commands of the reports that also run without click (``projections.launch``).

``report execution``, ``backlog``, ``month``, ``final-accounts`` and ``balances`` are
declared here; what they show is built by ``projections.reports.execution``, ``…backlog``,
``…month``, ``…final_accounts`` and ``…balances``, which need nothing beyond the standard
library, so the launcher can run a plain invocation of any of them without loading
click. Anything the launcher does not take exactly comes here.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import click

from ledger import calendar
from ledger.cli import Session, pass_session
from ledger.cli.params import DAYS, OUTPUT_FILE, POINTS, YEAR, Choice
from ledger.domain.kinds import Fund
from ledger.errors import MalformedInput, RuleViolation
from projections import scoring
from projections.output import emit
from projections.report_cli import cutoff, output_format, read_models, report_options, unit_and_year
from projections.reports import backlog as backlog_report
from projections.reports import balances as balances_report
from projections.reports import execution as execution_report
from projections.reports import final_accounts as final_report
from projections.reports import month as month_report_


@click.command("execution")
@click.option("--unit", default=None, help="单位编码（默认全部单位）。")
@click.option("--year", type=YEAR, default=None, help="财政年度（默认：有资金变动的最近年度）。")
@click.option(
    "--function", "function_prefix", default="", help="只看此功能分类科目（类/款/项前缀），如 21508。"
)
@click.option(
    "--fund",
    type=Choice([f.value for f in Fund]),
    default=None,
    metavar="资金来源",
    help="只看此资金来源：" + "、".join(f.value for f in Fund) + "。",
)
@click.option(
    "--score-rule", default=None, help="得分规则：proportional（默认，按执行率比例）或 threshold[:N]。"
)
@report_options
@unit_and_year
@pass_session
def execution(
    session: Session,
    unit: str | None,
    year: int | None,
    function_prefix: str,
    fund: str | None,
    score_rule: str | None,
    fmt: str | None,
    output: str | None,
    as_of: dt.date | None,
    known_at: dt.datetime | None,
) -> None:
    """预算执行情况：逐项目列出指标、分配、待拨付、执行数、执行率和得分。"""
    rule = scoring.check_rule(score_rule or scoring.default_rule())
    fmt = output_format(session, fmt, output)
    cut = cutoff(as_of, known_at)
    with read_models(session) as db:
        report = execution_report.build(
            db, unit=unit, year=year, function_prefix=function_prefix, fund=fund, rule=rule, cut=cut
        )
    emit(report, fmt, output)


@click.command("backlog")
@click.option("--unit", default=None, help="单位编码（默认全部单位）。")
@click.option("--year", type=YEAR, default=None, help="财政年度（默认：所有年度尚未拨付的支付）。")
@click.option("--older-than", type=DAYS, default=None, metavar="DAYS", help="只列出账龄超过 DAYS 天的支付。")
@report_options
@unit_and_year
@pass_session
def backlog(
    session: Session,
    unit: str | None,
    year: int | None,
    older_than: int | None,
    fmt: str | None,
    output: str | None,
    as_of: dt.date | None,
    known_at: dt.datetime | None,
) -> None:
    """待财政统筹拨付等未拨付支付清单（含账龄、暂缓原因），以及已下达未申请的指标。"""
    fmt = output_format(session, fmt, output)
    cut = cutoff(as_of, known_at)
    with read_models(session) as db:
        report = backlog_report.build(db, unit=unit, year=year, older_than=older_than, cut=cut)
    emit(report, fmt, output)


@click.command("month")
@click.argument("unit")
@click.argument("month_text", metavar="YYYY-MM")
@click.option(
    "--behind", type=POINTS, default="10", show_default=True, help="落后序时进度超过 N 个百分点时预警。"
)
@click.option("--held-days", type=DAYS, default="30", show_default=True, help="暂缓超过 N 天的支付预警。")
@click.option(
    "--chart",
    type=OUTPUT_FILE,
    default=None,
    help="画累计执行率与序时进度对比图（PNG）。",
)
@report_options
@pass_session
def month_report(
    session: Session,
    unit: str,
    month_text: str,
    behind: Decimal,
    held_days: int,
    chart: str | None,
    fmt: str | None,
    output: str | None,
    as_of: dt.date | None,
    known_at: dt.datetime | None,
) -> None:
    """月度执行进度通报：本月与累计执行、序时进度、预警和积压。"""
    year, month = calendar.parse_month(month_text)
    if chart is not None and Path(chart).suffix.lower() != ".png":
        raise MalformedInput("--chart 的文件名应以 .png 结尾")
    if chart is not None:
        month_report_.chinese_font()  # no Chinese font: say so before any work, never draw boxes
    fmt = output_format(session, fmt, output)
    with read_models(session) as db:
        report, drawn = month_report_.build(
            db,
            unit=unit,
            year=year,
            month=month,
            behind=behind,
            held_days=held_days,
            as_of=as_of,
            known_at=known_at,
            chart=chart is not None,
        )
    if chart is not None and drawn is not None:
        month_report_.draw_chart(chart, drawn)
        click.echo(f"已画图 {chart}", err=True)
    emit(report, fmt, output)


@click.command("final-accounts")
@click.argument("unit")
@click.argument("year", type=YEAR)
@click.option(
    "--table", "table", type=Choice(final_report.TABLES), default=None, help="只看一张表，如 公开01 或 自评。"
)
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
        report = final_report.build(db, unit=unit, year=year, table=table, rule=rule, cut=cut)
    emit(report, fmt, output)


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
        report, holds = balances_report.build(db, unit=unit, year=year, cut=cut)
    emit(report, fmt, output)
    if not holds:
        raise RuleViolation("决算恒等式不成立：请运行 ledger verify 检查账簿，并核对读模型。")
