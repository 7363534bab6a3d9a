"""公开03 支出决算表: all spending by function code, 基本支出 / 项目支出; the ledger records no
上缴上级支出, 经营支出 or 对附属单位补助支出, so those columns are 0."""

from __future__ import annotations

from projections.final.facts import Facts, spend
from projections.final.table import Cells, Table, code_cells, code_layout

COLUMNS = ["本年支出合计", "基本支出", "项目支出", "上缴上级支出", "经营支出", "对附属单位补助支出"]


def build(facts: Facts, score_rule: str) -> Cells:
    zero: dict[str, int] = {}
    return code_cells(
        "公开03",
        {
            "本年支出合计": spend(facts),
            "基本支出": spend(facts, basic=True),
            "项目支出": spend(facts, basic=False),
            "上缴上级支出": zero,
            "经营支出": zero,
            "对附属单位补助支出": zero,
        },
    )


TABLE = Table("支出决算表", build, code_layout("公开03", COLUMNS, yoy="本年支出合计"))
