"""``ledger report execution``: per project line, quota against execution, with the score.

Columns: 年初预算数, 全年预算数, 已分配, 已申请未拨付 (of which 待财政统筹拨付), 全年执行数,
执行率, 未执行 and 得分 (the funds-line score: the rule in force, or the override a
clerk recorded). Where the line has a 预算执行率 target (绩效目标), the report judges it.
Totals per unit, and over all units when several are shown.
"""

from __future__ import annotations

from decimal import Decimal

from ledger.errors import NotFound
from ledger.money import percent, wan
from projections import scoring
from projections.output import Report, Sheet
from projections.query import Cutoff, ProjectYear, Reader, project_years, reader

TYPE_CHECKING = False  # not typing's: a report run without click does not import typing
if TYPE_CHECKING:
    from typing import Any

    from projections.query import Connection

COLUMNS = [
    "项目",
    "项目名称",
    "年初预算数",
    "全年预算数",
    "已分配",
    "已申请未拨付",
    "其中：待财政统筹拨付",
    "全年执行数",
    "执行率",
    "未执行",
    "得分",
]


def default_year(conn: Connection | Reader, unit: str | None, cut: Cutoff) -> int:
    """The latest fiscal year with money movements (for the unit), else the current year."""
    db = reader(conn)
    params: dict[str, Any] = {}
    query = (
        "SELECT max(m.year) FROM {movements} m "
        "WHERE m.kind NOT IN ('carry_in', 'carry_allocation', 'carry_in_payment') "
        f"AND {cut.movements_sql('m', params)}"
    )
    if unit is not None:
        params["unit"] = unit
        query += " AND m.project_id IN (SELECT project_id FROM {registered} WHERE unit = :unit)"
    year = db.rows(query, params)[0][0]
    if year:
        return int(year)
    from ledger import calendar  # the local date: only when no year has any movement

    return cut.as_of.year if cut.as_of else calendar.today().year


def check_unit(conn: Connection | Reader, unit: str | None) -> None:
    if unit is not None and not reader(conn).rows("SELECT unit FROM {units} WHERE unit = :unit", {"unit": unit}):
        raise NotFound(f"单位 {unit} 不存在。请检查单位编码（ledger unit add 登记）。")


def overrides(db: Reader, year: int, cut: Cutoff) -> dict[str, int]:
    params: dict[str, Any] = {"year": year}
    query = (
        "SELECT s.project_id, s.score FROM {scores} s "
        f"WHERE s.year = :year AND {cut.recorded_sql('s', params)} ORDER BY s.position"
    )
    return {pid: int(score) for pid, score in db.rows(query, params)}


def rate_targets(db: Reader, year: int, cut: Cutoff) -> dict[str, tuple[str, Decimal]]:
    """预算执行率 targets per project: (operator, value)."""
    params: dict[str, Any] = {"year": year, "indicator": "预算执行率"}
    query = (
        "SELECT t.project_id, t.operator, t.value FROM {targets} t "
        f"WHERE t.year = :year AND t.indicator = :indicator AND {cut.recorded_sql('t', params)} "
        "ORDER BY t.position"
    )
    return {pid: (op, Decimal(value)) for pid, op, value in db.rows(query, params)}


def judge(rate: str, target: tuple[str, Decimal]) -> str:
    op, value = target
    r = Decimal(rate)
    ok = r >= value if op == ">=" else r <= value if op == "<=" else r == value
    return "达标" if ok else "未达标"


def line_row(line: ProjectYear, score: Decimal) -> list[Any]:
    return [
        f"{line.unit}/{line.code}",
        line.name,
        wan(line.opening),
        wan(line.quota),
        wan(line.allocated),
        wan(line.pending),
        wan(line.held),
        wan(line.paid),
        percent(line.paid, line.quota),
        wan(line.unexecuted),
        f"{score:.2f}",
    ]


def totals_row(label: str, lines: list[ProjectYear]) -> list[Any]:
    s = {
        f: sum(getattr(x, f) for x in lines)
        for f in ("opening", "quota", "allocated", "pending", "held", "paid")
    }
    return [
        label,
        "",
        wan(s["opening"]),
        wan(s["quota"]),
        wan(s["allocated"]),
        wan(s["pending"]),
        wan(s["held"]),
        wan(s["paid"]),
        percent(s["paid"], s["quota"]),
        wan(s["quota"] - s["paid"]),
        "",
    ]


def build(
    db: Reader,
    *,
    unit: str | None,
    year: int | None,
    function_prefix: str = "",
    fund: str | None = None,
    rule: str,
    cut: Cutoff,
) -> Report:
    """The report, read from the read models in one go (one read transaction: ``db``)."""
    check_unit(db, unit)
    year = year or default_year(db, unit, cut)
    lines = project_years(db, unit=unit, year=year, cutoff=cut, function_prefix=function_prefix, fund=fund or "")
    lines = [x for x in lines if x.quota or x.paid or x.pending or x.allocated or x.opening]
    override = overrides(db, year, cut)
    goals = rate_targets(db, year, cut)
    columns = list(COLUMNS)
    with_targets = any(x.project_id in goals for x in lines)
    if with_targets:
        columns += ["执行率目标", "是否达标"]
    rows: list[list[Any]] = []
    records = []
    by_unit: dict[str, list[ProjectYear]] = {}
    for line in lines:
        by_unit.setdefault(line.unit, []).append(line)
    for code, group in by_unit.items():
        for line in group:
            score = scoring.score(line.paid, line.quota, rule=rule, override=override.get(line.project_id))
            row = line_row(line, score)
            goal = goals.get(line.project_id)
            if with_targets:
                row += [f"{goal[0]} {goal[1]}%" if goal else "", judge(row[8], goal) if goal else ""]
            rows.append(row)
            records.append(
                {
                    "project": f"{line.unit}/{line.code}",
                    "name": line.name,
                    "function": line.function,
                    "fund": line.fund,
                    "opening_fen": line.opening,
                    "quota_fen": line.quota,
                    "allocated_fen": line.allocated,
                    "pending_fen": line.pending,
                    "held_fen": line.held,
                    "paid_fen": line.paid,
                    "unexecuted_fen": line.unexecuted,
                    "rate": row[8],
                    "score": row[10],
                    "score_overridden": line.project_id in override,
                    **({"target": f"{goal[0]} {goal[1]}", "judgement": row[-1]} if goal else {}),
                }
            )
        total = totals_row(f"{code} 合计", group)
        rows.append(total + [""] * (len(columns) - len(total)))
    if len(by_unit) > 1:
        total = totals_row("总计", lines)
        rows.append(total + [""] * (len(columns) - len(total)))
    rule_text = scoring.describe(rule)
    notes = [
        f"得分规则：{'已人工认定得分的项目以认定为准，其余' if override else ''}{rule_text}。金额单位：万元。"
    ]
    title = f"{year} 年预算执行情况" + (f"（{unit}）" if unit else "（全部单位）")
    subtitle = cut.describe()
    data = {
        "year": year,
        "unit": unit,
        "score_rule": rule,
        "projects": records,
        "as_of": str(cut.as_of or ""),
        "known_at": cut.known_at.isoformat() if cut.known_at else "",
    }
    return Report(title, [Sheet(title, columns, rows, notes=notes)], subtitle=subtitle, data=data)
