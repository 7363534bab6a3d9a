"""The directory as SQL: the rows of ``projections.directory``, folded in the database."""

from __future__ import annotations

from projections.sqlfold import Dialect, Statement, insert

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


def fold_sql(d: Dialect) -> list[Statement]:
    """The same rows as ``facts``, derived in the database from stored events."""
    # the event classes name the topics; imported here, not above, so that reading the
    # tables (reports) does not load the event library
    from ledger.domain.codebook import CodeBook
    from ledger.domain.project import Project
    from ledger.domain.unit import Unit

    t = d.text
    fields = ("unit", "code", "name", "function", "category", "fund", "economic", "doc", "level")
    return [
        insert(
            d,
            UNITS,
            UNIT_COLUMNS,
            {"unit": t("code"), "name": t("name"), "kind": t("kind"), "position": "e.position"},
            {},
            topics=[Unit.Registered],
        ),
        insert(
            d,
            PROJECTS,
            PROJECT_COLUMNS,
            {
                "project_id": d.hex_id(),
                **{f: t(f) for f in fields},
                "position": "e.position",
                "recorded_at": d.recorded_at(),
            },
            {},
            topics=[Project.Registered],
        ),
        insert(
            d,
            CHANGES,
            CHANGE_COLUMNS,
            {
                "position": "e.position",
                "project_id": d.hex_id(),
                "name": t("name"),
                "function": t("function"),
                "category": t("category"),
                "closed": "0",
                "recorded_at": d.recorded_at(),
            },
            {},
            topics=[Project.Amended],
        ),
        insert(
            d,
            CHANGES,
            CHANGE_COLUMNS,
            {
                "position": "e.position",
                "project_id": d.hex_id(),
                "name": t("name"),
                "function": t("function"),
                "category": t("category"),
                "closed": "1",
                "recorded_at": d.recorded_at(),
            },
            {},
            topics=[Project.Closed],
        ),
        insert(
            d,
            CODES,
            CODE_COLUMNS,
            {
                "position": "e.position",
                "kind": t("kind"),
                "year": d.int("year"),
                "code": t("code"),
                "name": t("name"),
            },
            {},
            topics=[CodeBook.CodeAdded],
        ),
    ]
