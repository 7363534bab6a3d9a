"""Local codes as recorded acts, and a year that opens from the one before it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import Run, stored_events


def ok(run: Run, *args: str) -> str:
    result = run(*args)
    assert result.exit_code == 0, result.output
    return result.output


def refused(db: str, run: Run, *args: str, code: int = 1, says: str = "") -> str:
    before = stored_events(db)
    result = run(*args)
    assert result.exit_code == code, result.output
    assert result.output.startswith("错误：") and says in result.output, result.output
    assert "Traceback" not in result.output
    assert stored_events(db) == before
    return result.output


@pytest.fixture
def unit(db: str, run: Run) -> str:
    ok(run, "unit", "add", "430001", "某市卫生健康委员会", "--kind", "行政单位")
    return db


def readable(row: tuple[object, ...]) -> str:
    """A stored event row as text: its topic and its JSON state."""
    return " ".join(bytes(v).decode("utf-8") if isinstance(v, bytes | memoryview) else str(v) for v in row)


# ------------------------------------------------------------------ codes add


def test_an_unknown_code_names_the_command_that_admits_it_and_that_command_works(unit: str, run: Run) -> None:
    message = refused(
        unit,
        run,
        *("project", "add", "430001", "P1", "本地专项", "--function", "2100498", "--category", "特定目标类"),
        says="ledger codes add 2100498 科目名称 --kind function",
    )
    assert "相近的科目：2100499" in message
    before = len(stored_events(unit))
    ok(run, "codes", "add", "2100498", "某市公共卫生专项", "--kind", "function")
    after = stored_events(unit)
    assert len(after) > before
    added = [text for text in map(readable, after) if "CodeAdded" in text]
    assert len(added) == 1 and "某市公共卫生专项" in added[0] and '"actor"' in added[0]
    ok(run, "project", "add", "430001", "P1", "本地专项", "--function", "2100498", "--category", "特定目标类")
    ok(
        run,
        "appropriation",
        "issue",
        "430001/P1",
        "10万",
        "--date",
        "2024-03-01",
        "--doc",
        "文",
        "--kind",
        "追加",
    )
    listed = json.loads(ok(run, "--format", "json", "codes", "list", "--prefix", "2100498"))
    assert listed == [{"code": "2100498", "name": "某市公共卫生专项", "local": True}]
    assert "（本地新增）" in ok(run, "codes", "list", "--prefix", "21004")


def test_the_same_code_again_records_nothing_and_another_name_is_refused(unit: str, run: Run) -> None:
    ok(run, "codes", "add", "2100498", "某市公共卫生专项")
    before = stored_events(unit)
    assert "未重复登记" in ok(run, "codes", "add", "2100498", "某市公共卫生专项")
    assert "未重复登记" in ok(run, "codes", "add", "2080505", "机关事业单位基本养老保险缴费支出")
    assert stored_events(unit) == before
    refused(
        unit, run, "codes", "add", "2100498", "另一个名称", says="已作为本地新增科目登记为“某市公共卫生专项”"
    )
    refused(unit, run, "codes", "add", "2080505", "养老缴费", says="机关事业单位基本养老保险缴费支出")
    refused(unit, run, "codes", "add", "2109801", "子项", "--year", "2024", says="上级款 21098")
    refused(unit, run, "codes", "add", "21a", "坏", code=2, says="格式不对")


def test_a_code_admitted_for_one_year_is_checked_by_the_year_of_each_act(unit: str, run: Run) -> None:
    ok(run, "codes", "add", "30298", "本地专用费", "--kind", "economic", "--year", "2025")
    ok(run, "project", "add", "430001", "P1", "运转", "--function", "2100101", "--category", "运转类")
    ok(
        run,
        "appropriation",
        "issue",
        "430001/P1",
        "10万",
        "--date",
        "2024-03-01",
        "--doc",
        "文",
        "--kind",
        "年初",
    )
    ok(
        run,
        "appropriation",
        "issue",
        "430001/P1",
        "10万",
        "--date",
        "2025-03-01",
        "--doc",
        "文",
        "--kind",
        "年初",
    )
    pay = ("payment", "request", "430001/P1", "100", "--payee", "甲", "--economic", "30298")
    refused(unit, run, *pay, "--date", "2024-03-05", says="--kind economic --year 2024")
    ok(run, *pay, "--date", "2025-03-05")


# ------------------------------------------------------------------ codes import


def write_csv(path: Path, text: str, encoding: str) -> Path:
    path.write_bytes(text.encode(encoding))
    return path


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_codes_import_reads_csv_as_the_integrated_system_exports_it(
    unit: str, run: Run, tmp_path: Path, encoding: str
) -> None:
    text = "科目编码,科目名称,备注\n21004,公共卫生,\n2100498,某市公共卫生专项,本地\n2100497,某市疫苗接种补助,本地\n"
    path = write_csv(tmp_path / "codes.csv", text, encoding)
    out = ok(run, "codes", "import", str(path))
    assert "新登记 2 个，已存在 1 个" in out
    before = stored_events(unit)
    assert "新登记 0 个" in ok(run, "codes", "import", str(path))
    assert stored_events(unit) == before
    ok(run, "project", "add", "430001", "P9", "接种", "--function", "2100497", "--category", "特定目标类")


def test_codes_import_reads_an_xlsx_with_title_rows_and_other_columns(
    unit: str, run: Run, tmp_path: Path
) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["2024年某市本地支出功能分类科目"])
    sheet.append(["导出时间：2024-01-05"])
    sheet.append(["序号", "编码", "名称", "级次"])
    sheet.append([1, 2100498, "某市公共卫生专项", "项"])
    sheet.append([2, "2100497", "某市疫苗接种补助", "项"])
    path = tmp_path / "codes.xlsx"
    book.save(path)
    assert "新登记 2 个" in ok(run, "codes", "import", str(path), "--year", "2024")
    listed = json.loads(ok(run, "--format", "json", "codes", "list", "--year", "2024", "--prefix", "210049"))
    assert {"code": "2100497", "name": "某市疫苗接种补助", "local": True} in listed
    assert (
        json.loads(ok(run, "--format", "json", "codes", "list", "--year", "2025", "--prefix", "2100497"))
        == []
    )


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("科目编码,科目名称\n2100498,某专项\n2080505,养老\n", "机关事业单位基本养老保险缴费支出"),
        ("科目编码,科目名称\n2100498,某专项\n21O0497,坏编码\n", "第 3 行"),
        ("编号,说明\n2100498,某专项\n", "找不到表头"),
        ("科目编码,科目名称\n2100498,某专项\n2100498,另一名称\n", "第 3 行"),
        ("科目编码,科目名称\n2109801,无上级\n", "上级款 21098"),
    ],
)
def test_a_bad_codes_file_is_refused_whole_and_records_nothing(
    unit: str, run: Run, tmp_path: Path, text: str, says: str
) -> None:
    path = write_csv(tmp_path / "bad.csv", text, "utf-8")
    result = run("codes", "import", str(path))
    assert result.exit_code in (1, 2) and says in result.output, result.output
    assert "Traceback" not in result.output
    before = stored_events(unit)
    run("codes", "import", str(path))
    assert stored_events(unit) == before
    assert "2100498" not in ok(run, "codes", "list", "--prefix", "2100498")


def test_codes_import_refuses_what_is_not_a_file(unit: str, run: Run, tmp_path: Path) -> None:
    refused(unit, run, "codes", "import", str(tmp_path), code=2, says="不是普通文件")
    refused(unit, run, "codes", "import", str(tmp_path / "none.csv"), code=2, says="找不到文件")


# ------------------------------------------------------------------ a year that follows


def test_the_close_carries_each_funds_balance_into_the_next_years_opening(unit: str, run: Run) -> None:
    """DOMAIN.md §5: opening 49.14 (21.63 财政拨款 + 27.51 other), 其他收入 6.20 unspent → 55.34."""
    ok(run, "unit", "opening-balance", "430001", "2024", "21.63万", "--fund", "一般公共预算")
    ok(run, "unit", "opening-balance", "430001", "2024", "27.51万", "--fund", "非财政拨款")
    ok(run, "income", "add", "430001", "6.20万", "--source", "其他收入", "--function", "2100101",
       "--date", "2024-05-01")  # fmt: skip
    ok(run, "project", "add", "430001", "P1", "运转", "--function", "2100101", "--category", "运转类")
    ok(
        run,
        "appropriation",
        "issue",
        "430001/P1",
        "10万",
        "--date",
        "2024-03-01",
        "--doc",
        "文",
        "--kind",
        "年初",
    )
    ok(run, "payment", "request", "430001/P1", "4万", "--payee", "甲", "--economic", "30201",
       "--date", "2024-04-01", "--settled-on", "2024-04-02")  # fmt: skip
    closed = ok(run, "year", "close", "430001", "2024")
    assert (
        "2025 年初" in closed
        and "非财政拨款 337,100.00 元" in closed
        and "一般公共预算 216,300.00 元" in closed
    )

    cells = json.loads(ok(run, "report", "final-accounts", "430001", "2024", "--format", "json"))["cells"]
    assert cells["公开01/年初结转和结余"] == "49.14" and cells["公开01/年末结转和结余"] == "55.34"
    nxt = json.loads(ok(run, "report", "final-accounts", "430001", "2025", "--format", "json"))["cells"]
    assert nxt["公开01/年初结转和结余"] == "55.34"
    assert nxt["公开04/年初财政拨款结转和结余/一般公共预算"] == "21.63"
    balances = json.loads(ok(run, "report", "balances", "430001", "2025", "--format", "json"))
    assert balances["funds"]["非财政拨款"]["年初结转和结余"] == 33_710_000 // 100 * 100

    # the opening of a carried year is the close's: a second entry is refused, with the figure
    message = refused(
        unit, run, "unit", "opening-balance", "430001", "2025", "30万", "--fund", "非财政拨款",
        says="已由 2024 年度结账自动结转",
    )  # fmt: skip
    assert "非财政拨款 337,100.00 元" in message and "--reason" in message
    # a correction is its own act, with its reason, and the carry stays in the history
    ok(
        run,
        "unit",
        "opening-balance",
        "430001",
        "2025",
        "33.00万",
        "--fund",
        "非财政拨款",
        "--reason",
        "审计调整",
    )
    nxt = json.loads(ok(run, "report", "final-accounts", "430001", "2025", "--format", "json"))["cells"]
    assert nxt["公开01/年初结转和结余"] == "54.63"
    history = ok(run, "history", "430001")
    for act in (
        "登记单位",
        "录入年初结转和结余",
        "非财政收入",
        "年终结账",
        "结转年初结转和结余",
        "更正年初结转和结余",
    ):
        assert act in history
    assert "原因：审计调整" in history
    rows = json.loads(ok(run, "--format", "json", "history", "430001"))["events"]
    assert [r["event"] for r in rows][-1] == "OpeningBalanceCorrected"

    # the first year's opening is the only one a clerk types
    refused(
        unit,
        run,
        "unit",
        "opening-balance",
        "430001",
        "2026",
        "1万",
        "--fund",
        "非财政拨款",
        says="请先结账 2025",
    )


def test_opening_balance_is_for_the_first_year_kept(unit: str, run: Run) -> None:
    ok(run, "unit", "opening-balance", "430001", "2024", "1万", "--fund", "非财政拨款")
    refused(unit, run, "unit", "opening-balance", "430001", "2025", "1万", "--fund", "非财政拨款",
            says="首个记账年度是 2024 年")  # fmt: skip


def test_a_year_that_has_not_come_cannot_be_closed(unit: str, run: Run) -> None:
    from ledger.calendar import today

    next_year = str(today().year + 1)
    refused(unit, run, "year", "close", "430001", next_year, says="还没有到来")
    refused(unit, run, "year", "close", "430001", "2999", code=2, says="2999")
    ok(run, "year", "close", "430001", "2024")
    refused(unit, run, "year", "close", "430001", next_year, says="还没有到来")


def test_codes_import_refuses_a_zip_bomb_before_parsing_it(unit: str, run: Run, tmp_path: Path) -> None:
    import zipfile

    bomb = tmp_path / "科目.xlsx"
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (4 * 1024 * 1024))
    refused(unit, run, "codes", "import", str(bomb), code=2, says="压缩炸弹")
