"""The read models' folds as SQL, importable without SQLAlchemy.

Each module here holds what a write command needs to bring its model up to date on
the raw database connection (``projections.quick``): the model's name and version,
its tables' names, columns and indexes, and ``fold_sql``. The SQLAlchemy tables that
reports query are declared beside the Python folds (``projections.movements`` …) from
the same names; a test holds the two descriptions equal.
"""

from __future__ import annotations

import types


def position_key(model: types.ModuleType) -> str:
    """A model's row in rm_positions: a new VERSION of a model starts again from zero."""
    return f"{model.NAME}.v{getattr(model, 'VERSION', 1)}"
