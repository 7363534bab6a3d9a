"""公开06 一般公共预算财政拨款基本支出决算表: 基本支出 by economic code, 类 and 款, with
人员经费 (301 工资福利支出, 303 对个人和家庭的补助) and 公用经费 (the rest)."""

from __future__ import annotations

from collections import defaultdict

from ledger.codes import CodeKind, name_of
from ledger.domain.kinds import Fund
from ledger.money import wan
from projections.final.facts import Facts, rolled
from projections.final.table import Cells, Page, Rows, Table

PERSONNEL = ("301", "303")


def build(facts: Facts, score_rule: str) -> Cells:
    econ: dict[str, int] = defaultdict(int)
    for (code, is_basic, fund), paid in facts.economic.items():
        if is_basic and fund == Fund.GENERAL.value and code:
            econ[code] += paid
    out: Cells = {}
    for code, amount in sorted(rolled(econ, CodeKind.ECONOMIC).items()):
        if amount:
            out[f"公开06/{code}"] = wan(amount)
    personnel = sum(v for c, v in econ.items() if c[:3] in PERSONNEL)
    out["公开06/人员经费合计"] = wan(personnel)
    out["公开06/公用经费合计"] = wan(sum(econ.values()) - personnel)
    return out


def layout(page: Page) -> tuple[list[str], Rows]:
    cells = page.cells
    codes = sorted(k.split("/")[1] for k in cells if k.startswith("公开06/") and k.split("/")[1].isdigit())
    rows: Rows = [
        [code, name_of(CodeKind.ECONOMIC, code, page.year), cells[f"公开06/{code}"]] for code in codes
    ]
    rows.append(["", "人员经费合计", cells["公开06/人员经费合计"]])
    rows.append(["", "公用经费合计", cells["公开06/公用经费合计"]])
    columns = ["经济分类科目编码", "科目名称", "金额"]
    if page.prior:
        prior = page.prior
        columns.append("上年决算数")
        for row in rows:
            row.append(prior.get(f"公开06/{row[0]}" if row[0] else f"公开06/{row[1]}", ""))
    return columns, rows


TABLE = Table("一般公共预算财政拨款基本支出决算表", build, layout)
