"""公开09 国有资本经营预算财政拨款支出决算表: 国有资本经营 spending by function code, 基本 / 项目."""

from __future__ import annotations

from ledger.domain.kinds import Fund
from projections.final.facts import Facts, spend
from projections.final.table import Cells, Table, code_cells, code_layout

CAPITAL = (Fund.STATE_CAPITAL.value,)


def build(facts: Facts, score_rule: str) -> Cells:
    return code_cells(
        "公开09",
        {
            "合计": spend(facts, CAPITAL),
            "基本支出": spend(facts, CAPITAL, True),
            "项目支出": spend(facts, CAPITAL, False),
        },
    )


TABLE = Table(
    "国有资本经营预算财政拨款支出决算表", build, code_layout("公开09", ["合计", "基本支出", "项目支出"])
)
