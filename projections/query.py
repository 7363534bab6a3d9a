"""What every report query shares: the replay cut-off and the unit/year/filters."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, true

from projections.directory import projects
from projections.movements import movements


@dataclass(frozen=True)
class Cutoff:
    """Which events a report sees.

    ``as_of``: business dates up to the end of that day (the historical reconstruction);
    ``known_at``: only events recorded by that instant (what the ledger said then).
    """

    as_of: dt.date | None = None
    known_at: dt.datetime | None = None  # aware

    @property
    def known_at_naive_utc(self) -> dt.datetime | None:
        if self.known_at is None:
            return None
        return self.known_at.astimezone(dt.UTC).replace(tzinfo=None)

    def movements(self) -> ColumnElement[bool]:
        """The WHERE clause that keeps only the movements this cut-off sees."""
        clauses: list[ColumnElement[bool]] = []
        if self.as_of is not None:
            clauses.append(movements.c.on <= self.as_of)
        if self.known_at is not None:
            clauses.append(movements.c.recorded_at <= self.known_at_naive_utc)
        return and_(true(), *clauses)

    def projects(self) -> ColumnElement[bool]:
        if self.known_at is None:
            return true()
        return projects.c.recorded_at <= self.known_at_naive_utc

    def describe(self) -> str:
        parts = []
        if self.as_of is not None:
            parts.append(f"截至 {self.as_of} 日终")
        if self.known_at is not None:
            from ledger.calendar import local_text

            parts.append(f"按 {local_text(self.known_at)} 时已记录的事件")
        return "，".join(parts)
