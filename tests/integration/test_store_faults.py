"""A store that cannot be used, or a setting that is wrong, is refused by name — not 内部错误.

Each case is provoked for real (a FIFO, a truncated file, a held write lock, a store
recorded by a newer program) and checked for one Chinese message, its exit code, and a
store left byte for byte as it was.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
import uuid
from pathlib import Path

import pytest

from ledger.errors import LedgerError, PermissionRefused, StoreNotReady, StoreUnavailable
from ledger.formats import STORE_FORMAT
from ledger.storage import SQLITE_FAULTS, parse_url, store_fault
from tests.conftest import invoke, stored_events
from tests.pgserver import Server

WRITE = ("unit", "add", "153002", "某局")
READ = ("report", "month", "153001", "2024-12")


@pytest.fixture
def ledger_db(tmp_path: Path) -> Path:
    db = tmp_path / "ledger.db"
    assert invoke(db, "init").exit_code == 0
    assert invoke(db, "unit", "add", "153001", "局").exit_code == 0
    return db


def refused(result_output: str) -> None:
    assert result_output.startswith("错误："), result_output
    assert "内部错误" not in result_output and "Traceback" not in result_output, result_output


@pytest.mark.parametrize("args", [WRITE, READ, ("init",)], ids=["write", "report", "init"])
def test_a_fifo_given_as_the_ledger_is_refused_without_waiting_for_a_writer(
    tmp_path: Path, args: tuple[str, ...]
) -> None:
    fifo = tmp_path / "ledger.db"
    os.mkfifo(fifo)
    started = time.monotonic()
    result = invoke(fifo, *args)
    assert time.monotonic() - started < 10
    assert result.exit_code == 2 and "不是普通文件" in result.output and "FIFO" in result.output
    refused(result.output)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ledger.db"]


@pytest.mark.parametrize("args", [WRITE, READ], ids=["write", "report"])
def test_a_device_given_as_the_ledger_is_refused(args: tuple[str, ...]) -> None:
    result = invoke("/dev/zero", *args)
    assert result.exit_code == 2 and "不是普通文件" in result.output and "设备文件" in result.output
    refused(result.output)


@pytest.mark.parametrize("args", [WRITE, READ], ids=["write", "report"])
def test_a_truncated_ledger_is_refused_as_damaged_and_left_as_it_was(
    ledger_db: Path, args: tuple[str, ...]
) -> None:
    whole = ledger_db.read_bytes()
    ledger_db.write_bytes(whole[: len(whole) // 5])
    before = ledger_db.read_bytes()
    result = invoke(ledger_db, *args)
    assert result.exit_code == 1 and "已损坏" in result.output and "ledger restore" in result.output
    assert str(ledger_db) in result.output
    refused(result.output)
    assert ledger_db.read_bytes() == before


def test_a_ledger_whose_header_was_overwritten_is_not_a_database(ledger_db: Path) -> None:
    data = bytearray(ledger_db.read_bytes())
    data[:16] = b"\x00" * 16
    ledger_db.write_bytes(bytes(data))
    result = invoke(ledger_db, *WRITE)
    assert result.exit_code == 2 and "不是 SQLite 数据库" in result.output
    refused(result.output)
    assert ledger_db.read_bytes() == bytes(data)


def test_a_file_with_only_the_sqlite_header_is_not_a_database(tmp_path: Path) -> None:
    fake = tmp_path / "ledger.db"
    fake.write_bytes(b"SQLite format 3\x00" + b"\x00" * 84)
    before = fake.read_bytes()
    for args in (WRITE, ("init",)):
        result = invoke(fake, *args)
        assert result.exit_code == 2 and "不是 SQLite 数据库" in result.output, result.output
        refused(result.output)
    assert fake.read_bytes() == before


def test_init_records_the_store_format(ledger_db: Path) -> None:
    with sqlite3.connect(ledger_db) as conn:
        assert conn.execute("PRAGMA user_version").fetchone() == (STORE_FORMAT,)


@pytest.mark.parametrize("args", [WRITE, READ, ("init",)], ids=["write", "report", "init"])
def test_a_ledger_recorded_by_a_newer_program_is_refused_untouched(
    ledger_db: Path, args: tuple[str, ...]
) -> None:
    conn = sqlite3.connect(ledger_db)
    conn.execute(f"PRAGMA user_version = {STORE_FORMAT + 1}")
    conn.commit()
    conn.close()
    before = ledger_db.read_bytes()
    result = invoke(ledger_db, *args)
    assert result.exit_code == 1 and "较新版本" in result.output and "请升级" in result.output
    refused(result.output)
    assert ledger_db.read_bytes() == before


def test_a_write_lock_held_by_another_program_is_waited_for_then_refused(
    ledger_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LEDGER_LOCK_TIMEOUT", "1")
    before = stored_events(ledger_db)
    holder = sqlite3.connect(ledger_db, isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        started = time.monotonic()
        result = invoke(ledger_db, *WRITE)
        waited = time.monotonic() - started
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert result.exit_code == 1, result.output
    assert "正被另一个程序写入" in result.output and "LEDGER_LOCK_TIMEOUT" in result.output
    refused(result.output)
    assert 0.9 < waited < 20
    assert stored_events(ledger_db) == before


def test_a_write_lock_released_within_the_wait_lets_the_write_through(
    ledger_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LEDGER_LOCK_TIMEOUT", "20")
    holder = sqlite3.connect(ledger_db, isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN EXCLUSIVE")
    release = threading.Timer(1.0, lambda: holder.execute("ROLLBACK"))
    release.start()
    try:
        result = invoke(ledger_db, *WRITE)
    finally:
        release.join()
        holder.close()
    assert result.exit_code == 0, result.output
    assert "153002" in result.output


def test_a_read_only_store_is_named_when_sqlite_refuses_the_write(ledger_db: Path) -> None:
    """SQLite's own refusal (root can write any file, so the file is opened read-only here)."""
    conn = sqlite3.connect(f"{ledger_db.as_uri()}?mode=ro", uri=True)
    with pytest.raises(sqlite3.OperationalError) as raised:
        conn.execute("CREATE TABLE t (x)")
    conn.close()
    fault = store_fault(raised.value, parse_url(str(ledger_db)))
    assert isinstance(fault, StoreUnavailable)
    assert "是只读的" in fault.message and str(ledger_db) in fault.message


@pytest.mark.parametrize(("says", "told"), SQLITE_FAULTS, ids=[s for s, _ in SQLITE_FAULTS])
def test_every_known_sqlite_fault_has_a_chinese_message_naming_the_store(
    tmp_path: Path, says: str, told: str
) -> None:
    store = parse_url(str(tmp_path / "x.db"))
    wrapped = RuntimeError("wrapped by a library")
    wrapped.__cause__ = sqlite3.OperationalError(says)
    fault = store_fault(wrapped, store)
    assert fault is not None and str(tmp_path / "x.db") in fault.message
    assert fault.message.split(str(tmp_path / "x.db"), 1)[1].strip()[:2] == told[:2]


def test_an_error_that_is_not_the_store_is_not_disguised_as_one() -> None:
    assert store_fault(KeyError("x"), None) is None


BAD_SETTINGS = [
    ("LEDGER_TZ", "Mars/Olympus", "IANA 时区名"),
    ("LEDGER_TZ", "../../etc/passwd", "IANA 时区名"),
    ("LEDGER_CATCHUP_PAGE", "0", "1 到 10000000"),
    ("LEDGER_CATCHUP_PAGE", "-5", "1 到 10000000"),
    ("LEDGER_CATCHUP_PAGE", "abc", "1 到 10000000"),
    ("LEDGER_CATCHUP_PAGE", "9" * 5000, "1 到 10000000"),
    ("LEDGER_LOCK_TIMEOUT", "0", "1 到 3600"),
    ("LEDGER_IMPORT_MAX_MB", "1.5", "1 到 4096"),
    ("LEDGER_ACTOR", "张三\n李四", "控制字符"),
    ("LEDGER_ACTOR", "甲" * 65, "过长"),
]


@pytest.mark.parametrize(
    ("name", "value", "says"), BAD_SETTINGS, ids=[f"{n}={v[:8]}" for n, v, _ in BAD_SETTINGS]
)
@pytest.mark.parametrize("args", [WRITE, READ, ("init",)], ids=["write", "report", "init"])
def test_a_malformed_setting_is_refused_before_the_store_is_touched(
    ledger_db: Path, monkeypatch: pytest.MonkeyPatch, name: str, value: str, says: str, args: tuple[str, ...]
) -> None:
    monkeypatch.setenv(name, value)
    before = ledger_db.read_bytes()
    result = invoke(ledger_db, *args)
    assert result.exit_code == 2, result.output
    assert name in result.output and says in result.output
    refused(result.output)
    assert ledger_db.read_bytes() == before


# ---------------------------------------------------------------- PostgreSQL


@pytest.fixture
def shared(pg_server: Server, tmp_path: Path) -> tuple[Server, str, str, Path]:
    """A PostgreSQL ledger with a clerk and a reporter, and an export of it."""
    schema = f"t_{uuid.uuid4().hex[:16]}"
    owner = pg_server.url("ledger_test", schema=schema)
    suffix = uuid.uuid4().hex[:8]
    backup = tmp_path / "backup.jsonl"
    for args in (
        ("init",),
        ("unit", "add", "153001", "局"),
        ("db", "grant", f"clerk_{suffix}", "--as", "clerk"),
        ("db", "grant", f"reporter_{suffix}", "--as", "reporter"),
        ("export", str(backup)),
    ):
        result = invoke(owner, *args)
        assert result.exit_code == 0, (args, result.output)
    return pg_server, schema, suffix, backup


ADMIN = [
    ("init",),
    ("db", "grant", "someone_else", "--as", "clerk"),
    ("projections", "rebuild"),
    ("restore", "{backup}"),
]


@pytest.mark.parametrize("kind", ["clerk", "reporter"])
@pytest.mark.parametrize("args", ADMIN, ids=[" ".join(a[:2]) for a in ADMIN])
def test_an_administrators_command_run_by_a_clerk_or_reporter_is_refused_before_anything(
    shared: tuple[Server, str, str, Path], kind: str, args: tuple[str, ...]
) -> None:
    server, schema, suffix, backup = shared
    role = f"{kind}_{suffix}"
    url = server.url("ledger_test", user=role, schema=schema)
    owner = server.url("ledger_test", schema=schema)
    before = stored_events(owner)
    roles_before = server.psql("ledger_test", "SELECT rolname FROM pg_roles ORDER BY 1").stdout
    result = invoke(url, *(a.format(backup=backup) for a in args))
    assert result.exit_code == 1, result.output
    assert f"角色 {role} 不是账簿" in result.output and "所有者" in result.output, result.output
    refused(result.output)
    assert stored_events(owner) == before
    assert server.psql("ledger_test", "SELECT rolname FROM pg_roles ORDER BY 1").stdout == roles_before


def test_a_postgresql_ledger_recorded_by_a_newer_program_is_refused(
    shared: tuple[Server, str, str, Path],
) -> None:
    server, schema, _, _ = shared
    owner = server.url("ledger_test", schema=schema)
    server.psql(
        "ledger_test", f"COMMENT ON TABLE \"{schema}\".ledger_events IS 'ledger format {STORE_FORMAT + 1}'"
    )
    before = stored_events(owner)
    for args in (WRITE, ("init",)):
        result = invoke(owner, *args)
        assert result.exit_code == 1 and "较新版本" in result.output, result.output
        refused(result.output)
    assert stored_events(owner) == before


def test_a_fault_wrapped_by_sqlalchemy_is_found_through_its_original(tmp_path: Path) -> None:
    from sqlalchemy.exc import OperationalError

    wrapped = OperationalError("INSERT …", {}, sqlite3.OperationalError("database or disk is full"))
    fault = store_fault(wrapped, parse_url(str(tmp_path / "x.db")))
    assert isinstance(fault, StoreUnavailable) and "磁盘已满" in fault.message


@pytest.mark.parametrize(
    ("error", "kind", "says"),
    [
        ("InsufficientPrivilege", PermissionRefused, "无权执行此操作"),
        ("LockNotAvailable", StoreUnavailable, "正被另一个程序写入"),
        ("QueryCanceled", StoreUnavailable, "LEDGER_LOCK_TIMEOUT"),
        ("UndefinedTable", StoreNotReady, "ledger init"),
        ("AdminShutdown", StoreUnavailable, "连接失败"),
    ],
)
def test_postgresql_faults_have_chinese_messages_naming_the_store(
    error: str, kind: type[LedgerError], says: str
) -> None:
    import psycopg

    store = parse_url("postgresql://clerk@db.example/ledger?schema=gulou")
    outer = RuntimeError("the event library's wrapper")
    outer.__cause__ = getattr(psycopg.errors, error)("server said no")
    fault = store_fault(outer, store)
    assert type(fault) is kind and says in fault.message and "gulou" in fault.message
