"""Assessments: recorded 得分 overrides and 绩效目标 per project-year (latest wins)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, Column, DateTime, Integer, MetaData, String, Table

from projections.folds.assessments import CURVES, NAME, SCORES, TARGETS, VERSION, fold_sql
from projections.movements import recorded

__all__ = ["NAME", "TABLES", "VERSION", "curves", "facts", "fold_sql", "metadata", "scores", "targets"]

metadata = MetaData()

scores = Table(
    SCORES,
    metadata,
    Column("position", BigInteger, primary_key=True, autoincrement=False),
    Column("project_id", String(32), nullable=False, index=True),
    Column("year", Integer, nullable=False),
    Column("score", Integer, nullable=False),
    Column("reason", String(400), nullable=False),
    Column("recorded_at", DateTime, nullable=False),
)

targets = Table(
    TARGETS,
    metadata,
    Column("position", BigInteger, primary_key=True, autoincrement=False),
    Column("project_id", String(32), nullable=False, index=True),
    Column("year", Integer, nullable=False),
    Column("indicator", String(200), nullable=False),
    Column("operator", String(4), nullable=False),
    Column("value", String(40), nullable=False),
    Column("unit", String(20), nullable=False),
    Column("direction", String(4), nullable=False),
    Column("recorded_at", DateTime, nullable=False),
)

curves = Table(
    CURVES,
    metadata,
    Column("position", BigInteger, primary_key=True, autoincrement=False),
    Column("unit", String(32), nullable=False, index=True),
    Column("year", Integer, nullable=False),
    Column("points", String(200), nullable=False),  # 12 comma-separated percentages
    Column("recorded_at", DateTime, nullable=False),
)

TABLES = [scores, targets, curves]


def facts(event: Any, position: int) -> list[tuple[Table, dict[str, Any]]]:
    # imported here, not above: reports read these tables without loading the event library
    from ledger.domain.project import Project
    from ledger.domain.unit import Unit

    if isinstance(event, Unit.CurveSet):
        return [
            (
                curves,
                {
                    "position": position,
                    "unit": event.unit,
                    "year": event.year,
                    "points": ",".join(event.points),
                    "recorded_at": recorded(event),
                },
            )
        ]
    if isinstance(event, Project.ScoreSet):
        return [
            (
                scores,
                {
                    "position": position,
                    "project_id": event.originator_id.hex,
                    "year": event.year,
                    "score": event.score,
                    "reason": event.reason,
                    "recorded_at": recorded(event),
                },
            )
        ]
    if isinstance(event, Project.TargetSet):
        return [
            (
                targets,
                {
                    "position": position,
                    "project_id": event.originator_id.hex,
                    "year": event.year,
                    "indicator": event.indicator,
                    "operator": event.operator,
                    "value": event.value,
                    "unit": event.unit,
                    "direction": event.direction,
                    "recorded_at": recorded(event),
                },
            )
        ]
    return []
