"""The recorded hash chain: one link per stored event, in log order (see ``ledger.chain``).

Links are computed as the events are caught up — within moments of recording — and
kept keyed by log position with the event's id and version, so ``ledger verify`` can
tell an edited event (same place, different content), a deleted one (a recorded
position no longer in the log) and a reordered log (another event at a position).
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import BigInteger, Column, Integer, MetaData, String, Table, select, text
from sqlalchemy.engine import Connection

from ledger.chain import GENESIS, link, successive_links
from ledger.storage import Store

NAME = "chain"
RAW = True  # folds stored events (their stored form), not domain events
metadata = MetaData()

chain = Table(
    "rm_chain",
    metadata,
    Column("position", BigInteger, primary_key=True, autoincrement=False),
    Column("originator_id", String(36), nullable=False),
    Column("version", Integer, nullable=False),
    Column("hash", String(64), nullable=False),
)

TABLES = [chain]


def links(previous: str, notifications: list[tuple[int, Any]]) -> list[dict[str, Any]]:
    """The chain rows for stored events following the link ``previous``."""
    rows = []
    for position, n in notifications:
        previous = link(previous, n.originator_id, n.originator_version, n.topic, n.state)
        rows.append(
            {
                "position": position,
                "originator_id": str(n.originator_id),
                "version": n.originator_version,
                "hash": previous,
            }
        )
    return rows


def last_link(conn: Connection) -> str:
    row = conn.execute(select(chain.c.hash).order_by(chain.c.position.desc()).limit(1)).first()
    return str(row[0]) if row else GENESIS


def extend(conn: Connection, store: Store, start: int, stop: int) -> int:
    """Link the stored events at log positions (start, stop] onto the chain; how many.

    Reads the stored rows on the read-model connection (no domain objects) and writes
    the links in one batch: the chain costs a hash per event, not an object per event.
    """
    if store.is_sqlite:
        source = f"SELECT rowid, originator_id, originator_version, topic, state FROM {store.events_table} "
        source += "WHERE rowid > :start AND rowid <= :stop ORDER BY rowid"
        target = "INSERT INTO rm_chain (position, originator_id, version, hash) VALUES (?, ?, ?, ?)"
    else:
        source = (
            "SELECT notification_id, originator_id, originator_version, topic, state "
            f'FROM "{store.schema}".{store.events_table} '
            "WHERE notification_id > :start AND notification_id <= :stop ORDER BY notification_id"
        )
        target = f'INSERT INTO "{store.schema}".rm_chain (position, originator_id, version, hash) VALUES (%s, %s, %s, %s)'
    stored = [
        (position, oid.hex if isinstance(oid, uuid.UUID) else oid, version, topic, state)
        for position, oid, version, topic, state in conn.execute(text(source), {"start": start, "stop": stop})
    ]
    hashes = successive_links(
        last_link(conn), ((oid, version, topic, state) for _, oid, version, topic, state in stored)
    )
    rows = [
        (position, f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}", version, digest)
        for (position, h, version, _, _), digest in zip(stored, hashes, strict=True)
    ]
    if rows:
        conn.exec_driver_sql(target, rows)
    return len(rows)
