"""Turns a database URL into the event-store settings and the read-model engine URL.

Two deployments, one program:

- embedded (default): one SQLite file, ``./ledger.db``; given as a path or as
  ``sqlite:///path``;
- shared: a PostgreSQL server, ``postgresql://user[:password]@host[:port]/db``,
  with ``?schema=NAME`` to keep several ledgers in one database (default ``ledger``).
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import stat
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from ledger.errors import LedgerError, MalformedInput, PermissionRefused, StoreNotReady, StoreUnavailable
from ledger.formats import FORMAT_TAG, SQLITE_HEADER, STORE_FORMAT
from ledger.settings import LOCK_TIMEOUT
from ledger.values import Value

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

#: the event fields kept as stored generated columns: JSON path in the state → column.
#: The hot fields of the folds (``projections.sqlfold``): the recording time and the
#: business date (``{"_type_": …, "_data_": …}``) and the facts of a payment.
EVENT_COLUMNS: dict[str, str] = {
    "timestamp._data_": "f_timestamp",
    "on._data_": "f_on",
    "amount": "f_amount",
    "number": "f_number",
    "payee": "f_payee",
    "economic": "f_economic",
    "key": "f_key",
    "year": "f_year",
    "kind": "f_kind",
    "doc": "f_doc",
    "voucher": "f_voucher",
}
#: the library's own columns, in its order
BASE_COLUMNS = "originator_id, originator_version, topic, state"


def create_events_table(name: str) -> str:
    """The event table: the library's columns and primary key (rowid = notification id),
    then the generated columns, each exactly what ``json_extract`` of the state gives
    (no declared type, so no affinity changes a value)."""
    generated = "".join(
        f"{column} AS (json_extract(CAST(state AS TEXT), '$.{path}')) STORED, "
        for path, column in EVENT_COLUMNS.items()
    )
    return (
        f"CREATE TABLE IF NOT EXISTS {name} (originator_id TEXT, originator_version INTEGER, "
        f"topic TEXT, state BLOB, {generated}PRIMARY KEY (originator_id, originator_version))"
    )


def stored_fields(columns: Iterable[str]) -> frozenset[str]:
    """The JSON paths an event table with these columns keeps as columns (none on a
    store not yet upgraded by ``ledger init``)."""
    present = set(columns)
    return frozenset(path for path, column in EVENT_COLUMNS.items() if column in present)


DEFAULT_URL = "ledger.db"


class Store(Value):
    """Where a ledger lives."""

    __slots__ = ("kind", "path", "host", "port", "user", "password", "dbname", "schema")  # noqa: RUF023 (the fields' order)
    kind: str  # "sqlite" or "postgres"
    path: Path | None
    host: str
    port: int
    user: str
    password: str
    dbname: str
    schema: str

    def __init__(
        self,
        kind: str,
        path: Path | None = None,
        host: str = "",
        port: int = 5432,
        user: str = "",
        password: str = "",
        dbname: str = "",
        schema: str = "ledger",
    ) -> None:
        self._set(
            kind=kind, path=path, host=host, port=port, user=user, password=password, dbname=dbname, schema=schema
        )

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
            found = row is not None and row[0] is not None
            if found:
                check_format(self, self._pg_format(conn))
        return found

    def _sqlite_has_events(self, path: Path) -> bool:
        if not path.exists():
            return False
        check_sqlite_file(path)
        if path.stat().st_size == 0:
            return False  # an empty file is no ledger yet (``init`` makes it one)
        # read only, through a URI: opening the file must never create or change it
        conn = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True, timeout=LOCK_TIMEOUT.read())
        try:
            found = conn.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (self.events_table,)
            ).fetchone()
            (version,) = conn.execute("PRAGMA user_version").fetchone()
        except sqlite3.DatabaseError as e:
            raise store_fault(e, self) or MalformedInput(
                f"{self.describe()} 不是 SQLite 数据库，不是 ledger 账簿；"
                "请用 --db 指定账簿文件（如 ledger.db），或用一个新文件名运行 `ledger init`。"
            ) from None
        finally:
            conn.close()
        check_format(self, int(version))
        return found is not None

    def record_format(self) -> None:
        """Write the store's format number, so an older program knows to stay out."""
        if self.path is not None:
            with contextlib.closing(sqlite3.connect(self.path, timeout=LOCK_TIMEOUT.read())) as conn:
                (version,) = conn.execute("PRAGMA user_version").fetchone()
                check_format(self, int(version))
                conn.execute(f"PRAGMA user_version = {STORE_FORMAT}")
            return
        with self.connect() as conn:
            check_format(self, self._pg_format(conn))
            conn.execute(
                f"COMMENT ON TABLE \"{self.schema}\".{self.events_table} IS '{FORMAT_TAG}{STORE_FORMAT}'"
            )

    def _pg_format(self, conn: Any) -> int:
        row = conn.execute(
            "SELECT obj_description(to_regclass(%s), 'pg_class')", (f'"{self.schema}".{self.events_table}',)
        ).fetchone()
        comment = (row[0] if row else None) or ""
        number = comment.removeprefix(FORMAT_TAG)
        if comment.startswith(FORMAT_TAG) and number.isdigit() and len(number) < 6:
            return int(number)
        return 0

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
                SQLITE_LOCK_TIMEOUT=str(LOCK_TIMEOUT.read()),
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
                # a clerk holding the table lock stops the others this long at most (LEDGER_LOCK_TIMEOUT)
                POSTGRES_LOCK_TIMEOUT=str(LOCK_TIMEOUT.read()),
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

    def require_owner(self, action: str) -> None:
        """PostgreSQL: only the ledger's owner (or a superuser) creates, grants, rebuilds, restores.

        Checked before the command does anything, so a clerk or a reporter who runs an
        administrator's command is told so in Chinese, not by a half-done psycopg error.
        """
        if self.path is not None:
            return
        with self.connect() as conn:
            row = conn.execute(
                """
                SELECT session_user::text,
                       (SELECT rolsuper FROM pg_roles WHERE rolname = session_user),
                       (SELECT tableowner::text FROM pg_tables WHERE schemaname = %s AND tablename = %s),
                       (SELECT nspowner::regrole::text FROM pg_namespace WHERE nspname = %s)
                """,
                (self.schema, self.events_table, self.schema),
            ).fetchone()
            me, superuser, table_owner, schema_owner = row
            owner = table_owner or schema_owner
            if superuser or owner is None or owner == me:
                return
            (member,) = conn.execute("SELECT pg_has_role(session_user, %s, 'MEMBER')", (owner,)).fetchone()
        if member:
            return
        raise PermissionRefused(
            f"角色 {me} 不是账簿 {self.describe()} 的所有者（所有者为 {owner}），不能{action}："
            f"请以所有者角色（如 postgresql://{owner}@{self.host}/{self.dbname}?schema={self.schema}）运行此命令。"
            "没有做任何改动。"
        )

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


def check_sqlite_file(path: Path) -> None:
    """Refuse, before SQLite opens it, a path that cannot be a ledger file.

    SQLite opening a FIFO waits for ever for a writer; a device or a directory is no
    database. A file that is not empty must begin with SQLite's header.
    """
    try:
        mode = path.stat().st_mode
    except OSError as e:
        raise StoreUnavailable(f"无法读取账簿文件 {path}：{e.strerror}。请检查路径和文件权限。") from None
    if stat.S_ISDIR(mode):
        raise MalformedInput(f"--db 指向的是目录 {path}：请给出账簿文件的路径，如 ledger.db")
    if not stat.S_ISREG(mode):
        raise MalformedInput(
            f"--db 指向的 {path} 不是普通文件（{_file_kind(mode)}）：请给出账簿文件的路径，如 ledger.db"
        )
    try:
        with path.open("rb") as f:
            head = f.read(len(SQLITE_HEADER))
    except OSError as e:
        raise StoreUnavailable(f"无法读取账簿文件 {path}：{e.strerror}。请检查文件权限。") from None
    if head and head != SQLITE_HEADER:
        raise MalformedInput(
            f"SQLite 文件 {path} 不是 SQLite 数据库，不是 ledger 账簿；"
            "请用 --db 指定账簿文件（如 ledger.db），或用一个新文件名运行 `ledger init`。"
        )


def _file_kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "命名管道 FIFO"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "设备文件"
    if stat.S_ISSOCK(mode):
        return "套接字"
    return "特殊文件"


def check_format(store: Store, version: int) -> None:
    """Refuse a store recorded by a newer program (its layout is not this one's)."""
    if version > STORE_FORMAT:
        raise StoreUnavailable(
            f"{store.describe()} 由较新版本的 ledger 创建（账簿格式 {version}，本程序只认识到 {STORE_FORMAT}）："
            "请升级 ledger 后再使用此账簿；没有读写任何内容。"
        )


#: what SQLite says, and what the clerk is told (the store's place is added)
SQLITE_FAULTS: tuple[tuple[str, str], ...] = (
    (
        "database is locked",
        "正被另一个程序写入，等待 {timeout} 秒后仍未释放（database is locked）。"
        "请等对方完成后重试；如需等待更久，设置 LEDGER_LOCK_TIMEOUT（秒）。",
    ),
    ("database table is locked", "正被另一个程序写入（database table is locked）。请稍后重试。"),
    (
        "readonly database",
        "是只读的，无法写入（attempt to write a readonly database）。"
        "请检查文件及其所在目录的写权限，或改用只读的查询命令。",
    ),
    (
        "file is not a database",
        "不是 SQLite 数据库，不是 ledger 账簿（file is not a database）。请用 --db 指定正确的账簿文件。",
    ),
    (
        "malformed",
        "已损坏（database disk image is malformed）：文件可能被截断或改写。"
        "请用备份恢复（ledger restore），不要继续写入此文件。",
    ),
    ("disk i/o error", "读写时发生磁盘错误（disk I/O error）。请检查磁盘空间和文件是否完整，然后重试。"),
    ("database or disk is full", "所在磁盘已满（database or disk is full）。请清理磁盘空间后重试。"),
    ("unable to open database", "无法打开（unable to open database file）。请检查路径和目录权限。"),
    (
        "no such table",
        "缺少 ledger 的数据表（{detail}）：它不是完整的账簿。请运行 `ledger init`，或用 --db 指定正确的账簿。",
    ),
)


def _causes(error: BaseException) -> list[BaseException]:
    """The error and everything it wraps (SQLAlchemy's ``orig``, the event library's causes)."""
    seen: list[BaseException] = []
    todo: list[BaseException | None] = [error]
    while todo:
        e = todo.pop()
        if e is None or any(e is s for s in seen) or len(seen) > 20:
            continue
        seen.append(e)
        orig = getattr(e, "orig", None)
        todo += [e.__cause__, e.__context__, orig if isinstance(orig, BaseException) else None]
    return seen


def store_fault(error: BaseException, store: Store | None) -> LedgerError | None:
    """The Chinese refusal for a database error, naming the store; None if it is not one.

    One place for every way a store can fail under a command: locked, read-only, not a
    database, damaged, a full disk; on PostgreSQL a missing privilege or a lost server.
    """
    where = store.describe() if store is not None else "账簿"
    for e in _causes(error):
        if isinstance(e, sqlite3.Error):
            text = str(e).strip()
            for needle, told in SQLITE_FAULTS:
                if needle in text.lower():
                    message = told.format(timeout=LOCK_TIMEOUT.read(), detail=text[:80])
                    # a file that is no database was named wrongly: malformed input, as
                    # when its header is checked before it is opened
                    kind = MalformedInput if needle == "file is not a database" else StoreUnavailable
                    return kind(f"{where} {message}")
            return StoreUnavailable(f"{where} 无法读写：{text[:200]}。请检查账簿文件，或从备份恢复。")
    pg = _psycopg_fault(error, where)
    return pg


def _psycopg_fault(error: BaseException, where: str) -> LedgerError | None:
    import sys

    if "psycopg" not in sys.modules:
        return None
    import psycopg

    for e in _causes(error):
        if isinstance(e, psycopg.errors.LockNotAvailable | psycopg.errors.QueryCanceled):
            return StoreUnavailable(
                f"{where} 正被另一个程序写入，等待 {LOCK_TIMEOUT.read()} 秒后仍未释放（{type(e).__name__}）。"
                "请等对方完成后重试；如需等待更久，设置 LEDGER_LOCK_TIMEOUT（秒）。"
            )
        if isinstance(e, psycopg.errors.InsufficientPrivilege):
            detail = str(e).strip().splitlines()[0][:200] if str(e).strip() else "permission denied"
            return PermissionRefused(
                f"当前数据库角色无权执行此操作（{detail}）：{where}。"
                "记录须由 clerk 角色、建库和授权须由账簿所有者执行；请用有权限的角色连接。"
            )
        if isinstance(e, psycopg.OperationalError):
            detail = str(e).strip().splitlines()[0][:200] if str(e).strip() else type(e).__name__
            return StoreUnavailable(f"与 {where} 的连接失败（{detail}）。请检查数据库服务器后重试。")
        if isinstance(e, psycopg.errors.UndefinedTable):
            return StoreNotReady(
                f"{where} 缺少 ledger 的数据表：请先运行 `ledger init`，或用 --db 指定已有的账簿。"
            )
    return None
