"""Finding things: unit, project, payment and appropriation lists, through the command line.

The worked ledger (元):
- 153001/P1 特定目标类 2150805: 文A 100,000.00 年初 (1 Feb), 文B 50,000.00 追加 (1 Mar);
  #1 甲公司 120,000.00 requested 1 Apr, settled 2 Apr (PZ-1); #2 乙公司 20,000.00 requested
  1 May, held 2 May 待区财政统筹拨付; 文B reduced by 5,000.00 (1 Jun); 5,000.00 transferred in
  from P2 under 文A (1 Jul).
- 153001/P2 运转类 2150501: 文C 30,000.00 转移支付 (10 Feb); #1 丙公司 10,000.00 requested
  5 Mar, cancelled 6 Mar; #2 甲公司 5,000.00 settled 10 Mar (PZ-2), refund 1,000.00 (20 Mar);
  #3 丁公司 2,000.00 settled 12 Mar (PZ-3), reversed 15 Mar; 5,000.00 transferred out (文A).
- 153002/Q1 其他运转类 2150501: 文D 10,000.00 年初, 文E 2,000.00 追加 then reversed.

FIFO for P1 (paid 120,000.00, pending 20,000.00): 文A holds 105,000.00 (issue + transfer)
and takes 105,000.00 of paid; 文B holds 45,000.00 and takes the other 15,000.00 of paid,
then the 20,000.00 pending, leaving 10,000.00.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from tests.conftest import Run, stored_events

ACTS: list[tuple[str, ...]] = [
    ("unit", "add", "153001", "福州市鼓楼区工业和信息化局"),
    ("unit", "add", "153002", "测试事业单位", "--kind", "事业单位"),
    ("project", "add", "153001", "P1", "中小企业专项", "--function", "2150805", "--category", "特定目标类"),
    ("project", "add", "153001", "P2", "行政运行", "--function", "2150501", "--category", "运转类"),
    ("project", "add", "153002", "Q1", "其他运转", "--function", "2150501", "--category", "其他运转类"),
    ("project", "add", "153001", "P9", "误登记", "--function", "2150501", "--category", "运转类"),
    ("project", "close", "153001/P9", "--reason", "误登记"),
    ("appropriation", "issue", "P1", "10万", "--date", "2024-02-01", "--doc", "文A", "--kind", "年初"),
    ("appropriation", "issue", "P2", "3万", "--date", "2024-02-10", "--doc", "文C", "--kind", "转移支付"),
    ("appropriation", "issue", "P1", "5万", "--date", "2024-03-01", "--doc", "文B", "--kind", "追加"),
    ("appropriation", "issue", "Q1", "1万", "--date", "2024-01-01", "--doc", "文D", "--kind", "年初"),
    ("appropriation", "issue", "Q1", "2000", "--date", "2024-01-05", "--doc", "文E", "--kind", "追加"),
    ("appropriation", "reverse", "Q1", "--doc", "文E", "--date", "2024-01-06", "--reason", "重复录入"),
    ("payment", "request", "P2", "1万", "--payee", "丙公司", "--economic", "30201", "--date", "2024-03-05"),
    ("payment", "cancel", "153001/P2/1", "--date", "2024-03-06", "--reason", "重复申请"),
    ("payment", "request", "P2", "5000", "--payee", "甲公司", "--economic", "30201", "--date", "2024-03-08"),
    ("payment", "settle", "153001/P2/2", "--date", "2024-03-10", "--voucher", "PZ-2"),
    ("payment", "request", "P2", "2000", "--payee", "丁公司", "--economic", "30201", "--date", "2024-03-11"),
    ("payment", "settle", "153001/P2/3", "--date", "2024-03-12", "--voucher", "PZ-3"),
    ("payment", "reverse", "153001/P2/3", "--date", "2024-03-15", "--reason", "重复录入"),
    ("payment", "refund", "153001/P2/2", "1000", "--date", "2024-03-20", "--reason", "多拨退回"),
    ("payment", "request", "P1", "12万", "--payee", "甲公司", "--economic", "31299", "--date", "2024-04-01"),
    ("payment", "settle", "153001/P1/1", "--date", "2024-04-02", "--voucher", "PZ-1"),
    ("payment", "request", "P1", "2万", "--payee", "乙公司", "--economic", "31299", "--date", "2024-05-01"),
    ("payment", "hold", "153001/P1/2", "--date", "2024-05-02", "--reason", "待区财政统筹拨付"),
    ("appropriation", "reduce", "P1", "5000", "--date", "2024-06-01", "--doc", "文B", "--reason", "调减"),
    (
        "appropriation",
        "transfer",
        "P2",
        "P1",
        "5000",
        "--date",
        "2024-07-01",
        "--doc",
        "文A",
        "--reason",
        "调剂",
    ),
]


@pytest.fixture
def ledger(run: Run) -> Run:
    for act in ACTS:
        result = run(*act)
        assert result.exit_code == 0, (act, result.output)
    return run


def rows_of(run: Run, *args: str, key: str) -> list[dict[str, Any]]:
    result = run(*args, "--format", "json")
    assert result.exit_code == 0, result.output
    rows: list[dict[str, Any]] = json.loads(result.output)[key]
    return rows


def test_unit_list_names_every_unit_with_its_open_lines(ledger: Run) -> None:
    assert rows_of(ledger, "unit", "list", key="units") == [
        {"unit": "153001", "name": "福州市鼓楼区工业和信息化局", "kind": "行政单位", "projects": 2},
        {"unit": "153002", "name": "测试事业单位", "kind": "事业单位", "projects": 1},
    ]
    table = ledger("unit", "list").output
    assert "福州市鼓楼区工业和信息化局" in table and "共 2 个单位。" in table


def test_project_list_shows_the_year_in_fen_and_hides_closed_lines_unless_all(ledger: Run) -> None:
    rows = rows_of(ledger, "project", "list", "--year", "2024", key="projects")
    figures = {r["project"]: (r["quota_fen"], r["paid_fen"], r["pending_fen"], r["left_fen"]) for r in rows}
    assert figures == {
        "153001/P1": (15_000_000, 12_000_000, 2_000_000, 1_000_000),
        "153001/P2": (2_500_000, 400_000, 0, 2_100_000),
        "153002/Q1": (1_000_000, 0, 0, 1_000_000),
    }
    everything = rows_of(ledger, "project", "list", "--all", key="projects")
    assert [r["project"] for r in everything if r["closed"]] == ["153001/P9"]
    table = ledger("project", "list", "--all").output
    assert "已关闭" in table and "150,000.00" in table and "金额单位：元" in table


@pytest.mark.parametrize(
    ("option", "expected"),
    [
        (("--unit", "153002"), ["153002/Q1"]),
        (("--function", "21505"), ["153001/P2", "153002/Q1"]),
        (("--category", "特定目标类"), ["153001/P1"]),
        (("--fund", "政府性基金预算"), []),
    ],
)
def test_project_list_filters(ledger: Run, option: tuple[str, str], expected: list[str]) -> None:
    assert [r["project"] for r in rows_of(ledger, "project", "list", *option, key="projects")] == expected


def test_payment_list_gives_each_payment_its_status_from_its_latest_act(ledger: Run) -> None:
    rows = rows_of(ledger, "payment", "list", key="payments")
    by_number = {r["payment"]: r for r in rows}
    assert [r["payment"] for r in rows] == [
        "153001/P1/1",
        "153001/P1/2",
        "153001/P2/1",
        "153001/P2/2",
        "153001/P2/3",
    ]
    assert {n: r["status"] for n, r in by_number.items()} == {
        "153001/P1/1": "已拨付",
        "153001/P1/2": "待统筹",
        "153001/P2/1": "已撤销",
        "153001/P2/2": "已拨付",
        "153001/P2/3": "已冲销",
    }
    assert by_number["153001/P2/2"] == {
        "payment": "153001/P2/2",
        "project": "153001/P2",
        "payee": "甲公司",
        "economic": "30201",
        "amount_fen": 500_000,
        "requested_on": "2024-03-08",
        "status": "已拨付",
        "hold_reason": "",
        "settled_on": "2024-03-10",
        "voucher": "PZ-2",
        "refunded_fen": 100_000,
        "year": 2024,
        "carried_from": None,
    }
    assert by_number["153001/P1/2"]["hold_reason"] == "待区财政统筹拨付"
    table = ledger("payment", "list").output
    assert "支付明细（金额单位：元）" in table
    assert "120,000.00" in table and "1,000.00" in table and "PZ-1" in table


@pytest.mark.parametrize(
    ("option", "expected"),
    [
        (("--unit", "153002"), []),
        (("--project", "P2"), ["153001/P2/1", "153001/P2/2", "153001/P2/3"]),
        (("--project", "153001/P1"), ["153001/P1/1", "153001/P1/2"]),
        (("--payee", "甲"), ["153001/P1/1", "153001/P2/2"]),
        (("--voucher", "PZ-3"), ["153001/P2/3"]),
        (("--status", "held"), ["153001/P1/2"]),
        (("--status", "已撤销", "--status", "reversed"), ["153001/P2/1", "153001/P2/3"]),
        (("--from", "2024-03-08", "--to", "2024-04-01"), ["153001/P1/1", "153001/P2/2", "153001/P2/3"]),
        (("--year", "2025"), []),
        (("--as-of", "2024-05-01", "--status", "已申请"), ["153001/P1/2"]),
    ],
)
def test_payment_list_filters(ledger: Run, option: tuple[str, ...], expected: list[str]) -> None:
    assert [r["payment"] for r in rows_of(ledger, "payment", "list", *option, key="payments")] == expected


def test_the_appropriation_list_allocates_paid_then_pending_to_the_first_issued_doc_first(
    ledger: Run,
) -> None:
    rows = rows_of(ledger, "appropriation", "list", "--unit", "153001", key="docs")
    figures = {
        (r["project"], r["doc"]): (
            r["kind"],
            r["issued_fen"],
            r["reduced_fen"],
            r["transferred_fen"],
            r["paid_fen"],
            r["pending_fen"],
            r["left_fen"],
        )
        for r in rows
    }
    assert figures == {
        ("153001/P1", "文A"): ("年初", 10_000_000, 0, 500_000, 10_500_000, 0, 0),
        ("153001/P1", "文B"): ("追加", 5_000_000, 500_000, 0, 1_500_000, 2_000_000, 1_000_000),
        ("153001/P2", "文C"): ("转移支付", 3_000_000, 0, 0, 400_000, 0, 2_600_000),
        ("153001/P2", "文A"): ("", 0, 0, -500_000, 0, 0, -500_000),
    }
    table = ledger("appropriation", "list", "--unit", "153001").output
    assert "先下达先使用" in table and "合计" in table
    assert "105,000.00" in table and "-5,000.00" in table


def test_the_per_doc_shares_sum_to_each_projects_paid_and_pending(ledger: Run) -> None:
    docs = rows_of(ledger, "appropriation", "list", key="docs")
    lines = rows_of(ledger, "project", "list", key="projects")
    for line in lines:
        mine = [d for d in docs if d["project"] == line["project"]]
        assert sum(d["paid_fen"] for d in mine) == line["paid_fen"]
        assert sum(d["pending_fen"] for d in mine) == line["pending_fen"]
        assert sum(d["left_fen"] for d in mine) == line["left_fen"]


def test_a_reversed_issue_leaves_its_doc_with_nothing_issued(ledger: Run) -> None:
    rows = rows_of(ledger, "appropriation", "list", "--unit", "153002", key="docs")
    assert [(r["doc"], r["issued_fen"], r["left_fen"]) for r in rows] == [
        ("文D", 1_000_000, 1_000_000),
        ("文E", 0, 0),
    ]
    only = rows_of(ledger, "appropriation", "list", "--doc", "文B", key="docs")
    assert [(r["project"], r["doc"]) for r in only] == [("153001/P1", "文B")]


def test_a_payment_carried_by_the_year_close_keeps_its_number_in_the_new_year(ledger: Run) -> None:
    for act in (
        ("year", "close", "153001", "2024", "--yes"),
        ("payment", "settle", "153001/P1/2", "--date", "2025-01-10", "--voucher", "PZ-9"),
    ):
        result = ledger(*act)
        assert result.exit_code == 0, result.output
    [row] = rows_of(ledger, "payment", "list", "--year", "2025", key="payments")
    assert (row["payment"], row["status"], row["year"], row["carried_from"]) == (
        "153001/P1/2",
        "已拨付",
        2025,
        2024,
    )
    docs = rows_of(ledger, "appropriation", "list", "--unit", "153001", "--year", "2025", key="docs")
    carried = [d for d in docs if d["project"] == "153001/P1"]
    assert [(d["kind"], d["issued_fen"], d["paid_fen"]) for d in carried] == [("结转", 3_000_000, 2_000_000)]


@pytest.mark.parametrize("fmt", ["csv", "md", "table"])
def test_every_list_prints_in_every_text_format(ledger: Run, fmt: str) -> None:
    for group in ("unit", "project", "payment", "appropriation"):
        result = ledger(group, "list", "--format", fmt)
        assert result.exit_code == 0, result.output
    out = ledger("payment", "list", "--format", "csv").output
    header, *body = list(csv.reader(io.StringIO(out)))
    assert header[:5] == ["支付编号", "项目", "收款人", "经济分类", "金额"]
    assert body[0][:5] == ["153001/P1/1", "中小企业专项", "甲公司", "31299", "120,000.00"]
    md = ledger("appropriation", "list", "--format", "md").output
    assert "| 153001/P1 | 文A | 年初 | 100,000.00 |" in md


def test_a_list_writes_an_xlsx_file_with_numbers(ledger: Run, tmp_path: Path) -> None:
    target = tmp_path / "支付.xlsx"
    result = ledger("payment", "list", "--output", str(target))
    assert result.exit_code == 0, result.output
    sheet = load_workbook(target).active
    assert sheet is not None
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    heading = next(i for i, row in enumerate(values) if row[0] == "支付编号")  # below the title block
    assert values[heading][:5] == ["支付编号", "项目", "收款人", "经济分类", "金额"]
    first = values[heading + 1]
    assert first[0] == "153001/P1/1" and float(first[4]) == 120_000.00


@pytest.mark.parametrize(
    ("args", "code", "words"),
    [
        (("payment", "list", "--unit", "999999"), 1, "单位 999999 不存在"),
        (("payment", "list", "--project", "153001/NOPE"), 1, "项目 153001/NOPE 不存在"),
        (("appropriation", "list", "--project", "NOPE"), 1, "项目 NOPE 不存在"),
        (("project", "list", "--unit", "999999"), 1, "单位 999999 不存在"),
        (("appropriation", "list", "--doc", "文Z"), 1, "没有文号为“文Z”"),
        (("payment", "list", "--status", "paid"), 2, "不是可选值"),
        (("payment", "list", "--from", "2024-13-01"), 2, "--from"),
        (("payment", "list", "--from", "2024-05-01", "--to", "2024-04-01"), 2, "起始日期不能晚于截止日期"),
        (("payment", "list", "--project", "P 1"), 2, "项目编码"),
        (("project", "list", "--category", "杂项"), 2, "不是可选值"),
        (("project", "list", "--function", "21x"), 2, "--function"),
        (("payment", "list", "--format", "xlsx"), 2, "--output"),
        (("payment", "list", "--payee", "甲\u202e"), 2, "收款人"),
    ],
)
def test_bad_filters_are_refused_in_chinese_and_write_nothing(
    ledger: Run, db: str, args: tuple[str, ...], code: int, words: str
) -> None:
    before = stored_events(db)
    result = ledger(*args)
    assert result.exit_code == code, result.output
    assert words in result.output
    assert "错误：" in result.output and "Traceback" not in result.output
    assert stored_events(db) == before


def test_a_reopened_year_takes_its_carried_payment_and_quota_back(ledger: Run) -> None:
    for act in (
        ("year", "close", "153001", "2024", "--yes"),
        ("year", "reopen", "153001", "2024", "--reason", "结账有误"),
    ):
        result = ledger(*act)
        assert result.exit_code == 0, result.output
    [row] = rows_of(ledger, "payment", "list", "--status", "待统筹", key="payments")
    assert (row["payment"], row["year"], row["carried_from"]) == ("153001/P1/2", 2024, None)
    docs = rows_of(ledger, "appropriation", "list", "--unit", "153001", "--year", "2025", key="docs")
    assert sum(d["issued_fen"] for d in docs) == 0
    assert sum(d["pending_fen"] for d in docs) == 0


def test_listing_records_nothing_and_answers_as_the_ledger_stood_on_a_date(ledger: Run, db: str) -> None:
    before = stored_events(db)
    early = rows_of(ledger, "appropriation", "list", "--unit", "153001", "--as-of", "2024-03-31", key="docs")
    assert [(d["project"], d["doc"], d["paid_fen"], d["left_fen"]) for d in early] == [
        ("153001/P1", "文A", 0, 10_000_000),
        ("153001/P1", "文B", 0, 5_000_000),
        ("153001/P2", "文C", 400_000, 2_600_000),
    ]
    for group in ("unit", "project", "payment", "appropriation"):
        assert ledger(group, "list").exit_code == 0
    assert stored_events(db) == before
