"""The reference ledger's real events: written by the msgspec transcoder, each stored
state is the library's JSONTranscoder's bytes for the same event."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from eventsourcing.persistence import Mapper, StoredEvent

from ledger.application import Ledger
from ledger.storage import parse_url
from ledger.transcoder import MsgspecTranscoder
from tests.conftest import invoke
from tests.unit.test_transcoder import library

DATA = Path(__file__).resolve().parents[2] / "data"


def test_every_event_of_the_reference_ledger_is_stored_as_the_librarys_transcoder_writes_it(
    tmp_path: Path,
) -> None:
    db = tmp_path / "reference.db"
    assert invoke(db, "init").exit_code == 0
    for file in (DATA / "targets-2020" / "ledger.jsonl", DATA / "guloo-2024" / "ledger.jsonl"):
        result = invoke(db, "import", str(file))
        assert result.exit_code == 0, result.output
    app = Ledger(parse_url(str(db)))
    assert type(app.mapper.transcoder) is MsgspecTranscoder  # what the ledger writes with
    app.close()
    with sqlite3.connect(db) as conn:
        rows = conn.execute(
            "SELECT originator_id, originator_version, topic, state FROM stored_events ORDER BY rowid"
        ).fetchall()
    assert len(rows) > 400
    assert len({topic for _, _, topic, _ in rows}) >= 10
    mapper = Mapper[Any](transcoder=library())
    for originator_id, version, topic, state in rows:
        stored = StoredEvent(
            originator_id=originator_id, originator_version=version, topic=topic, state=state
        )
        event = mapper.to_domain_event(stored)
        assert mapper.to_stored_event(event).state == state, topic
