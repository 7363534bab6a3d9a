"""The final accounts (决算): every cell of 公开01–09 and the 自评 funds lines, from the read models.

The computation gathers exact sums in 分 — spending by function code, category and
fund; basic spending by economic code; non-财政 income by source and function;
opening balances by fund — and only then forms the CELLS.md address → value map,
rounding each cell once to 万元 (``ledger.money.wan``). Totals are the rounding of
exact sums, never sums of rounded cells (DOMAIN.md §6).

Semantics (DOMAIN.md §2–5): 财政拨款收入 is recognised when paid, so it equals the
paid amount on lines of the three 财政 funds; unpaid quota is neither income nor
balance. 人员类 and 运转类 lines are 基本支出, the others 项目支出. 使用非财政拨款结余
and 结余分配 are 0: the ledger records no act that creates them.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from ledger.codes import PUBLISHED_CLASSES, CodeKind, rollup
from ledger.domain.kinds import Category, Fund
from ledger.money import percent, wan
from projections import scoring
from projections.assessments import scores
from projections.directory import projects
from projections.movements import movements
from projections.query import NO_CUTOFF, Cutoff, project_years

FISCAL = tuple(f.value for f in Fund if f.is_fiscal)
INCOME_01 = [
    "一般公共预算财政拨款收入",
    "政府性基金预算财政拨款收入",
    "国有资本经营预算财政拨款收入",
    "上级补助收入",
    "事业收入",
    "经营收入",
    "附属单位上缴收入",
    "其他收入",
]
SOURCES = ("上级补助收入", "事业收入", "经营收入", "附属单位上缴收入", "其他收入")
BASIC = (Category.PERSONNEL.value, Category.OPERATING.value)
SANGONG = {
    "30212": "因公出国（境）费",
    "31013": "公务用车购置费",
    "30231": "公务用车运行维护费",
    "30217": "公务接待费",
}


@dataclass
class Facts:
    """Exact sums (分) for one unit-year, from which every cell is formed."""

    unit: str
    year: int
    # (function, is_basic, fund) → paid
    spend: dict[tuple[str, bool, str], int] = field(default_factory=lambda: defaultdict(int))
    # (economic, is_basic, fund) → paid
    economic: dict[tuple[str, bool, str], int] = field(default_factory=lambda: defaultdict(int))
    # (source, function) → income
    income: dict[tuple[str, str], int] = field(default_factory=lambda: defaultdict(int))
    opening: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    # 三公 economic code → quota on lines whose economic code it is (一般公共预算)
    sangong_quota: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    # 自评 rows: code → (年初, 全年, 执行, override)
    projects: list[tuple[str, int, int, int, int | None]] = field(default_factory=list)


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


def fiscal_opening_of(facts: Facts, fund: str) -> int:
    return facts.opening.get(fund, 0)


def _rolled(amounts: dict[str, int], kind: CodeKind = CodeKind.FUNCTION) -> dict[str, int]:
    """Sum amounts by code onto every level: 项 → 款 → 类."""
    out: dict[str, int] = defaultdict(int)
    for code, amount in amounts.items():
        for level in rollup(kind, code):
            out[level] += amount
    return out


def _put_rows(
    cells: dict[str, str], table: str, columns: dict[str, dict[str, int]], total_row: str = "合计"
) -> None:
    """Cells of a table whose rows are codes: every non-zero code row, plus the total row."""
    rolled = {column: _rolled(by_function) for column, by_function in columns.items()}
    codes = sorted({code for by_code in rolled.values() for code, amount in by_code.items() if amount})
    for column, by_function in columns.items():
        cells[f"{table}/{total_row}/{column}"] = wan(sum(by_function.values()))
    for code in codes:
        for column, by_code in rolled.items():
            cells[f"{table}/{code}/{column}"] = wan(by_code.get(code, 0))


def cells(facts: Facts, *, score_rule: str = "proportional") -> dict[str, str]:
    """The CELLS.md address → value map of one unit-year."""
    out: dict[str, str] = {}

    def spend(pred_fund: tuple[str, ...] | None = None, basic: bool | None = None) -> dict[str, int]:
        by_function: dict[str, int] = defaultdict(int)
        for (function, is_basic, fund), paid in facts.spend.items():
            if (pred_fund is None or fund in pred_fund) and (basic is None or is_basic == basic):
                by_function[function] += paid
        return by_function

    fiscal_by_fund = {f: sum(spend((f,)).values()) for f in FISCAL}
    income_by_source = {s: sum(v for (src, _), v in facts.income.items() if src == s) for s in SOURCES}
    # 非财政拨款 lines spend their own money; income of the five sources is recorded separately
    total_income = sum(fiscal_by_fund.values()) + sum(income_by_source.values())
    total_spend = sum(spend().values())
    opening_total = sum(facts.opening.values())
    using_surplus = 0
    distribution = 0
    closing_total = opening_total + total_income + using_surplus - total_spend - distribution

    # 公开01
    out["公开01/一般公共预算财政拨款收入"] = wan(fiscal_by_fund[Fund.GENERAL.value])
    out["公开01/政府性基金预算财政拨款收入"] = wan(fiscal_by_fund[Fund.GOVERNMENT_FUND.value])
    out["公开01/国有资本经营预算财政拨款收入"] = wan(fiscal_by_fund[Fund.STATE_CAPITAL.value])
    for source in SOURCES:
        out[f"公开01/{source}"] = wan(income_by_source[source])
    out["公开01/本年收入合计"] = wan(total_income)
    out["公开01/使用非财政拨款结余"] = wan(using_surplus)
    out["公开01/年初结转和结余"] = wan(opening_total)
    out["公开01/收入总计"] = wan(total_income + using_surplus + opening_total)
    all_classes = PUBLISHED_CLASSES
    by_class = _rolled(spend())
    for code in all_classes:
        out[f"公开01/类/{code}"] = wan(by_class.get(code, 0))
    out["公开01/本年支出合计"] = wan(total_spend)
    out["公开01/结余分配"] = wan(distribution)
    out["公开01/年末结转和结余"] = wan(closing_total)
    out["公开01/支出总计"] = wan(total_spend + distribution + closing_total)

    # 公开02: income by function
    income_fn = {s: {fn: v for (src, fn), v in facts.income.items() if src == s} for s in SOURCES}
    fiscal_fn = spend(FISCAL)
    all_income_fn: dict[str, int] = defaultdict(int)
    for fn, v in fiscal_fn.items():
        all_income_fn[fn] += v
    for by_fn in income_fn.values():
        for fn, v in by_fn.items():
            all_income_fn[fn] += v
    _put_rows(out, "公开02", {"本年收入合计": all_income_fn, "财政拨款收入": fiscal_fn, **income_fn})

    # 公开03: spending by function, basic / project
    zero: dict[str, int] = {}
    _put_rows(
        out,
        "公开03",
        {
            "本年支出合计": spend(),
            "基本支出": spend(basic=True),
            "项目支出": spend(basic=False),
            "上缴上级支出": zero,
            "经营支出": zero,
            "对附属单位补助支出": zero,
        },
    )

    # 公开04: 财政拨款 only, by fund
    for fund in FISCAL:
        out[f"公开04/{fund}"] = wan(fiscal_by_fund[fund])
    out["公开04/本年收入合计"] = wan(sum(fiscal_by_fund.values()))
    columns = {
        "一般公共预算财政拨款": (Fund.GENERAL.value,),
        "政府性基金预算财政拨款": (Fund.GOVERNMENT_FUND.value,),
        "国有资本经营预算财政拨款": (Fund.STATE_CAPITAL.value,),
    }
    rolled_cols = {col: _rolled(spend(funds)) for col, funds in columns.items()}
    fiscal_classes = _rolled(spend(FISCAL))
    for code in all_classes:
        out[f"公开04/类/{code}/合计"] = wan(fiscal_classes.get(code, 0))
        for col, rolled in rolled_cols.items():
            out[f"公开04/类/{code}/{col}"] = wan(rolled.get(code, 0))
    out["公开04/本年支出合计/合计"] = wan(sum(fiscal_by_fund.values()))
    for col, funds in columns.items():
        out[f"公开04/本年支出合计/{col}"] = wan(sum(fiscal_by_fund[f] for f in funds))
    # 财政拨款收入 is recognised when paid, so it equals 财政拨款支出 fund by fund, and the
    # closing 财政拨款 balance is the opening one: 年末 = 年初 + 收入 − 支出.
    fiscal_closing = {f: fiscal_opening_of(facts, f) + fiscal_by_fund[f] - fiscal_by_fund[f] for f in FISCAL}
    fiscal_opening = {f: fiscal_opening_of(facts, f) for f in FISCAL}
    out["公开04/年初财政拨款结转和结余/合计"] = wan(sum(fiscal_opening.values()))
    out["公开04/年末财政拨款结转和结余/合计"] = wan(sum(fiscal_closing.values()))
    for fund in FISCAL:
        out[f"公开04/年初财政拨款结转和结余/{fund}"] = wan(fiscal_opening[fund])
        out[f"公开04/年末财政拨款结转和结余/{fund}"] = wan(fiscal_closing[fund])
    out["公开04/总计"] = wan(sum(fiscal_by_fund.values()) + sum(fiscal_opening.values()))

    # 公开05: 一般公共预算 by function
    general = (Fund.GENERAL.value,)
    _put_rows(
        out,
        "公开05",
        {"合计": spend(general), "基本支出": spend(general, True), "项目支出": spend(general, False)},
    )

    # 公开06: 一般公共预算 基本支出 by economic code
    econ: dict[str, int] = defaultdict(int)
    for (code, is_basic, fund), paid in facts.economic.items():
        if is_basic and fund == Fund.GENERAL.value and code:
            econ[code] += paid
    rolled_econ = _rolled(econ, CodeKind.ECONOMIC)
    for code, amount in sorted(rolled_econ.items()):
        if amount:
            out[f"公开06/{code}"] = wan(amount)
    personnel = sum(v for c, v in econ.items() if c[:3] in ("301", "303"))
    out["公开06/人员经费合计"] = wan(personnel)
    out["公开06/公用经费合计"] = wan(sum(econ.values()) - personnel)

    # 公开07: 三公 (一般公共预算, basic and project spending)
    paid_sangong: dict[str, int] = defaultdict(int)
    for (code, _basic, fund), paid in facts.economic.items():
        if fund == Fund.GENERAL.value and code in SANGONG:
            paid_sangong[code] += paid
    for column, by_code in (("预算数", facts.sangong_quota), ("决算数", paid_sangong)):
        abroad, buy, run, hosting = (by_code.get(c, 0) for c in ("30212", "31013", "30231", "30217"))
        out[f"公开07/合计/{column}"] = wan(abroad + buy + run + hosting)
        out[f"公开07/因公出国（境）费/{column}"] = wan(abroad)
        out[f"公开07/公务用车购置及运行维护费/{column}"] = wan(buy + run)
        out[f"公开07/公务用车购置费/{column}"] = wan(buy)
        out[f"公开07/公务用车运行维护费/{column}"] = wan(run)
        out[f"公开07/公务接待费/{column}"] = wan(hosting)

    # 公开08: 政府性基金
    fund_spend = spend((Fund.GOVERNMENT_FUND.value,))
    fund_opening = facts.opening.get(Fund.GOVERNMENT_FUND.value, 0)
    _put_rows(
        out,
        "公开08",
        {
            "本年收入": fund_spend,
            "本年支出合计": fund_spend,
            "基本支出": spend((Fund.GOVERNMENT_FUND.value,), True),
            "项目支出": spend((Fund.GOVERNMENT_FUND.value,), False),
        },
    )
    out["公开08/合计/年初结转和结余"] = wan(fund_opening)
    out["公开08/合计/年末结转和结余"] = wan(fund_opening)

    # 公开09: 国有资本经营
    capital = (Fund.STATE_CAPITAL.value,)
    _put_rows(
        out,
        "公开09",
        {"合计": spend(capital), "基本支出": spend(capital, True), "项目支出": spend(capital, False)},
    )

    # 自评: funds line of every 特定目标类 project
    total_opening = total_quota = total_paid = 0
    for code, opening, quota, paid, override in facts.projects:
        out[f"自评/{code}/年初预算数"] = wan(opening)
        out[f"自评/{code}/全年预算数"] = wan(quota)
        out[f"自评/{code}/全年执行数"] = wan(paid)
        out[f"自评/{code}/执行率"] = percent(paid, quota)
        out[f"自评/{code}/得分"] = f"{scoring.score(paid, quota, rule=score_rule, override=override):.2f}"
        total_opening, total_quota, total_paid = (
            total_opening + opening,
            total_quota + quota,
            total_paid + paid,
        )
    if facts.projects:
        out["自评/合计/年初预算数"] = wan(total_opening)
        out["自评/合计/全年预算数"] = wan(total_quota)
        out["自评/合计/全年执行数"] = wan(total_paid)
        out["自评/合计/执行率"] = percent(total_paid, total_quota)
    return out


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
