"""公开01 收入支出决算总表: income by kind, spending by 类, and the year's balance identity.

年末结转和结余 = 年初结转和结余 + 本年收入合计 + 使用非财政拨款结余 − 本年支出合计 − 结余分配;
使用非财政拨款结余 and 结余分配 are 0: the ledger records no act that creates them.
"""

from __future__ import annotations

from ledger.codes import PUBLISHED_CLASSES, CodeKind, name_of
from ledger.domain.kinds import Fund
from ledger.money import wan
from projections.final.facts import SOURCES, Facts, fiscal_by_fund, income_by_source, rolled, spend
from projections.final.table import Cells, Page, Rows, Table, numbered

INCOME_01 = [
    "一般公共预算财政拨款收入",
    "政府性基金预算财政拨款收入",
    "国有资本经营预算财政拨款收入",
    *SOURCES,
]


def build(facts: Facts, score_rule: str) -> Cells:
    fiscal = fiscal_by_fund(facts)
    income = income_by_source(facts)
    total_income = sum(fiscal.values()) + sum(income.values())
    total_spend = sum(spend(facts).values())
    opening = sum(facts.opening.values())
    using_surplus = distribution = 0
    closing = opening + total_income + using_surplus - total_spend - distribution
    out: Cells = {
        "公开01/一般公共预算财政拨款收入": wan(fiscal[Fund.GENERAL.value]),
        "公开01/政府性基金预算财政拨款收入": wan(fiscal[Fund.GOVERNMENT_FUND.value]),
        "公开01/国有资本经营预算财政拨款收入": wan(fiscal[Fund.STATE_CAPITAL.value]),
    }
    for source in SOURCES:
        out[f"公开01/{source}"] = wan(income[source])
    out["公开01/本年收入合计"] = wan(total_income)
    out["公开01/使用非财政拨款结余"] = wan(using_surplus)
    out["公开01/年初结转和结余"] = wan(opening)
    out["公开01/收入总计"] = wan(total_income + using_surplus + opening)
    by_class = rolled(spend(facts))
    for code in PUBLISHED_CLASSES:
        out[f"公开01/类/{code}"] = wan(by_class.get(code, 0))
    out["公开01/本年支出合计"] = wan(total_spend)
    out["公开01/结余分配"] = wan(distribution)
    out["公开01/年末结转和结余"] = wan(closing)
    out["公开01/支出总计"] = wan(total_spend + distribution + closing)
    return out


def layout(page: Page) -> tuple[list[str], Rows]:
    """Income on the left, spending by 类 on the right, side by side; then the four totals."""
    cells, classes = page.cells, list(PUBLISHED_CLASSES)
    left = [(f"{numbered(i + 1)}、{label}", cells[f"公开01/{label}"]) for i, label in enumerate(INCOME_01)]
    right = [
        (f"{numbered(i + 1)}、{name_of(CodeKind.FUNCTION, c, page.year)}", cells[f"公开01/类/{c}"])
        for i, c in enumerate(classes)
    ]
    rows: Rows = []
    for i in range(max(len(left), len(right))):
        lhs = left[i] if i < len(left) else ("", "")
        rhs = right[i] if i < len(right) else ("", "")
        rows.append([*lhs, *rhs])
    rows += [
        ["本年收入合计", cells["公开01/本年收入合计"], "本年支出合计", cells["公开01/本年支出合计"]],
        [
            "使用非财政拨款结余（含专用结余）",
            cells["公开01/使用非财政拨款结余"],
            "结余分配",
            cells["公开01/结余分配"],
        ],
        ["年初结转和结余", cells["公开01/年初结转和结余"], "年末结转和结余", cells["公开01/年末结转和结余"]],
        ["总计", cells["公开01/收入总计"], "总计", cells["公开01/支出总计"]],
    ]
    columns = ["收入项目", "决算数", "支出项目（按支出功能分类）", "决算数"]
    if page.prior:
        prior = page.prior
        columns.append("上年决算数（支出）")
        for row, c in zip(rows, [*classes, None, None, None, None], strict=False):
            row.append(prior.get(f"公开01/类/{c}", "") if c else "")
        rows[-4][-1] = prior.get("公开01/本年支出合计", "")
    return columns, rows


TABLE = Table("收入支出决算总表", build, layout)
