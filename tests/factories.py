"""Hand-built aggregates for unit tests: one place that knows how to register a line."""

from __future__ import annotations

import datetime as dt

from ledger.domain.kinds import Category, Fund
from ledger.domain.project import Project


def project_line(
    *,
    unit: str = "153001",
    code: str = "P1",
    function: str = "2150805",
    category: Category = Category.SPECIFIC,
    fund: Fund = Fund.GENERAL,
    actor: str = "clerk",
) -> Project:
    """A registered 特定目标类 line of unit 153001, with no money yet."""
    return Project.register(
        unit=unit,
        code=code,
        name="项目",
        function=function,
        category=category,
        fund=fund,
        economic="31299",
        doc="文",
        level="市级",
        closed_through=None,
        on=dt.date(2024, 1, 1),
        actor=actor,
    )
