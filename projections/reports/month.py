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

from ledger import calendar
from ledger.codes import CodeKind, name_of, rollup
from ledger.money import percent, wan
from projections.output import Report, Sheet
from projections.query import Cutoff, Reader, project_years, reader, unit_lines, unit_name, use_local_codes
from projections.reports.backlog import backlog_sheets
from projections.reports.execution import check_unit

TYPE_CHECKING = False  # not typing's: a report run without click does not import typing
if TYPE_CHECKING:
    from typing import Any

    from projections.query import Connection

CENT = Decimal("0.01")


def curve_for(conn: Connection | Reader, unit: str, year: int, cut: Cutoff) -> tuple[list[Decimal], str]:
    """The 12 month-end targets (%) and where they come from."""
    params: dict[str, Any] = {"unit": unit, "year": year}
    found = reader(conn).rows(
        "SELECT c.points FROM {curves} c WHERE c.unit = :unit AND c.year = :year "
        f"AND {cut.recorded_sql('c', params)} ORDER BY c.position DESC LIMIT 1",
        params,
    )
    if found:
        return [Decimal(p) for p in str(found[0][0]).split(",")], "单位设定的序时进度"
    return [calendar.default_target(m) for m in range(1, 13)], "默认序时进度（已过月数 ÷ 12）"


def points(rate: str, target: Decimal) -> Decimal:
    return (Decimal(rate) - target).quantize(CENT, rounding=ROUND_HALF_UP)


def gap_text(gap: Decimal) -> str:
    if gap < 0:
        return f"低于序时进度{-gap}个百分点"
    if gap > 0:
        return f"高于序时进度{gap}个百分点"
    return "与序时进度持平"


def paid_between(
    conn: Connection | Reader, unit: str, year: int, start: dt.date, end: dt.date, cut: Cutoff
) -> dict[str, int]:
    params: dict[str, Any] = {"year": year, "start": start, "until": end}
    rows = reader(conn).rows(
        'SELECT m.project_id, sum(m.paid) FROM {movements} m WHERE m.year = :year AND m."on" >= :start '
        f'AND m."on" <= :until AND {cut.movements_sql("m", params)} AND m.project_id IN {unit_lines(params, unit)} '
        "GROUP BY m.project_id",
        params,
    )
    return {pid: int(v or 0) for pid, v in rows}


def monthly_cumulative(
    conn: Connection | Reader, unit: str, year: int, month: int, cut: Cutoff
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


#: families matplotlib may find installed when the font package is not there
INSTALLED_CJK = (
    "Noto Sans CJK SC",
    "Noto Sans CJK",
    "Source Han Sans",
    "WenQuanYi",
    "SimHei",
    "Droid Sans Fallback",
)


def chinese_font() -> str:
    """The family the chart is drawn in: the Noto Sans CJK of the ``reports`` extra, else an installed one.

    The font package (``noto-cjk-sans-otc``, SIL Open Font License) ships the TTC file; it is
    registered with matplotlib's font manager here, at draw time, so a fresh install draws
    Chinese labels without a system font.
    """
    from matplotlib import font_manager

    try:
        import noto_cjk_sans_otc

        font_manager.fontManager.addfont(str(noto_cjk_sans_otc.FONT_PATH))
    except (ImportError, OSError, RuntimeError):
        pass
    names = {f.name for f in font_manager.fontManager.ttflist}
    for wanted in INSTALLED_CJK:
        found = sorted(n for n in names if n.startswith(wanted))
        if found:
            return found[0]
    from ledger.errors import NotFound

    raise NotFound(
        "画图需要中文字体：请安装 reports 附加依赖（pip install 'ledger[reports]'，其中含 noto-cjk-sans-otc），"
        "或安装系统字体 fonts-noto-cjk。报表未画图。"
    )


def enlarged_months(series: list[tuple[int, int]]) -> list[int]:
    """Months (from February) whose quota at month end exceeds the month before: the base grew."""
    return [m for m in range(2, len(series) + 1) if series[m - 1][1] > series[m - 2][1]]


def chart_figure(
    year: int, month: int, series: list[tuple[int, int]], curve: list[Decimal], name: str
) -> Any:
    """Cumulative execution month by month against the curve, in Chinese, each point labelled in %."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    family = chinese_font()
    months = list(range(1, month + 1))
    rates = [float(Decimal(percent(p, q))) for p, q in series]
    with plt.rc_context({"font.family": family, "axes.unicode_minus": False}):
        fig, ax = plt.subplots(figsize=(9, 5), dpi=100)
        ax.plot(months, rates, marker="o", label="累计执行率")
        ax.plot(range(1, 13), [float(c) for c in curve], linestyle="--", color="gray", label="序时进度")
        for m, r in zip(months, rates, strict=True):
            ax.annotate(
                f"{r:.2f}%", (m, r), textcoords="offset points", xytext=(0, 7), ha="center", fontsize=8
            )
        ax.set_xticks(range(1, 13), [f"{m}月" for m in range(1, 13)])
        ax.set_xlim(0.5, 12.5)
        ax.set_ylim(0, max(100.0, *rates) * 1.1)
        ax.set_xlabel("月份")
        ax.set_ylabel("累计执行率（%）")
        ax.set_title(f"{name}\n{year} 年 1–{month} 月累计执行率与序时进度（截至 {month} 月末）")
        ax.grid(alpha=0.3)
        ax.legend(loc="upper left")
        grown = enlarged_months(series)
        if grown:
            fig.text(
                0.01,
                0.01,
                f"注：{'、'.join(f'{m} 月' for m in grown)}新下达（追加）指标，"
                "当月起执行率以增加后的全年预算数为分母，折线可能因此回落。",
                fontsize=8,
            )
            fig.tight_layout(rect=(0, 0.04, 1, 1))
        else:
            fig.tight_layout()
    return fig


def draw_chart(path: str, chart: Chart) -> None:
    """The chart as a PNG file, written safely (never the store, an existing file only with --force)."""
    from matplotlib import pyplot as plt

    from ledger.cli.params import write_output

    fig = chart_figure(chart.year, chart.month, chart.series, chart.curve, chart.name)
    try:
        with plt.rc_context({"font.family": fig.axes[0].title.get_fontfamily()}):
            write_output(path, lambda f: fig.savefig(f, format="png"))
    finally:
        plt.close(fig)


class Chart:
    """What ``--chart`` draws: cumulative execution month by month against the curve."""

    __slots__ = ("curve", "month", "name", "series", "year")

    def __init__(self, year: int, month: int, series: list[tuple[int, int]], curve: list[Decimal], name: str) -> None:
        self.year, self.month, self.series, self.curve, self.name = year, month, series, curve, name


def build(
    db: Reader,
    *,
    unit: str,
    year: int,
    month: int,
    behind: Decimal,
    held_days: int,
    as_of: dt.date | None,
    known_at: dt.datetime | None,
    chart: bool = False,
) -> tuple[Report, Chart | None]:
    """The report, read from the read models in one go (one read transaction: ``db``), and
    what its chart draws when ``chart``."""
    month_end = calendar.month_end(year, month)
    cut = Cutoff(as_of or month_end, known_at)
    start = dt.date(year, month, 1)
    check_unit(db, unit)
    name = unit_name(db, unit)
    use_local_codes(db)
    curve, curve_source = curve_for(db, unit, year, cut)
    target = curve[month - 1]
    lines = [x for x in project_years(db, unit=unit, year=year, cutoff=cut) if x.quota or x.paid]
    in_month = paid_between(db, unit, year, start, cut.as_of or month_end, cut)
    backlog, backlog_data = backlog_sheets(db, unit, year, cut, None)
    drawn = Chart(year, month, monthly_cumulative(db, unit, year, month, cut), curve, name) if chart else None
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
        elif gap < -behind:
            warnings.append(["进度落后", ref, line.name, f"执行率 {rate}%，{gap_text(gap)}"])
        if month == 12 and line.quota > line.paid:
            warnings.append(
                ["年底未执行", ref, line.name, f"未执行 {wan(line.quota - line.paid)} 万元，年终将结转或收回"]
            )
    # held too long: one line per project — the payments themselves are listed once, in the backlog below
    overdue: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for p in backlog_data["payments"]:
        if p["held"] and p["held_on"]:
            days = ((cut.as_of or month_end) - dt.date.fromisoformat(p["held_on"])).days
            if days > held_days:
                overdue[p["project"]].append((p["amount_fen"], days))
    names = {f"{x.unit}/{x.code}": x.name for x in lines}
    for ref, held in sorted(overdue.items()):
        warnings.append(
            [
                "暂缓超期",
                ref,
                names.get(ref, ""),
                f"{len(held)} 笔共 {wan(sum(a for a, _ in held))} 万元暂缓超过 {held_days} 天"
                f"（最长 {max(d for _, d in held)} 天），明细见“已申请未拨付”",
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
        Sheet("预警", ["类型", "项目", "项目名称", "说明"], warnings or [["—", "", "", "无预警"]]),
        *backlog,
    ]
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
    report = Report(
        f"{year} 年 {month} 月预算执行进度通报",
        sheets,
        subtitle=f"单位：{name}（{unit}）    金额单位：万元",
        data=data,
        unit=f"{name}（{unit}）",
        period=f"{year} 年 1–{month} 月（截至 {cut.as_of or month_end}）",
    )
    return report, drawn
