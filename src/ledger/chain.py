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
from dataclasses import dataclass

from ledger.errors import MalformedInput

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


#: The table of recorded links, written by the event recorder in the transaction that
#: appends the events (``ledger.sqliterecorder``, ``ledger.pgrecorder``), never by a reader.
TABLE = "ledger_chain"
COLUMNS = "position, originator_id, version, hash"


def _dashed(originator_id: uuid.UUID | str) -> str:
    return str(originator_id) if isinstance(originator_id, uuid.UUID) else str(uuid.UUID(str(originator_id)))


def seal(
    previous: str, positions: Iterable[int], events: Iterable[tuple[uuid.UUID | str, int, str, bytes]]
) -> list[tuple[int, str, int, str]]:
    """The chain rows (position, aggregate id, version, link) of events just recorded at
    ``positions``, following the link ``previous``."""
    page = [(p, _dashed(o), v, t, bytes(s)) for p, (o, v, t, s) in zip(positions, events, strict=True)]
    hashes = successive_links(previous, ((o.replace("-", ""), v, t, s) for _, o, v, t, s in page))
    return [(p, o, v, h) for (p, o, v, _, _), h in zip(page, hashes, strict=True)]


@dataclass(frozen=True)
class Head:
    """Where the chain ends: how many events it seals and the last link.

    Written ``COUNT:HASH``. An auditor who noted the head can tell a truncated or
    re-chained log from the true one, which a chain alone cannot: whoever holds the file
    can recompute every link.
    """

    count: int
    link: str

    def __str__(self) -> str:
        return f"{self.count}:{self.link}"

    @classmethod
    def parse(cls, text: str) -> Head:
        count, sep, digest = text.strip().partition(":")
        digest = digest.lower()
        if (
            not sep
            or not count.isascii()
            or not count.isdigit()
            or len(digest) != 64
            or any(c not in "0123456789abcdef" for c in digest)
        ):
            raise MalformedInput(
                f"链头“{text[:80]}”格式不对：应为 事件数:哈希（64 位十六进制），"
                "即 ledger verify 或 ledger export 打印的“链头”，如 976:3f2a…"
            )
        return cls(int(count), digest)
