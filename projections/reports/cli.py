"""The click commands of the reports that also run without click (``projections.launch``).

``report execution`` and ``report backlog`` are declared here; what they show is built
by ``projections.reports.execution`` and ``…backlog``, which need nothing beyond the
standard library, so the launcher can run a plain invocation of either without loading
click. Anything the launcher does not take exactly comes here.
"""

from __future__ import annotations

import datetime as dt

import click

from ledger.cli import Session, pass_session
from ledger.cli.params import DAYS, YEAR, Choice
from ledger.domain.kinds import Fund
from projections import scoring
from projections.output import emit
from projections.report_cli import cutoff, output_format, read_models, report_options, unit_and_year
from projections.reports import backlog as backlog_report
from projections.reports import execution as execution_report


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
