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
    ("arabic digits in --behind", ("report", "month", "153001", "2024-03", "--behind", "١٠"), 2, "U+0661"),
    ("a float in --held-days", ("report", "month", "153001", "2024-03", "--held-days", "1.5"), 2, "非负整数"),
    ("negative --behind", ("report", "month", "153001", "2024-03", "--behind", "-1"), 2, "负数"),
    ("thai digits in --older-than", ("report", "backlog", "--older-than", "๓๐"), 2, "U+0E53"),
    (
        "arabic digits in a tolerance",
        ("reconcile", "153001", "2024", "--published", "x.json", "--tolerance", "٠"),
        2,
        "U+0660",
    ),
    ("arabic digits in --known-at", ("report", "execution", "--known-at", "٢٠٢٤-07-01"), 2, "U+0662"),
    (
        "arabic digits in a payment number",
        ("payment", "cancel", "P1/١", "--date", "2024-03-05", "--reason", "r"),
        2,
        "U+0661",
    ),
    ("arabic digits in a history target", ("history", "P1/١"), 2, "U+0661"),
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
    ("escape sequence in an output file name", ("export", "备份\x1b]0;x\x07.jsonl"), 2, "U+001B"),
    (
        "right-to-left override in a chart name",
        ("report", "month", "153001", "2024-03", "--chart", "图\u202egnp.png"),
        2,
        "U+202E",
    ),
    ("newline in --actor", ("--actor", "a\nb", "unit", "add", "153002", "名"), 2, "U+000A"),
]


def _others(directory: Path) -> list[str]:
    """The files in ``directory`` besides the ledger and SQLite's own companions to it."""
    return sorted(p.name for p in directory.iterdir() if not p.name.startswith("ledger.db"))


@pytest.mark.parametrize(("name", "args", "code", "says"), REFUSED, ids=[r[0] for r in REFUSED])
def test_hostile_input_is_refused_by_name_and_writes_nothing(
    ledger_db: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    name: str,
    args: tuple[str, ...],
    code: int,
    says: str,
) -> None:
    monkeypatch.chdir(tmp_path)  # relative file names land here, if anywhere
    before, present = stored_events(ledger_db), _others(tmp_path)
    result = invoke(ledger_db, *args)
    assert result.exit_code == code, result.output
    assert result.output.startswith("错误：") and says in result.output, result.output
    assert "Traceback" not in result.output
    assert stored_events(ledger_db) == before
    assert _others(tmp_path) == present


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


def test_a_payment_number_in_full_width_digits_is_the_same_payment(ledger_db: Path) -> None:
    result = invoke(ledger_db, "history", "P1/１")
    assert result.exit_code == 0 and "支付 153001/P1/1" in result.output, result.output
    held = invoke(ledger_db, "payment", "hold", "P1/１", "--date", "2024-03-05", "--reason", "待定")
    assert held.exit_code == 0, held.output


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


# ---------------------------------------------------------------- files the ledger writes

REPORT = ("report", "execution", "--unit", "153001", "--year", "2024")


def _store_bytes(db: Path) -> bytes:
    """The store's own bytes (SQLite's -wal/-shm come and go with every reader's connection)."""
    return db.read_bytes()


def _writes(db: Path, target: str) -> list[tuple[str, ...]]:
    """Every command that writes a file the clerk names, pointed at ``target``."""
    return [
        (*REPORT, "--format", "csv", "--output", target),
        (*REPORT, "--format", "xlsx", "--output", target),
        ("report", "month", "153001", "2024-03", "--chart", target),
        ("export", target),
    ]


@pytest.mark.parametrize("suffix", ["", "-wal", "-shm", "-journal"])
def test_no_command_writes_over_the_store_or_its_sqlite_files(ledger_db: Path, suffix: str) -> None:
    target = f"{ledger_db}{suffix}"
    for args in _writes(ledger_db, target):
        if "--chart" in args:
            continue  # a chart must end in .png, which no store file does (tested below)
        before, files = stored_events(ledger_db), _store_bytes(ledger_db)
        result = invoke(ledger_db, *args, "--force")
        assert result.exit_code == 1, (args, result.output)
        assert "账簿本身的数据库文件" in result.output, result.output
        assert _store_bytes(ledger_db) == files and stored_events(ledger_db) == before


def test_a_store_reached_through_a_symlink_or_a_hard_link_is_refused(ledger_db: Path, tmp_path: Path) -> None:
    alias = tmp_path / "别名.png"
    alias.symlink_to(ledger_db)
    hard = tmp_path / "out" / "硬链接.png"
    hard.parent.mkdir()
    import os

    os.link(ledger_db, hard)
    files = _store_bytes(ledger_db)
    for target in (alias, hard):
        for args in _writes(ledger_db, str(target)):
            result = invoke(ledger_db, *args, "--force")
            assert result.exit_code == 1 and "账簿本身" in result.output, (args, result.output)
    assert _store_bytes(ledger_db) == files


@pytest.mark.parametrize("kind", ["device", "fifo", "directory", "symlink to a device"])
def test_a_file_that_is_not_regular_is_refused_and_left_as_it_is(
    ledger_db: Path, tmp_path: Path, kind: str
) -> None:
    import os
    import stat

    if kind == "device":
        target = Path("/dev/full")
    elif kind == "fifo":
        target = tmp_path / "管道.png"
        os.mkfifo(target)
    elif kind == "directory":
        target = tmp_path / "目录.png"
        target.mkdir()
    else:
        target = tmp_path / "设备.png"
        target.symlink_to("/dev/null")
    mode = os.stat(target).st_mode
    for args in _writes(ledger_db, str(target)):
        result = invoke(ledger_db, *args, "--force")
        assert result.exit_code == 1 and "不是普通文件" in result.output, (args, result.output)
    assert os.stat(target).st_mode == mode and not stat.S_ISREG(mode)
    if kind == "symlink to a device":
        assert target.is_symlink()


def test_an_existing_file_is_kept_unless_force_is_given(ledger_db: Path, tmp_path: Path) -> None:
    names = {"csv": "旧.csv", "xlsx": "旧.xlsx", "png": "旧.png", "export": "旧.jsonl"}
    for args in _writes(ledger_db, "PLACEHOLDER"):
        kind = (
            "png"
            if "--chart" in args
            else "export"
            if args[0] == "export"
            else args[args.index("--format") + 1]
        )
        target = tmp_path / names[kind]
        target.write_bytes(b"clerk's own work")
        line = tuple(str(target) if a == "PLACEHOLDER" else a for a in args)
        result = invoke(ledger_db, *line)
        assert result.exit_code == 1 and "已存在" in result.output and "--force" in result.output, (
            result.output
        )
        assert target.read_bytes() == b"clerk's own work"
        forced = invoke(ledger_db, *line, "--force")
        assert forced.exit_code == 0, (line, forced.output)
        assert target.read_bytes() != b"clerk's own work" and target.stat().st_size > 0
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_force_may_come_before_the_file_name(ledger_db: Path, tmp_path: Path) -> None:
    target = tmp_path / "备份.jsonl"
    target.write_text("old", encoding="utf-8")
    result = invoke(ledger_db, "export", "--force", str(target))
    assert result.exit_code == 0, result.output
    assert target.read_text(encoding="utf-8").startswith('{"format"')


def test_a_new_file_is_written_whole_with_the_usual_permissions(ledger_db: Path, tmp_path: Path) -> None:
    import os

    target = tmp_path / "执行.csv"
    result = invoke(ledger_db, *REPORT, "--output", str(target))
    assert result.exit_code == 0, result.output
    mask = os.umask(0)
    os.umask(mask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~mask
    assert target.read_text(encoding="utf-8-sig").startswith("项目,项目名称")


@pytest.mark.parametrize("existing", [True, False])
def test_a_full_disk_leaves_the_old_file_and_no_temporary_file(
    ledger_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, existing: bool
) -> None:
    import errno
    import os

    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    out = tmp_path / "out"
    out.mkdir()
    for args in _writes(ledger_db, str(out / "报表.png")):
        target = Path(args[-1])
        if existing:
            target.write_bytes(b"yesterday's report")
        monkeypatch.setattr(os, "fsync", full)
        result = invoke(ledger_db, *args, "--force")
        monkeypatch.undo()
        assert result.exit_code == 1, (args, result.output)
        assert "磁盘空间不足" in result.output and "Traceback" not in result.output, result.output
        assert "原有文件保持不变" in result.output if existing else "没有留下" in result.output
        assert sorted(p.name for p in out.iterdir()) == (["报表.png"] if existing else [])
        if existing:
            assert target.read_bytes() == b"yesterday's report"
            target.unlink()


def test_an_output_in_a_missing_directory_is_refused_by_name(ledger_db: Path, tmp_path: Path) -> None:
    result = invoke(ledger_db, "export", str(tmp_path / "没有" / "备份.jsonl"))
    assert result.exit_code == 1 and "不存在" in result.output, result.output
    assert not (tmp_path / "没有").exists()


# ---------------------------------------------------------------- text echoed and exported


@pytest.mark.parametrize(
    "args",
    [
        ("history", "P1\x1b]0;被接管\x07"),
        ("history", "--x\x1b]0;x\x07"),
        ("payment", "cancel", "P1/\x1b[31m1", "--date", "2024-03-05", "--reason", "r"),
        ("report", "execution", "--unit", "15\u202e3001"),
    ],
)
def test_escape_sequences_in_user_text_are_shown_escaped_in_messages(
    ledger_db: Path, args: tuple[str, ...]
) -> None:
    before = stored_events(ledger_db)
    result = invoke(ledger_db, *args)
    assert result.exit_code != 0 and result.output.startswith("错误："), result.output
    assert "\x1b" not in result.output and "\x07" not in result.output and "\u202e" not in result.output
    assert "\\x1b" in result.output or "U+202E" in result.output, result.output
    assert stored_events(ledger_db) == before


def test_names_that_look_like_formulas_are_exported_as_text(ledger_db: Path, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    for name, code in (
        ('=HYPERLINK("http://x","点我")', "F1"),
        ("@SUM(A1)", "F2"),
        ("+1+1", "F3"),
        ("-2+3", "F4"),
    ):
        project = ("project", "add", "--function", "2150805", "--category", "特定目标类")
        result = invoke(ledger_db, *project, "153001", code, "--", name)
        assert result.exit_code == 0, result.output
        issued = invoke(ledger_db, "appropriation", "issue", code, "1", "--date", "2024-02-01", "--doc", "文")
        assert issued.exit_code == 0, issued.output
    csv_text = invoke(ledger_db, *REPORT, "--format", "csv").output
    for name in ("'=HYPERLINK", "'@SUM(A1)", "'+1+1", "'-2+3"):
        assert name in csv_text, csv_text
    book = tmp_path / "执行.xlsx"
    assert invoke(ledger_db, *REPORT, "--output", str(book)).exit_code == 0
    ws = load_workbook(book).active
    assert ws is not None
    cells = [c for row in ws.iter_rows() for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    assert '\'=HYPERLINK("http://x","点我")' in [c.value for c in cells]


def test_an_actor_recorded_before_the_rule_cannot_forge_a_line_in_history(ledger_db: Path) -> None:
    from ledger import commands as c
    from ledger.application import Ledger
    from ledger.money import Amount
    from ledger.storage import parse_url

    app = Ledger(parse_url(str(ledger_db)))
    try:
        ref = app.resolve_project("P1")
        forged = "张三\n2024-03-02 10:00:00  审核  李四\x1b[8m"
        app.execute(
            c.RequestPayment(
                project=str(ref), amount=Amount.parse("1"), payee="甲", economic="31299", on=dt.date(2024, 3, 1)
            ),
            actor=forged,
        )
    finally:
        app.close()
    result = invoke(ledger_db, "history", "P1")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].endswith("共 4 个事件")
    # the forged newline is printed as \x0a, so no line of the table begins with the forged text
    assert not any(line.lstrip().startswith("2024-03-02 10:00:00") for line in lines)
    assert "张三\\x0a2024-03-02" in result.output.replace("\n", "").replace(" ", "") or "\\x0a" in result.output
    assert "\x1b" not in result.output


def test_a_temporary_file_that_cannot_be_created_is_reported_in_chinese(
    ledger_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import errno
    import tempfile

    def refused(*args: object, **kwargs: object) -> tuple[int, str]:
        raise PermissionError(errno.EACCES, "Permission denied")

    old = tmp_path / "旧.csv"
    old.write_bytes(b"old")
    monkeypatch.setattr(tempfile, "mkstemp", refused)
    result = invoke(ledger_db, *REPORT, "--output", str(old), "--force")
    assert (
        result.exit_code == 1 and "没有写入权限" in result.output and "原有文件保持不变" in result.output
    ), result.output
    assert old.read_bytes() == b"old" and "Traceback" not in result.output


def test_a_writer_that_fails_midway_leaves_the_old_file_and_no_temporary_file(tmp_path: Path) -> None:
    from typing import BinaryIO

    from ledger.files import write_file

    old = tmp_path / "备份.jsonl"
    old.write_bytes(b"last week")

    def half_then_fail(f: BinaryIO) -> None:
        f.write(b"half of it")
        raise ValueError("the report broke")

    with pytest.raises(ValueError, match="the report broke"):
        write_file(old, half_then_fail, force=True)
    assert old.read_bytes() == b"last week" and [p.name for p in tmp_path.iterdir()] == ["备份.jsonl"]
