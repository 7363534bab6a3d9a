"""An import records what the file says, once: no rounding, no hidden sheet, no second copy.

Re-importing a row written differently (``100.00`` for ``100``, ``P1`` for
``153001/P1``, the payment by its number instead of its key) is the same act and
records nothing new; a spreadsheet's numbers are read exactly; a hidden sheet is never
taken for the data.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook

from ledger.application import Ledger, ProjectRef
from ledger.importer import _row_key
from ledger.money import Amount
from ledger.storage import parse_url
from tests.conftest import Run, invoke, stored_events

HEADER = ["op", "project", "amount", "payee", "date"]


@pytest.fixture
def ledger_db(tmp_path: Path) -> Path:
    db = tmp_path / "ledger.db"
    for args in (
        ("init",),
        ("unit", "add", "153001", "局"),
        ("project", "add", "153001", "P1", "项目", "--function", "2150805", "--category", "特定目标类"),
        ("appropriation", "issue", "P1", "10万", "--date", "2024-02-01", "--doc", "文"),
    ):
        result = invoke(db, *args)
        assert result.exit_code == 0, result.output
    return db


@pytest.fixture
def run(ledger_db: Path) -> Run:
    return lambda *args: invoke(ledger_db, *args)


def jsonl(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def imported(run: Run, file: Path) -> dict[str, Any]:
    result = run("--format", "json", "import", str(file))
    assert result.exit_code == 0, result.output
    return dict(json.loads(result.output))


def test_a_row_written_differently_is_the_same_act_on_re_import(
    run: Run, ledger_db: Path, tmp_path: Path
) -> None:
    first = jsonl(
        tmp_path / "a.jsonl",
        [
            {
                "op": "allocation.add",
                "project": "153001/P1",
                "amount": "100",
                "payee": "甲",
                "date": "2024-03-01",
            },
            {
                "op": "appropriation.issue",
                "project": "153001/P1",
                "amount": "5万",
                "date": "2024-03-02",
                "doc": "文2",
            },
        ],
    )
    again = jsonl(
        tmp_path / "b.jsonl",
        [
            {
                "op": "allocation.add",
                "project": " P1",
                "amount": "100.00",
                "payee": "甲",
                "date": "２０２４-03-01",
            },
            {
                "op": "appropriation.issue",
                "project": "P1",
                "amount": "50,000.00",
                "date": "2024-03-02",
                "doc": "文2",
                "kind": "追加",
            },
        ],
    )
    assert imported(run, first)["recorded"] == 2
    before = stored_events(ledger_db)
    result = imported(run, again)
    assert (result["recorded"], result["skipped"], result["events"]) == (0, 2, 0)
    assert stored_events(ledger_db) == before


def test_two_rows_saying_the_same_in_one_file_are_two_acts_and_neither_is_repeated(
    run: Run, ledger_db: Path, tmp_path: Path
) -> None:
    row = {"op": "allocation.add", "project": "P1", "amount": "100", "payee": "甲", "date": "2024-03-01"}
    file = jsonl(tmp_path / "a.jsonl", [row, {**row, "amount": "100.00"}])
    assert imported(run, file)["recorded"] == 2
    before = stored_events(ledger_db)
    assert imported(run, file)["recorded"] == 0
    assert stored_events(ledger_db) == before


def test_a_payment_act_named_by_its_number_or_its_key_is_the_same_act(
    run: Run, ledger_db: Path, tmp_path: Path
) -> None:
    request = {
        "op": "payment.request",
        "project": "P1",
        "amount": "300",
        "payee": "甲",
        "economic": "31299",
        "date": "2024-03-01",
        "key": "ZF-1",
    }
    by_key = {
        "op": "payment.hold",
        "project": "153001/P1",
        "key": "ZF-1",
        "date": "2024-03-05",
        "reason": "待统筹",
    }
    by_number = {"op": "payment.hold", "payment": "P1/1", "date": "2024-03-05", "reason": "待统筹"}
    assert imported(run, jsonl(tmp_path / "a.jsonl", [request, by_key]))["recorded"] == 2
    before = stored_events(ledger_db)
    result = imported(run, jsonl(tmp_path / "b.jsonl", [request, by_number]))
    assert result["recorded"] == 0
    assert stored_events(ledger_db) == before


def test_a_row_recorded_under_the_earlier_raw_text_key_is_not_recorded_again(
    run: Run, ledger_db: Path, tmp_path: Path
) -> None:
    """Files imported before keys came from parsed fields re-import as nothing new."""
    fields = {"project": "P1", "amount": "100.00", "payee": "甲", "date": "2024-03-01"}
    earlier_key = _row_key("allocation.add", fields, {}, raw=True)
    app = Ledger(parse_url(str(ledger_db)))
    try:
        project = app.get_project(ProjectRef("153001", "P1"))
        assert project.allocate(
            Amount.parse("100"), payee="甲", on=dt.date(2024, 3, 1), actor="t", key=earlier_key
        )
        app.save(project)
    finally:
        app.close()
    before = stored_events(ledger_db)
    result = imported(run, jsonl(tmp_path / "a.jsonl", [{"op": "allocation.add", **fields}]))
    assert result["recorded"] == 0
    assert stored_events(ledger_db) == before


def workbook(path: Path, sheets: list[tuple[str, str, list[list[Any]]]], active: int = 0) -> Path:
    book = Workbook()
    book.remove(book.active)
    for title, state, rows in sheets:
        ws = book.create_sheet(title)
        ws.sheet_state = state
        ws.append(HEADER)
        for r in rows:
            ws.append(r)
    book.active = active
    book.save(path)
    return path


def test_a_hidden_first_sheet_is_not_imported(run: Run, ledger_db: Path, tmp_path: Path) -> None:
    file = workbook(
        tmp_path / "a.xlsx",
        [
            ("草稿", "hidden", [["allocation.add", "P1", 99999, "乙", "2024-03-01"]]),
            ("导入", "visible", [["allocation.add", "P1", 100, "甲", "2024-03-01"]]),
        ],
    )
    result = imported(run, file)
    assert result["recorded"] == 1
    history = run("--format", "json", "history", "P1").output
    assert "甲" in history and "乙" not in history


def test_two_visible_sheets_are_ambiguous_and_named(run: Run, ledger_db: Path, tmp_path: Path) -> None:
    rows = [["allocation.add", "P1", 100, "甲", "2024-03-01"]]
    file = workbook(
        tmp_path / "a.xlsx", [("一月", "visible", rows), ("二月", "visible", rows), ("旧", "hidden", rows)]
    )
    before = stored_events(ledger_db)
    result = run("import", str(file))
    assert result.exit_code == 2, result.output
    assert (
        "一月、二月" in result.output and "隐藏的工作表：旧" in result.output and "--sheet" in result.output
    )
    assert stored_events(ledger_db) == before
    chosen = run("--format", "json", "import", str(file), "--sheet", "二月")
    assert chosen.exit_code == 0 and json.loads(chosen.output)["recorded"] == 1, chosen.output


def test_a_sheet_that_is_not_there_is_refused_with_the_sheets_named(
    run: Run, ledger_db: Path, tmp_path: Path
) -> None:
    file = workbook(tmp_path / "a.xlsx", [("导入", "visible", [])])
    result = run("import", str(file), "--sheet", "三月")
    assert result.exit_code == 2 and "没有名为“三月”的工作表" in result.output and "导入" in result.output


def test_a_spreadsheet_amount_with_three_decimals_is_refused_not_rounded(
    run: Run, ledger_db: Path, tmp_path: Path
) -> None:
    file = workbook(
        tmp_path / "a.xlsx", [("导入", "visible", [["allocation.add", "P1", 1234.567, "甲", "2024-03-01"]])]
    )
    before = stored_events(ledger_db)
    result = run("import", str(file))
    assert result.exit_code == 2 and "1234.567" in result.output and "小数位过多" in result.output, (
        result.output
    )
    assert stored_events(ledger_db) == before


@pytest.mark.parametrize(("cell", "fen"), [(1234.56, 123456), (100.5, 10050), (0.1, 10), (2500.0, 250000)])
def test_a_spreadsheet_amount_is_read_exactly(
    run: Run, ledger_db: Path, tmp_path: Path, cell: float, fen: int
) -> None:
    file = workbook(
        tmp_path / "a.xlsx", [("导入", "visible", [["allocation.add", "P1", cell, "甲", "2024-03-01"]])]
    )
    assert imported(run, file)["recorded"] == 1
    events = json.loads(run("--format", "json", "history", "P1").output)["events"]
    assert [e["amount"] for e in events if e["event"] == "Allocated"] == [fen], events


def test_sheet_is_only_for_spreadsheets(run: Run, tmp_path: Path) -> None:
    file = jsonl(tmp_path / "a.jsonl", [])
    result = run("import", str(file), "--sheet", "导入")
    assert result.exit_code == 2 and "--sheet 只用于 .xlsx" in result.output


def test_incomes_are_recorded_once_however_often_the_file_is_imported(
    run: Run, ledger_db: Path, tmp_path: Path
) -> None:
    income = {
        "op": "income.add",
        "unit": "153001",
        "amount": "100",
        "source": "其他收入",
        "function": "2150501",
        "date": "2024-03-01",
    }
    other = {**income, "amount": "200"}
    file = jsonl(tmp_path / "a.jsonl", [income, income, other])
    assert imported(run, file)["recorded"] == 3
    before = stored_events(ledger_db)
    assert imported(run, file)["recorded"] == 0
    assert imported(run, jsonl(tmp_path / "b.jsonl", [{**income, "amount": "100.00"}]))["recorded"] == 0
    assert stored_events(ledger_db) == before
    third = imported(run, jsonl(tmp_path / "c.jsonl", [income, income, income]))
    assert (third["recorded"], third["skipped"]) == (1, 2)


def test_a_full_width_key_in_a_file_names_the_payment_the_command_line_made(
    ledger_db: Path, run: Run, tmp_path: Path
) -> None:
    made = run("payment", "request", "P1", "100", "--payee", "甲", "--economic", "31299", "--date", "2024-03-01",
               "--key", "ZF-1")  # fmt: skip
    assert made.exit_code == 0, made.output
    before = stored_events(ledger_db)
    row = {"op": "payment.request", "project": "153001/P1", "amount": "100", "payee": "甲", "economic": "31299",
           "date": "2024-03-01", "key": "ＺＦ-1"}  # fmt: skip
    result = run("import", str(jsonl(tmp_path / "k.jsonl", [row])))
    assert result.exit_code == 0 and "新记录 0 行" in result.output, result.output
    assert stored_events(ledger_db) == before
