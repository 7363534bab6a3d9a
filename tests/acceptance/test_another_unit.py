"""A unit of other 类 than the reference: a county 财政局 with 201, 208, 210 and 221 lines.

The whole year goes through the CLI, and its final accounts are checked against figures
computed by hand below (each cell rounded once from exact 分, DOMAIN.md §6).
"""

from __future__ import annotations

import json

from tests.conftest import Run

UNIT = "101001"
LINES = [
    # code, name, function, category, economic, quota (元)
    ("JB-01", "在职人员工资", "2010601", "人员类", "30101", "2,000,000"),
    ("JB-02", "机关事业单位基本养老保险缴费", "2080505", "人员类", "30108", "300,000"),
    ("JB-03", "行政单位医疗", "2101101", "人员类", "30110", "120,000"),
    ("JB-04", "住房公积金", "2210201", "人员类", "30113", "180,000"),
    ("JB-05", "机关运转经费", "2010601", "运转类", "30201", "200,000"),
    ("XM-01", "财政信息化运维项目", "2010602", "特定目标类", "30227", "500,000"),
]
PAYMENTS = [
    # line, amount (元), economic
    ("JB-01", "1,200,000", "30101"),
    ("JB-01", "300,000", "30102"),
    ("JB-02", "240,000", "30108"),
    ("JB-03", "105,000", "30110"),
    ("JB-04", "180,000", "30113"),
    ("JB-05", "81,234.56", "30201"),
    ("JB-05", "1,200", "30217"),
    ("XM-01", "250,000", "30227"),
]

# by hand, in 万元: 120 + 30 + 24 + 10.5 + 18 + 8.123456 + 0.12 + 25 = 235.743456
EXPECTED = {
    "公开01/一般公共预算财政拨款收入": "235.74",
    "公开01/本年收入合计": "235.74",
    "公开01/本年支出合计": "235.74",
    "公开01/类/201": "183.24",  # 150 + 8.243456 + 25
    "公开01/类/208": "24.00",
    "公开01/类/210": "10.50",
    "公开01/类/221": "18.00",
    "公开01/类/215": "0.00",
    "公开01/年初结转和结余": "0.00",
    "公开01/年末结转和结余": "0.00",
    "公开03/合计/基本支出": "210.74",  # 235.743456 − 25
    "公开03/合计/项目支出": "25.00",
    "公开03/2010601/基本支出": "158.24",
    "公开03/2010602/项目支出": "25.00",
    "公开03/20106/本年支出合计": "183.24",
    "公开03/2080505/基本支出": "24.00",
    "公开03/20805/基本支出": "24.00",
    "公开03/2101101/基本支出": "10.50",
    "公开03/2210201/基本支出": "18.00",
    "公开05/合计/合计": "235.74",
    "公开06/301": "202.50",  # 120 + 30 + 24 + 10.5 + 18
    "公开06/30101": "120.00",
    "公开06/30102": "30.00",
    "公开06/30108": "24.00",
    "公开06/30110": "10.50",
    "公开06/30113": "18.00",
    "公开06/302": "8.24",  # 8.123456 + 0.12
    "公开06/30201": "8.12",
    "公开06/30217": "0.12",
    "公开06/人员经费合计": "202.50",
    "公开06/公用经费合计": "8.24",
    "公开07/公务接待费/决算数": "0.12",
    "公开07/合计/决算数": "0.12",
    "公开07/合计/预算数": "0.00",
    "自评/XM-01/全年预算数": "50.00",
    "自评/XM-01/全年执行数": "25.00",
    "自评/XM-01/执行率": "50.00",
}


def ok(run: Run, *args: str) -> str:
    result = run(*args)
    assert result.exit_code == 0, result.output
    return result.output


def test_a_finance_bureau_year_reproduces_its_hand_computed_final_accounts(run: Run) -> None:
    ok(run, "unit", "add", UNIT, "某县财政局", "--kind", "行政单位")
    for code, name, function, category, economic, quota in LINES:
        ok(run, "project", "add", UNIT, code, name, "--function", function, "--category", category,
           "--economic", economic)  # fmt: skip
        ok(run, "appropriation", "issue", f"{UNIT}/{code}", quota, "--date", "2024-01-10", "--doc",
           "县财预〔2024〕1号", "--kind", "年初")  # fmt: skip
    for n, (code, amount, economic) in enumerate(PAYMENTS, start=1):
        ok(run, "payment", "request", f"{UNIT}/{code}", amount, "--payee", "某县财政局", "--economic", economic,
           "--date", f"2024-{n + 2:02d}-05", "--settled-on", f"2024-{n + 2:02d}-06")  # fmt: skip

    cells = json.loads(ok(run, "report", "final-accounts", UNIT, "2024", "--format", "json"))["cells"]
    for address, value in EXPECTED.items():
        assert cells.get(address, "0.00") == value, address

    printed = ok(run, "report", "final-accounts", UNIT, "2024", "--table", "公开03", "--wide")  # names whole
    for name in (
        "机关事业单位基本养老保险缴费支出",
        "行政单位医疗",
        "住房公积金",
        "财政事务",
        "一般行政管理事务",
    ):
        assert name in printed
    basic = ok(run, "report", "final-accounts", UNIT, "2024", "--table", "公开06")
    assert "机关事业单位基本养老保险缴费" in basic and "职工基本医疗保险缴费" in basic

    balances = ok(run, "report", "balances", UNIT, "2024")
    assert "不成立" not in balances
