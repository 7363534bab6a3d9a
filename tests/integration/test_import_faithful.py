"""An import records what the file says, once: no rounding, no hidden sheet, no second copy.

Re-importing a row written differently (``100.00`` for ``100``, ``P1`` for
``153001/P1``, the payment by its number instead of its key) is the same act and
records nothing new; a spreadsheet's numbers are read exactly; a hidden sheet is never
taken for the data.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook

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


def test_a_row_is_never_de_duplicated_by_what_it_says_only_by_its_key(
    run: Run, ledger_db: Path, tmp_path: Path
) -> None:
    """Two identical key-less payments are two payments, in one file or in two; a key
    names one act however the rest of the row is written."""
    row = {"op": "allocation.add", "project": "153001/P1", "amount": "100", "payee": "甲", "date": "2024-03-01"}
    assert imported(run, jsonl(tmp_path / "a.jsonl", [row, row]))["recorded"] == 2
    same_written_otherwise = {**row, "project": " P1", "amount": "100.00", "date": "２０２４-03-01"}
    assert imported(run, jsonl(tmp_path / "b.jsonl", [same_written_otherwise]))["recorded"] == 1
    keyed = {**row, "key": "FP-7"}
    assert imported(run, jsonl(tmp_path / "c.jsonl", [keyed]))["recorded"] == 1
    before = stored_events(ledger_db)
    again = imported(run, jsonl(tmp_path / "d.jsonl", [{**same_written_otherwise, "key": "ＦＰ-7"}]))
    assert (again["recorded"], again["skipped"], again["events"]) == (0, 1, 0)
    assert again["skipped_rows"][0]["reason"].startswith("allocation.add：账簿中已有")
    assert stored_events(ledger_db) == before


def test_the_same_file_again_is_refused_when_it_would_record_anything(
    run: Run, ledger_db: Path, tmp_path: Path
) -> None:
    row = {"op": "allocation.add", "project": "P1", "amount": "100", "payee": "甲", "date": "2024-03-01"}
    file = jsonl(tmp_path / "a.jsonl", [row, {**row, "amount": "100.00"}])
    assert imported(run, file)["recorded"] == 2
    before = stored_events(ledger_db)
    refused = run("import", str(file))
    assert refused.exit_code == 1
    assert "内容完全相同" in refused.output and "--again" in refused.output, refused.output
    assert stored_events(ledger_db) == before
    copy = tmp_path / "副本.jsonl"
    copy.write_bytes(file.read_bytes())  # another name, the same bytes: the same file
    assert run("import", str(copy)).exit_code == 1
    assert stored_events(ledger_db) == before
    meant = run("--format", "json", "import", str(file), "--again")
    assert meant.exit_code == 0, meant.output
    assert json.loads(meant.output)["recorded"] == 2


def test_a_file_whose_every_row_is_keyed_imports_again_as_nothing_new(
    run: Run, ledger_db: Path, tmp_path: Path
) -> None:
    request = {"op": "payment.request", "project": "P1", "amount": "300", "payee": "甲", "economic": "31299",
               "date": "2024-03-01", "key": "ZF-1"}  # fmt: skip
    file = jsonl(tmp_path / "a.jsonl", [request])
    assert imported(run, file)["recorded"] == 1
    before = stored_events(ledger_db)
    result = imported(run, file)
    assert (result["recorded"], result["skipped"]) == (0, 1)
    assert stored_events(ledger_db) == before


def test_a_payment_is_named_by_its_number_or_by_the_key_it_was_requested_with(
    run: Run, ledger_db: Path, tmp_path: Path
) -> None:
    request = {"op": "payment.request", "project": "P1", "amount": "300", "payee": "甲", "economic": "31299",
               "date": "2024-03-01", "key": "ZF-1"}  # fmt: skip
    by_key = {"op": "payment.hold", "project": "153001/P1", "key": "ZF-1", "date": "2024-03-05", "reason": "待统筹"}
    by_number = {"op": "payment.settle", "payment": "P1/1", "date": "2024-03-09", "voucher": "V-1"}
    assert imported(run, jsonl(tmp_path / "a.jsonl", [request, by_key, by_number]))["recorded"] == 3
    listed = run("--format", "json", "payment", "list", "--unit", "153001")
    assert listed.exit_code == 0, listed.output
    assert [p["status"] for p in json.loads(listed.output)["payments"]] == ["已拨付"]


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


def test_an_income_in_another_file_is_another_income(run: Run, ledger_db: Path, tmp_path: Path) -> None:
    income = {
        "op": "income.add",
        "unit": "153001",
        "amount": "100",
        "source": "其他收入",
        "function": "2150501",
        "date": "2024-03-01",
    }
    file = jsonl(tmp_path / "a.jsonl", [income, income, {**income, "amount": "200"}])
    assert imported(run, file)["recorded"] == 3
    before = stored_events(ledger_db)
    assert run("import", str(file)).exit_code == 1  # the same file: refused, nothing written
    assert stored_events(ledger_db) == before
    assert imported(run, jsonl(tmp_path / "b.jsonl", [{**income, "amount": "100.00"}]))["recorded"] == 1


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
