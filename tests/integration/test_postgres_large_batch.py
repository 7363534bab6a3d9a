"""PostgreSQL: one save of tens of megabytes — a large import — is recorded, not hung.

The event library's recorder sends its statements in psycopg's pipeline mode, which
deadlocks on a statement this large (psycopg issue #685): before ``ledger.pgrecorder``
an import of 100 units hung for ever on PostgreSQL.
"""

from __future__ import annotations

import subprocess
import sys
import uuid

import pytest
from eventsourcing.persistence import IntegrityError, StoredEvent

from ledger import pgrecorder
from ledger.application import Ledger
from ledger.pgrecorder import LedgerPostgresRecorder
from ledger.storage import parse_url
from tests.conftest import invoke, stored_events
from tests.pgserver import Server

SAVE = r"""
import sys, uuid
from eventsourcing.persistence import StoredEvent
from ledger.application import Ledger
from ledger.storage import parse_url

app = Ledger(parse_url(sys.argv[1]))
# 400 events of 100 kB: 40 MB in one statement, as a large import sends
events = [
    StoredEvent(uuid.uuid4(), 1, "ledger.test:Large", b'{"x": "' + b"a" * 100_000 + b'"}')
    for _ in range(400)
]
ids = app.recorder.insert_events(events)
print(len(ids), ids == sorted(ids))
"""


def admit(url: str, topic: str) -> None:
    """Let the guard accept the test's own event class (its state is one field, x)."""
    store = parse_url(url)
    with store.connect() as conn:
        conn.execute(
            f'INSERT INTO "{store.schema}".ledger_event_kinds VALUES (%s, %s)'.encode(), (topic, ["x"])
        )


def test_a_save_of_tens_of_megabytes_is_recorded_in_one_transaction(pg_server: Server) -> None:
    url = pg_server.url("ledger_test", schema=f"t_{uuid.uuid4().hex[:16]}")
    assert invoke(url, "init").exit_code == 0
    admit(url, "ledger.test:Large")
    app = Ledger(parse_url(url))
    try:
        assert type(app.recorder) is LedgerPostgresRecorder
    finally:
        app.close()
    # in a process of its own, so that a hang fails the test instead of stopping the run
    out = subprocess.run([sys.executable, "-c", SAVE, url], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split() == ["400", "True"]


def test_a_save_in_several_statements_is_still_all_or_nothing(
    pg_server: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = pg_server.url("ledger_test", schema=f"t_{uuid.uuid4().hex[:16]}")
    assert invoke(url, "init").exit_code == 0
    admit(url, "ledger.test:Small")
    monkeypatch.setattr(pgrecorder, "CHUNK", 7)
    app = Ledger(parse_url(url))
    try:

        def events(n: int) -> list[StoredEvent]:
            return [StoredEvent(uuid.uuid4(), 1, "ledger.test:Small", b'{"x": 1}') for _ in range(n)]

        first = app.recorder.insert_events(events(20))  # three statements
        assert first is not None and len(first) == 20
        assert list(first) == list(range(first[0], first[0] + 20))
        clash = events(15)
        clash[12] = StoredEvent(clash[0].originator_id, 1, "ledger.test:Small", b'{"x": 2}')  # in the 2nd
        before = stored_events(url)
        with pytest.raises(IntegrityError):
            app.recorder.insert_events(clash)
        assert stored_events(url) == before
    finally:
        app.close()
