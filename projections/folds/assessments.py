"""Assessments, declared: recorded 得分 overrides, 绩效目标 and 序时进度 curves per
project- or unit-year (the latest recorded wins when reports read them)."""

from __future__ import annotations

from functools import cache
from typing import Any

from projections.sqlfold import (
    Dialect,
    Row,
    Shape,
    Statement,
    compile_rows,
    number,
    originator,
    position,
    recorded_at,
    text,
)

NAME = "assessments"
VERSION = 2  # 2: the 序时进度 curves
SCORES = "rm_scores"
SCORES_COLUMNS = ("position", "project_id", "year", "score", "reason", "recorded_at")
TARGETS = "rm_targets"
TARGETS_COLUMNS = (
    "position",
    "project_id",
    "year",
    "indicator",
    "operator",
    "value",
    "unit",
    "direction",
    "recorded_at",
)
CURVES = "rm_curves"
CURVES_COLUMNS = ("position", "unit", "year", "points", "recorded_at")
INDEXES = ("ix_rm_scores_project_id", "ix_rm_targets_project_id", "ix_rm_curves_unit")


def _points(d: Dialect) -> str:
    """A curve's twelve percentages, comma-separated in month order."""
    if d.sqlite:
        return "(SELECT group_concat(p.value, ',') FROM (SELECT value FROM json_each(e.s, '$.points') ORDER BY key) AS p)"
    return (
        "(SELECT string_agg(p.value, ',' ORDER BY p.n) "
        "FROM jsonb_array_elements_text(e.s -> 'points') WITH ORDINALITY AS p(value, n))"
    )


@cache
def rows() -> tuple[Row, ...]:
    # the topics, named as the event classes are (the aggregates are not imported)
    from projections.folds.topics import Project, Unit

    event: dict[str, Any] = {"position": position, "recorded_at": recorded_at, "year": number("year")}
    target = ("indicator", "operator", "value", "unit", "direction")
    return (
        Row(
            Shape(CURVES, CURVES_COLUMNS), [Unit.CurveSet], {**event, "unit": text("unit"), "points": _points}
        ),
        Row(
            Shape(SCORES, SCORES_COLUMNS),
            [Project.ScoreSet],
            {**event, "project_id": originator, "score": number("score"), "reason": text("reason")},
        ),
        Row(
            Shape(TARGETS, TARGETS_COLUMNS),
            [Project.TargetSet],
            {**event, "project_id": originator, **{f: text(f) for f in target}},
        ),
    )


def fold_sql(d: Dialect) -> list[Statement]:
    return compile_rows(d, rows())
