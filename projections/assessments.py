"""Assessments: recorded 得分 overrides and 绩效目标 per project-year (latest wins)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, Column, DateTime, Integer, MetaData, String, Table

from ledger.domain.project import Project
from ledger.domain.unit import Unit
from projections.movements import recorded
from projections.sqlfold import Dialect, Statement, insert

NAME = "assessments"
VERSION = 2  # 2: the 序时进度 curves
metadata = MetaData()

scores = Table(
    "rm_scores",
    metadata,
    Column("position", BigInteger, primary_key=True, autoincrement=False),
    Column("project_id", String(32), nullable=False, index=True),
    Column("year", Integer, nullable=False),
    Column("score", Integer, nullable=False),
    Column("reason", String(400), nullable=False),
    Column("recorded_at", DateTime, nullable=False),
)

targets = Table(
    "rm_targets",
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
    "rm_curves",
    metadata,
    Column("position", BigInteger, primary_key=True, autoincrement=False),
    Column("unit", String(32), nullable=False, index=True),
    Column("year", Integer, nullable=False),
    Column("points", String(200), nullable=False),  # 12 comma-separated percentages
    Column("recorded_at", DateTime, nullable=False),
)

TABLES = [scores, targets, curves]


def facts(event: Any, position: int) -> list[tuple[Table, dict[str, Any]]]:
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


def fold_sql(d: Dialect) -> list[Statement]:
    """The same rows as ``facts``, derived in the database from stored events."""
    t, i = d.text, d.int
    event = {"position": "e.position", "recorded_at": d.recorded_at(), "year": i("year")}
    if d.sqlite:
        points = "(SELECT group_concat(p.value, ',') FROM (SELECT value FROM json_each(e.s, '$.points') ORDER BY key) AS p)"
    else:
        points = (
            "(SELECT string_agg(p.value, ',' ORDER BY p.n) "
            "FROM jsonb_array_elements_text(e.s -> 'points') WITH ORDINALITY AS p(value, n))"
        )
    return [
        insert(
            d,
            curves.name,
            [c.name for c in curves.columns],
            {**event, "unit": t("unit"), "points": points},
            {},
            topics=[Unit.CurveSet],
        ),
        insert(
            d,
            scores.name,
            [c.name for c in scores.columns],
            {**event, "project_id": d.hex_id(), "score": i("score"), "reason": t("reason")},
            {},
            topics=[Project.ScoreSet],
        ),
        insert(
            d,
            targets.name,
            [c.name for c in targets.columns],
            {
                **event,
                "project_id": d.hex_id(),
                **{f: t(f) for f in ("indicator", "operator", "value", "unit", "direction")},
            },
            {},
            topics=[Project.TargetSet],
        ),
    ]
