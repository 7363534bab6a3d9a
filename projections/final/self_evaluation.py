"""自评 项目支出绩效自评表（资金情况）: the funds line of every 特定目标类 project that lived in
the year — 年初预算数, 全年预算数, 全年执行数, 执行率 and 得分 (by the score rule, unless a
score was set by hand) — and a 合计 row when there is at least one."""

from __future__ import annotations

from ledger.money import percent, wan
from projections import scoring
from projections.final.facts import Facts
from projections.final.table import Cells, Page, Rows, Table

COLUMNS = ["年初预算数", "全年预算数", "全年执行数", "执行率", "得分"]


def build(facts: Facts, score_rule: str) -> Cells:
    out: Cells = {}
    for code, opening, quota, paid, override in facts.projects:
        out[f"自评/{code}/年初预算数"] = wan(opening)
        out[f"自评/{code}/全年预算数"] = wan(quota)
        out[f"自评/{code}/全年执行数"] = wan(paid)
        out[f"自评/{code}/执行率"] = percent(paid, quota)
        out[f"自评/{code}/得分"] = f"{scoring.score(paid, quota, rule=score_rule, override=override):.2f}"
    if facts.projects:
        opening = sum(p[1] for p in facts.projects)
        quota = sum(p[2] for p in facts.projects)
        paid = sum(p[3] for p in facts.projects)
        out["自评/合计/年初预算数"] = wan(opening)
        out["自评/合计/全年预算数"] = wan(quota)
        out["自评/合计/全年执行数"] = wan(paid)
        out["自评/合计/执行率"] = percent(paid, quota)
    return out


def layout(page: Page) -> tuple[list[str], Rows]:
    cells = page.cells
    codes = sorted({k.split("/")[1] for k in cells if k.startswith("自评/") and k.split("/")[1] != "合计"})
    rows: Rows = [
        [code, page.names.get(code, ""), *(cells[f"自评/{code}/{col}"] for col in COLUMNS)] for code in codes
    ]
    if "自评/合计/全年预算数" in cells:
        rows.append(["合计", "", *(cells.get(f"自评/合计/{col}", "") for col in COLUMNS)])
    return ["项目编码", "项目名称", *COLUMNS], rows


TABLE = Table("项目支出绩效自评表（资金情况）", build, layout)
