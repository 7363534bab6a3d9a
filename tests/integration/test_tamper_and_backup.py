"""Tamper evidence: verify names an edited, deleted or reordered event; backups round-trip."""

from __future__ import annotations

import json
import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from ledger.chain import COLUMNS, GENESIS, TABLE, link, seal
from ledger.storage import parse_url
from tests.conftest import Run, invoke, stored_events

ACTS = [
    ("unit", "add", "153001", "局"),
    ("project", "add", "153001", "P1", "项目", "--function", "2150805", "--category", "特定目标类"),
    ("appropriation", "issue", "P1", "10万", "--date", "2024-02-01", "--doc", "文"),
    (
        "payment",
        "request",
        "P1",
        "30000",
        "--payee",
        "甲",
        "--economic",
        "31299",
        "--date",
        "2024-03-01",
        "--settled-on",
        "2024-03-05",
    ),
    ("payment", "request", "P1", "20000", "--payee", "乙", "--economic", "31299", "--date", "2024-04-01"),
    ("payment", "hold", "P1/2", "--date", "2024-04-10", "--reason", "待区财政统筹拨付"),
]


@pytest.fixture
def recorded(db: str, run: Run) -> str:
    for act in ACTS:
        assert run(*act).exit_code == 0
    return db


@contextmanager
def closing_sqlite(path: Path) -> Iterator[sqlite3.Connection]:
    """A plain sqlite3 connection, committed and closed on leaving: a connection left for
    the garbage collector would checkpoint the file later, while the test watches it."""
    conn = sqlite3.connect(path)
    try:
        with conn:
            yield conn
    finally:
        conn.close()


def tamper(db: str, sql: str) -> None:
    """Change the event table directly, as someone with the owner's database access could."""
    store = parse_url(db)
    if store.path is not None:
        with closing_sqlite(store.path) as conn:
            conn.executescript(sql.replace("{events}", "stored_events").replace("{pos}", "rowid"))
    else:
        with store.connect() as conn:
            conn.execute(
                sql.replace("{events}", f'"{store.schema}".{store.events_table}')
                .replace("{pos}", "notification_id")
                .encode()
            )


def verify(db: str) -> tuple[int, dict[str, Any]]:
    result = invoke(db, "--format", "json", "verify")
    return result.exit_code, json.loads(result.output)


def test_an_untouched_ledger_verifies(recorded: str) -> None:
    code, out = verify(recorded)
    assert code == 0 and out["ok"] is True and out["events"] == len(stored_events(recorded))


def test_verify_names_an_edited_event(recorded: str, backend: str) -> None:
    replace = "replace(state, '3000000', '3000001')"
    if backend == "postgres":
        replace = "convert_to(replace(convert_from(state, 'UTF8'), '3000000', '3000001'), 'UTF8')"
    tamper(recorded, f"UPDATE {{events}} SET state = {replace} WHERE {{pos}} = 8")
    code, out = verify(recorded)
    assert code == 1
    assert out["findings"][0]["kind"] == "修改" and out["findings"][0]["position"] == 8


def test_verify_names_a_deleted_event(recorded: str) -> None:
    tamper(recorded, "DELETE FROM {events} WHERE {pos} = 9")
    code, out = verify(recorded)
    assert code == 1
    kinds = [f["kind"] for f in out["findings"]]
    assert kinds[0] == "删除" and "版本缺失" in kinds


def test_verify_names_a_reordered_log(recorded: str, backend: str) -> None:
    if backend == "postgres":
        sql = (
            "UPDATE {events} SET notification_id = -notification_id WHERE notification_id IN (7, 8);"
            "UPDATE {events} SET notification_id = 8 WHERE notification_id = -7;"
            "UPDATE {events} SET notification_id = 7 WHERE notification_id = -8;"
        )
    else:
        sql = (
            "UPDATE {events} SET rowid = -rowid WHERE rowid IN (7, 8);"
            "UPDATE {events} SET rowid = 8 WHERE rowid = -7;"
            "UPDATE {events} SET rowid = 7 WHERE rowid = -8;"
        )
    tamper(recorded, sql)
    code, out = verify(recorded)
    assert code == 1 and out["findings"][0]["kind"] == "顺序"


def test_export_is_deterministic_and_restore_gives_identical_reports_and_chain(
    recorded: str, tmp_path: Path
) -> None:
    first, second = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    assert invoke(recorded, "export", str(first)).exit_code == 0
    assert invoke(recorded, "export", str(second)).exit_code == 0
    assert first.read_bytes() == second.read_bytes()
    copy = str(tmp_path / "restored.db")
    assert invoke(copy, "init").exit_code == 0
    assert invoke(copy, "restore", str(first)).exit_code == 0
    again = tmp_path / "c.jsonl"
    assert invoke(copy, "export", str(again)).exit_code == 0
    assert again.read_bytes() == first.read_bytes()
    assert verify(copy)[1]["head"] == verify(recorded)[1]["head"]
    for args in (("history", "P1"), ("projections", "status")):
        assert invoke(copy, *args).output.replace(copy, "") == invoke(recorded, *args).output.replace(
            recorded, ""
        )


def test_a_tampered_or_truncated_backup_is_refused_and_nothing_is_restored(
    recorded: str, tmp_path: Path
) -> None:
    backup = tmp_path / "a.jsonl"
    invoke(recorded, "export", str(backup))
    lines = backup.read_text(encoding="utf-8").splitlines(keepends=True)
    edited = tmp_path / "edited.jsonl"
    edited.write_text("".join(lines).replace("3000000", "3000001", 1), encoding="utf-8")
    truncated = tmp_path / "truncated.jsonl"
    truncated.write_text("".join(lines[:-2]), encoding="utf-8")
    for file, says in ((edited, "哈希链不符"), (truncated, "不完整")):
        target = str(tmp_path / f"{file.stem}.db")
        invoke(target, "init")
        result = invoke(target, "restore", str(file))
        assert result.exit_code in (1, 2) and says in result.output
        assert stored_events(target) == []


def test_restore_refuses_a_store_that_is_not_empty(recorded: str, tmp_path: Path) -> None:
    backup = tmp_path / "a.jsonl"
    invoke(recorded, "export", str(backup))
    before = stored_events(recorded)
    result = invoke(recorded, "restore", str(backup))
    assert result.exit_code == 1 and "不是空的" in result.output
    assert stored_events(recorded) == before


# ------------------------------------------------------------ forgery the chain alone cannot show


def sqlite_file(db: str) -> Path:
    path = parse_url(db).path
    assert path is not None
    return path


def file_state(path: Path) -> tuple[bytes, int, bytes]:
    """The store's bytes and modification time, and what its write-ahead log holds (a
    read-only reader may leave an empty one behind: nothing written)."""
    wal = path.with_name(path.name + "-wal")
    return path.read_bytes(), path.stat().st_mtime_ns, wal.read_bytes() if wal.exists() else b""


def forge_payment(path: Path) -> int:
    """Insert, with sqlite3 alone, a 1亿 payment on P1 after its last event; its position."""
    with closing_sqlite(path) as conn:
        oid, topic, state = conn.execute(
            "SELECT originator_id, topic, state FROM stored_events "
            "WHERE topic LIKE '%PaymentRequested' ORDER BY rowid LIMIT 1"
        ).fetchone()
        (last,) = conn.execute(
            "SELECT max(originator_version) FROM stored_events WHERE originator_id = ?", (oid,)
        ).fetchone()
        forged = json.loads(state)
        forged["amount"] = 10_000_000_000
        forged["number"] = 99
        cursor = conn.execute(
            "INSERT INTO stored_events VALUES (?, ?, ?, ?)",
            (oid, last + 1, topic, json.dumps(forged).encode()),
        )
        assert cursor.lastrowid is not None
        return cursor.lastrowid


def rechain(path: Path) -> None:
    """Recompute every sealed link from the stored events, as a forger holding the file can."""
    with closing_sqlite(path) as conn:
        rows = conn.execute(
            "SELECT rowid, originator_id, originator_version, topic, state FROM stored_events ORDER BY rowid"
        ).fetchall()
        conn.execute(f"DELETE FROM {TABLE}")
        conn.executemany(
            f"INSERT INTO {TABLE} ({COLUMNS}) VALUES (?, ?, ?, ?)",
            seal(GENESIS, [r[0] for r in rows], [(r[1], r[2], r[3], r[4]) for r in rows]),
        )


def test_a_payment_forged_with_sqlite3_is_named_by_verify_and_verify_writes_nothing(
    recorded: str, backend: str
) -> None:
    if backend != "sqlite":
        pytest.skip("a forger with the SQLite file; PostgreSQL roles are tested in test_postgres_roles")
    path = sqlite_file(recorded)
    position = forge_payment(path)
    before = file_state(path)
    code, out = verify(recorded)
    assert code == 1
    first = out["findings"][0]
    assert (
        first["kind"] == "插入" and first["position"] == position and "PaymentRequested" in first["message"]
    )
    assert file_state(path) == before
    # a clerk's next act seals its own event, never the forged one before it
    assert invoke(recorded, "unit", "add", "153002", "另一局").exit_code == 0
    code, out = verify(recorded)
    assert code == 1 and out["findings"][0]["position"] == position


def test_verify_names_an_edited_read_model_row_and_writes_nothing(recorded: str, backend: str) -> None:
    if backend != "sqlite":
        pytest.skip("the roles' rights on PostgreSQL are tested in test_postgres_roles")
    path = sqlite_file(recorded)
    with closing_sqlite(path) as conn:
        conn.execute("UPDATE rm_movements SET paid = paid + 10000000000 WHERE paid > 0")
    before = file_state(path)
    code, out = verify(recorded)
    assert code == 1
    kinds = [f["kind"] for f in out["findings"]]
    assert kinds == ["读模型"]
    assert (
        "rm_movements" in out["findings"][0]["message"]
        and "paid 应为 3000000，现为 10003000000" in out["findings"][0]["message"]
    )
    assert file_state(path) == before


def test_the_noted_head_catches_a_deleted_last_event_with_its_link(recorded: str, backend: str) -> None:
    if backend != "sqlite":
        pytest.skip("a forger with the SQLite file")
    code, out = verify(recorded)
    head = out["head"]
    assert code == 0 and head.startswith(f"{len(stored_events(recorded))}:")
    with closing_sqlite(sqlite_file(recorded)) as conn:
        conn.execute(f"DELETE FROM {TABLE} WHERE position = (SELECT max(rowid) FROM stored_events)")
        (last,) = conn.execute("SELECT max(rowid) FROM stored_events").fetchone()
        conn.execute("DELETE FROM stored_events WHERE rowid = ?", (last,))
        for table in ("rm_movements", "rm_scores", "rm_targets", "rm_curves"):  # and its read-model rows
            conn.execute(f"DELETE FROM {table} WHERE position = ?", (last,))
        conn.execute("UPDATE rm_positions SET position = ? WHERE position = ?", (last - 1, last))
    assert verify(recorded)[0] == 0  # the chain alone cannot tell: every remaining link holds
    result = invoke(recorded, "--format", "json", "verify", "--expect", head)
    assert result.exit_code == 1
    finding = json.loads(result.output)["findings"][0]
    assert finding["kind"] == "链头" and "截断" in finding["message"]


def test_the_noted_head_catches_an_edit_with_the_chain_recomputed(recorded: str, backend: str) -> None:
    if backend != "sqlite":
        pytest.skip("a forger with the SQLite file")
    head = verify(recorded)[1]["head"]
    path = sqlite_file(recorded)
    tamper(
        recorded,
        "UPDATE {events} SET state = CAST(replace(state, '3000000', '3000001') AS BLOB) WHERE {pos} = 8",
    )
    rechain(path)
    with closing_sqlite(path) as conn:  # and the read models refolded to match
        conn.execute("UPDATE rm_movements SET amount = 3000001 WHERE amount = 3000000")
        conn.execute("UPDATE rm_movements SET paid = 3000001 WHERE paid = 3000000")
    before = file_state(path)
    result = invoke(recorded, "--format", "json", "verify", "--expect", head)
    assert result.exit_code == 1
    finding = json.loads(result.output)["findings"][0]
    assert finding["kind"] == "链头" and "重新计算" in finding["message"]
    assert file_state(path) == before


def test_a_head_that_is_not_count_colon_hash_is_malformed_input(recorded: str) -> None:
    for bad in ("976", "x:" + "0" * 64, "3:abc", "3:" + "g" * 64):
        result = invoke(recorded, "verify", "--expect", bad)
        assert result.exit_code == 2 and "链头" in result.output and "事件数:哈希" in result.output


def test_a_longer_ledger_agrees_with_a_head_noted_before(recorded: str, run: Run) -> None:
    noted = verify(recorded)[1]["head"]
    assert (
        run(
            "payment", "request", "P1", "100", "--payee", "丙", "--economic", "31299", "--date", "2024-05-01"
        ).exit_code
        == 0
    )
    result = invoke(recorded, "verify", "--expect", noted)
    assert result.exit_code == 0, result.output
    assert "相符" in result.output


def relinked(lines: list[str], edit: Any) -> str:
    """An export whose event lines were changed by ``edit`` and every link recomputed."""
    previous = GENESIS
    out = [lines[0]]
    count = 0
    for line in lines[1:-1]:
        record = json.loads(line)
        record = edit(record)
        state = record["state"].encode()
        previous = link(
            previous, uuid.UUID(record["originator_id"]), record["version"], record["topic"], state
        )
        record["link"] = previous
        count += 1
        out.append(json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n")
    out.append(json.dumps({"end": True, "events": count, "head": previous}) + "\n")
    return "".join(out)


def test_a_rechained_forged_backup_is_refused_against_the_noted_head(recorded: str, tmp_path: Path) -> None:
    backup = tmp_path / "a.jsonl"
    exported = invoke(recorded, "--format", "json", "export", str(backup))
    head = json.loads(exported.output)["head"]
    assert head == verify(recorded)[1]["head"]
    lines = backup.read_text(encoding="utf-8").splitlines(keepends=True)

    def more(record: dict[str, Any]) -> dict[str, Any]:
        record["state"] = record["state"].replace("3000000", "10000000000")
        return record

    forged = tmp_path / "forged.jsonl"
    forged.write_text(relinked(lines, more), encoding="utf-8")
    target = str(tmp_path / "target.db")
    assert invoke(target, "init").exit_code == 0
    result = invoke(target, "restore", str(forged), "--expect", head)
    assert result.exit_code == 1 and "链头不符" in result.output
    assert stored_events(target) == []
    assert invoke(target, "restore", str(backup), "--expect", head).exit_code == 0
    assert verify(target)[1]["head"] == head


@pytest.mark.parametrize(
    ("edit", "says"),
    [
        (
            lambda r: {**r, "topic": r["topic"] + "X"} if "PaymentRequested" in r["topic"] else r,
            "未知的事件类型",
        ),
        (lambda r: {**r, "state": r["state"].replace('"payee":', '"payer":')}, "缺少字段 payee"),
        (
            lambda r: {**r, "state": r["state"].replace('"amount":3000000', '"amount":"3000000"')},
            "字段 amount 类型不对",
        ),
        (
            lambda r: {**r, "state": r["state"].replace('"amount":3000000', '"amount":3000000,"bonus":1')},
            "多出字段 bonus",
        ),
        (
            lambda r: {**r, "state": "not json"} if "PaymentRequested" in r["topic"] else r,
            "不是有效的事件数据",
        ),
    ],
)
def test_a_backup_whose_events_do_not_decode_is_refused_even_when_rechained(
    recorded: str, tmp_path: Path, edit: Any, says: str
) -> None:
    backup = tmp_path / "a.jsonl"
    invoke(recorded, "export", str(backup))
    lines = backup.read_text(encoding="utf-8").splitlines(keepends=True)
    bad = tmp_path / "bad.jsonl"
    bad.write_text(relinked(lines, edit), encoding="utf-8")
    assert bad.read_text(encoding="utf-8") != backup.read_text(encoding="utf-8")
    target = str(tmp_path / "target.db")
    assert invoke(target, "init").exit_code == 0
    result = invoke(target, "restore", str(bad))
    assert result.exit_code == 2, result.output
    assert says in result.output and "拒绝恢复" in result.output
    assert stored_events(target) == []


def test_a_sealed_event_that_breaks_a_money_rule_is_named_by_verify(recorded: str, backend: str) -> None:
    """The forger re-chains after the raw insert, as a PostgreSQL trigger would seal it."""
    if backend != "sqlite":
        pytest.skip("a forger with the SQLite file")
    path = sqlite_file(recorded)
    position = forge_payment(path)
    rechain(path)
    code, out = verify(recorded)
    assert code == 1
    rule = [f for f in out["findings"] if f["kind"] == "规则"]
    assert rule and rule[0]["position"] == position and "指标" in rule[0]["message"]


def test_init_upgrades_a_store_whose_chain_readers_kept_and_seals_what_came_after(
    recorded: str, backend: str
) -> None:
    if backend != "sqlite":
        pytest.skip("the upgrade of a SQLite file made before the recorder sealed the chain")
    path = sqlite_file(recorded)
    head = verify(recorded)[1]["head"]
    with closing_sqlite(path) as conn:  # the layout of before: links kept by readers, the last two unlinked
        conn.execute(f"CREATE TABLE rm_chain AS SELECT {COLUMNS} FROM {TABLE} WHERE position <= 4")
        conn.execute(f"DROP TABLE {TABLE}")
    assert invoke(recorded, "init").exit_code == 0
    with closing_sqlite(path) as conn:
        kept = conn.execute(f"SELECT count(*) FROM {TABLE}").fetchone()
    assert kept == (len(stored_events(recorded)),)
    assert invoke(recorded, "verify", "--expect", head).exit_code == 0


def test_a_lock_held_on_the_file_stops_a_clerk_for_the_lock_timeout_only(
    recorded: str, backend: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    if backend != "sqlite":
        pytest.skip("PostgreSQL's table lock is tested in test_postgres_roles")
    before = stored_events(recorded)
    monkeypatch.setenv("LEDGER_LOCK_TIMEOUT", "1")
    holder = sqlite3.connect(sqlite_file(recorded), isolation_level=None)
    try:
        holder.execute("BEGIN EXCLUSIVE")
        result = invoke(recorded, "unit", "add", "153002", "另一局")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert result.exit_code == 1, result.output
    assert "被其他程序锁定" in result.output and "没有记录任何内容" in result.output
    assert stored_events(recorded) == before


def test_a_store_whose_chain_is_broken_is_not_exported(recorded: str, backend: str, tmp_path: Path) -> None:
    if backend != "sqlite":
        pytest.skip("a forger with the SQLite file")
    position = forge_payment(sqlite_file(recorded))
    backup = tmp_path / "a.jsonl"
    result = invoke(recorded, "export", str(backup))
    assert result.exit_code == 1 and "拒绝导出" in result.output and f"第 {position} 个事件" in result.output
    assert not backup.exists() and not backup.with_name("a.jsonl.tmp").exists()
