"""公开05 一般公共预算财政拨款支出决算表: 一般公共预算 spending by function code, 基本 / 项目."""

from __future__ import annotations

from ledger.domain.kinds import Fund
from projections.final.facts import Facts, spend
from projections.final.table import Cells, Table, code_cells, code_layout

GENERAL = (Fund.GENERAL.value,)


def build(facts: Facts, score_rule: str) -> Cells:
    return code_cells(
        "公开05",
        {
            "合计": spend(facts, GENERAL),
            "基本支出": spend(facts, GENERAL, True),
            "项目支出": spend(facts, GENERAL, False),
        },
    )


TABLE = Table(
    "一般公共预算财政拨款支出决算表",
    build,
    code_layout("公开05", ["合计", "基本支出", "项目支出"], yoy="合计", headings={"合计": "小计"}),
)
