"""The import log: every file an import recorded from, by the SHA-256 of its bytes.

Rows are de-duplicated only by a key (a row's own ``key``, an export's 指标编号, 支付申请
编号 or 凭证号), never by what they say: two identical payments without a key are two
payments. What the log guards against is the clerk's slip of importing the same file
twice: a file already imported is refused when it would record anything again, unless
the clerk says it is meant (``ledger import --again``).
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import NamedTuple

from eventsourcing.domain import Aggregate

from ledger.domain.project import NAMESPACE


def import_log_id() -> uuid.UUID:
    return uuid.uuid5(NAMESPACE, "imports")


class Earlier(NamedTuple):
    on: dt.date
    name: str
    actor: str
    events: int


class ImportLog(Aggregate):
    """The files imported into this ledger."""

    class Opened(Aggregate.Created):
        class_version = 1
        on: dt.date
        actor: str

    class FileImported(Aggregate.Event):
        class_version = 1
        on: dt.date
        actor: str
        name: str
        digest: str
        rows: int
        events: int

        def apply(self, log: ImportLog) -> None:
            log.files.setdefault(self.digest, Earlier(self.on, self.name, self.actor, self.events))

    def __init__(self, *, on: dt.date, actor: str) -> None:
        self.files: dict[str, Earlier] = {}

    @staticmethod
    def create_id() -> uuid.UUID:
        return import_log_id()

    @classmethod
    def open(cls, *, on: dt.date, actor: str) -> ImportLog:
        return cls._create(cls.Opened, on=on, actor=actor)

    def record(self, *, name: str, digest: str, rows: int, events: int, on: dt.date, actor: str) -> None:
        self.trigger_event(
            self.FileImported, on=on, actor=actor, name=name, digest=digest, rows=rows, events=events
        )
