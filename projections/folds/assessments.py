"""Assessments as SQL: the rows of ``projections.assessments``, folded in the database."""

from __future__ import annotations

from projections.sqlfold import Dialect, Statement, insert

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


def fold_sql(d: Dialect) -> list[Statement]:
    """The same rows as ``facts``, derived in the database from stored events."""
    # the event classes name the topics; imported here, not above, so that reading the
    # tables (reports) does not load the event library
    from ledger.domain.project import Project
    from ledger.domain.unit import Unit

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
            CURVES,
            CURVES_COLUMNS,
            {**event, "unit": t("unit"), "points": points},
            {},
            topics=[Unit.CurveSet],
        ),
        insert(
            d,
            SCORES,
            SCORES_COLUMNS,
            {**event, "project_id": d.hex_id(), "score": i("score"), "reason": t("reason")},
            {},
            topics=[Project.ScoreSet],
        ),
        insert(
            d,
            TARGETS,
            TARGETS_COLUMNS,
            {
                **event,
                "project_id": d.hex_id(),
                **{f: t(f) for f in ("indicator", "operator", "value", "unit", "direction")},
            },
            {},
            topics=[Project.TargetSet],
        ),
    ]
