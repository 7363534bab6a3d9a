"""The PostgreSQL event recorder: the library's own, writing without pipeline mode.

``eventsourcing`` sends the table lock, the NOTIFY and the INSERT of all new events
in psycopg's pipeline mode. With a large batch — an import of 100 units is 120,000
events, some 30 MB in one statement — the pipeline deadlocks: the client waits for
results while the server waits for the rest of the statement (psycopg issue #685),
and the import hangs for ever. Sent one after another in one transaction, the same
statements cost a round trip or two more and cannot deadlock; the table lock still
makes commit order the order of the log, so no reader passes over a gap.

The events go in statements of ``CHUNK`` events within that one transaction, so
neither this process nor the server builds one parameter of the whole batch.

The same transaction seals each event's chain link (``ledger.chain``): a trigger with
the owner's rights (``ledger.storage``) links each inserted row under the table lock,
so the links follow commit order, no reader links anything and no clerk can write them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from eventsourcing.persistence import InterfaceError, OperationalError, StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder
from eventsourcing.utils import retry
from psycopg import Cursor
from psycopg.errors import LockNotAvailable
from psycopg.rows import DictRow
from psycopg.sql import SQL, Identifier

from ledger.chain import COLUMNS, GENESIS, TABLE, seal
from ledger.errors import StoreNotReady

CHUNK = 10_000


LEGACY_TABLE = "rm_chain"


class LedgerPostgresRecorder(PostgresApplicationRecorder):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        schema = Identifier(self.datastore.schema)
        self.chain_table = SQL("{}.{}").format(schema, Identifier(TABLE))
        self.sql_create_statements.append(
            SQL(
                "CREATE TABLE IF NOT EXISTS {} (position bigint PRIMARY KEY, "
                "originator_id text NOT NULL, version integer NOT NULL, hash text NOT NULL)"
            ).format(self.chain_table)
        )

    def _create_table(self, curs: Cursor[DictRow]) -> None:
        super()._create_table(curs)
        self._seal_legacy(curs)

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def insert_events(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Sequence[int] | None:
        if not stored_events:
            return None
        ids: list[int] = []
        try:
            with self.datastore.get_connection() as conn, conn.transaction(), conn.cursor() as curs:
                self._insert_events(curs, stored_events, **kwargs)
                self._lock_table(curs)
                self._notify_channel(curs)
                for start in range(0, len(stored_events), CHUNK):
                    chunk = stored_events[start : start + CHUNK]
                    rows = [
                        self.construct_pg_stored_event(
                            e.originator_id, e.originator_version, e.topic, e.state
                        )
                        for e in chunk
                    ]
                    curs.execute(self.insert_events_statement, (rows,))
                    ids += self._fetch_ids_after_insert_events(curs, chunk, **kwargs) or []
        except OperationalError as e:
            if isinstance(e.__cause__, LockNotAvailable):
                raise StoreNotReady(
                    f"账簿的事件表被其他会话锁定，等待 {self.datastore.lock_timeout} 秒仍未释放："
                    "本次操作没有记录任何内容。请稍后重试；若一直如此，请账簿所有者查明长时间持有锁的会话。"
                ) from None
            raise
        return ids

    def _last_link(self, curs: Cursor[DictRow]) -> tuple[int, str]:
        curs.execute(
            SQL("SELECT position, hash FROM {} ORDER BY position DESC LIMIT 1").format(self.chain_table)
        )
        row = curs.fetchone()
        return (int(row["position"]), str(row["hash"])) if row else (0, GENESIS)

    def _seal_legacy(self, curs: Cursor[DictRow]) -> None:
        """Upgrading a store made before the recorder sealed the chain (``ledger init``):
        the links the readers recorded are kept, and events after them are sealed now."""
        curs.execute(SQL("SELECT count(*) AS n FROM {}").format(self.chain_table))
        row = curs.fetchone()
        if row is None or row["n"]:
            return
        schema = self.datastore.schema
        curs.execute("SELECT to_regclass(%s) AS t", (f'"{schema}".{LEGACY_TABLE}',))
        found = curs.fetchone()
        if found is not None and found["t"] is not None:
            legacy = SQL("{}.{}").format(Identifier(schema), Identifier(LEGACY_TABLE))
            curs.execute(
                SQL("INSERT INTO {} (" + COLUMNS + ") SELECT " + COLUMNS + " FROM {}").format(
                    self.chain_table, legacy
                )
            )
        start, previous = self._last_link(curs)
        curs.execute(
            SQL(
                "SELECT notification_id, originator_id, originator_version, topic, state FROM {}.{} "
                "WHERE notification_id > %s ORDER BY notification_id"
            ).format(Identifier(schema), Identifier(self.events_table_name)),
            (start,),
        )
        unsealed = curs.fetchall()
        rows = seal(
            previous,
            [int(r["notification_id"]) for r in unsealed],
            [(r["originator_id"], r["originator_version"], r["topic"], r["state"]) for r in unsealed],
        )
        statement = SQL("INSERT INTO {} (" + COLUMNS + ") VALUES (%s, %s, %s, %s)").format(self.chain_table)
        if rows:
            curs.executemany(statement, rows)
