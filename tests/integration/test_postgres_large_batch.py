"""PostgreSQL: one save of tens of megabytes — a large import — is recorded, not hung.

The event library's recorder sends its statements in psycopg's pipeline mode, which
deadlocks on a statement this large (psycopg issue #685): before ``ledger.pgrecorder``
an import of 100 units hung for ever on PostgreSQL.
"""

from __future__ import annotations

import subprocess
import sys
import uuid

from ledger.application import Ledger
from ledger.pgrecorder import LedgerPostgresRecorder
from ledger.storage import parse_url
from tests.conftest import invoke
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


def test_a_save_of_tens_of_megabytes_is_recorded_in_one_transaction(pg_server: Server) -> None:
    url = pg_server.url("ledger_test", schema=f"t_{uuid.uuid4().hex[:16]}")
    assert invoke(url, "init").exit_code == 0
    app = Ledger(parse_url(url))
    try:
        assert type(app.recorder) is LedgerPostgresRecorder
    finally:
        app.close()
    # in a process of its own, so that a hang fails the test instead of stopping the run
    out = subprocess.run([sys.executable, "-c", SAVE, url], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split() == ["400", "True"]
