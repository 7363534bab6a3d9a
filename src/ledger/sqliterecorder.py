"""The SQLite event recorder: the library's own, sealing each event's chain link as it
records the event.

The link of every appended event (``ledger.chain``) is written in the same transaction
as the event, after the event rows take SQLite's write lock: no reader links anything,
so rows slipped into the file by another program are never sealed, and ``ledger
verify`` names them.

The event table also keeps the fields the read models' folds read most as stored
generated columns (``ledger.storage.EVENT_COLUMNS``): SQLite computes them from the state at insert,
so the write path's Python, the recorded bytes and the chain over them are as before,
and a rebuild reads columns instead of parsing every event's JSON again and again.
A store made before them is rebuilt into the new layout by ``ledger init``
(``_add_columns``: the same rows, rowids and bytes, in one transaction); until then
the folds read the JSON (``stored_fields``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from eventsourcing.persistence import Notification, OperationalError, StoredEvent
from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteCursor

from ledger.chain import COLUMNS, GENESIS, TABLE, seal
from ledger.errors import StoreNotReady
from ledger.storage import BASE_COLUMNS, EVENT_COLUMNS, create_events_table, stored_fields

CREATE_CHAIN = (
    f"CREATE TABLE IF NOT EXISTS {TABLE} (position INTEGER PRIMARY KEY, "
    "originator_id TEXT NOT NULL, version INTEGER NOT NULL, hash TEXT NOT NULL)"
)
#: the chain as readers once kept it (before the recorder sealed it)
LEGACY_TABLE = "rm_chain"
#: the event table's index of topics (the rowid, the log position, is in every entry)
TOPIC_INDEX = "ix_stored_events_topic"

class LedgerSQLiteRecorder(SQLiteApplicationRecorder):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # the library reads ``*``: its own columns only, not the generated ones
        self.select_events_statement = (
            f"SELECT {BASE_COLUMNS} FROM {self.events_table_name} WHERE originator_id=? "
        )

    def select_notifications(
        self,
        start: int | None,
        limit: int,
        stop: int | None = None,
        topics: Sequence[str] = (),
        *,
        inclusive_of_start: bool = True,
    ) -> Sequence[Notification]:
        """The library's page of the log, reading its own columns only."""
        conditions: list[str] = []
        params: list[int | str] = []
        if start is not None:
            conditions.append("rowid>=?" if inclusive_of_start else "rowid>?")
            params.append(start)
        if stop is not None:
            conditions.append("rowid<=?")
            params.append(stop)
        if topics:
            conditions.append(f"topic IN ({','.join('?' * len(topics))})")
            params += list(topics)
        where = f"WHERE {' AND '.join(conditions)} " if conditions else ""
        statement = f"SELECT rowid, {BASE_COLUMNS} FROM {self.events_table_name} {where}ORDER BY rowid LIMIT ?"
        with self.datastore.transaction(commit=False) as c:
            c.execute(statement, [*params, limit])
            return [
                Notification(
                    id=row["rowid"],
                    originator_id=self.convert_originator_id(row["originator_id"]),
                    originator_version=row["originator_version"],
                    topic=row["topic"],
                    state=row["state"],
                )
                for row in c.fetchall()
            ]

    def construct_create_table_statements(self) -> list[str]:
        library = super().construct_create_table_statements()
        events = [i for i, st in enumerate(library) if f" {self.events_table_name} (" in st]
        if len(events) != 1:  # the library's layout is not the one this recorder extends
            raise RuntimeError(f"cannot find the CREATE TABLE of {self.events_table_name}")
        library[events[0]] = create_events_table(self.events_table_name)
        return [*library, CREATE_CHAIN]

    def _create_table(self, c: SQLiteCursor) -> None:
        super()._create_table(c)
        self._add_columns(c)
        # the folds read a page one topic at a time: by this index, not by a scan per topic
        c.execute(f"CREATE INDEX IF NOT EXISTS {TOPIC_INDEX} ON {self.events_table_name} (topic)")
        self._seal_legacy(c)

    def _add_columns(self, c: SQLiteCursor) -> None:
        """Upgrading a store made before the generated columns (``ledger init``): SQLite
        cannot add a stored generated column to a table, so the table is made anew and
        the rows copied with their rowids (the notification ids) and bytes, in the
        transaction of ``init``; the chain, keyed by those ids, stays valid."""
        table = self.events_table_name
        c.execute(f"SELECT name FROM pragma_table_xinfo('{table}')")
        if stored_fields(r[0] for r in c.fetchall()) == set(EVENT_COLUMNS):
            return
        old = f"{table}_before_upgrade"
        c.execute(f"ALTER TABLE {table} RENAME TO {old}")
        c.execute(create_events_table(table))
        c.execute(
            f"INSERT INTO {table} (rowid, {BASE_COLUMNS}) SELECT rowid, {BASE_COLUMNS} FROM {old} ORDER BY rowid"
        )
        c.execute(f"DROP TABLE {old}")

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
