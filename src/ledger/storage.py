"""Turns a database URL into the event-store settings and the read-model engine URL.

Two deployments, one program:

- embedded (default): one SQLite file, ``./ledger.db``; given as a path or as
  ``sqlite:///path``;
- shared: a PostgreSQL server, ``postgresql://user[:password]@host[:port]/db``,
  with ``?schema=NAME`` to keep several ledgers in one database (default ``ledger``).
"""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from ledger.errors import MalformedInput, StoreNotReady

GUARD_FUNCTION = """
CREATE OR REPLACE FUNCTION "{schema}".ledger_events_guard() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog AS $$
DECLARE
  owner name;
  claimed text;
  st jsonb;
  wanted text[];
BEGIN
  SELECT tableowner INTO owner FROM pg_tables
   WHERE schemaname = TG_TABLE_SCHEMA AND tablename = TG_TABLE_NAME;
  IF TG_OP = 'INSERT' THEN
    SELECT fields INTO wanted FROM "{schema}".ledger_event_kinds WHERE topic = NEW.topic;
    IF NOT FOUND THEN
      RAISE EXCEPTION '事件类型“%”不是本程序记录的事件，拒绝记录', left(NEW.topic, 80)
        USING ERRCODE = 'invalid_parameter_value';
    END IF;
    BEGIN
      st := convert_from(NEW.state, 'UTF8')::jsonb;
    EXCEPTION WHEN others THEN
      RAISE EXCEPTION '事件 % 的内容不是有效的 JSON，拒绝记录', NEW.topic USING ERRCODE = 'invalid_parameter_value';
    END;
    IF jsonb_typeof(st) <> 'object' OR NOT (st ?& wanted)
       OR EXISTS (SELECT 1 FROM jsonb_object_keys(st) AS k WHERE k <> ALL (wanted) AND k <> 'class_version') THEN
      RAISE EXCEPTION '事件 % 的字段不符：应为 %，拒绝记录', NEW.topic, array_to_string(wanted, '、')
        USING ERRCODE = 'invalid_parameter_value';
    END IF;
    claimed := st ->> 'actor';
    IF 'actor' = ANY (wanted) AND (claimed IS NULL OR claimed <> session_user::text)
       AND session_user::text <> owner::text THEN
      RAISE EXCEPTION '记录人必须是登录角色 %（事件声称 %）', session_user, coalesce(claimed, '（无）')
        USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
  END IF;
  IF session_user::text <> owner::text THEN
    RAISE EXCEPTION '已记录的事件不可修改或删除（角色 % 无权 %）', session_user, TG_OP
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF TG_OP = 'DELETE' THEN
    RETURN OLD;
  END IF;
  RETURN NEW;
END
$$;
"""

#: once per INSERT statement: events are appended under the table lock the event store
#: takes, so that the chain's links follow commit order
LOCKED_FUNCTION = """
CREATE OR REPLACE FUNCTION "{schema}".ledger_events_locked() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog AS $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'relation' AND relation = TG_RELID
                  AND pid = pg_backend_pid() AND mode = 'ExclusiveLock' AND granted) THEN
    RAISE EXCEPTION '记录事件须在锁定事件表的事务中进行（本程序的记录方式），拒绝记录'
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN NULL;
END
$$;
"""

#: seals each inserted event's chain link (``ledger.chain.link``, in SQL) in the inserting
#: transaction, with the owner's rights: no other role can write the chain at all
SEAL_FUNCTION = """
CREATE OR REPLACE FUNCTION "{schema}".ledger_chain_seal() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog AS $$
DECLARE
  prev text;
  o bytea := convert_to(replace(NEW.originator_id::text, '-', ''), 'UTF8');
  v bytea := convert_to(NEW.originator_version::text, 'UTF8');
  t bytea := convert_to(NEW.topic, 'UTF8');
BEGIN
  SELECT hash INTO prev FROM "{schema}".ledger_chain ORDER BY position DESC LIMIT 1;
  INSERT INTO "{schema}".ledger_chain (position, originator_id, version, hash) VALUES (
    NEW.notification_id, NEW.originator_id::text, NEW.originator_version,
    encode(sha256(decode(coalesce(prev, repeat('0', 64)), 'hex')
      || int8send(length(o)::bigint) || o || int8send(length(v)::bigint) || v
      || int8send(length(t)::bigint) || t || int8send(length(NEW.state)::bigint) || NEW.state), 'hex'));
  RETURN NULL;
END
$$;
"""

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

    @property
    def events_table(self) -> str:
        """The event table: the library names it per backend."""
        return "stored_events" if self.path is not None else "ledger_events"

    def describe(self) -> str:
        if self.path is not None:
            return f"SQLite 文件 {self.path}"
        return f"PostgreSQL {self.user}@{self.host}:{self.port}/{self.dbname}（schema {self.schema}）"

    def exists(self) -> bool:
        """Whether the ledger's event table is there (without creating anything).

        A file that is not a SQLite database (a spreadsheet given to ``--db``, say) is
        refused here, before the event store opens it and writes its own settings.
        """
        if self.path is not None:
            return self._sqlite_has_events(self.path)
        with self.connect() as conn:
            row = conn.execute("SELECT to_regclass(%s)", (f"{self.schema}.{self.events_table}",)).fetchone()
        return row is not None and row[0] is not None

    def _sqlite_has_events(self, path: Path) -> bool:
        if not path.exists():
            return False
        if path.is_dir():
            raise MalformedInput(f"--db 指向的是目录 {path}：请给出账簿文件的路径，如 ledger.db")
        conn = sqlite3.connect(path)  # reads only: nothing is written to the file
        try:
            found = conn.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (self.events_table,)
            ).fetchone()
        except sqlite3.DatabaseError:
            raise MalformedInput(
                f"{self.describe()} 不是 SQLite 数据库，不是 ledger 账簿；"
                "请用 --db 指定账簿文件（如 ledger.db），或用一个新文件名运行 `ledger init`。"
            ) from None
        finally:
            conn.close()
        return found is not None

    def connect(self) -> Any:
        """A plain psycopg connection to a PostgreSQL store (autocommit)."""
        import psycopg

        try:
            return psycopg.connect(
                host=self.host,
                port=self.port,
                user=self.user,
                password=self.password or None,
                dbname=self.dbname,
                autocommit=True,
                connect_timeout=10,
            )
        except psycopg.OperationalError as e:
            raise StoreNotReady(f"无法连接 {self.describe()}：{str(e).strip()}") from None

    def prepare(self) -> None:
        """Create what the event store needs before its tables: the PostgreSQL schema."""
        if self.path is not None:
            return
        with self.connect() as conn:
            conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{self.schema}"')

    def event_store_env(self, *, create_tables: bool) -> dict[str, str]:
        """Settings for ``eventsourcing``'s plain sqlite / postgres persistence."""
        env = {"CREATE_TABLE": "y" if create_tables else "n"}
        if self.path is not None:
            env.update(
                PERSISTENCE_MODULE="eventsourcing.sqlite",
                SQLITE_DBNAME=str(self.path),
                SQLITE_LOCK_TIMEOUT=lock_timeout(60),
                # the library's recorder, sealing the hash chain as it records (see ledger.sqliterecorder)
                APPLICATION_RECORDER_TOPIC="ledger.sqliterecorder:LedgerSQLiteRecorder",
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
                # a clerk holding the table lock stops the others this long at most (seconds)
                POSTGRES_LOCK_TIMEOUT=lock_timeout(),
                # the library's recorder, without pipeline mode (see ledger.pgrecorder)
                APPLICATION_RECORDER_TOPIC="ledger.pgrecorder:LedgerPostgresRecorder",
            )
        return env

    def sqlalchemy_url(self) -> str:
        if self.path is not None:
            return f"sqlite:///{self.path}"
        auth = self.user + (f":{self.password}" if self.password else "")
        return f"postgresql+psycopg://{auth}@{self.host}:{self.port}/{self.dbname}"

    def install_guards(self, kinds: dict[str, tuple[str, ...]]) -> None:
        """PostgreSQL: recorded events are append-only, well-formed, sealed, and each
        names its true author.

        A trigger refuses UPDATE and DELETE of recorded events by anyone but the table's
        owner, and refuses an INSERT whose topic is not one of ``kinds`` (topic → the
        fields of its state), whose state is not those fields, whose ``actor`` is absent
        or not the connected role, or that is made outside the table lock the event store
        takes. Another trigger, with the owner's rights, seals each inserted event's
        chain link in the inserting transaction.
        """
        if self.path is not None:
            return
        s = self.schema
        t = self.events_table
        with self.connect() as conn, conn.transaction():
            conn.execute(
                f'CREATE TABLE IF NOT EXISTS "{s}".ledger_event_kinds (topic text PRIMARY KEY, fields text[] NOT NULL)'
            )
            conn.execute(f'DELETE FROM "{s}".ledger_event_kinds')
            with conn.cursor() as cur:
                cur.executemany(
                    f'INSERT INTO "{s}".ledger_event_kinds (topic, fields) VALUES (%s, %s)',
                    [(topic, list(fields)) for topic, fields in sorted(kinds.items())],
                )
            conn.execute(GUARD_FUNCTION.replace("{schema}", s))
            conn.execute(SEAL_FUNCTION.replace("{schema}", s))
            conn.execute(LOCKED_FUNCTION.replace("{schema}", s))
            conn.execute(f'DROP TRIGGER IF EXISTS ledger_events_locked ON "{s}".{t}')
            conn.execute(
                f'CREATE TRIGGER ledger_events_locked BEFORE INSERT ON "{s}".{t} '
                f'FOR EACH STATEMENT EXECUTE FUNCTION "{s}".ledger_events_locked()'
            )
            conn.execute(f'DROP TRIGGER IF EXISTS ledger_events_guard ON "{s}".{t}')
            conn.execute(
                "CREATE TRIGGER ledger_events_guard BEFORE INSERT OR UPDATE OR DELETE "
                f'ON "{s}".{t} FOR EACH ROW EXECUTE FUNCTION "{s}".ledger_events_guard()'
            )
            conn.execute(f'DROP TRIGGER IF EXISTS ledger_chain_seal ON "{s}".{t}')
            conn.execute(
                f'CREATE TRIGGER ledger_chain_seal AFTER INSERT ON "{s}".{t} '
                f'FOR EACH ROW EXECUTE FUNCTION "{s}".ledger_chain_seal()'
            )

    def grant(self, role: str, as_: str, password: str | None) -> None:
        """Create (or update) a login role as a clerk (append and read) or a reporter (read)."""
        if self.path is not None:
            raise MalformedInput("SQLite 账簿没有数据库角色：权限由文件权限控制。此命令只用于 PostgreSQL。")
        if not role.isidentifier() or not role.isascii():
            raise MalformedInput(f"角色名“{role[:40]}”不合法：只能用字母、数字和下划线")
        s = self.schema
        from psycopg import sql

        with self.connect() as conn:
            exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone()
            verb = "ALTER" if exists else "CREATE"
            if password:
                conn.execute(
                    sql.SQL(f"{verb} ROLE {{}} LOGIN PASSWORD {{}}").format(
                        sql.Identifier(role), sql.Literal(password)
                    )
                )
            else:
                conn.execute(sql.SQL(f"{verb} ROLE {{}} LOGIN").format(sql.Identifier(role)))
            r = sql.Identifier(role)
            sch = sql.Identifier(s)
            statements = [
                "REVOKE ALL ON ALL TABLES IN SCHEMA {s} FROM {r}",
                "GRANT USAGE ON SCHEMA {s} TO {r}",
                "GRANT SELECT ON ALL TABLES IN SCHEMA {s} TO {r}",
            ]
            if as_ == "clerk":
                statements += [
                    # events: append only (UPDATE is granted because the store takes an
                    # EXCLUSIVE table lock to number events; the guard trigger refuses updates).
                    # The chain is written by the owner's trigger and the read models by the
                    # owner's catch-up function (projections.runner): no right to write them.
                    "GRANT INSERT, UPDATE ON {s}.{t} TO {r}",
                    "GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {s} TO {r}",
                ]
            for statement in statements:
                conn.execute(sql.SQL(statement).format(s=sch, r=r, t=sql.Identifier(self.events_table)))

    def require_ready(self) -> None:
        if not self.exists():
            raise StoreNotReady(
                f"账簿不存在：{self.describe()}。请先运行 `ledger init` 创建，或用 --db 指定已有的账簿。"
            )


def lock_timeout(default: int = 30) -> str:
    """Seconds a write waits for another's lock on the events (``LEDGER_LOCK_TIMEOUT``;
    by default 60 on SQLite, 30 on PostgreSQL)."""
    text = os.environ.get("LEDGER_LOCK_TIMEOUT", "").strip() or str(default)
    if not text.isascii() or not text.isdigit() or int(text) < 1:
        raise MalformedInput(f"环境变量 LEDGER_LOCK_TIMEOUT“{text[:20]}”不合法：应为正整数秒数，如 30")
    return str(int(text))


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
