"""The final accounts (决算) of a unit-year: the facts gathered from the read models, and checks.

:func:`gather` reads exact sums in 分 — spending by function code, category and fund;
basic spending by economic code; non-财政 income by source and function; opening
balances by fund; the 自评 funds lines — into :class:`Facts`. Each table of 公开01–09 and
自评 is then built from them by its own module in ``projections.final``, rounding each
cell once to 万元 (``ledger.money.wan``): totals are the rounding of exact sums, never
sums of rounded cells (DOMAIN.md §6). :func:`cells` is the whole address → value map;
:func:`balances` and :func:`identities` check it fund by fund.

Semantics (DOMAIN.md §2–5): 财政拨款收入 is recognised when paid, so it equals the
paid amount on lines of the three 财政 funds; unpaid quota is neither income nor
balance. 人员类 and 运转类 lines are 基本支出, the others 项目支出. 使用非财政拨款结余
and 结余分配 are 0: the ledger records no act that creates them.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from ledger.domain.kinds import Category, Fund
from ledger.money import wan
from projections import final
from projections.assessments import scores
from projections.directory import projects
from projections.final.facts import BASIC, FISCAL, SANGONG, Facts
from projections.final.table01 import INCOME_01
from projections.movements import movements
from projections.query import NO_CUTOFF, Cutoff, project_years

__all__ = ["INCOME_01", "Facts", "balances", "cells", "gather", "identities", "prior_year_has_activity"]


def gather(conn: Connection, unit: str, year: int, cutoff: Cutoff = NO_CUTOFF) -> Facts:
    facts = Facts(unit, year)
    lines = project_years(conn, unit=unit, year=year, cutoff=cutoff)
    overrides = _score_overrides(conn, unit, year, cutoff)
    # 自评 rows: the unit's 特定目标类 lines that lived in the year (any movement in it), or that
    # have never moved at all (a sheet with nothing issued); looked up through the unit's
    # own lines so the cost does not grow with other units
    m0 = movements
    unit_lines = select(projects.c.project_id).where(projects.c.unit == unit)
    present = set(
        conn.execute(
            select(m0.c.project_id)
            .distinct()
            .where(m0.c.project_id.in_(unit_lines), m0.c.year == year, cutoff.movements())
        ).scalars()
    )
    moved = set(
        conn.execute(select(m0.c.project_id).distinct().where(m0.c.project_id.in_(unit_lines))).scalars()
    )
    idle = {line.project_id for line in lines} - moved
    for line in lines:
        basic = line.category in BASIC
        if line.paid:
            facts.spend[(line.function, basic, line.fund)] += line.paid
        if line.fund == Fund.GENERAL.value and line.economic in SANGONG:
            facts.sangong_quota[line.economic] += line.quota
        active = line.project_id in present or line.project_id in idle
        if line.category == Category.SPECIFIC.value and active:
            facts.projects.append(
                (line.code, line.opening, line.quota, line.paid, overrides.get(line.project_id))
            )
    m, p = movements, projects
    rows = conn.execute(
        select(p.c.category, p.c.fund, m.c.economic, func.sum(m.c.paid))
        .select_from(m.join(p, p.c.project_id == m.c.project_id))
        .where(p.c.unit == unit, m.c.year == year, m.c.paid != 0, cutoff.movements(), cutoff.projects())
        .group_by(p.c.category, p.c.fund, m.c.economic)
    ).all()
    for category, fund, economic, paid in rows:
        facts.economic[(economic, category in BASIC, fund)] += int(paid)
    for kind, fund_or_source, function, amount, _position in conn.execute(
        select(m.c.kind, m.c.fund, m.c.function, m.c.amount, m.c.position)
        .where(
            m.c.unit == unit,
            m.c.year == year,
            m.c.kind.in_(("income", "opening_balance", "opening_reset")),
            cutoff.movements(),
        )
        .order_by(m.c.position)
    ):
        if kind == "income":
            facts.income[(fund_or_source, function)] += int(amount)
        elif kind == "opening_reset":  # a reopened close took back what it had carried
            facts.opening.clear()
        else:  # the latest opening balance per fund wins
            facts.opening[fund_or_source] = int(amount)
    return facts


def _score_overrides(conn: Connection, unit: str, year: int, cutoff: Cutoff) -> dict[str, int]:
    s = scores
    query = (
        select(s.c.project_id, s.c.score)
        .where(
            s.c.year == year, s.c.project_id.in_(select(projects.c.project_id).where(projects.c.unit == unit))
        )
        .order_by(s.c.position)
    )
    if cutoff.known_at is not None:
        query = query.where(s.c.recorded_at <= cutoff.known_at_naive_utc)
    return {pid: int(score) for pid, score in conn.execute(query)}


def cells(facts: Facts, *, score_rule: str = "proportional") -> dict[str, str]:
    """The CELLS.md address → value map of one unit-year: the union of the table builders
    (``projections.final``)."""
    return final.cells(facts, score_rule=score_rule)


def balances(facts: Facts) -> dict[str, tuple[int, int, int, int]]:
    """年初结转和结余, 本年收入, 本年支出, 年末结转和结余 by fund (分), 非财政拨款 grouped."""
    groups = [*FISCAL, Fund.NON_FISCAL.value]

    def group(fund: str) -> str:
        return fund if fund in FISCAL else Fund.NON_FISCAL.value

    opening = {g: 0 for g in groups}
    income = {g: 0 for g in groups}
    spending = {g: 0 for g in groups}
    for fund, amount in facts.opening.items():
        opening[group(fund)] += amount
    for (_, _, fund), paid in facts.spend.items():
        spending[group(fund)] += paid
        if fund in FISCAL:
            income[fund] += paid  # 财政拨款收入 recognised when paid
    for (_, _), amount in facts.income.items():
        income[Fund.NON_FISCAL.value] += amount
    return {g: (opening[g], income[g], spending[g], opening[g] + income[g] - spending[g]) for g in groups}


def identities(facts: Facts, table: dict[str, str]) -> list[tuple[str, bool]]:
    """The 公开01 and 公开04 identities, recomputed fund by fund in exact 分 and compared with
    the totals the tables print (each side rounded once)."""
    by_fund = balances(facts)
    opening = sum(b[0] for b in by_fund.values())
    income = sum(b[1] for b in by_fund.values())
    spending = sum(b[2] for b in by_fund.values())
    closing = sum(b[3] for b in by_fund.values())
    fiscal = [b for f, b in by_fund.items() if f in FISCAL]
    basic = sum(v for (_, b, f), v in facts.spend.items() if b and f == Fund.GENERAL.value)
    econ = sum(v for (c, b, f), v in facts.economic.items() if b and f == Fund.GENERAL.value and c)
    return [
        (
            "公开01：年末结转和结余 = 年初结转和结余 + 本年收入合计 + 使用非财政拨款结余"
            " − 本年支出合计 − 结余分配",
            wan(closing) == table["公开01/年末结转和结余"] and closing == opening + income - spending,
        ),
        ("公开01：收入总计 = 支出总计", table["公开01/收入总计"] == table["公开01/支出总计"]),
        (
            "公开01：本年收入合计、本年支出合计与分资金性质之和一致",
            (wan(income), wan(spending)) == (table["公开01/本年收入合计"], table["公开01/本年支出合计"]),
        ),
        (
            "公开04：年末财政拨款结转和结余 = 年初 + 财政拨款收入 − 财政拨款支出",
            all(b[3] == b[0] + b[1] - b[2] for b in fiscal)
            and wan(sum(b[3] for b in fiscal)) == table["公开04/年末财政拨款结转和结余/合计"],
        ),
        ("公开04：财政拨款收入 = 财政拨款支出", all(b[1] == b[2] for b in fiscal)),
        ("公开06：人员经费 + 公用经费 = 公开05 基本支出", econ == basic),
    ]


def prior_year_has_activity(conn: Connection, unit: str, year: int, cutoff: Cutoff = NO_CUTOFF) -> bool:
    m, p = movements, projects
    unit_lines = select(p.c.project_id).where(p.c.unit == unit)
    count = conn.execute(
        select(func.count())
        .select_from(m)
        .where(
            m.c.year == year - 1, cutoff.movements(), (m.c.project_id.in_(unit_lines)) | (m.c.unit == unit)
        )
    ).scalar()
    return bool(count)
