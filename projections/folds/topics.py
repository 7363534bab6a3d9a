"""The aggregates whose events the folds read, as topic namespaces
(``projections.sqlfold.Topics``): ``Project.Registered`` here is the topic recorded for
``ledger.domain.project.Project.Registered``, without importing the aggregates."""

from __future__ import annotations

from projections.sqlfold import Topics

Unit = Topics("ledger.domain.unit", "Unit")
Project = Topics("ledger.domain.project", "Project")
CodeBook = Topics("ledger.domain.codebook", "CodeBook")
