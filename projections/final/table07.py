"""公开07 一般公共预算财政拨款“三公”经费支出决算表: 预算数 is the quota of the lines whose
economic code is a 三公 code, 决算数 what was paid under those codes (基本 and 项目)."""

from __future__ import annotations

from collections import defaultdict

from ledger.domain.kinds import Fund
from ledger.money import wan
from projections.final.facts import SANGONG, Facts
from projections.final.table import Cells, Page, Rows, Table, change

# (row address, row as printed)
ROWS = [
    ("合计", "合计"),
    ("因公出国（境）费", "1. 因公出国（境）费"),
    ("公务用车购置及运行维护费", "2. 公务用车购置及运行维护费"),
    ("公务用车购置费", "其中：（1）公务用车购置费"),
    ("公务用车运行维护费", "（2）公务用车运行维护费"),
    ("公务接待费", "3. 公务接待费"),
]


def build(facts: Facts, score_rule: str) -> Cells:
    paid: dict[str, int] = defaultdict(int)
    for (code, _basic, fund), amount in facts.economic.items():
        if fund == Fund.GENERAL.value and code in SANGONG:
            paid[code] += amount
    out: Cells = {}
    for column, by_code in (("预算数", facts.sangong_quota), ("决算数", paid)):
        abroad, buy, run, hosting = (by_code.get(c, 0) for c in ("30212", "31013", "30231", "30217"))
        out[f"公开07/合计/{column}"] = wan(abroad + buy + run + hosting)
        out[f"公开07/因公出国（境）费/{column}"] = wan(abroad)
        out[f"公开07/公务用车购置及运行维护费/{column}"] = wan(buy + run)
        out[f"公开07/公务用车购置费/{column}"] = wan(buy)
        out[f"公开07/公务用车运行维护费/{column}"] = wan(run)
        out[f"公开07/公务接待费/{column}"] = wan(hosting)
    return out


def layout(page: Page) -> tuple[list[str], Rows]:
    cells = page.cells
    rows: Rows = [
        [shown, i + 1, cells[f"公开07/{label}/预算数"], cells[f"公开07/{label}/决算数"]]
        for i, (label, shown) in enumerate(ROWS)
    ]
    columns = ["项目", "行次", "预算数", "决算数"]
    if page.prior:
        prior = page.prior
        columns += ["上年决算数", "增减", "增减%"]
        for row, (label, _) in zip(rows, ROWS, strict=True):
            before = prior.get(f"公开07/{label}/决算数", "")
            row += [before, *(change(row[3], before) if before else ("", ""))]
    return columns, rows


TABLE = Table("一般公共预算财政拨款“三公”经费支出决算表", build, layout)
