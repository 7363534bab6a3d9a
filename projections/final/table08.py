"""公开08 政府性基金预算财政拨款收入支出决算表: 政府性基金 by function code; 本年收入 is what was
paid (recognised when paid), so the closing balance is the opening one."""

from __future__ import annotations

from ledger.domain.kinds import Fund
from ledger.money import wan
from projections.final.facts import Facts, opening_of, spend
from projections.final.table import Cells, Table, code_cells, code_layout

FUND = (Fund.GOVERNMENT_FUND.value,)
COLUMNS = ["年初结转和结余", "本年收入", "本年支出合计", "基本支出", "项目支出", "年末结转和结余"]


def build(facts: Facts, score_rule: str) -> Cells:
    paid = spend(facts, FUND)
    out = code_cells(
        "公开08",
        {
            "本年收入": paid,
            "本年支出合计": paid,
            "基本支出": spend(facts, FUND, True),
            "项目支出": spend(facts, FUND, False),
        },
    )
    opening = opening_of(facts, Fund.GOVERNMENT_FUND.value)
    out["公开08/合计/年初结转和结余"] = wan(opening)
    out["公开08/合计/年末结转和结余"] = wan(opening)
    return out


TABLE = Table("政府性基金预算财政拨款收入支出决算表", build, code_layout("公开08", COLUMNS))
