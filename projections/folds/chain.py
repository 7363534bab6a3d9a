"""The hash chain's catch-up on any database connection (the model is ``projections.chain``)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from ledger.chain import successive_links
from ledger.storage import Store

NAME = "chain"
TABLE = "rm_chain"
COLUMNS = ("position", "originator_id", "version", "hash")
INDEXES: tuple[str, ...] = ()


def source_sql(store: Store) -> str:
    """The stored events at log positions (:start, :stop], in log order."""
    if store.is_sqlite:
        return (
            f"SELECT rowid, originator_id, originator_version, topic, state FROM {store.events_table} "
            "WHERE rowid > :start AND rowid <= :stop ORDER BY rowid"
        )
    return (
        "SELECT notification_id, originator_id, originator_version, topic, state "
        f'FROM "{store.schema}".{store.events_table} '
        "WHERE notification_id > :start AND notification_id <= :stop ORDER BY notification_id"
    )


def last_link_sql(store: Store) -> str:
    table = TABLE if store.is_sqlite else f'"{store.schema}".{TABLE}'
    return f"SELECT hash FROM {table} ORDER BY position DESC LIMIT 1"


def target_sql(store: Store) -> str:
    """Insert one link (DB-API parameters: qmark on SQLite, format on PostgreSQL)."""
    if store.is_sqlite:
        return f"INSERT INTO {TABLE} (position, originator_id, version, hash) VALUES (?, ?, ?, ?)"
    return f'INSERT INTO "{store.schema}".{TABLE} (position, originator_id, version, hash) VALUES (%s, %s, %s, %s)'


def link_rows(
    previous: str, stored: Iterable[tuple[int, Any, int, str, bytes]]
) -> list[tuple[int, str, int, str]]:
    """The chain rows of successive stored events (position, id, version, topic, state)
    following the link ``previous``: one hash per event, no domain objects."""
    page = [
        (position, oid.hex if isinstance(oid, uuid.UUID) else oid, version, topic, state)
        for position, oid, version, topic, state in stored
    ]
    hashes = successive_links(
        previous, ((oid, version, topic, state) for _, oid, version, topic, state in page)
    )
    return [
        (position, f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}", version, digest)
        for (position, h, version, _, _), digest in zip(page, hashes, strict=True)
    ]
