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

from ledger.domain.kinds import Category, Fund
from ledger.money import wan
from projections import final
from projections.final.facts import BASIC, FISCAL, SANGONG, Facts
from projections.final.table01 import INCOME_01
from projections.query import NO_CUTOFF, Cutoff, Reader, project_years, reader, unit_lines

TYPE_CHECKING = False  # not typing's: a report run without click does not import typing
if TYPE_CHECKING:
    from typing import Any

    from projections.query import Connection

__all__ = ["INCOME_01", "Facts", "balances", "cells", "gather", "identities", "prior_year_has_activity"]


def gather(conn: Connection | Reader, unit: str, year: int, cutoff: Cutoff = NO_CUTOFF) -> Facts:
    db = reader(conn)
    facts = Facts(unit, year)
    lines = project_years(db, unit=unit, year=year, cutoff=cutoff)
    overrides = _score_overrides(db, unit, year, cutoff)
    # 自评 rows: the unit's 特定目标类 lines that lived in the year (any movement in it), or that
    # have never moved at all (a sheet with nothing issued); looked up through the unit's
    # own lines so the cost does not grow with other units
    params: dict[str, Any] = {"year": year}
    of_unit = unit_lines(params, unit)
    present = {
        pid
        for (pid,) in db.rows(
            f"SELECT DISTINCT m.project_id FROM {{movements}} m WHERE m.project_id IN {of_unit} "
            f"AND m.year = :year AND {cutoff.movements_sql('m', params)}",
            params,
        )
    }
    moved = {
        pid
        for (pid,) in db.rows(
            f"SELECT DISTINCT m.project_id FROM {{movements}} m WHERE m.project_id IN {of_unit}", params
        )
    }
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
    # paid by economic code, on the lines as they stand (an amended category counts as amended)
    spent = db.rows(
        "SELECT p.category, p.fund, m.economic, sum(m.paid) FROM {movements} m "
        "JOIN {projects} p ON p.project_id = m.project_id "
        f"WHERE p.unit = :unit AND m.year = :year AND m.paid != 0 AND {cutoff.movements_sql('m', params)} "
        f"AND {cutoff.recorded_sql('p', params)} GROUP BY p.category, p.fund, m.economic",
        params,
    )
    for category, fund, economic, paid in spent:
        facts.economic[(economic, category in BASIC, fund)] += int(paid)
    own = db.rows(
        "SELECT m.kind, m.fund, m.function, m.amount FROM {movements} m "
        "WHERE m.unit = :unit AND m.year = :year "
        "AND m.kind IN ('income', 'opening_balance', 'opening_reset') "
        f"AND {cutoff.movements_sql('m', params)} ORDER BY m.position",
        params,
    )
    for kind, fund_or_source, function, amount in own:
        if kind == "income":
            facts.income[(fund_or_source, function)] += int(amount)
        elif kind == "opening_reset":  # a reopened close took back what it had carried
            facts.opening.clear()
        else:  # the latest opening balance per fund wins
            facts.opening[fund_or_source] = int(amount)
    return facts


def _score_overrides(db: Reader, unit: str, year: int, cutoff: Cutoff) -> dict[str, int]:
    params: dict[str, Any] = {"year": year}
    query = (
        f"SELECT s.project_id, s.score FROM {{scores}} s WHERE s.year = :year "
        f"AND s.project_id IN {unit_lines(params, unit)} AND {cutoff.recorded_sql('s', params)} "
        "ORDER BY s.position"
    )
    return {pid: int(score) for pid, score in db.rows(query, params)}


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


def prior_year_has_activity(
    conn: Connection | Reader, unit: str, year: int, cutoff: Cutoff = NO_CUTOFF
) -> bool:
    """Whether the unit moved any money in ``year - 1`` (its lines', or its own income and balances)."""
    params: dict[str, Any] = {"year": year - 1}
    found = reader(conn).rows(
        f"SELECT 1 FROM {{movements}} m WHERE m.year = :year AND {cutoff.movements_sql('m', params)} "
        f"AND (m.project_id IN {unit_lines(params, unit)} OR m.unit = :unit) LIMIT 1",
        params,
    )
    return bool(found)
