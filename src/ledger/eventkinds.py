"""The recorded event classes and the fields each one's stored state carries.

One description serves both checks of an event written past the program: ``ledger
restore`` decodes every event of a backup against it, and on PostgreSQL the guard
trigger refuses an inserted event whose topic is unknown or whose fields differ.
"""

from __future__ import annotations

import typing
from typing import Any

from eventsourcing.domain import CanMutateAggregate
from eventsourcing.utils import get_topic

#: kept in the stored event's own columns, not in its state
COLUMNS = ("originator_id", "originator_version")


def fields_of(cls: type[Any]) -> dict[str, Any]:
    """The fields of an event class's stored state, with their types."""
    hints = typing.get_type_hints(cls)
    return {
        k: h for k, h in hints.items() if typing.get_origin(h) is not typing.ClassVar and k not in COLUMNS
    }


def kinds() -> dict[str, tuple[str, ...]]:
    """Every event class the ledger records, by topic, with its state's field names."""
    from ledger.application import ProjectCodeIndex
    from ledger.domain.codebook import CodeBook
    from ledger.domain.imports import ImportLog
    from ledger.domain.project import Project
    from ledger.domain.unit import Unit

    classes = [
        value
        for aggregate in (Unit, Project, ProjectCodeIndex, CodeBook, ImportLog)
        for value in vars(aggregate).values()
        if isinstance(value, type)
        and issubclass(value, CanMutateAggregate)
        and value.__module__ == aggregate.__module__
    ]
    # a base class (``Project.Event``) is never recorded itself
    recorded = [c for c in classes if not any(o is not c and issubclass(o, c) for o in classes)]
    return {get_topic(c): tuple(sorted(fields_of(c))) for c in recorded}
