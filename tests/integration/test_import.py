"""Bulk import: every bad row reported with its line, nothing written, re-import changes nothing."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import Run, stored_events

ROWS = [
    {"op": "unit.add", "unit": "153001", "name": "福州市鼓楼区工业和信息化局（本级）"},
    {
        "op": "project.add",
        "unit": "153001",
        "code": "P1",
        "name": "项目一",
        "function": "2150805",
        "category": "特定目标类",
        "level": "省级",
        "doc": "榕财企（指）[2024]1号",
    },
    {
        "op": "appropriation.issue",
        "project": "153001/P1",
        "amount": "200000.00",
        "date": "2024-01-01",
        "doc": "榕财企（指）[2022]59号",
        "kind": "结转",
        "key": "ZB-2",
    },
    {
        "op": "allocation.add",
        "project": "153001/P1",
        "amount": "150000",
        "payee": "甲公司",
        "date": "2024-02-01",
        "key": "FP-1",
    },
    {
        "op": "payment.request",
        "project": "153001/P1",
        "amount": "150000.00",
        "payee": "甲公司",
        "economic": "31299",
        "date": "2024-03-01",
        "key": "P1-1",
        "settled_on": "2024-03-10",
    },
    {
        "op": "payment.request",
        "project": "153001/P1",
        "amount": "50000.00",
        "payee": "乙公司",
        "economic": "31299",
        "date": "2024-11-01",
        "key": "P1-2",
    },
    {
        "op": "payment.hold",
        "project": "153001/P1",
        "key": "P1-2",
        "act_key": "P1-2:暂缓",
        "date": "2024-11-20",
        "reason": "待区财政统筹拨付",
    },
    {"op": "year.close", "unit": "153001", "year": "2024"},
]


def write_jsonl(path: Path, rows: list[dict[str, str]]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def test_an_import_records_every_row_and_a_second_import_records_nothing(
    db: str, run: Run, tmp_path: Path
) -> None:
    file = write_jsonl(tmp_path / "acts.jsonl", ROWS)
    first = json.loads(run("--format", "json", "import", str(file)).output)
    assert (first["rows"], first["recorded"], first["skipped"]) == (8, 8, 0)
    before = stored_events(db)
    second = json.loads(run("--format", "json", "import", str(file)).output)
    assert (second["recorded"], second["skipped"], second["events"]) == (0, 8, 0)
    assert stored_events(db) == before
    history = json.loads(run("--format", "json", "history", "P1/2").output)["events"]
    assert [e["act"] for e in history] == ["申请支付", "暂缓（待统筹）"]


def test_appending_rows_to_an_imported_file_records_only_the_new_rows(
    db: str, run: Run, tmp_path: Path
) -> None:
    file = write_jsonl(tmp_path / "acts.jsonl", ROWS[:4])
    run("import", str(file))
    more = [
        *ROWS[:4],
        {
            "op": "appropriation.issue",
            "project": "153001/P1",
            "amount": "1000",
            "date": "2024-05-01",
            "doc": "追加文",
            "kind": "追加",
        },
    ]
    out = json.loads(run("--format", "json", "import", str(write_jsonl(file, more))).output)
    assert (out["recorded"], out["skipped"]) == (1, 4)


def test_every_bad_row_is_reported_with_its_line_and_nothing_is_written(
    db: str, run: Run, tmp_path: Path
) -> None:
    rows = [
        *ROWS[:3],
        {
            "op": "payment.request",
            "project": "153001/P1",
            "amount": "1.234",
            "payee": "x",
            "economic": "31299",
            "date": "2024-03-01",
        },
        {
            "op": "payment.request",
            "project": "153001/P1",
            "amount": "300000",
            "payee": "x",
            "economic": "31299",
            "date": "2024-03-01",
        },
        {
            "op": "payment.request",
            "project": "153001/P1",
            "amount": "1",
            "payee": "x",
            "economic": "31298",
            "date": "2024-03-01",
        },
        {"op": "payment.teleport", "project": "153001/P1"},
        {"op": "payment.hold", "project": "153001/P1", "key": "nope", "date": "2024-03-01", "reason": "r"},
    ]
    file = write_jsonl(tmp_path / "bad.jsonl", rows)
    result = run("import", str(file))
    assert result.exit_code == 2
    for line, says in ((4, "小数位过多"), (5, "超过可用指标"), (6, "31298"), (7, "未知的操作"), (8, "nope")):
        assert f"第 {line} 行：" in result.output and says in result.output, result.output
    assert "没有记录任何内容" in result.output
    assert len(stored_events(db)) == 0


def test_invalid_utf8_in_an_import_file_is_refused_with_its_line(db: str, run: Run, tmp_path: Path) -> None:
    file = tmp_path / "gbk.csv"
    file.write_bytes(b"op,unit,name\n" + "unit.add,153001,鼓楼区工信局\n".encode("gbk"))
    result = run("import", str(file))
    assert result.exit_code == 2 and "第 2 行" in result.output and "UTF-8" in result.output
    assert stored_events(db) == []


def test_csv_and_xlsx_files_import_like_json_lines(db: str, run: Run, tmp_path: Path) -> None:
    from openpyxl import Workbook

    columns = [
        "op",
        "unit",
        "name",
        "code",
        "function",
        "category",
        "project",
        "amount",
        "date",
        "doc",
        "kind",
        "payee",
        "economic",
        "key",
        "settled_on",
        "reason",
        "level",
        "year",
    ]
    csv_file = tmp_path / "acts.csv"
    lines = [",".join(columns)] + [",".join(str(r.get(c, "")) for c in columns) for r in ROWS[:5]]
    csv_file.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert json.loads(run("--format", "json", "import", str(csv_file)).output)["recorded"] == 5
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(columns)
    for r in ROWS[5:7]:
        sheet.append([r.get(c, "") for c in columns])
    book.save(tmp_path / "acts.xlsx")
    assert json.loads(run("--format", "json", "import", str(tmp_path / "acts.xlsx")).output)["recorded"] == 2
    history = json.loads(run("--format", "json", "history", "P1").output)["events"]
    assert [e["event"] for e in history][-1] == "PaymentHeld"


def test_an_unknown_file_type_or_missing_file_is_refused(db: str, run: Run, tmp_path: Path) -> None:
    (tmp_path / "acts.txt").write_text("x", encoding="utf-8")
    assert run("import", str(tmp_path / "acts.txt")).exit_code == 2
    assert run("import", str(tmp_path / "missing.jsonl")).exit_code == 1


def test_a_bare_project_code_stops_resolving_once_a_second_unit_uses_it_in_the_same_file(
    db: str, run: Run, tmp_path: Path
) -> None:
    """Rows are decided in order: a bare code names a project only while one unit uses it."""
    issue = {
        "op": "appropriation.issue",
        "project": "P1",
        "amount": "100",
        "date": "2024-01-01",
        "doc": "文1",
    }
    rows = [
        *ROWS[:2],
        issue,
        {"op": "unit.add", "unit": "153002", "name": "另一单位"},
        {**ROWS[1], "unit": "153002"},
        {**issue, "doc": "文2"},
    ]
    result = run("import", str(write_jsonl(tmp_path / "two.jsonl", rows)))
    assert result.exit_code == 2, result.output
    assert "第 6 行：" in result.output and "单位/项目编码" in result.output
    assert "第 3 行" not in result.output
    assert len(stored_events(db)) == 0


def test_repeated_free_text_is_checked_on_every_row(db: str, run: Run, tmp_path: Path) -> None:
    """The same bad payee on many rows is refused on each of them, not only the first."""
    bad = {
        "op": "payment.request",
        "project": "153001/P1",
        "amount": "10",
        "payee": "甲公司\u0007",
        "economic": "31299",
        "date": "2024-03-01",
    }
    rows = [*ROWS[:3], bad, {**bad, "amount": "20"}]
    result = run("import", str(write_jsonl(tmp_path / "bell.jsonl", rows)))
    assert result.exit_code == 2
    assert "第 4 行：" in result.output and "第 5 行：" in result.output
    assert result.output.count("控制字符") == 2
    assert len(stored_events(db)) == 0
