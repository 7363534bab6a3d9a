"""The directory, declared: units and project lines with their classification (the
report dimensions), their later amendments, and the codes clerks admitted."""

from __future__ import annotations

from functools import cache
from typing import Any

from projections.sqlfold import (
    Dialect,
    Row,
    Shape,
    Statement,
    compile_rows,
    const,
    number,
    originator,
    position,
    recorded_at,
    text,
)

NAME = "directory"
VERSION = 2  # 2: the codes clerks admitted (rm_codes), amended and closed lines (rm_project_changes)
UNITS = "rm_units"
UNIT_COLUMNS = ("unit", "name", "kind", "position")
PROJECTS = "rm_projects"
PROJECT_COLUMNS = (
    "project_id",
    "unit",
    "code",
    "name",
    "function",
    "category",
    "fund",
    "economic",
    "doc",
    "level",
    "position",
    "recorded_at",
)
CHANGES = "rm_project_changes"
CHANGE_COLUMNS = ("position", "project_id", "name", "function", "category", "closed", "recorded_at")
CODES = "rm_codes"
CODE_COLUMNS = ("position", "kind", "year", "code", "name")
INDEXES = ("ix_rm_projects_unit_code", "ix_rm_projects_code", "ix_rm_project_changes_project")


@cache
def rows() -> tuple[Row, ...]:
    # the topics, named as the event classes are (the aggregates are not imported)
    from projections.folds.topics import CodeBook, Project, Unit

    fields = ("unit", "code", "name", "function", "category", "fund", "economic", "doc", "level")
    change: dict[str, Any] = {
        "position": position,
        "project_id": originator,
        "name": text("name"),
        "function": text("function"),
        "category": text("category"),
        "recorded_at": recorded_at,
    }
    changes = Shape(CHANGES, CHANGE_COLUMNS)
    return (
        Row(
            Shape(UNITS, UNIT_COLUMNS),
            [Unit.Registered],
            {"unit": text("code"), "name": text("name"), "kind": text("kind"), "position": position},
        ),
        Row(
            Shape(PROJECTS, PROJECT_COLUMNS),
            [Project.Registered],
            {
                "project_id": originator,
                **{f: text(f) for f in fields},
                "position": position,
                "recorded_at": recorded_at,
            },
        ),
        Row(changes, [Project.Amended], {**change, "closed": const(0)}),
        Row(changes, [Project.Closed], {**change, "closed": const(1)}),
        Row(
            Shape(CODES, CODE_COLUMNS),
            [CodeBook.CodeAdded],
            {
                "position": position,
                "kind": text("kind"),
                "year": number("year"),
                "code": text("code"),
                "name": text("name"),
            },
        ),
    )


def fold_sql(d: Dialect) -> list[Statement]:
    return compile_rows(d, rows())
