"""Directory: the units and project lines with their classification (the report dimensions)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, Column, DateTime, Index, Integer, MetaData, String, Table, func, select

from projections.folds.directory import CHANGES, CODES, NAME, PROJECTS, UNITS, VERSION, fold_sql, rows

__all__ = [
    "NAME",
    "TABLES",
    "VERSION",
    "changes",
    "fold_sql",
    "local_codes",
    "metadata",
    "projects",
    "registered",
    "rows",
    "units",
]

metadata = MetaData()

units = Table(
    UNITS,
    metadata,
    Column("unit", String(32), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("position", BigInteger, nullable=False),
)

registered = Table(
    PROJECTS,
    metadata,
    Column("project_id", String(32), primary_key=True),
    Column("unit", String(32), nullable=False),
    Column("code", String(40), nullable=False),
    Column("name", String(200), nullable=False),
    Column("function", String(8), nullable=False),
    Column("category", String(10), nullable=False),
    Column("fund", String(20), nullable=False),
    Column("economic", String(8), nullable=False),
    Column("doc", String(200), nullable=False),
    Column("level", String(10), nullable=False),
    Column("position", BigInteger, nullable=False),
    Column("recorded_at", DateTime, nullable=False),
    Index("ix_rm_projects_unit_code", "unit", "code", unique=True),
    Index("ix_rm_projects_code", "code"),
)

local_codes = Table(
    CODES,
    metadata,
    Column("position", BigInteger, primary_key=True),
    Column("kind", String(20), nullable=False),
    Column("year", Integer, nullable=False),
    Column("code", String(8), nullable=False),
    Column("name", String(200), nullable=False),
)

changes = Table(
    CHANGES,
    metadata,
    Column("position", BigInteger, primary_key=True),
    Column("project_id", String(32), nullable=False),
    Column("name", String(200), nullable=False),
    Column("function", String(8), nullable=False),
    Column("category", String(10), nullable=False),
    Column("closed", Integer, nullable=False),
    Column("recorded_at", DateTime, nullable=False),
    Index("ix_rm_project_changes_project", "project_id", "position"),
)

TABLES = [units, registered, changes, local_codes]


def _latest(column: Any, default: Any) -> Any:
    """A line's value after its latest amendment (``project amend`` / ``project close``)."""
    latest = (
        select(column)
        .where(changes.c.project_id == registered.c.project_id)
        .order_by(changes.c.position.desc())
        .limit(1)
        .scalar_subquery()
    )
    return func.coalesce(latest, default)


#: the project lines as they stand: registered, with any later amendment or closing applied
projects = (
    select(
        registered.c.project_id,
        registered.c.unit,
        registered.c.code,
        _latest(changes.c.name, registered.c.name).label("name"),
        _latest(changes.c.function, registered.c.function).label("function"),
        _latest(changes.c.category, registered.c.category).label("category"),
        registered.c.fund,
        registered.c.economic,
        registered.c.doc,
        registered.c.level,
        registered.c.position,
        registered.c.recorded_at,
        _latest(changes.c.closed, 0).label("closed"),
    )
    .select_from(registered)
    .subquery("projects_now")
)
