"""Turns a database URL into the event-store settings and the read-model engine URL.

Two deployments, one program:

- embedded (default): one SQLite file, ``./ledger.db``; given as a path or as
  ``sqlite:///path``;
- shared: a PostgreSQL server, ``postgresql://user[:password]@host[:port]/db``,
  with ``?schema=NAME`` to keep several ledgers in one database (default ``ledger``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from ledger.errors import MalformedInput, StoreNotReady

DEFAULT_URL = "ledger.db"


@dataclass(frozen=True)
class Store:
    """Where a ledger lives."""

    kind: str  # "sqlite" or "postgres"
    path: Path | None = None
    host: str = ""
    port: int = 5432
    user: str = ""
    password: str = ""
    dbname: str = ""
    schema: str = "ledger"

    @property
    def is_sqlite(self) -> bool:
        return self.kind == "sqlite"

    def describe(self) -> str:
        if self.path is not None:
            return f"SQLite 文件 {self.path}"
        return f"PostgreSQL {self.user}@{self.host}:{self.port}/{self.dbname}（schema {self.schema}）"

    def exists(self) -> bool:
        return self.path.exists() if self.path is not None else True

    def event_store_env(self, *, create_tables: bool) -> dict[str, str]:
        """Settings for ``eventsourcing``'s plain sqlite / postgres persistence."""
        env = {"CREATE_TABLE": "y" if create_tables else "n"}
        if self.path is not None:
            env.update(
                PERSISTENCE_MODULE="eventsourcing.sqlite",
                SQLITE_DBNAME=str(self.path),
                SQLITE_LOCK_TIMEOUT="60",
            )
        else:
            env.update(
                PERSISTENCE_MODULE="eventsourcing.postgres",
                POSTGRES_DBNAME=self.dbname,
                POSTGRES_HOST=self.host,
                POSTGRES_PORT=str(self.port),
                POSTGRES_USER=self.user,
                POSTGRES_PASSWORD=self.password,
                POSTGRES_SCHEMA=self.schema,
                POSTGRES_POOL_SIZE="2",
                POSTGRES_MAX_OVERFLOW="2",
                POSTGRES_LOCK_TIMEOUT="30",
            )
        return env

    def sqlalchemy_url(self) -> str:
        if self.path is not None:
            return f"sqlite:///{self.path}"
        auth = self.user + (f":{self.password}" if self.password else "")
        return f"postgresql+psycopg://{auth}@{self.host}:{self.port}/{self.dbname}"

    def require_ready(self) -> None:
        if not self.exists():
            raise StoreNotReady(
                f"账簿不存在：{self.describe()}。请先运行 `ledger init` 创建，或用 --db 指定已有的账簿。"
            )


def parse_url(url: str | None) -> Store:
    """Read ``--db`` / ``LEDGER_DB``: a SQLite path or URL, or a PostgreSQL URL."""
    text = (url or os.environ.get("LEDGER_DB") or DEFAULT_URL).strip()
    if not text:
        text = DEFAULT_URL
    if text.startswith(("postgresql://", "postgres://", "postgresql+psycopg://")):
        parts = urlsplit(text)
        query = parse_qs(parts.query)
        schema = query.get("schema", ["ledger"])[0]
        if not schema.isidentifier() or not schema.isascii():
            raise MalformedInput(f"schema 名“{schema}”不合法：只能用字母、数字和下划线")
        dbname = parts.path.lstrip("/")
        if not dbname:
            raise MalformedInput("PostgreSQL 地址缺少数据库名：应为 postgresql://用户@主机[:端口]/数据库")
        return Store(
            kind="postgres",
            host=parts.hostname or "localhost",
            port=parts.port or 5432,
            user=unquote(parts.username or os.environ.get("PGUSER", "") or _os_user()),
            password=unquote(parts.password or os.environ.get("PGPASSWORD", "")),
            dbname=unquote(dbname),
            schema=schema,
        )
    if text.startswith("sqlite:///"):
        text = text[len("sqlite:///") :]
    elif "://" in text:
        raise MalformedInput(
            f"不支持的数据库地址“{text[:60]}”：请用 SQLite 文件路径（如 ledger.db）"
            "或 postgresql://用户@主机/数据库"
        )
    return Store(kind="sqlite", path=Path(text).expanduser().resolve())


def _os_user() -> str:
    import getpass

    return getpass.getuser()
