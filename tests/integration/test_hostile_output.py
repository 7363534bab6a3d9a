"""Hostile text and hostile output paths: refused at the edge, nothing written, nothing destroyed.

Every refusal names what was wrong, exits non-zero and leaves the event log (and, for
files, the store's bytes and any existing file's bytes) exactly as it was.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from ledger import calendar
from ledger.cli import cli
from tests.conftest import invoke, stored_events

R = ("--payee", "甲", "--economic", "31299")
SETUP = [
    ("unit", "add", "153001", "局"),
    ("project", "add", "153001", "P1", "项目", "--function", "2150805", "--category", "特定目标类"),
    ("appropriation", "issue", "P1", "10万", "--date", "2024-02-01", "--doc", "文"),
    ("payment", "request", "P1", "100", *R, "--date", "2024-03-01", "--key", "ZF-1"),
]


@pytest.fixture
def ledger_db(tmp_path: Path) -> Path:
    db = tmp_path / "ledger.db"
    for act in [("init",), *SETUP]:
        result = invoke(db, *act)
        assert result.exit_code == 0, (act, result.output)
    return db


def far_future() -> str:
    return (calendar.latest_date() + dt.timedelta(days=1)).isoformat()


REFUSED: list[tuple[str, tuple[str, ...], int, str]] = [
    # digits of other scripts, and spaces inside numbers
    ("arabic-indic digits", ("payment", "request", "P1", "1٠5", *R, "--date", "2024-03-01"), 2, "U+0660"),
    ("thai digits", ("payment", "request", "P1", "๑๒", *R, "--date", "2024-03-01"), 2, "U+0E51"),
    (
        "devanagari digits",
        ("allocation", "add", "P1", "१२", "--payee", "甲", "--date", "2024-03-01"),
        2,
        "U+0967",
    ),
    ("superscript digit", ("payment", "request", "P1", "1²", *R, "--date", "2024-03-01"), 2, "U+00B2"),
    ("circled digit", ("payment", "request", "P1", "①", *R, "--date", "2024-03-01"), 2, "U+2460"),
    ("spaces between digits", ("payment", "request", "P1", "1 2 3", *R, "--date", "2024-03-01"), 2, "空格"),
    (
        "ideographic space in an amount",
        ("payment", "request", "P1", "1\u30002", *R, "--date", "2024-03-01"),
        2,
        "空格",
    ),
    ("arabic digits in a date", ("payment", "request", "P1", "1", *R, "--date", "٢٠٢٤-03-01"), 2, "U+0662"),
    ("arabic digits in a year", ("year", "close", "153001", "٢٠٢٤"), 2, "U+0662"),
    ("arabic digits in a month", ("report", "month", "153001", "2024-٠٣"), 2, "U+0660"),
    ("arabic digits in a score", ("score", "set", "P1", "2024", "٩", "--reason", "r"), 2, "U+0669"),
    ("arabic digits in a target", ("target", "set", "P1", "2024", "预算执行率", ">=", "٩٥"), 2, "U+0669"),
    ("exponent in a target", ("target", "set", "P1", "2024", "预算执行率", ">=", "1e2"), 2, "不是数字"),
    ("underscore in a target", ("target", "set", "P1", "2024", "预算执行率", ">=", "9_5"), 2, "不是数字"),
    (
        "arabic digits in a curve",
        ("unit", "curve", "153001", "2024", *["8"] * 11, "١٠٠"),
        2,
        "U+0661",
    ),
    # dates and years out of range
    ("year 2999", ("payment", "request", "P1", "1", *R, "--date", "2999-03-01"), 2, "太远"),
    ("year 1999", ("payment", "request", "P1", "1", *R, "--date", "1999-12-31"), 2, "2000"),
    ("fiscal year 0001", ("year", "close", "153001", "0001"), 2, "2000"),
    ("fiscal year 2999", ("score", "set", "P1", "2999", "9", "--reason", "r"), 2, "2000"),
    # invisible and control characters in free text, named by code point
    (
        "right-to-left override in a payee",
        (
            "payment",
            "request",
            "P1",
            "1",
            "--payee",
            "甲\u202e乙",
            "--economic",
            "31299",
            "--date",
            "2024-03-01",
        ),
        2,
        "U+202E",
    ),
    ("zero-width space in a name", ("unit", "add", "153002", "某\u200b局"), 2, "U+200B"),
    (
        "zero-width joiner in a doc",
        ("appropriation", "issue", "P1", "1", "--date", "2024-03-01", "--doc", "文\u200d号"),
        2,
        "U+200D",
    ),
    (
        "word joiner in a reason",
        ("payment", "hold", "P1/1", "--date", "2024-03-05", "--reason", "待\u2060定"),
        2,
        "U+2060",
    ),
    (
        "byte-order mark in a key",
        ("payment", "request", "P1", "1", *R, "--date", "2024-03-01", "--key", "ZF\ufeff-2"),
        2,
        "U+FEFF",
    ),
    (
        "escape in a voucher",
        ("payment", "settle", "P1/1", "--date", "2024-03-05", "--voucher", "V\x1b[31m1"),
        2,
        "U+001B",
    ),
    ("line separator in a name", ("unit", "add", "153002", "某\u2028局"), 2, "U+2028"),
    ("newline in --actor", ("--actor", "a\nb", "unit", "add", "153002", "名"), 2, "U+000A"),
]


@pytest.mark.parametrize(("name", "args", "code", "says"), REFUSED, ids=[r[0] for r in REFUSED])
def test_hostile_input_is_refused_by_name_and_writes_nothing(
    ledger_db: Path, name: str, args: tuple[str, ...], code: int, says: str
) -> None:
    before = stored_events(ledger_db)
    result = invoke(ledger_db, *args)
    assert result.exit_code == code, result.output
    assert result.output.startswith("错误：") and says in result.output, result.output
    assert "Traceback" not in result.output
    assert stored_events(ledger_db) == before


def test_a_business_date_a_day_past_the_bound_is_refused_naming_the_bound(ledger_db: Path) -> None:
    before = stored_events(ledger_db)
    result = invoke(ledger_db, "payment", "request", "P1", "1", *R, "--date", far_future())
    assert result.exit_code == 2 and calendar.latest_date().isoformat() in result.output, result.output
    assert stored_events(ledger_db) == before


def test_full_width_digits_and_comma_still_read_as_ascii(ledger_db: Path) -> None:
    result = invoke(
        ledger_db,
        "--format",
        "json",
        "payment",
        "request",
        "P1",
        "１，２３４",
        *R,
        "--date",
        "２０２４-０３-０１",
    )
    assert result.exit_code == 0, result.output
    assert '"amount_fen": 123400' in result.output


def test_a_full_width_request_key_is_the_same_key_and_pays_once(ledger_db: Path) -> None:
    before = stored_events(ledger_db)
    result = invoke(
        ledger_db, "payment", "request", "P1", "100", *R, "--date", "2024-03-01", "--key", "ＺＦ-1"
    )
    assert result.exit_code == 0, result.output
    assert "P1/1" in result.output and "未重复记录" in result.output, result.output
    assert stored_events(ledger_db) == before


@pytest.mark.parametrize(
    ("actor", "says"),
    [("张三\n2024-01-01 李四 撤销", "U+000A"), ("张\u202e三", "U+202E"), ("\u200b", "U+200B")],
)
def test_a_forged_ledger_actor_is_refused_and_writes_nothing(ledger_db: Path, actor: str, says: str) -> None:
    before = stored_events(ledger_db)
    result = CliRunner().invoke(
        cli, ["--db", str(ledger_db), "unit", "add", "153002", "名"], env={"LEDGER_ACTOR": actor}
    )
    assert result.exit_code == 2, result.output
    assert "LEDGER_ACTOR" in result.output and says in result.output, result.output
    assert stored_events(ledger_db) == before


def test_an_os_user_name_with_a_control_character_is_refused(
    ledger_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import getpass

    monkeypatch.delenv("LEDGER_ACTOR", raising=False)
    monkeypatch.setattr(getpass, "getuser", lambda: "root\x1b]0;x\x07")
    before = stored_events(ledger_db)
    result: Result = CliRunner().invoke(cli, ["--db", str(ledger_db), "unit", "add", "153002", "名"])
    assert result.exit_code == 2 and "操作系统用户名" in result.output and "U+001B" in result.output, (
        result.output
    )
    assert stored_events(ledger_db) == before
