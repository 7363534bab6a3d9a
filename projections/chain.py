"""The recorded hash chain: one link per stored event, in log order (see ``ledger.chain``).

Links are computed as the events are caught up — within moments of recording — and
kept keyed by log position with the event's id and version, so ``ledger verify`` can
tell an edited event (same place, different content), a deleted one (a recorded
position no longer in the log) and a reordered log (another event at a position).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, Column, Integer, MetaData, String, Table, select, text
from sqlalchemy.engine import Connection

from ledger.chain import GENESIS, link
from ledger.storage import Store
from projections.folds import chain as folds
from projections.folds.chain import NAME, TABLE

__all__ = ["NAME", "RAW", "TABLES", "chain", "extend", "last_link", "links", "metadata"]

RAW = True  # folds stored events (their stored form), not domain events
metadata = MetaData()

chain = Table(
    TABLE,
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
    stored = conn.execute(text(folds.source_sql(store)), {"start": start, "stop": stop})
    rows = folds.link_rows(last_link(conn), stored)
    if rows:
        conn.exec_driver_sql(folds.target_sql(store), rows)
    return len(rows)
