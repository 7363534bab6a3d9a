"""The recorded hash chain: one link per stored event, in log order (see ``ledger.chain``).

Links are computed as the events are caught up — within moments of recording — and
kept keyed by log position with the event's id and version, so ``ledger verify`` can
tell an edited event (same place, different content), a deleted one (a recorded
position no longer in the log) and a reordered log (another event at a position).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, Column, Integer, MetaData, String, Table, select
from sqlalchemy.engine import Connection

from ledger.chain import GENESIS, link

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


def apply_page(conn: Connection, notifications: list[tuple[int, Any]]) -> list[tuple[Table, dict[str, Any]]]:
    return [(chain, row) for row in links(last_link(conn), notifications)]
