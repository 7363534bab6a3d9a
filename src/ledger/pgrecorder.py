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
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from eventsourcing.persistence import InterfaceError, OperationalError, StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder
from eventsourcing.utils import retry

CHUNK = 10_000


class LedgerPostgresRecorder(PostgresApplicationRecorder):
    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def insert_events(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Sequence[int] | None:
        if not stored_events:
            return None
        ids: list[int] = []
        with self.datastore.get_connection() as conn, conn.transaction(), conn.cursor() as curs:
            self._insert_events(curs, stored_events, **kwargs)
            self._lock_table(curs)
            self._notify_channel(curs)
            for start in range(0, len(stored_events), CHUNK):
                chunk = stored_events[start : start + CHUNK]
                rows = [
                    self.construct_pg_stored_event(e.originator_id, e.originator_version, e.topic, e.state)
                    for e in chunk
                ]
                curs.execute(self.insert_events_statement, (rows,))
                ids += self._fetch_ids_after_insert_events(curs, chunk, **kwargs) or []
        return ids
