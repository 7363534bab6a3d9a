"""Every report on a small worked year whose figures are computed by hand below.

The year (万元): unit 153001 (事业单位) opens 2024 with 49.14 of non-财政 money.
- JB  2150501 运转类, 一般公共预算: quota 10.00; pays 3.00 (30226, 10 Mar) and 0.50 (30217, 10 Apr).
- P1  2150805 特定目标类: 20.00 carried + 30.00 追加 (1 May) = 50.00; pays 15.00 (20 Mar);
      requests 10.00 (10 Jun), held 15 Jun 待区财政统筹拨付; pays 5.00 (1 Jul), refund 1.00 (15 Jul).
- P2  2159904 特定目标类: 40.00 (1 Feb), reduced by 10.00 (1 Sep); nothing paid.
- N1  2150501 运转类, 其他收入 money: quota 6.20; pays 2.00 (30201, 5 May); 其他收入 6.20 received.
So 一般公共预算 paid = 3.50 + 19.00 = 22.50; all spending 24.50; income 22.50 + 6.20 = 28.70;
closing balance 49.14 + 28.70 − 24.50 = 53.34; P1 执行率 19 / 50 = 38.00 %, score 3.80.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from ledger.application import Ledger
from ledger.storage import parse_url
from projections import runner
from tests.conftest import Run, invoke

YEAR_ACTS = [
    ("unit", "add", "153001", "测试事业单位", "--kind", "事业单位"),
    ("unit", "opening-balance", "153001", "2024", "49.14万", "--fund", "非财政拨款"),
    (
        "project",
        "add",
        "153001",
        "JB",
        "行政运行",
        "--function",
        "2150501",
        "--category",
        "运转类",
        "--economic",
        "30299",
    ),
    ("project", "add", "153001", "P1", "中小企业专项", "--function", "2150805", "--category", "特定目标类"),
    ("project", "add", "153001", "P2", "技术改造", "--function", "2159904", "--category", "特定目标类"),
    (
        "project",
        "add",
        "153001",
        "N1",
        "自有资金运转",
        "--function",
        "2150501",
        "--category",
        "运转类",
        "--fund",
        "其他收入",
    ),
    ("appropriation", "issue", "JB", "10万", "--date", "2024-01-01", "--doc", "预", "--kind", "年初"),
    ("appropriation", "issue", "P1", "20万", "--date", "2024-01-01", "--doc", "结", "--kind", "结转"),
    ("appropriation", "issue", "P2", "40万", "--date", "2024-02-01", "--doc", "转", "--kind", "转移支付"),
    ("appropriation", "issue", "N1", "6.2万", "--date", "2024-01-01", "--doc", "自", "--kind", "年初"),
    (
        "income",
        "add",
        "153001",
        "6.2万",
        "--source",
        "其他收入",
        "--function",
        "2150501",
        "--date",
        "2024-02-15",
    ),
    (
        "payment",
        "request",
        "JB",
        "3万",
        "--payee",
        "劳务公司",
        "--economic",
        "30226",
        "--date",
        "2024-03-10",
        "--settled-on",
        "2024-03-10",
    ),
    (
        "payment",
        "request",
        "P1",
        "15万",
        "--payee",
        "甲企业",
        "--economic",
        "31299",
        "--date",
        "2024-03-20",
        "--settled-on",
        "2024-03-20",
    ),
    (
        "payment",
        "request",
        "JB",
        "0.5万",
        "--payee",
        "接待",
        "--economic",
        "30217",
        "--date",
        "2024-04-10",
        "--settled-on",
        "2024-04-10",
    ),
    ("appropriation", "issue", "P1", "30万", "--date", "2024-05-01", "--doc", "追", "--kind", "追加"),
    (
        "payment",
        "request",
        "N1",
        "2万",
        "--payee",
        "文具店",
        "--economic",
        "30201",
        "--date",
        "2024-05-05",
        "--settled-on",
        "2024-05-05",
    ),
    ("payment", "request", "P1", "10万", "--payee", "乙企业", "--economic", "31299", "--date", "2024-06-10"),
    ("payment", "hold", "153001/P1/2", "--date", "2024-06-15", "--reason", "待区财政统筹拨付"),
    (
        "payment",
        "request",
        "P1",
        "5万",
        "--payee",
        "丙企业",
        "--economic",
        "31299",
        "--date",
        "2024-07-01",
        "--settled-on",
        "2024-07-01",
    ),
    ("payment", "refund", "153001/P1/3", "1万", "--date", "2024-07-15", "--reason", "多拨退回"),
    ("appropriation", "reduce", "P2", "10万", "--date", "2024-09-01", "--doc", "减", "--reason", "调整"),
]


@pytest.fixture
def year(db: str, run: Run) -> str:
    for act in YEAR_ACTS:
        result = run(*act)
        assert result.exit_code == 0, (act, result.output)
    return db


def report(db: str, *args: str) -> Any:
    result = invoke(db, "--format", "json", *args)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def by_project(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {r["project"].split("/")[1]: r for r in rows}


def test_the_execution_report_per_project(year: str) -> None:
    rows = by_project(report(year, "report", "execution", "--unit", "153001", "--year", "2024")["projects"])
    p1 = rows["P1"]
    assert (p1["opening_fen"], p1["quota_fen"], p1["paid_fen"], p1["pending_fen"], p1["held_fen"]) == (
        20_000_000,
        50_000_000,
        19_000_000,
        10_000_000,
        10_000_000,
    )
    assert (p1["rate"], p1["score"], p1["unexecuted_fen"]) == ("38.00", "3.80", 31_000_000)
    assert (rows["P2"]["quota_fen"], rows["P2"]["rate"], rows["JB"]["rate"]) == (30_000_000, "0.00", "35.00")
    only = report(year, "report", "execution", "--unit", "153001", "--year", "2024", "--function", "21508")
    assert [r["project"] for r in only["projects"]] == ["153001/P1"]
    own = report(year, "report", "execution", "--unit", "153001", "--year", "2024", "--fund", "其他收入")
    assert [r["project"] for r in own["projects"]] == ["153001/N1"]


def test_a_recorded_score_overrides_the_rule(year: str, run: Run) -> None:
    assert run("score", "set", "P1", "2024", "10", "--reason", "财政局认定").exit_code == 0
    rows = by_project(report(year, "report", "execution", "--unit", "153001", "--year", "2024")["projects"])
    assert rows["P1"]["score"] == "10.00" and rows["P1"]["score_overridden"] is True
    rule = report(
        year, "report", "execution", "--unit", "153001", "--year", "2024", "--score-rule", "threshold:30"
    )
    assert by_project(rule["projects"])["JB"]["score"] == "10.00"


def test_the_backlog_lists_the_held_payment_and_the_idle_quota(year: str) -> None:
    out = report(year, "report", "backlog", "--unit", "153001", "--year", "2024", "--as-of", "2024-12-31")
    assert [(p["payment"], p["amount_fen"], p["hold_reason"], p["age_days"]) for p in out["payments"]] == [
        ("153001/P1/2", 10_000_000, "待区财政统筹拨付", 204)
    ]
    idle = {r["project"]: r["unrequested_fen"] for r in out["unrequested"]}
    assert idle == {
        "153001/JB": 6_500_000,
        "153001/P1": 21_000_000,
        "153001/P2": 30_000_000,
        "153001/N1": 4_200_000,
    }
    assert (
        report(
            year,
            "report",
            "backlog",
            "--unit",
            "153001",
            "--year",
            "2024",
            "--as-of",
            "2024-12-31",
            "--older-than",
            "300",
        )["payments"]
        == []
    )


def test_the_month_end_report_against_the_curve(year: str, tmp_path: Path) -> None:
    chart = tmp_path / "june.png"
    out = report(year, "report", "month", "153001", "2024-06", "--chart", str(chart))
    assert (out["target"], out["rate"], out["gap_points"]) == ("50.00", "19.30", "-30.70")
    assert "低于序时进度30.70个百分点" in out["headline"]
    rates = {p["project"]: p["rate"] for p in out["projects"]}
    assert rates == {"153001/JB": "35.00", "153001/N1": "32.26", "153001/P1": "30.00", "153001/P2": "0.00"}
    kinds = {(w["type"], w["project"]) for w in out["warnings"]}
    assert kinds == {
        ("进度落后", "153001/JB"),
        ("进度落后", "153001/N1"),
        ("进度落后", "153001/P1"),
        ("零执行", "153001/P2"),
    }
    assert chart.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_recorded_curve_replaces_the_default(year: str, run: Run) -> None:
    points = ["5", "10", "20", "30", "40", "58", "65", "70", "80", "85", "90", "100"]
    assert run("unit", "curve", "153001", "2024", *points).exit_code == 0
    out = report(year, "report", "month", "153001", "2024-06")
    assert out["target"] == "58.00" and out["curve_source"] == "单位设定的序时进度"


def test_the_final_accounts_cells(year: str) -> None:
    cells = report(year, "report", "final-accounts", "153001", "2024")["cells"]
    expected = {
        "公开01/一般公共预算财政拨款收入": "22.50",
        "公开01/其他收入": "6.20",
        "公开01/本年收入合计": "28.70",
        "公开01/本年支出合计": "24.50",
        "公开01/年初结转和结余": "49.14",
        "公开01/年末结转和结余": "53.34",
        "公开01/收入总计": "77.84",
        "公开01/支出总计": "77.84",
        "公开01/类/215": "24.50",
        "公开03/合计/基本支出": "5.50",
        "公开03/合计/项目支出": "19.00",
        "公开05/合计/合计": "22.50",
        "公开05/2150805/项目支出": "19.00",
        "公开05/2150501/基本支出": "3.50",
        "公开06/30226": "3.00",
        "公开06/30217": "0.50",
        "公开06/302": "3.50",
        "公开06/公用经费合计": "3.50",
        "公开06/人员经费合计": "0.00",
        "公开07/公务接待费/决算数": "0.50",
        "公开07/合计/预算数": "0.00",
        "公开04/本年收入合计": "22.50",
        "公开04/年末财政拨款结转和结余/合计": "0.00",
        "自评/P1/年初预算数": "20.00",
        "自评/P1/全年预算数": "50.00",
        "自评/P1/全年执行数": "19.00",
        "自评/P1/执行率": "38.00",
        "自评/P1/得分": "3.80",
        "自评/P2/全年预算数": "30.00",
    }
    assert {k: cells.get(k) for k in expected} == expected
    assert "自评/JB/全年预算数" not in cells  # 基本支出 lines have no self-evaluation sheet


def test_final_accounts_as_tables_csv_markdown_and_xlsx(year: str, tmp_path: Path) -> None:
    table = invoke(year, "report", "final-accounts", "153001", "2024", "--table", "公开01").output
    assert "收入支出决算总表" in table and "一、一般公共预算财政拨款收入" in table and "22.50" in table
    invoke(
        year,
        "report",
        "final-accounts",
        "153001",
        "2024",
        "--format",
        "md",
        "--output",
        str(tmp_path / "f.md"),
    )
    assert "| 2150805 | 中小企业发展专项 |" in (tmp_path / "f.md").read_text(encoding="utf-8")
    invoke(
        year, "report", "execution", "--unit", "153001", "--year", "2024", "--output", str(tmp_path / "e.csv")
    )
    assert "153001/P1,中小企业专项,20.00,50.00" in (tmp_path / "e.csv").read_text(encoding="utf-8")
    result = invoke(
        year,
        "report",
        "final-accounts",
        "153001",
        "2024",
        "--format",
        "xlsx",
        "--output",
        str(tmp_path / "f.xlsx"),
    )
    assert result.exit_code == 0, result.output
    book = load_workbook(tmp_path / "f.xlsx")
    assert len(book.sheetnames) == 10
    sheet = book[book.sheetnames[0]]
    values = [c.value for row in sheet.iter_rows() for c in row]
    assert "本年收入合计" in values
    assert invoke(year, "report", "final-accounts", "153001", "2024", "--format", "xlsx").exit_code == 2


def test_balances_by_fund_with_the_identities(year: str) -> None:
    out = report(year, "report", "balances", "153001", "2024")
    assert out["funds"]["一般公共预算"] == {
        "年初结转和结余": 0,
        "本年收入": 22_500_000,
        "本年支出": 22_500_000,
        "年末结转和结余": 0,
    }
    assert out["funds"]["非财政拨款"] == {
        "年初结转和结余": 49_140_000,
        "本年收入": 6_200_000,
        "本年支出": 2_000_000,
        "年末结转和结余": 53_340_000,
    }
    assert all(i["holds"] for i in out["identities"])


def test_year_on_year_columns_appear_when_the_prior_year_is_in_the_ledger(year: str, run: Run) -> None:
    for act in (
        ("project", "add", "153001", "OLD", "上年项目", "--function", "2150805", "--category", "特定目标类"),
        ("appropriation", "issue", "OLD", "8万", "--date", "2023-03-01", "--doc", "旧"),
        (
            "payment",
            "request",
            "OLD",
            "8万",
            "--payee",
            "丁",
            "--economic",
            "31299",
            "--date",
            "2023-04-01",
            "--settled-on",
            "2023-04-01",
        ),
    ):
        assert run(*act).exit_code == 0, act
    out = report(year, "report", "final-accounts", "153001", "2024")
    assert out["prior_year"]["cells"]["公开05/2150805/合计"] == "8.00"
    table = invoke(year, "report", "final-accounts", "153001", "2024", "--table", "公开05").output
    assert "上年决算数" in table and "137.50" in table  # 2150805: 19.00 against 8.00 → +137.50 %


def test_a_back_dated_correction_changes_as_of_but_not_known_at(year: str, run: Run) -> None:
    before = report(
        year, "report", "execution", "--unit", "153001", "--year", "2024", "--as-of", "2024-06-30"
    )
    moment = dt.datetime.now(tz=dt.UTC).isoformat()
    time.sleep(0.05)
    result = run(
        "payment",
        "request",
        "P2",
        "2万",
        "--payee",
        "补录企业",
        "--economic",
        "31299",
        "--date",
        "2024-03-15",
        "--settled-on",
        "2024-03-16",
    )
    assert result.exit_code == 0
    after = report(year, "report", "execution", "--unit", "153001", "--year", "2024", "--as-of", "2024-06-30")
    then = report(
        year,
        "report",
        "execution",
        "--unit",
        "153001",
        "--year",
        "2024",
        "--as-of",
        "2024-06-30",
        "--known-at",
        moment,
    )
    assert by_project(after["projects"])["P2"]["paid_fen"] == 2_000_000
    assert by_project(then["projects"]) == by_project(before["projects"])
    assert by_project(before["projects"])["P2"]["paid_fen"] == 0


def test_projections_status_and_a_rebuild_from_zero_equals_the_incremental_tables(year: str) -> None:
    status = report(year, "projections", "status")
    assert {s["name"] for s in status} == {"directory", "movements", "assessments"}
    assert all(s["behind"] == 0 for s in status)
    app = Ledger(parse_url(year))
    try:
        incremental = runner.dump(app)
        assert invoke(year, "projections", "rebuild").exit_code == 0
        assert runner.dump(app) == incremental
        assert invoke(year, "projections", "rebuild", "movements").exit_code == 0
        assert runner.dump(app) == incremental
    finally:
        runner.dispose(app.store)
        app.close()
    assert invoke(year, "projections", "rebuild", "nope").exit_code == 2


def test_reports_refuse_an_unknown_unit_and_malformed_months(year: str) -> None:
    assert invoke(year, "report", "execution", "--unit", "999999").exit_code == 1
    assert invoke(year, "report", "month", "153001", "2024-13").exit_code == 2
    assert invoke(year, "report", "final-accounts", "999999", "2024").exit_code == 1
    assert invoke(year, "report", "month", "153001", "2024-06", "--chart", "x.jpg").exit_code == 2
