"""The bad-input catalogue: every command, malformed and hostile input, the log unchanged.

Each row is a command line a clerk (or a script, or an attacker) might type. Every one
must be refused with a Chinese message, a non-zero exit code, and nothing recorded.
"""

from __future__ import annotations

import json
import os
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from ledger.storage import parse_url
from tests.conftest import Run, invoke, stored_events

R = ("--payee", "甲", "--economic", "31299")
SETUP = [
    ("unit", "add", "153001", "局"),
    ("project", "add", "153001", "P1", "项目", "--function", "2150805", "--category", "特定目标类"),
    ("appropriation", "issue", "P1", "10万", "--date", "2024-02-01", "--doc", "文"),
    ("payment", "request", "P1", "60000", *R, "--date", "2024-03-01", "--settled-on", "2024-03-02"),
    ("payment", "request", "P1", "10000", *R, "--date", "2024-03-01"),
    ("unit", "add", "153009", "已结账单位"),
    ("project", "add", "153009", "Q1", "项目", "--function", "2150805", "--category", "特定目标类"),
    ("year", "close", "153009", "2023"),
]

CATALOGUE: list[tuple[str, tuple[str, ...], int, str]] = [
    # amounts
    ("negative amount", ("payment", "request", "P1", "-1", *R, "--date", "2024-03-01"), 2, "负数"),
    ("three decimals", ("payment", "request", "P1", "1.234", *R, "--date", "2024-03-01"), 2, "小数位过多"),
    (
        "exponent",
        ("appropriation", "issue", "P1", "1e9", "--date", "2024-03-01", "--doc", "文"),
        2,
        "无法识别",
    ),
    ("NaN", ("allocation", "add", "P1", "NaN", "--payee", "甲", "--date", "2024-03-01"), 2, "无法识别"),
    (
        "empty amount",
        ("payment", "refund", "P1/1", "", "--date", "2024-03-05", "--reason", "r"),
        2,
        "无法识别",
    ),
    (
        "zero",
        ("appropriation", "reduce", "P1", "0", "--date", "2024-03-01", "--doc", "文", "--reason", "r"),
        2,
        "大于零",
    ),
    (
        "too large",
        (
            "income",
            "add",
            "153001",
            "9" * 20,
            "--source",
            "其他收入",
            "--function",
            "2150501",
            "--date",
            "2024-03-01",
        ),
        2,
        "上限",
    ),
    (
        "opening balance malformed",
        ("unit", "opening-balance", "153001", "2024", "abc", "--fund", "非财政拨款"),
        2,
        "无法识别",
    ),
    # codes
    (
        "malformed function",
        ("project", "add", "153001", "P2", "名", "--function", "215080", "--category", "特定目标类"),
        2,
        "格式不对",
    ),
    (
        "unknown function",
        (
            "income",
            "add",
            "153001",
            "1",
            "--source",
            "其他收入",
            "--function",
            "2150898",
            "--date",
            "2024-03-01",
        ),
        1,
        "未知的支出功能分类科目",
    ),
    (
        "unknown economic",
        ("payment", "request", "P1", "1", "--payee", "甲", "--economic", "39998", "--date", "2024-03-01"),
        1,
        "未知的支出经济分类科目",
    ),
    # dates
    ("impossible date", ("payment", "hold", "P1/2", "--date", "2024-02-30", "--reason", "r"), 2, "不存在"),
    (
        "misshapen date",
        ("payment", "cancel", "P1/2", "--date", "03/01/2024", "--reason", "r"),
        2,
        "YYYY-MM-DD",
    ),
    ("settle out of year", ("payment", "settle", "P1/2", "--date", "2025-01-05"), 1, "不在该年度内"),
    ("settle before request", ("payment", "settle", "P1/2", "--date", "2024-02-01"), 1, "早于申请日期"),
    (
        "refund out of year",
        ("payment", "refund", "P1/1", "1", "--date", "2025-01-05", "--reason", "r"),
        1,
        "不在该年度内",
    ),
    ("bad year", ("score", "set", "P1", "20x4", "10", "--reason", "r"), 2, "四位年份"),
    ("bad month", ("year", "close", "153001", "999"), 2, "四位年份"),
    # unknown things
    ("unknown command", ("pay", "P1", "100"), 2, "没有命令“pay”，可用的命令：allocation、appropriation"),
    (
        "unknown subcommand",
        ("payment", "pay", "P1/1"),
        2,
        "可用的命令：cancel、correct、hold、list、refund、request、reverse、settle",
    ),
    ("unknown report", ("report", "monthly", "153001"), 2, "没有命令“monthly”"),
    (
        "unknown unit",
        (
            "income",
            "add",
            "999999",
            "1",
            "--source",
            "其他收入",
            "--function",
            "2150501",
            "--date",
            "2024-03-01",
        ),
        1,
        "单位 999999 不存在",
    ),
    (
        "unknown project",
        ("allocation", "add", "153001/NOPE", "1", "--payee", "甲", "--date", "2024-03-01"),
        1,
        "不存在",
    ),
    (
        "unknown payment",
        ("payment", "cancel", "P1/99", "--date", "2024-03-05", "--reason", "r"),
        1,
        "没有编号为 99 的支付",
    ),
    ("unknown history", ("history", "153001/NOPE"), 1, "不存在"),
    # rules
    ("overspending", ("payment", "request", "P1", "30000.01", *R, "--date", "2024-03-01"), 1, "超过可用指标"),
    ("double settlement", ("payment", "settle", "P1/1", "--date", "2024-03-03"), 1, "不能拨付"),
    (
        "refund above settled",
        ("payment", "refund", "P1/1", "60000.01", "--date", "2024-03-03", "--reason", "r"),
        1,
        "退款不得超过",
    ),
    (
        "reduction below paid",
        ("appropriation", "reduce", "P1", "30000.01", "--date", "2024-03-03", "--doc", "文", "--reason", "r"),
        1,
        "调减不得使指标低于",
    ),
    (
        "closed year",
        ("appropriation", "issue", "153009/Q1", "1", "--date", "2023-06-01", "--doc", "文"),
        1,
        "已结账",
    ),
    ("close again otherwise", ("year", "close", "153009", "2023", "--withdraw", "Q1"), 1, "已经结账"),
    ("score above ten", ("score", "set", "P1", "2024", "10.01", "--reason", "r"), 2, "超过分值"),
    ("target not a number", ("target", "set", "P1", "2024", "预算执行率", ">=", "很多"), 2, "不是数字"),
    # hostile text
    (
        "payee with newline",
        ("payment", "request", "P1", "1", "--payee", "甲\n乙", "--economic", "31299", "--date", "2024-03-01"),
        2,
        "控制字符",
    ),
    (
        "payee of 10000 chars",
        ("allocation", "add", "P1", "1", "--payee", "长" * 10_000, "--date", "2024-03-01"),
        2,
        "过长",
    ),
    (
        "reason with NUL",
        ("payment", "hold", "P1/2", "--date", "2024-03-05", "--reason", "a\x00b"),
        2,
        "控制字符",
    ),
    ("empty doc", ("appropriation", "issue", "P1", "1", "--date", "2024-03-01", "--doc", " "), 2, "不能为空"),
    (
        "project code with SQL",
        (
            "project",
            "add",
            "153001",
            "P1'; DROP TABLE x;--",
            "名",
            "--function",
            "2150805",
            "--category",
            "特定目标类",
        ),
        2,
        "项目编码",
    ),
    ("unit code with space", ("unit", "add", "15 3001", "名"), 2, "单位编码"),
    ("actor with newline", ("--actor", "a\nb", "unit", "add", "153002", "名"), 2, "控制字符"),
    (
        "arabic-indic digits in an amount",
        ("payment", "request", "P1", "1٠5", *R, "--date", "2024-03-01"),
        2,
        "U+0660",
    ),
    ("spaces inside an amount", ("payment", "request", "P1", "1 2 3", *R, "--date", "2024-03-01"), 2, "空格"),
    ("far-future date", ("payment", "request", "P1", "1", *R, "--date", "2999-03-01"), 2, "太远"),
    ("year before 2000", ("year", "close", "153001", "1999"), 2, "2000"),
    (
        "right-to-left override in a payee",
        ("allocation", "add", "P1", "1", "--payee", "甲\u202e乙", "--date", "2024-03-01"),
        2,
        "U+202E",
    ),
    (
        "zero-width space in a key",
        ("payment", "request", "P1", "1", *R, "--date", "2024-03-01", "--key", "k\u200b"),
        2,
        "U+200B",
    ),
    ("report over the store", ("report", "execution", "--output", "STORE", "--force"), 1, "账簿本身"),
    ("export onto a device", ("export", "/dev/full", "--force"), 1, "不是普通文件"),
    # years outside what the ledger keeps and numbers too long for int()
    ("report month year 0", ("report", "month", "153001", "0000-01"), 2, "年度 0 不在 2000–"),
    ("report month year 9999", ("report", "month", "153001", "9999-12"), 2, "年度 9999 不在 2000–"),
    (
        "known-at year 1",
        ("report", "month", "153001", "2024-05", "--known-at", "0001-01-01"),
        2,
        "年份在 1900–2999",
    ),
    (
        "known-at year 1 with a time",
        ("report", "execution", "--known-at", "0001-01-01T00:00:00+08:00"),
        2,
        "年份在 1900–2999",
    ),
    ("known-at 5,000 digits", ("report", "backlog", "--known-at", "9" * 5000), 2, "无法识别"),
    ("as-of year 1", ("report", "backlog", "--as-of", "0001-01-01"), 2, "早于 2000 年"),
    ("payment number of 5,000 digits", ("history", "153001/P1/" + "9" * 5000), 2, "支付编号"),
    (
        "settle a payment number of 5,000 digits",
        ("payment", "settle", "P1/" + "9" * 5000, "--date", "2024-03-05"),
        2,
        "支付编号",
    ),
    ("unit code of 5,000 digits", ("unit", "add", "1" * 5000, "名"), 2, "单位编码"),
    (
        "amount of 5,000 digits",
        ("allocation", "add", "P1", "9" * 5000, "--payee", "甲", "--date", "2024-03-01"),
        2,
        "金额",
    ),
    (
        "held days of 5,000 digits",
        ("report", "month", "153001", "2024-05", "--held-days", "9" * 5000),
        2,
        "天数",
    ),
    ("older-than of 5,000 digits", ("report", "backlog", "--older-than", "9" * 5000), 2, "天数"),
    ("behind as an exponent", ("report", "month", "153001", "2024-05", "--behind", "1e400"), 2, "百分点"),
    ("behind NaN", ("report", "month", "153001", "2024-05", "--behind", "nan"), 2, "百分点"),
    ("score of 5,000 digits", ("score", "set", "P1", "2024", "9" * 5000, "--reason", "r"), 2, "数字过长"),
    ("year of 5,000 digits", ("report", "execution", "--year", "2" * 5000), 2, "年度"),
]


@pytest.fixture
def prepared(db: str, run: Run) -> str:
    for act in SETUP:
        result = run(*act)
        assert result.exit_code == 0, (act, result.output)
    return db


@pytest.mark.parametrize(("name", "args", "code", "says"), CATALOGUE, ids=[c[0] for c in CATALOGUE])
def test_bad_input_is_refused_clearly_and_writes_nothing(
    prepared: str, run: Run, name: str, args: tuple[str, ...], code: int, says: str
) -> None:
    before = stored_events(prepared)
    store = parse_url(prepared).path
    if "STORE" in args and store is None:  # a PostgreSQL store has no file to overwrite
        pytest.skip("PostgreSQL 账簿没有数据库文件")
    args = tuple(str(store) if a == "STORE" else a for a in args)
    store_bytes = store.read_bytes() if store is not None else b""
    result = run(*args)
    assert result.exit_code == code, result.output
    assert result.output.startswith("错误：") and says in result.output, result.output
    assert "Traceback" not in result.output and "内部错误" not in result.output
    assert stored_events(prepared) == before
    assert store is None or store.read_bytes() == store_bytes


def test_full_width_digits_typed_by_an_input_method_read_as_ascii(prepared: str, run: Run) -> None:
    result = run("payment", "request", "P1", "１２３", *R, "--date", "２０２４-０３-０１")
    assert result.exit_code == 0, result.output
    assert "12300" in run("--format", "json", "history", "P1/3").output


def test_an_import_file_with_invalid_utf8_is_refused(prepared: str, run: Run, tmp_path: Path) -> None:
    before = stored_events(prepared)
    file = tmp_path / "bad.jsonl"
    file.write_bytes(b'{"op": "unit.add", "unit": "153002", "name": "\xb9\xa4\xd0\xc5"}\n')
    result = run("import", str(file))
    assert result.exit_code == 2 and "UTF-8" in result.output and "第 1 行" in result.output
    assert stored_events(prepared) == before


NOT_A_LEDGER = [
    ("report", "month", "153001", "2024-12"),
    ("payment", "request", "P1", "100", *R, "--date", "2024-03-01"),
    ("unit", "add", "153002", "某局"),
    ("init",),
]


@pytest.mark.parametrize("args", NOT_A_LEDGER, ids=[a[0] for a in NOT_A_LEDGER])
def test_a_file_that_is_not_a_database_is_refused_and_left_as_it_was(
    tmp_path: Path, args: tuple[str, ...]
) -> None:
    sheet = tmp_path / "指标.csv"
    sheet.write_text("项目,金额\nP1,100\n", encoding="utf-8")
    before = sheet.read_bytes()
    result = invoke(sheet, *args)
    assert result.exit_code == 2, result.output
    assert result.output.startswith("错误：") and "不是 SQLite 数据库" in result.output, result.output
    assert sheet.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["指标.csv"]  # no -wal or -journal beside it


def test_an_empty_file_is_no_ledger_yet_and_a_report_leaves_it_empty(tmp_path: Path) -> None:
    empty = tmp_path / "ledger.db"
    empty.touch()
    result = invoke(empty, "report", "month", "153001", "2024-12")
    assert result.exit_code == 1 and "账簿不存在" in result.output and "ledger init" in result.output, (
        result.output
    )
    assert empty.stat().st_size == 0


def test_a_directory_given_as_the_ledger_is_refused(tmp_path: Path) -> None:
    result = invoke(tmp_path, "report", "month", "153001", "2024-12")
    assert result.exit_code == 2 and "指向的是目录" in result.output, result.output
    assert list(tmp_path.iterdir()) == []


def _fifo(tmp_path: Path) -> Path:
    fifo = tmp_path / "rows.jsonl"
    os.mkfifo(fifo)
    return fifo


def _huge(tmp_path: Path) -> Path:
    huge = tmp_path / "rows.csv"
    with huge.open("wb") as f:  # a sparse gigabyte: no disk used, but far over the bound
        f.truncate(1024**3)
    return huge


def _xlsx_bomb(tmp_path: Path) -> Path:
    bomb = tmp_path / "rows.xlsx"
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/worksheets/sheet1.xml", b"<" + b" " * (64 * 1024 * 1024))
    return bomb


def _not_a_zip(tmp_path: Path) -> Path:
    fake = tmp_path / "rows.xlsx"
    fake.write_text("op,unit,name\nunit.add,153002,某局\n", encoding="utf-8")
    return fake


def _duplicate_keys(tmp_path: Path) -> Path:
    rows = tmp_path / "rows.jsonl"
    rows.write_text(
        '{"op": "unit.add", "unit": "153002", "name": "某局"}\n'
        '{"op": "allocation.add", "project": "P1", "amount": "1", "amount": "90000",'
        ' "payee": "甲", "date": "2024-03-01"}\n',
        encoding="utf-8",
    )
    return rows


def _long_number(tmp_path: Path) -> Path:
    rows = tmp_path / "rows.jsonl"
    rows.write_text(
        '{"op": "allocation.add", "project": "P1", "amount": '
        + "9" * 5000
        + ', "payee": "甲", "date": "2024-03-01"}\n',
        encoding="utf-8",
    )
    return rows


def _long_payment_number(tmp_path: Path) -> Path:
    rows = tmp_path / "rows.jsonl"
    rows.write_text(
        json.dumps({"op": "payment.settle", "payment": "P1/" + "9" * 5000, "date": "2024-03-05"}) + "\n",
        encoding="utf-8",
    )
    return rows


def _three_decimals(tmp_path: Path) -> Path:
    rows = tmp_path / "rows.csv"
    rows.write_text(
        "op,project,amount,payee,date\nallocation.add,P1,1234.567,甲,2024-03-01\n", encoding="utf-8"
    )
    return rows


def _long_score(tmp_path: Path) -> Path:
    rows = tmp_path / "rows.csv"
    rows.write_text(f"op,project,year,score,reason\nscore.set,P1,2024,{'9' * 5000},r\n", encoding="utf-8")
    return rows


BAD_FILES: list[tuple[str, Callable[[Path], Path], str]] = [
    ("FIFO", _fifo, "不是普通文件"),
    ("/dev/zero", lambda _: Path("/dev/zero"), "不是普通文件"),
    ("directory", lambda tmp: tmp, "是目录"),
    ("a gigabyte", _huge, "超过导入上限 200 MB"),
    ("XLSX bomb", _xlsx_bomb, "压缩炸弹"),
    ("XLSX that is not a zip", _not_a_zip, "不是有效的 .xlsx"),
    ("duplicate JSON keys", _duplicate_keys, "字段“amount”出现了两次"),
    ("a 5,000-digit JSON number", _long_number, "数字过长"),
    ("a 5,000-digit payment number", _long_payment_number, "支付编号"),
    ("three decimals", _three_decimals, "小数位过多"),
    ("a 5,000-digit score", _long_score, "数字过长"),
]


@pytest.mark.parametrize(("name", "make", "says"), BAD_FILES, ids=[b[0] for b in BAD_FILES])
def test_a_bad_import_file_is_refused_quickly_and_writes_nothing(
    prepared: str, run: Run, tmp_path: Path, name: str, make: Callable[[Path], Path], says: str
) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    file = make(folder)
    before = stored_events(prepared)
    started = time.monotonic()
    result = run("import", str(file))
    assert time.monotonic() - started < 30
    assert result.exit_code == 2, result.output
    assert result.output.startswith("错误：") and says in result.output, result.output
    assert "Traceback" not in result.output and "内部错误" not in result.output
    assert stored_events(prepared) == before


def test_a_json_line_nested_thousands_deep_is_refused(prepared: str, run: Run, tmp_path: Path) -> None:
    file = tmp_path / "deep.jsonl"
    file.write_text("[" * 100_000 + "\n", encoding="utf-8")
    before = stored_events(prepared)
    result = run("import", str(file))
    assert result.exit_code == 2 and "嵌套过深" in result.output and "第 1 行" in result.output, result.output
    assert stored_events(prepared) == before


def test_the_import_size_bound_is_set_by_ledger_import_max_mb(
    prepared: str, run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LEDGER_IMPORT_MAX_MB", "1")
    rows = tmp_path / "rows.csv"
    # one row and two megabytes of blank lines (which an import skips)
    rows.write_text(
        "op,project,amount,payee,date\nallocation.add,P1,1,甲,2024-03-01\n" + "\n" * 2 * 1024 * 1024,
        encoding="utf-8",
    )
    before = stored_events(prepared)
    result = run("import", str(rows))
    assert (
        result.exit_code == 2
        and "超过导入上限 1 MB" in result.output
        and "LEDGER_IMPORT_MAX_MB" in result.output
    )
    assert stored_events(prepared) == before
    monkeypatch.setenv("LEDGER_IMPORT_MAX_MB", "3")
    result = run("import", str(rows))
    assert result.exit_code == 0, result.output[:300]


def test_an_xlsx_that_unpacks_beyond_the_bound_is_refused_before_it_is_parsed(
    prepared: str, run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LEDGER_IMPORT_MAX_MB", "1")
    book = tmp_path / "small.xlsx"
    with zipfile.ZipFile(book, "w", compression=zipfile.ZIP_DEFLATED) as z:
        # 1.4 MB of hex digits pack about twofold: an honest ratio, but over the bound unpacked
        z.writestr("xl/worksheets/sheet1.xml", os.urandom(700 * 1024).hex())
    assert book.stat().st_size < 1024 * 1024
    before = stored_events(prepared)
    result = run("import", str(tmp_path / "small.xlsx"))
    assert result.exit_code == 2 and "解压后" in result.output and "超过导入上限 1 MB" in result.output, (
        result.output
    )
    assert stored_events(prepared) == before
