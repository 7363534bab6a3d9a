"""公开02 收入决算表: the year's income by function code — 财政拨款收入 (recognised when paid,
so the 财政 lines' spending) and each non-财政 source."""

from __future__ import annotations

from collections import defaultdict

from projections.final.facts import FISCAL, SOURCES, Facts, spend
from projections.final.table import Cells, Table, code_cells, code_layout

COLUMNS = ["本年收入合计", "财政拨款收入", *SOURCES]


def build(facts: Facts, score_rule: str) -> Cells:
    by_source = {s: {fn: v for (src, fn), v in facts.income.items() if src == s} for s in SOURCES}
    fiscal = spend(facts, FISCAL)
    total: dict[str, int] = defaultdict(int)
    for by_function in (fiscal, *by_source.values()):
        for fn, v in by_function.items():
            total[fn] += v
    return code_cells("公开02", {"本年收入合计": total, "财政拨款收入": fiscal, **by_source})


TABLE = Table("收入决算表", build, code_layout("公开02", COLUMNS, yoy="本年收入合计"))
