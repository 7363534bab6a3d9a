"""``ledger report month UNIT YYYY-MM``: the month-end 执行进度通报.

In-month and cumulative execution per project and per function code (项 rolled up to
款 and 类), against 序时进度 — the unit-year's recorded curve (``ledger unit curve``),
else elapsed months / 12 — with 预警 (behind the curve by more than N points, zero
execution, payments held longer than N days, quota that year end would carry or
withdraw) and the backlog at month end. ``--chart FILE.png`` draws cumulative
execution against the curve, month by month.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import click
from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from ledger import calendar
from ledger.cli import Session, pass_session
from ledger.codes import CodeKind, name_of, rollup
from ledger.errors import MalformedInput
from ledger.money import percent, wan
from projections.assessments import curves
from projections.directory import projects, use_local_codes
from projections.movements import movements
from projections.output import Report, Sheet, emit
from projections.query import Cutoff, project_years, unit_name
from projections.report_cli import DAYS, PERCENT, output_format, parse_month, reading, report_options
from projections.reports.backlog import backlog_sheets
from projections.reports.execution import check_unit

CENT = Decimal("0.01")


def curve_for(conn: Connection, unit: str, year: int, cut: Cutoff) -> tuple[list[Decimal], str]:
    """The 12 month-end targets (%) and where they come from."""
    query = (
        select(curves.c.points)
        .where(curves.c.unit == unit, curves.c.year == year)
        .order_by(curves.c.position.desc())
    )
    if cut.known_at is not None:
        query = query.where(curves.c.recorded_at <= cut.known_at_naive_utc)
    row = conn.execute(query.limit(1)).first()
    if row is not None:
        return [Decimal(p) for p in str(row[0]).split(",")], "单位设定的序时进度"
    return [
        Decimal(calendar.default_curve(m).numerator * 100) / calendar.default_curve(m).denominator
        for m in range(1, 13)
    ], "默认序时进度（已过月数 ÷ 12）"


def points(rate: str, target: Decimal) -> Decimal:
    return (Decimal(rate) - target).quantize(CENT, rounding=ROUND_HALF_UP)


def gap_text(gap: Decimal) -> str:
    if gap < 0:
        return f"低于序时进度{-gap}个百分点"
    if gap > 0:
        return f"高于序时进度{gap}个百分点"
    return "与序时进度持平"


def paid_between(
    conn: Connection, unit: str, year: int, start: dt.date, end: dt.date, cut: Cutoff
) -> dict[str, int]:
    m = movements
    rows = conn.execute(
        select(m.c.project_id, func.sum(m.c.paid))
        .where(
            m.c.year == year,
            m.c.on >= start,
            m.c.on <= end,
            cut.movements(),
            m.c.project_id.in_(select(projects.c.project_id).where(projects.c.unit == unit)),
        )
        .group_by(m.c.project_id)
    ).all()
    return {pid: int(v or 0) for pid, v in rows}


def monthly_cumulative(
    conn: Connection, unit: str, year: int, month: int, cut: Cutoff
) -> list[tuple[int, int]]:
    """(paid, quota) cumulative at each month end, January to ``month``."""
    out = []
    for m in range(1, month + 1):
        end = calendar.month_end(year, m)
        lines = project_years(
            conn, unit=unit, year=year, cutoff=Cutoff(min(end, cut.as_of or end), cut.known_at)
        )
        out.append((sum(x.paid for x in lines), sum(x.quota for x in lines)))
    return out


def draw_chart(
    path: Path, year: int, month: int, series: list[tuple[int, int]], curve: list[Decimal], title: str
) -> None:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import font_manager
    from matplotlib import pyplot as plt

    cjk = [
        f.name
        for f in font_manager.fontManager.ttflist
        if any(
            k in f.name for k in ("Noto Sans CJK", "WenQuanYi", "Source Han", "SimHei", "Droid Sans Fallback")
        )
    ]
    if cjk:
        plt.rcParams["font.family"] = cjk[0]
        labels = ("累计执行率", "序时进度", "月份", "%")
    else:
        labels = ("cumulative execution", "time-proportional target", "month", "%")
        title = f"{year}-{month:02d} execution vs. target"
    months = list(range(1, month + 1))
    rates = [float(Decimal(percent(p, q))) for p, q in series]
    fig, ax = plt.subplots(figsize=(8, 4.5), dpi=100)
    ax.plot(months, rates, marker="o", label=labels[0])
    ax.plot(range(1, 13), [float(c) for c in curve], linestyle="--", label=labels[1])
    ax.set_xticks(range(1, 13))
    ax.set_xlim(0.5, 12.5)
    ax.set_ylim(0, max(100.0, *rates) * 1.05)
    ax.set_xlabel(labels[2])
    ax.set_ylabel(labels[3])
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, format="png")
    plt.close(fig)


@click.command("month")
@click.argument("unit")
@click.argument("month_text", metavar="YYYY-MM")
@click.option(
    "--behind", type=PERCENT, default=10.0, show_default=True, help="落后序时进度超过 N 个百分点时预警。"
)
@click.option("--held-days", type=DAYS, default=30, show_default=True, help="暂缓超过 N 天的支付预警。")
@click.option(
    "--chart",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="画累计执行率与序时进度对比图（PNG）。",
)
@report_options
@pass_session
def month_report(
    session: Session,
    unit: str,
    month_text: str,
    behind: float,
    held_days: int,
    chart: Path | None,
    fmt: str | None,
    output: str | None,
    as_of: dt.date | None,
    known_at: dt.datetime | None,
) -> None:
    """月度执行进度通报：本月与累计执行、序时进度、预警和积压。"""
    year, month = parse_month(month_text)
    if behind < 0 or held_days < 0:
        raise MalformedInput("--behind 和 --held-days 应为非负数")
    if chart is not None and chart.suffix.lower() != ".png":
        raise MalformedInput("--chart 的文件名应以 .png 结尾")
    fmt = output_format(session, fmt, output)
    month_end = calendar.month_end(year, month)
    cut = Cutoff(as_of or month_end, known_at)
    start = dt.date(year, month, 1)
    with reading(session) as conn:
        check_unit(conn, unit)
        name = unit_name(conn, unit)
        use_local_codes(conn)
        curve, curve_source = curve_for(conn, unit, year, cut)
        target = curve[month - 1]
        lines = [x for x in project_years(conn, unit=unit, year=year, cutoff=cut) if x.quota or x.paid]
        in_month = paid_between(conn, unit, year, start, cut.as_of or month_end, cut)
        backlog, backlog_data = backlog_sheets(conn, unit, year, cut, None)
        series = monthly_cumulative(conn, unit, year, month, cut) if chart else []
    rows: list[list[Any]] = []
    warnings: list[list[Any]] = []
    records = []
    by_code: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for line in lines:
        rate = percent(line.paid, line.quota)
        gap = points(rate, target)
        this_month = in_month.get(line.project_id, 0)
        rows.append(
            [
                f"{line.unit}/{line.code}",
                line.name,
                line.function,
                wan(line.quota),
                wan(this_month),
                wan(line.paid),
                rate,
                f"{target:.2f}",
                f"{gap:+.2f}",
            ]
        )
        records.append(
            {
                "project": f"{line.unit}/{line.code}",
                "quota_fen": line.quota,
                "month_paid_fen": this_month,
                "cumulative_paid_fen": line.paid,
                "rate": rate,
                "target": f"{target:.2f}",
                "gap_points": f"{gap:.2f}",
            }
        )
        for code in rollup(CodeKind.FUNCTION, line.function):
            by_code[code][0] += line.quota
            by_code[code][1] += this_month
            by_code[code][2] += line.paid
        ref = f"{line.unit}/{line.code}"
        if line.quota and line.paid == 0:
            warnings.append(["零执行", ref, line.name, f"全年预算数 {wan(line.quota)} 万元，累计执行 0"])
        elif gap < -Decimal(str(behind)):
            warnings.append(["进度落后", ref, line.name, f"执行率 {rate}%，{gap_text(gap)}"])
        if month == 12 and line.quota > line.paid:
            warnings.append(
                ["年底未执行", ref, line.name, f"未执行 {wan(line.quota - line.paid)} 万元，年终将结转或收回"]
            )
    for p in backlog_data["payments"]:
        if p["held"] and p["held_on"]:
            days = ((cut.as_of or month_end) - dt.date.fromisoformat(p["held_on"])).days
            if days > held_days:
                warnings.append(
                    [
                        "暂缓超期",
                        p["project"],
                        p["payee"],
                        f"支付 {p['payment']} {wan(p['amount_fen'])} 万元已暂缓 {days} 天（{p['hold_reason']}）",
                    ]
                )
    total_quota = sum(x.quota for x in lines)
    total_paid = sum(x.paid for x in lines)
    total_rate = percent(total_paid, total_quota)
    total_gap = points(total_rate, target)
    rows.append(
        [
            "合计",
            "",
            "",
            wan(total_quota),
            wan(sum(in_month.get(x.project_id, 0) for x in lines)),
            wan(total_paid),
            total_rate,
            f"{target:.2f}",
            f"{total_gap:+.2f}",
        ]
    )
    code_rows = []
    for code in sorted(by_code):
        quota, this_month, paid = by_code[code]
        rate = percent(paid, quota)
        code_rows.append(
            [
                code,
                name_of(CodeKind.FUNCTION, code, year),
                wan(quota),
                wan(this_month),
                wan(paid),
                rate,
                f"{points(rate, target):+.2f}",
            ]
        )
    headline = (
        f"截至 {year} 年 {month} 月末，{name} 累计执行 {wan(total_paid)} 万元，执行率 {total_rate}%，"
        f"序时进度 {target:.2f}%（{curve_source}），{gap_text(total_gap)}。"
    )
    sheets = [
        Sheet(
            "项目执行进度",
            [
                "项目",
                "项目名称",
                "功能科目",
                "全年预算数",
                "本月执行",
                "累计执行",
                "累计执行率",
                "序时进度",
                "差额（百分点）",
            ],
            rows,
            notes=[headline],
        ),
        Sheet(
            "按功能分类科目",
            ["科目编码", "科目名称", "全年预算数", "本月执行", "累计执行", "累计执行率", "差额（百分点）"],
            code_rows,
        ),
        Sheet("预警", ["类型", "项目", "名称/收款人", "说明"], warnings or [["—", "", "", "无预警"]]),
        *backlog,
    ]
    if chart is not None:
        draw_chart(chart, year, month, series, curve, f"{name} {year} 年累计执行率与序时进度")
        click.echo(f"已画图 {chart}", err=True)
    data = {
        "unit": unit,
        "month": f"{year}-{month:02d}",
        "target": f"{target:.2f}",
        "curve_source": curve_source,
        "rate": total_rate,
        "gap_points": f"{total_gap:.2f}",
        "headline": headline,
        "projects": records,
        "warnings": [dict(zip(["type", "project", "name", "detail"], w, strict=True)) for w in warnings],
        "backlog": backlog_data,
    }
    emit(
        Report(
            f"{year} 年 {month} 月预算执行进度通报",
            sheets,
            subtitle=f"单位：{name}（{unit}）    金额单位：万元",
            data=data,
        ),
        fmt,
        output,
    )
