"""Assessments: recorded 得分 overrides and 绩效目标 per project-year (latest wins)."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, DateTime, Integer, MetaData, String, Table

from projections.folds.assessments import CURVES, NAME, SCORES, TARGETS, VERSION, fold_sql, rows

__all__ = ["NAME", "TABLES", "VERSION", "curves", "fold_sql", "metadata", "rows", "scores", "targets"]

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
