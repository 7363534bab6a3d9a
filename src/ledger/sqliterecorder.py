"""The SQLite event recorder: the library's own, sealing each event's chain link as it
records the event.

The link of every appended event (``ledger.chain``) is written in the same transaction
as the event, after the event rows take SQLite's write lock: no reader links anything,
so rows slipped into the file by another program are never sealed, and ``ledger
verify`` names them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from eventsourcing.persistence import OperationalError, StoredEvent
from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteCursor

from ledger.chain import COLUMNS, GENESIS, TABLE, seal
from ledger.errors import StoreNotReady

CREATE_CHAIN = (
    f"CREATE TABLE IF NOT EXISTS {TABLE} (position INTEGER PRIMARY KEY, "
    "originator_id TEXT NOT NULL, version INTEGER NOT NULL, hash TEXT NOT NULL)"
)
#: the chain as readers once kept it (before the recorder sealed it)
LEGACY_TABLE = "rm_chain"


class LedgerSQLiteRecorder(SQLiteApplicationRecorder):
    def construct_create_table_statements(self) -> list[str]:
        return [*super().construct_create_table_statements(), CREATE_CHAIN]

    def _create_table(self, c: SQLiteCursor) -> None:
        super()._create_table(c)
        self._seal_legacy(c)

    def insert_events(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Sequence[int] | None:
        try:
            return super().insert_events(stored_events, **kwargs)
        except OperationalError as e:
            if "locked" in str(e):
                raise StoreNotReady(
                    f"账簿文件正被另一个程序写入（被其他程序锁定），等待 {self.datastore.pool.lock_timeout or 5} 秒"
                    "仍未释放：本次操作没有记录任何内容。请等对方完成后重试；如需等待更久，设置 LEDGER_LOCK_TIMEOUT（秒）。"
                ) from None
            raise

    def _insert_events(
        self, c: SQLiteCursor, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        ids = super()._insert_events(c, stored_events, **kwargs)
        if ids:
            c.execute(f"SELECT hash FROM {TABLE} ORDER BY position DESC LIMIT 1")
            last = c.fetchone()
            rows = seal(
                last[0] if last else GENESIS,
                [int(i) for i in ids if i is not None],
                [(e.originator_id, e.originator_version, e.topic, e.state) for e in stored_events],
            )
            c.executemany(f"INSERT INTO {TABLE} ({COLUMNS}) VALUES (?, ?, ?, ?)", rows)
        return ids

    def _seal_legacy(self, c: SQLiteCursor) -> None:
        """Upgrading a store made before the recorder sealed the chain (``ledger init``):
        the links the readers recorded are kept, and events after them are sealed now."""
        c.execute(f"SELECT count(*) FROM {TABLE}")
        if c.fetchone()[0]:
            return
        c.execute(f"SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '{LEGACY_TABLE}'")
        if c.fetchone():
            c.execute(f"INSERT INTO {TABLE} ({COLUMNS}) SELECT {COLUMNS} FROM {LEGACY_TABLE}")
        c.execute(f"SELECT position, hash FROM {TABLE} ORDER BY position DESC LIMIT 1")
        last = c.fetchone()
        start, previous = (int(last[0]), str(last[1])) if last else (0, GENESIS)
        c.execute(
            f"SELECT rowid, originator_id, originator_version, topic, state FROM {self.events_table_name} "
            "WHERE rowid > ? ORDER BY rowid",
            (start,),
        )
        unsealed = c.fetchall()
        rows = seal(previous, [r[0] for r in unsealed], [(r[1], r[2], r[3], r[4]) for r in unsealed])
        c.executemany(f"INSERT INTO {TABLE} ({COLUMNS}) VALUES (?, ?, ?, ?)", rows)
