"""Tamper evidence: verify names an edited, deleted or reordered event; backups round-trip."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

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


def tamper(db: str, sql: str) -> None:
    """Change the event table directly, as someone with the owner's database access could."""
    store = parse_url(db)
    if store.path is not None:
        with sqlite3.connect(store.path) as conn:
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
