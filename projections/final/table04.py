"""公开04 财政拨款收入支出决算总表: 财政拨款 only, by fund.

财政拨款收入 is recognised when paid, so it equals 财政拨款支出 fund by fund, and the closing
财政拨款 balance is the opening one: 年末 = 年初 + 收入 − 支出.
"""

from __future__ import annotations

from ledger.codes import PUBLISHED_CLASSES, CodeKind, name_of
from ledger.domain.kinds import Fund
from ledger.money import wan
from projections.final.facts import FISCAL, Facts, fiscal_by_fund, opening_of, rolled, spend
from projections.final.table import NUMERALS, Cells, Page, Rows, Table, numbered

COLUMNS = {
    "一般公共预算财政拨款": (Fund.GENERAL.value,),
    "政府性基金预算财政拨款": (Fund.GOVERNMENT_FUND.value,),
    "国有资本经营预算财政拨款": (Fund.STATE_CAPITAL.value,),
}
FUNDS = ["合计", *FISCAL]


def build(facts: Facts, score_rule: str) -> Cells:
    fiscal = fiscal_by_fund(facts)
    out: Cells = {f"公开04/{fund}": wan(fiscal[fund]) for fund in FISCAL}
    out["公开04/本年收入合计"] = wan(sum(fiscal.values()))
    by_column = {col: rolled(spend(facts, funds)) for col, funds in COLUMNS.items()}
    all_fiscal = rolled(spend(facts, FISCAL))
    for code in PUBLISHED_CLASSES:
        out[f"公开04/类/{code}/合计"] = wan(all_fiscal.get(code, 0))
        for col, by_class in by_column.items():
            out[f"公开04/类/{code}/{col}"] = wan(by_class.get(code, 0))
    out["公开04/本年支出合计/合计"] = wan(sum(fiscal.values()))
    for col, funds in COLUMNS.items():
        out[f"公开04/本年支出合计/{col}"] = wan(sum(fiscal[f] for f in funds))
    opening = {f: opening_of(facts, f) for f in FISCAL}
    closing = {f: opening_of(facts, f) + fiscal[f] - fiscal[f] for f in FISCAL}
    out["公开04/年初财政拨款结转和结余/合计"] = wan(sum(opening.values()))
    out["公开04/年末财政拨款结转和结余/合计"] = wan(sum(closing.values()))
    for fund in FISCAL:
        out[f"公开04/年初财政拨款结转和结余/{fund}"] = wan(opening[fund])
        out[f"公开04/年末财政拨款结转和结余/{fund}"] = wan(closing[fund])
    out["公开04/总计"] = wan(sum(fiscal.values()) + sum(opening.values()))
    return out


def layout(page: Page) -> tuple[list[str], Rows]:
    """Income by fund beside spending by 类 and fund; then the totals and balances by fund."""
    cells = page.cells
    cols = ["合计", *COLUMNS]
    income = [(f"{NUMERALS[i]}、{fund}", cells[f"公开04/{fund}"]) for i, fund in enumerate(FISCAL)]
    rows: Rows = []
    for i, c in enumerate(PUBLISHED_CLASSES):
        lhs = income[i] if i < len(income) else ("", "")
        rows.append(
            [
                *lhs,
                f"{numbered(i + 1)}、{name_of(CodeKind.FUNCTION, c, page.year)}",
                *(cells[f"公开04/类/{c}/{col}"] for col in cols),
            ]
        )
    rows.append(
        [
            "本年收入合计",
            cells["公开04/本年收入合计"],
            "本年支出合计",
            *(cells[f"公开04/本年支出合计/{col}"] for col in cols),
        ]
    )
    rows.append(
        [
            "年初财政拨款结转和结余",
            cells["公开04/年初财政拨款结转和结余/合计"],
            "年末财政拨款结转和结余",
            *(cells[f"公开04/年末财政拨款结转和结余/{f}"] for f in FUNDS),
        ]
    )
    for i, fund in enumerate(FISCAL):
        rows.append(
            [f"{NUMERALS[i]}、{fund}", cells[f"公开04/年初财政拨款结转和结余/{fund}"], "", "", "", "", ""]
        )
    rows.append(["总计", cells["公开04/总计"], "总计", cells["公开04/总计"], "", "", ""])
    return ["收入项目", "金额", "支出项目（按功能分类）", *cols], rows


TABLE = Table("财政拨款收入支出决算总表", build, layout)
