"""``ledger report backlog``: payments requested or held and not yet paid, and idle quota.

The first sheet lists every requested or held payment not yet settled or cancelled —
the 待财政统筹拨付 backlog — with its age and the hold reason, then totals by project
and by unit. The second lists quota issued but never requested.
"""

from __future__ import annotations

from ledger import calendar
from ledger.money import wan
from projections.output import Report, Sheet
from projections.query import Cutoff, OpenPayment, Reader, open_payments, project_years, reader
from projections.reports.execution import check_unit, default_year

TYPE_CHECKING = False  # not typing's: a report run without click does not import typing
if TYPE_CHECKING:
    from typing import Any

    from projections.query import Connection


def backlog_sheets(
    conn: Connection | Reader, unit: str | None, year: int | None, cut: Cutoff, older_than: int | None
) -> tuple[list[Sheet], dict[str, Any]]:
    """The backlog and the idle quota, as sheets and as data."""
    conn = reader(conn)
    today = cut.as_of or calendar.today()
    lines = "SELECT p.project_id, p.unit, p.code, p.name FROM {projects} p"
    if unit is not None:  # one unit's report reads its own lines, not the province's
        lines += " WHERE p.unit = :unit"
    names = {pid: (u, c, n) for pid, u, c, n in conn.rows(lines, {"unit": unit} if unit is not None else {})}
    items = open_payments(conn, unit=unit, year=year, cutoff=cut)
    if older_than is not None:
        items = [o for o in items if (today - o.requested_on).days > older_than]
    rows: list[list[Any]] = []
    by_project: dict[str, list[OpenPayment]] = {}
    for o in items:
        by_project.setdefault(o.project_id, []).append(o)
    by_unit: dict[str, int] = {}
    records = []
    for pid, group in sorted(by_project.items(), key=lambda kv: names[kv[0]][:2]):
        u, c, name = names[pid]
        for o in group:
            age = (today - o.requested_on).days
            rows.append(
                [
                    f"{u}/{c}",
                    name,
                    f"{u}/{c}/{o.payment}",
                    o.payee,
                    wan(o.amount),
                    str(o.requested_on),
                    age,
                    "待统筹" if o.held else "已申请",
                    o.hold_reason,
                ]
            )
            records.append(
                {
                    "project": f"{u}/{c}",
                    "payment": f"{u}/{c}/{o.payment}",
                    "payee": o.payee,
                    "amount_fen": o.amount,
                    "requested_on": str(o.requested_on),
                    "age_days": age,
                    "held": o.held,
                    "hold_reason": o.hold_reason,
                    "held_on": str(o.held_on or ""),
                }
            )
        subtotal = sum(o.amount for o in group)
        rows.append([f"{u}/{c} 小计", "", "", "", wan(subtotal), "", "", f"{len(group)} 笔", ""])
        by_unit[u] = by_unit.get(u, 0) + subtotal
    for u, amount in sorted(by_unit.items()):
        rows.append([f"{u} 合计", "", "", "", wan(amount), "", "", "", ""])
    held_total = sum(o.amount for o in items if o.held)
    notes = [
        f"共 {len(items)} 笔，{wan(sum(o.amount for o in items))} 万元；其中待财政统筹拨付 "
        f"{sum(1 for o in items if o.held)} 笔，{wan(held_total)} 万元。账龄按 {today} 计算。"
    ]
    backlog = Sheet(
        "已申请未拨付（含待财政统筹拨付）",
        ["项目", "项目名称", "支付编号", "收款人", "金额", "申请日期", "账龄（天）", "状态", "暂缓原因"],
        rows,
        notes=notes,
    )
    idle_rows = []
    idle_records = []
    years = [year] if year else sorted({o.year for o in items}) or [today.year]
    for y in years:
        for line in project_years(conn, unit=unit, year=y, cutoff=cut):
            unrequested = line.quota - line.paid - line.pending
            if unrequested > 0:
                idle_rows.append(
                    [
                        f"{line.unit}/{line.code}",
                        line.name,
                        y,
                        wan(line.quota),
                        wan(line.paid),
                        wan(line.pending),
                        wan(unrequested),
                    ]
                )
                idle_records.append(
                    {"project": f"{line.unit}/{line.code}", "year": y, "unrequested_fen": unrequested}
                )
    idle = Sheet(
        "已下达未申请的指标",
        ["项目", "项目名称", "年度", "全年预算数", "已支付", "已申请未拨付", "未申请"],
        idle_rows,
    )
    return [backlog, idle], {"payments": records, "unrequested": idle_records, "as_of": str(today)}


def build(db: Reader, *, unit: str | None, year: int | None, older_than: int | None, cut: Cutoff) -> Report:
    """The report, read from the read models in one go (one read transaction: ``db``)."""
    check_unit(db, unit)
    sheets, data = backlog_sheets(db, unit, year, cut, older_than)
    if year is None and not data["payments"] and not data["unrequested"]:
        sheets, data = backlog_sheets(db, unit, default_year(db, unit, cut), cut, older_than)
    title = (f"{year} 年" if year else "") + "未拨付支付" + (f"（{unit}）" if unit else "（全部单位）")
    return Report(title, sheets, subtitle=cut.describe(), data={"year": year, "unit": unit, **data})
