"""The hash chain over the event log: each event's link commits to every event before it.

``link(previous, event)`` is SHA-256 over the previous link and the event's stored
form — its aggregate id, version, topic and stored state bytes — each length-prefixed
so no two different logs hash alike. Editing, deleting or reordering any stored event
changes every link from there on; ``ledger verify`` finds the first one.
"""

from __future__ import annotations

import hashlib
import struct
import uuid
from collections.abc import Iterable, Iterator

GENESIS = "0" * 64


def link(previous: str, originator_id: uuid.UUID | str, version: int, topic: str, state: bytes | str) -> str:
    """The chain link of one stored event, given the link before it (hex)."""
    h = hashlib.sha256()
    h.update(bytes.fromhex(previous))
    for part in (
        (originator_id.hex if isinstance(originator_id, uuid.UUID) else str(originator_id)).encode(),
        str(version).encode(),
        topic.encode("utf-8"),
        state.encode("utf-8") if isinstance(state, str) else bytes(state),
    ):
        h.update(len(part).to_bytes(8, "big"))
        h.update(part)
    return h.hexdigest()


def successive_links(previous: str, rows: Iterable[tuple[str, int, str, bytes]]) -> Iterator[str]:
    """The links of successive stored events (aggregate id as 32 hex digits, version,
    topic, state) after ``previous``: the same values as ``link``, one hash each."""
    last = bytes.fromhex(previous)
    size = struct.Struct(">Q").pack
    sha256 = hashlib.sha256
    for originator_id, version, topic, state in rows:
        o, v, t, s = originator_id.encode(), str(version).encode(), topic.encode("utf-8"), bytes(state)
        last = sha256(
            b"".join((last, size(len(o)), o, size(len(v)), v, size(len(t)), t, size(len(s)), s))
        ).digest()
        yield last.hex()
