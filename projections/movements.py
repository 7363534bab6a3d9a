"""Money movements (资金变动明细): the table reports sum, every event's effect on quota,
allocations and payments. Which event adds which row is declared once, in
``projections.folds.movements`` (``rows``), and folded in the database.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Date,
    DateTime,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    text,
)

from projections.folds.movements import NAME, TABLE, VERSION, fold_sql, rows

__all__ = [
    "NAME",
    "TABLES",
    "VERSION",
    "fold_sql",
    "metadata",
    "movements",
    "rows",
]

metadata = MetaData()

movements = Table(
    TABLE,
    metadata,
    Column("position", BigInteger, primary_key=True, autoincrement=False),
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("project_id", String(32), nullable=True),
    Column("unit", String(32), nullable=True),
    Column("year", Integer, nullable=False),
    Column("on", Date, nullable=False),
    Column("recorded_at", DateTime, nullable=False),
    Column("kind", String(20), nullable=False),
    Column("amount", BigInteger, nullable=False, default=0),
    Column("quota", BigInteger, nullable=False, default=0),
    Column("opening", BigInteger, nullable=False, default=0),
    Column("allocated", BigInteger, nullable=False, default=0),
    Column("pending", BigInteger, nullable=False, default=0),
    Column("paid", BigInteger, nullable=False, default=0),
    Column("income", BigInteger, nullable=False, default=0),
    Column("payment", Integer, nullable=True),
    Column("payee", String(200), nullable=False, default=""),
    Column("economic", String(8), nullable=False, default=""),
    Column("function", String(8), nullable=False, default=""),
    Column("fund", String(20), nullable=False, default=""),
    Column("detail", String(20), nullable=False, default=""),
    Column("doc", String(200), nullable=False, default=""),
    Column("reason", String(400), nullable=False, default=""),
    Index("ix_rm_movements_project", "project_id", "year", "on"),
    # on SQLite only the unit's own rows (income, balances) enter this index
    Index("ix_rm_movements_unit", "unit", "year", "on", sqlite_where=text("unit IS NOT NULL")),
)

TABLES = [movements]
