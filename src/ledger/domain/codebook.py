"""The code book: classification codes clerks admitted beside the shipped 《政府收支分类科目》.

One aggregate for the whole ledger. Each ``CodeAdded`` names the kind, the fiscal year
(0: every year), the code and its name, who added it, when, and from where (the
command line or an imported file). Replaying the log to a moment therefore knows which
codes were known then. Whether a code may be added is decided by :func:`ledger.codes.admit`
against the shipped books and the codes already added; applying an event only appends.
"""

from __future__ import annotations

import datetime as dt
import uuid

from eventsourcing.domain import Aggregate

from ledger.codes import CodeKind, LocalCode
from ledger.domain.project import NAMESPACE


def codebook_id() -> uuid.UUID:
    return uuid.uuid5(NAMESPACE, "codebook")


class CodeBook(Aggregate):
    """The local additions to the classification codes."""

    class Opened(Aggregate.Created):
        class_version = 1
        on: dt.date
        actor: str

    class CodeAdded(Aggregate.Event):
        class_version = 1
        on: dt.date
        actor: str
        kind: str
        year: int
        code: str
        name: str
        source: str

        def apply(self, book: CodeBook) -> None:
            book.entries.append(LocalCode(CodeKind(self.kind), self.year, self.code, self.name))

    def __init__(self, *, on: dt.date, actor: str) -> None:
        self.entries: list[LocalCode] = []

    @staticmethod
    def create_id() -> uuid.UUID:
        return codebook_id()

    @classmethod
    def open(cls, *, on: dt.date, actor: str) -> CodeBook:
        return cls._create(cls.Opened, on=on, actor=actor)

    def add(self, entry: LocalCode, *, on: dt.date, actor: str, source: str) -> None:
        self.trigger_event(
            self.CodeAdded,
            on=on,
            actor=actor,
            kind=entry.kind.value,
            year=entry.year,
            code=entry.code,
            name=entry.name,
            source=source,
        )
