"""Each table of the final accounts: its builder on small hand-made facts, its layout on those
cells, and the registry that makes the whole map the union of the builders.

Amounts are in 分 (1 万元 = 1,000,000 分); every cell is rounded once, to 万元.
"""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import pytest

from projections import accounts, final
from projections.final import (
    self_evaluation,
    table01,
    table02,
    table03,
    table04,
    table05,
    table06,
    table07,
    table08,
    table09,
)
from projections.final.facts import Facts
from projections.final.table import Page, code_cells
from projections.reports.cli import final_accounts

WAN = 1_000_000
GENERAL, GOV, CAPITAL = "一般公共预算", "政府性基金预算", "国有资本经营预算"


def a_year() -> Facts:
    """Money in every fund, income from two sources, openings, 三公 and two 自评 sheets."""
    facts = Facts("U1", 2024)
    facts.spend.update(
        {
            ("2150501", True, GENERAL): 3 * WAN,
            ("2150805", False, GENERAL): 20 * WAN,
            ("2120801", False, GOV): 7 * WAN,
            ("2120899", True, GOV): 1 * WAN,
            ("2230105", False, CAPITAL): 5 * WAN,
            ("2050299", True, "事业收入"): 4 * WAN,
        }
    )
    facts.economic.update(
        {
            ("30101", True, GENERAL): 2 * WAN,
            ("30302", True, GENERAL): WAN // 2,
            ("30217", True, GENERAL): WAN // 4,
            ("30231", True, GENERAL): WAN // 4,
            ("30212", False, GENERAL): 1 * WAN,
            ("31299", False, GENERAL): 19 * WAN,
            ("31005", False, GOV): 7 * WAN,
            ("30201", True, GOV): 1 * WAN,
            ("31299", False, CAPITAL): 5 * WAN,
            ("30201", True, "事业收入"): 4 * WAN,
        }
    )
    facts.income.update({("事业收入", "2050299"): 6 * WAN, ("其他收入", "2150501"): WAN // 2})
    facts.opening.update({GENERAL: 2 * WAN, GOV: 3 * WAN, "非财政拨款": 10 * WAN})
    facts.sangong_quota.update({"30217": WAN // 2, "30212": 1 * WAN})
    facts.projects.extend([("P1", 10 * WAN, 40 * WAN, 20 * WAN, None), ("P2", 0, 5 * WAN, 0, 800)])
    return facts


def test_every_table_in_the_registry_has_a_title_a_builder_and_a_layout() -> None:
    assert list(final.TABLES) == [*(f"公开0{n}" for n in range(1, 10)), "自评"]
    for table in final.TABLES.values():
        assert table.title and callable(table.build) and callable(table.layout)


def test_each_builder_writes_only_its_own_tables_addresses() -> None:
    facts = a_year()
    for name, table in final.TABLES.items():
        built = table.build(facts, "proportional")
        assert built, name
        assert all(address.startswith(f"{name}/") for address in built), name


def test_the_whole_map_is_the_union_of_the_builders_in_table_order() -> None:
    facts = a_year()
    union: dict[str, str] = {}
    for table in final.TABLES.values():
        union.update(table.build(facts, "threshold:30"))
    whole = accounts.cells(facts, score_rule="threshold:30")
    assert list(whole.items()) == list(union.items())
    assert sum(len(t.build(facts, "proportional")) for t in final.TABLES.values()) == len(whole)


def test_each_layout_prints_from_its_own_builders_cells_alone() -> None:
    facts = a_year()
    for name, table in final.TABLES.items():
        own = table.build(facts, "proportional")
        for prior in (None, own):
            sheet = final.sheet_for(name, Page(own, prior, {"P1": "专项"}, 2024))
            assert sheet.title == f"{name}表 {table.title}"
            assert sheet.rows and all(len(row) == len(sheet.columns) for row in sheet.rows), name


def test_the_report_offers_every_registered_table_and_no_other() -> None:
    option = next(p for p in final_accounts.params if p.name == "table")
    assert list(option.type.choices) == list(final.TABLES)  # type: ignore[attr-defined]


def test_table_modules_do_not_reach_into_the_read_models() -> None:
    """Builders are pure: facts in, cells out; the SQL lives in ``accounts.gather``."""
    for module in (table01, table02, table03, table04, table05, table06, table07, table08, table09):
        tree = ast.parse(Path(inspect.getfile(module)).read_text("utf-8"))
        imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
        assert not {m for m in imported if m.startswith(("sqlalchemy", "projections.accounts"))}, module


def test_table01_balances_income_spending_and_the_carried_money() -> None:
    cells = table01.build(a_year(), "proportional")
    assert cells["公开01/一般公共预算财政拨款收入"] == "23.00"
    assert cells["公开01/政府性基金预算财政拨款收入"] == "8.00"
    assert cells["公开01/国有资本经营预算财政拨款收入"] == "5.00"
    assert (cells["公开01/事业收入"], cells["公开01/其他收入"], cells["公开01/经营收入"]) == (
        "6.00",
        "0.50",
        "0.00",
    )
    assert cells["公开01/本年收入合计"] == "42.50"  # 23 + 8 + 5 + 6 + 0.5
    assert cells["公开01/本年支出合计"] == "40.00"  # the 事业收入 line spends its own 4.00 too
    assert cells["公开01/年初结转和结余"] == "15.00"
    assert cells["公开01/年末结转和结余"] == "17.50"  # 15 + 42.5 − 40
    assert cells["公开01/收入总计"] == cells["公开01/支出总计"] == "57.50"
    assert (cells["公开01/类/215"], cells["公开01/类/212"], cells["公开01/类/201"]) == (
        "23.00",
        "8.00",
        "0.00",
    )


def test_table02_income_by_function_adds_the_fiscal_money_and_each_source() -> None:
    cells = table02.build(a_year(), "proportional")
    assert cells["公开02/合计/本年收入合计"] == "42.50"
    assert cells["公开02/合计/财政拨款收入"] == "36.00"
    assert cells["公开02/2050299/事业收入"] == "6.00"
    assert cells["公开02/2050299/财政拨款收入"] == "0.00"  # the 事业收入 line's spending is not 财政
    assert cells["公开02/215/本年收入合计"] == "23.50"  # 3 + 20 + 其他收入 0.5 on 2150501
    assert cells["公开02/21505/其他收入"] == "0.50"


def test_table03_splits_spending_into_basic_and_project_with_the_unrecorded_columns_zero() -> None:
    cells = table03.build(a_year(), "proportional")
    assert (cells["公开03/合计/基本支出"], cells["公开03/合计/项目支出"]) == ("8.00", "32.00")
    assert cells["公开03/2050299/基本支出"] == "4.00"
    assert cells["公开03/212/本年支出合计"] == "8.00"
    assert {cells[f"公开03/合计/{c}"] for c in ("上缴上级支出", "经营支出", "对附属单位补助支出")} == {"0.00"}


def test_table04_keeps_to_fiscal_money_and_carries_its_balance_unchanged() -> None:
    cells = table04.build(a_year(), "proportional")
    assert cells["公开04/本年收入合计"] == cells["公开04/本年支出合计/合计"] == "36.00"
    assert cells["公开04/类/212/政府性基金预算财政拨款"] == "8.00"
    assert cells["公开04/类/205/合计"] == "0.00"  # only 事业收入 money was spent under 205
    assert (
        cells["公开04/年初财政拨款结转和结余/合计"] == cells["公开04/年末财政拨款结转和结余/合计"] == "5.00"
    )
    assert cells["公开04/年末财政拨款结转和结余/政府性基金预算"] == "3.00"
    assert cells["公开04/总计"] == "41.00"
    headings, rows = table04.layout(Page(cells, None, {}, 2024))
    assert rows[-1] == ["总计", "41.00", "总计", "41.00", "", "", ""] and len(headings) == 7


def test_table05_is_the_general_budget_only_and_prints_its_total_column_as_subtotal() -> None:
    cells = table05.build(a_year(), "proportional")
    assert (cells["公开05/合计/合计"], cells["公开05/合计/基本支出"], cells["公开05/合计/项目支出"]) == (
        "23.00",
        "3.00",
        "20.00",
    )
    assert not any(k.startswith("公开05/212") for k in cells)
    headings, _ = table05.TABLE.layout(Page(cells, None, {}, 2024))
    assert headings[2] == "小计"


def test_table06_counts_general_basic_spending_by_economic_code_split_personnel_and_public() -> None:
    cells = table06.build(a_year(), "proportional")
    assert (cells["公开06/301"], cells["公开06/30101"], cells["公开06/303"]) == ("2.00", "2.00", "0.50")
    assert cells["公开06/302"] == "0.50"
    assert "公开06/312" not in cells and "公开06/310" not in cells  # project or other funds' spending
    assert (cells["公开06/人员经费合计"], cells["公开06/公用经费合计"]) == ("2.50", "0.50")


def test_table07_sets_the_sangong_quota_against_what_was_paid_under_those_codes() -> None:
    cells = table07.build(a_year(), "proportional")
    assert (cells["公开07/合计/预算数"], cells["公开07/合计/决算数"]) == ("1.50", "1.50")
    assert cells["公开07/因公出国（境）费/决算数"] == "1.00"  # paid from a project line counts too
    assert (
        cells["公开07/公务用车购置及运行维护费/决算数"] == cells["公开07/公务用车运行维护费/决算数"] == "0.25"
    )
    assert (cells["公开07/公务接待费/预算数"], cells["公开07/公务接待费/决算数"]) == ("0.50", "0.25")
    prior = {**cells, "公开07/公务接待费/决算数": "0.20"}
    _, rows = table07.layout(Page(cells, prior, {}, 2024))
    assert rows[-1] == ["3. 公务接待费", 6, "0.50", "0.25", "0.20", "0.05", "25.00"]


def test_table08_is_the_government_fund_whose_balance_is_carried_unchanged() -> None:
    cells = table08.build(a_year(), "proportional")
    assert cells["公开08/合计/本年收入"] == cells["公开08/合计/本年支出合计"] == "8.00"
    assert (cells["公开08/合计/基本支出"], cells["公开08/合计/项目支出"]) == ("1.00", "7.00")
    assert cells["公开08/合计/年初结转和结余"] == cells["公开08/合计/年末结转和结余"] == "3.00"
    _, rows = table08.TABLE.layout(Page(cells, None, {}, 2024))
    assert rows[1][0] == "212"
    assert rows[1][2] == rows[1][-1] == "0.00"  # code rows print no balance of their own


def test_table09_is_the_state_capital_budget_only() -> None:
    cells = table09.build(a_year(), "proportional")
    assert cells["公开09/合计/合计"] == cells["公开09/2230105/项目支出"] == "5.00"
    assert {k.split("/")[1] for k in cells} == {"合计", "223", "22301", "2230105"}


def test_the_self_evaluation_sheets_score_by_the_rule_unless_a_score_was_set() -> None:
    facts = a_year()
    cells = self_evaluation.build(facts, "proportional")
    assert [cells[f"自评/P1/{c}"] for c in self_evaluation.COLUMNS] == [
        "10.00",
        "40.00",
        "20.00",
        "50.00",
        "5.00",
    ]
    assert cells["自评/P2/得分"] == "8.00"  # set by hand: 800 hundredths
    assert self_evaluation.build(facts, "threshold:50")["自评/P1/得分"] == "10.00"
    assert cells["自评/合计/全年预算数"] == "45.00" and cells["自评/合计/执行率"] == "44.44"
    assert "自评/合计/得分" not in cells
    _, rows = self_evaluation.layout(Page(cells, None, {"P1": "专项"}, 2024))
    assert [r[:2] for r in rows] == [["P1", "专项"], ["P2", ""], ["合计", ""]]
    assert self_evaluation.build(Facts("U1", 2024), "proportional") == {}


def test_a_code_table_total_is_the_rounded_exact_sum_not_the_sum_of_rounded_rows() -> None:
    half = 5_000  # 5,000 分 = 50 元 = 0.005 万元, prints 0.01 (half-up)
    cells = code_cells("公开05", {"合计": {"2150805": half, "2159904": half}})
    assert cells["公开05/2150805/合计"] == cells["公开05/2159904/合计"] == "0.01"
    assert cells["公开05/合计/合计"] == "0.01" and cells["公开05/215/合计"] == "0.01"


@pytest.mark.parametrize("table", ["公开02", "公开03", "公开05"])
def test_code_tables_with_a_prior_year_print_its_figure_and_the_change(table: str) -> None:
    cells = final.TABLES[table].build(a_year(), "proportional")
    column = {"公开02": "本年收入合计", "公开03": "本年支出合计", "公开05": "合计"}[table]
    prior = {k: "10.00" for k in cells if k.endswith(f"/{column}")}
    headings, rows = final.TABLES[table].layout(Page(cells, prior, {}, 2024))
    assert headings[-3:] == ["上年决算数", "增减", "增减%"]
    total = rows[0]
    assert total[1] == "合计" and total[-3] == "10.00"
    assert total[-2] == f"{float(cells[f'{table}/合计/{column}']) - 10:.2f}"


def test_tables_without_a_year_on_year_column_ignore_the_prior_year() -> None:
    cells = table09.build(a_year(), "proportional")
    assert table09.TABLE.layout(Page(cells, cells, {}, 2024)) == table09.TABLE.layout(
        Page(cells, None, {}, 2024)
    )
