"""Tamper evidence and backups: ``ledger verify``, ``ledger export``, ``ledger restore``.

The recorder seals each event's link in the transaction that records it (``ledger.chain``).
``verify`` reads the store without writing anything — no catch-up, a read-only
connection — recomputes the chain over the stored events and compares it with the
sealed links, checks that every project's versions run 1, 2, 3 … without a gap, and
that every read-model row equals a fresh fold of the log; it names the first bad event
and the rows that differ. It prints the head (``COUNT:HASH``); ``--expect HEAD`` checks
the log against a head noted earlier, which is what tells a truncated or re-chained log
from the true one (whoever holds the store can recompute every link).

``export`` writes the whole log as JSON Lines, deterministically (the same ledger
always gives the same bytes), each event with its chain link, and prints the head;
``restore`` reads such a file into an empty store after checking every link and
decoding every event into its class, so a tampered or malformed backup is refused.
"""

from __future__ import annotations

import functools
import json
import sqlite3
import types
import typing
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import MISSING, dataclass, fields, is_dataclass
from pathlib import Path
from typing import Any, BinaryIO

import click
from eventsourcing.persistence import Notification, StoredEvent
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import Connection

from ledger.application import Ledger
from ledger.chain import GENESIS, TABLE, Head, link
from ledger.cli import Session, pass_session
from ledger.cli.params import OUTPUT_FILE, force_option, write_output
from ledger.errors import LedgerError, MalformedInput
from ledger.eventkinds import fields_of, kinds
from ledger.progress import Progress, Tracked, track
from ledger.storage import Store
from projections import runner

FORMAT = "ledger-export"
FORMAT_VERSION = 1
#: differing rows named per read-model table
SHOWN = 5


@dataclass(frozen=True)
class Finding:
    kind: str  # 修改 / 删除 / 插入 / 顺序 / 版本缺失 / 链头 / 无法解读 / 读模型
    position: int | None
    message: str


@dataclass(frozen=True)
class Snapshot:
    """What the store holds, read in one read-only transaction."""

    log: list[Notification]
    sealed: list[tuple[int, str, int, str]]  # position, aggregate id, version, link
    models: dict[str, list[dict[str, Any]]]
    positions: dict[str, int]


def read_only_engine(store: Store) -> Engine:
    """A connection that cannot write: SQLite opened ``mode=ro``, PostgreSQL in a
    read-only transaction."""
    if store.path is not None:
        uri = store.path.as_uri() + "?mode=ro"
        engine = create_engine(
            "sqlite://", creator=lambda: sqlite3.connect(uri, uri=True, isolation_level=None)
        )

        @event.listens_for(engine, "begin")
        def _begin(conn: Connection) -> None:
            conn.exec_driver_sql("BEGIN")

        return engine
    engine = create_engine(
        store.sqlalchemy_url(), execution_options={"schema_translate_map": {None: store.schema}}
    )

    @event.listens_for(engine, "begin")
    def _begin_pg(conn: Connection) -> None:
        conn.exec_driver_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")

    return engine


def snapshot(store: Store, *, models: bool = True) -> Snapshot:
    engine = read_only_engine(store)
    try:
        with engine.begin() as conn:
            if store.path is not None:
                events = (
                    f"SELECT rowid, originator_id, originator_version, topic, state FROM {store.events_table}"
                )
                order = "rowid"
                chain_table = TABLE
            else:
                events = (
                    "SELECT notification_id, originator_id, originator_version, topic, state "
                    f'FROM "{store.schema}".{store.events_table}'
                )
                order = "notification_id"
                chain_table = f'"{store.schema}".{TABLE}'
            log = [
                Notification(
                    id=int(p),
                    originator_id=o if isinstance(o, uuid.UUID) else uuid.UUID(str(o)),
                    originator_version=int(v),
                    topic=str(t),
                    state=s.encode("utf-8") if isinstance(s, str) else bytes(s),  # an edit may store text
                )
                for p, o, v, t, s in conn.execute(text(f"{events} ORDER BY {order}"))
            ]
            sealed = [
                (int(p), str(o), int(v), str(h))
                for p, o, v, h in conn.execute(
                    text(
                        f"SELECT position, originator_id, version, hash FROM {chain_table} ORDER BY position"
                    )
                )
            ]
            positions = {
                str(n): int(p)
                for n, p in conn.execute(
                    runner.positions.select().with_only_columns(
                        runner.positions.c.name, runner.positions.c.position
                    )
                )
            }
            rows = runner.dump_on(conn) if models else {}
    finally:
        engine.dispose()
    return Snapshot(log, sealed, rows, positions)


def verify(app: Ledger, expect: Head | None = None) -> tuple[list[Finding], int, Head]:
    """Check chain, head, versions and read models without writing; returns (findings,
    events checked, the head of the chain recomputed from the stored events)."""
    snap = snapshot(app.store)
    findings = _chain_findings(snap)
    links = _links(snap.log)
    head = Head(len(links), links[-1] if links else GENESIS)
    if expect is not None:
        findings += _head_findings(links, expect)
    findings += _version_findings(snap.log)
    models = _model_findings(snap, app.mapper)
    findings += models
    if not any(f.kind == "无法解读" for f in models):
        findings += _rule_findings(snap.log, app.mapper)
    return findings, len(snap.log), head


def _links(log: Sequence[Notification]) -> list[str]:
    out: list[str] = []
    previous = GENESIS
    for n in log:
        previous = link(previous, n.originator_id, n.originator_version, n.topic, n.state)
        out.append(previous)
    return out


def _chain_findings(snap: Snapshot) -> list[Finding]:
    by_position = {n.id: n for n in snap.log}
    sealed = {p: (o, v, h) for p, o, v, h in snap.sealed}
    previous = GENESIS
    for position in sorted(set(by_position) | set(sealed)):
        n = by_position.get(position)
        seal = sealed.get(position)
        if n is None:
            assert seal is not None
            return [
                Finding(
                    "删除", position, f"第 {position} 个事件（{_what(seal[0], seal[1])}）已从事件日志中删除"
                )
            ]
        if seal is None:
            return [
                Finding(
                    "插入",
                    position,
                    f"第 {position} 个事件（{_what(str(n.originator_id), n.originator_version)}，"
                    f"{_event_name(n.topic)}）没有记录时写下的哈希链环节：它不是经本程序记录的，是事后插入的",
                )
            ]
        if (str(n.originator_id), n.originator_version) != (seal[0], seal[1]):
            return [
                Finding(
                    "顺序",
                    position,
                    f"第 {position} 个事件的位置被改动：原为 {_what(seal[0], seal[1])}，"
                    f"现为 {_what(str(n.originator_id), n.originator_version)}",
                )
            ]
        current = link(previous, n.originator_id, n.originator_version, n.topic, n.state)
        if current != seal[2]:
            return [
                Finding(
                    "修改",
                    position,
                    f"第 {position} 个事件（{_what(seal[0], seal[1])}，{_event_name(n.topic)}）的内容被修改",
                )
            ]
        previous = current
    return []


def _head_findings(links: Sequence[str], expect: Head) -> list[Finding]:
    """The log against a head noted earlier: it must hold at least that many events, and
    the link after that many must be the noted one."""
    if expect.count > len(links):
        return [
            Finding(
                "链头",
                len(links) or None,
                f"账簿只有 {len(links)} 个事件，少于记下的链头 {expect} 的 {expect.count} 个："
                "事件被删除（日志被截断）",
            )
        ]
    found = links[expect.count - 1] if expect.count else GENESIS
    if found != expect.link:
        return [
            Finding(
                "链头",
                expect.count or None,
                f"前 {expect.count} 个事件的链头为 {found}，与记下的 {expect.link} 不同："
                "这些事件中有被改动、删除或插入的，哈希链被重新计算过",
            )
        ]
    return []


def _version_findings(log: Sequence[Notification]) -> list[Finding]:
    versions: dict[str, list[int]] = {}
    for n in log:
        versions.setdefault(str(n.originator_id), []).append(n.originator_version)
    findings = []
    for originator, seen in versions.items():
        if sorted(seen) != list(range(1, len(seen) + 1)):
            missing = sorted(set(range(1, max(seen) + 1)) - set(seen))
            findings.append(
                Finding("版本缺失", None, f"聚合 {originator} 的事件版本不连续，缺少版本 {missing or seen}")
            )
    return findings


def _rule_findings(log: Sequence[Notification], mapper: Any) -> list[Finding]:
    """Each project line replayed event by event: the first event after which a money
    rule no longer holds is named — an event written past the program (a raw INSERT)
    is sealed like any other, but it cannot make the rules hold."""
    from ledger.domain.project import Project

    lines: dict[uuid.UUID | str, Any] = {}
    findings = []
    replay = sorted(log, key=lambda n: (n.originator_version, n.id))
    for n in track(replay, "校验（按规则重放）", unit="个事件"):
        if not n.topic.startswith(f"{Project.__module__}:Project."):
            continue
        if n.originator_id in lines and lines[n.originator_id] is None:
            continue  # already named
        try:
            project = mapper.to_domain_event(n).mutate(lines.get(n.originator_id))
            broken = project.invariant_violations() if project is not None else []
        except Exception as e:
            broken = [f"重放出错（{type(e).__name__}）"]
        if broken:
            findings.append(
                Finding(
                    "规则",
                    n.id,
                    f"第 {n.id} 个事件（{_what(str(n.originator_id), n.originator_version)}，"
                    f"{_event_name(n.topic)}）之后规则不再成立：{'；'.join(broken[:3])}。"
                    "它没有经过本程序的规则检查（绕过程序直接写入）",
                )
            )
            lines[n.originator_id] = None
        else:
            lines[n.originator_id] = project
    return sorted(findings, key=lambda f: f.position or 0)


def _model_findings(snap: Snapshot, mapper: Any) -> list[Finding]:
    """Each read-model row against a fresh Python fold of the log up to that model's
    recorded position: the rows that differ are named."""
    for n in track(snap.log, "校验（解读事件）", unit="个事件"):
        problem = event_problem(mapper, n)
        if problem:
            return [Finding("无法解读", n.id, f"第 {n.id} 个事件无法解读：{problem}")]
    with Progress("校验（读模型）", len(snap.log), unit="个事件") as progress:
        expected = runner.fold(Tracked(snap.log, progress), mapper, snap.positions)
    keys = {t.name: [c.name for c in t.primary_key.columns] for m in runner.MODELS for t in m.TABLES}
    findings = []
    for name, rows in expected.items():
        differences = _differences(keys[name], rows, snap.models.get(name, []))
        if differences:
            shown = "；".join(differences[:SHOWN])
            findings.append(
                Finding(
                    "读模型",
                    None,
                    f"读模型表 {name} 有 {len(differences)} 行与事件日志折算的结果不同（报表会显示这些改动）：{shown}。"
                    "请查明改动来源后运行 ledger projections rebuild",
                )
            )
    return findings


def _differences(key: list[str], want: list[dict[str, Any]], have: list[dict[str, Any]]) -> list[str]:
    """The rows of a table that differ from the fold, by primary key: each changed
    column with the value it should have, rows added and rows missing."""

    def by_key(rows: list[dict[str, Any]]) -> dict[tuple[str, ...], dict[str, str]]:
        return {tuple(str(r[k]) for k in key): {c: str(v) for c, v in r.items()} for r in rows}

    wanted, found = by_key(want), by_key(have)
    out = []
    for k in sorted(set(wanted) | set(found)):
        where = ", ".join(f"{c}={v}" for c, v in zip(key, k, strict=True))
        w, f = wanted.get(k), found.get(k)
        if w is None:
            out.append(f"（{where}）是多出的行")
        elif f is None:
            out.append(f"（{where}）缺失")
        elif w != f:
            changed = "，".join(f"{c} 应为 {w[c]}，现为 {f.get(c)}" for c in sorted(w) if w[c] != f.get(c))
            out.append(f"（{where}）{changed}")
    return out


def _event_name(topic: str) -> str:
    return topic.rpartition(":")[2] or topic


def event_problem(mapper: Any, stored: StoredEvent | Notification) -> str:
    """Why a stored event does not decode into its class ("" when it does): an unknown
    topic, a state that is not the transcoder's JSON, a missing or extra field, or a
    field of the wrong type."""
    from eventsourcing.utils import resolve_topic

    if stored.topic not in _known_topics():  # checked before any import the topic would name
        return f"未知的事件类型 {stored.topic[:80]}"
    cls = resolve_topic(stored.topic)
    try:
        state = mapper.transcoder.decode(stored.state)
    except Exception:
        return f"{_event_name(stored.topic)} 的内容不是有效的事件数据"
    if not isinstance(state, dict):
        return f"{_event_name(stored.topic)} 的内容不是字段表"
    state.pop("class_version", None)
    try:
        wanted = fields_of(cls)
    except Exception:
        return f"事件类型 {_event_name(stored.topic)} 无法检查"
    defaults = (
        {f.name for f in fields(cls) if f.default is not MISSING or f.default_factory is not MISSING}
        if is_dataclass(cls)
        else set()
    )
    missing = sorted(set(wanted) - set(state) - defaults)
    extra = sorted(set(state) - set(wanted))
    if missing or extra:
        parts = ([f"缺少字段 {'、'.join(missing)}"] if missing else []) + (
            [f"多出字段 {'、'.join(extra)}"] if extra else []
        )
        return f"{_event_name(stored.topic)} " + "，".join(parts)
    for name, value in state.items():
        if not _conforms(value, wanted[name]):
            return f"{_event_name(stored.topic)} 的字段 {name} 类型不对（{type(value).__name__} {str(value)[:40]}）"
    return ""


@functools.cache
def _known_topics() -> frozenset[str]:
    return frozenset(kinds())


def _conforms(value: Any, hint: Any) -> bool:
    if hint is Any:
        return True
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        return any(_conforms(value, a) for a in args)
    if hint is type(None):
        return value is None
    if origin in (list, tuple, set, frozenset):
        if not isinstance(value, (list, tuple, set, frozenset)):
            return False
        inner = [a for a in args if a is not Ellipsis]
        return all(_conforms(v, inner[0]) for v in value) if inner else True
    if origin is dict:
        if not isinstance(value, dict):
            return False
        return not args or all(_conforms(k, args[0]) and _conforms(v, args[1]) for k, v in value.items())
    if origin is not None:
        return isinstance(value, origin)
    if not isinstance(hint, type):
        return True
    if hint in (int, float) and isinstance(value, bool):
        return False
    if hint is int:
        return type(value) is int
    return isinstance(value, hint)


def _what(originator_id: str, version: int) -> str:
    return f"聚合 {originator_id[:8]}… 版本 {version}"


def _normalise(rows: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    return sorted(tuple(sorted((k, str(v)) for k, v in row.items())) for row in rows)


def export_lines(app: Ledger, progress: Progress | None = None) -> Iterator[str]:
    """The deterministic export: a header, one line per stored event, a trailer."""
    yield _dump({"format": FORMAT, "version": FORMAT_VERSION})
    previous = GENESIS
    count = 0
    start = 1
    while True:
        page = app.recorder.select_notifications(start, runner.PAGE_SIZE)
        for n in page:
            previous = link(previous, n.originator_id, n.originator_version, n.topic, n.state)
            count += 1
            record: dict[str, Any] = {
                "originator_id": str(n.originator_id),
                "version": n.originator_version,
                "topic": n.topic,
                "link": previous,
            }
            try:
                record["state"] = bytes(n.state).decode("utf-8")
            except UnicodeDecodeError:
                record["state_hex"] = bytes(n.state).hex()
            yield _dump(record)
        if progress is not None:
            progress.advance(len(page))
        if len(page) < runner.PAGE_SIZE:
            break
        start = page[-1].id + 1
    yield _dump({"end": True, "events": count, "head": previous})


def _dump(obj: dict[str, Any]) -> str:
    return json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":")) + "\n"


def read_export(
    path: Path, mapper: Any, progress: Progress | None = None
) -> tuple[list[StoredEvent], list[str]]:
    """Read and check an export file: every link must follow from the ones before, and
    every event must decode into its class. Returns the events and their links."""
    if not path.exists():
        raise MalformedInput(f"备份文件不存在：{path}")
    events: list[StoredEvent] = []
    links: list[str] = []
    previous = GENESIS
    trailer: dict[str, Any] | None = None
    with path.open("rb") as f:
        for number, raw in enumerate(f, start=1):
            if progress is not None:
                progress.advance()
            try:
                record = json.loads(raw.decode("utf-8"))
            except (UnicodeDecodeError, json.JSONDecodeError):
                raise MalformedInput(f"备份文件第 {number} 行不是有效的 JSON") from None
            if not isinstance(record, dict):
                raise MalformedInput(f"备份文件第 {number} 行不是一个 JSON 对象")
            if number == 1:
                if record.get("format") != FORMAT:
                    raise MalformedInput("这不是 ledger export 生成的备份文件（缺少格式标记）")
                continue
            if trailer is not None:
                raise MalformedInput(f"备份文件第 {number} 行在结束标记之后")
            if record.get("end"):
                trailer = record
                continue
            try:
                state = (
                    record["state"].encode("utf-8")
                    if "state" in record
                    else bytes.fromhex(record["state_hex"])
                )
                event = StoredEvent(
                    originator_id=uuid.UUID(record["originator_id"]),
                    originator_version=int(record["version"]),
                    topic=str(record["topic"]),
                    state=state,
                )
            except (KeyError, ValueError, TypeError, AttributeError):
                raise MalformedInput(f"备份文件第 {number} 行缺少字段或字段无效") from None
            previous = link(previous, event.originator_id, event.originator_version, event.topic, event.state)
            if previous != record.get("link"):
                raise LedgerError(f"备份文件第 {number} 行与哈希链不符：该行或其之前的内容被改动，拒绝恢复")
            problem = event_problem(mapper, event)
            if problem:
                raise MalformedInput(f"备份文件第 {number} 行的事件无法解读：{problem}；拒绝恢复")
            events.append(event)
            links.append(previous)
    if trailer is None:
        raise MalformedInput("备份文件不完整：缺少结束标记（可能被截断）")
    if trailer.get("events") != len(events) or trailer.get("head") != previous:
        raise LedgerError("备份文件的结束标记与内容不符（事件数或链头不一致），拒绝恢复")
    return events, links


def _line_count(path: Path) -> int:
    """How many lines a backup has (0 if it cannot be read: ``read_export`` says why)."""
    try:
        with path.open("rb") as f:
            return sum(1 for _ in f)
    except OSError:
        return 0


def _expect(value: str | None) -> Head | None:
    return Head.parse(value) if value is not None else None


EXPECT_HELP = (
    "事先记下的链头 事件数:哈希（verify 或 export 打印的“链头”）：日志被截断或整条链被重算时拒绝。"
    "拿到账簿文件的人能重算整条哈希链，只有账簿之外记下的链头能识破。"
)


@click.command("verify")
@click.option("--expect", "expect_text", metavar="COUNT:HASH", default=None, help=EXPECT_HELP)
@pass_session
def verify_command(session: Session, expect_text: str | None) -> None:
    """只读检查：事件哈希链、各项目事件版本和读模型；报告第一个有问题的事件和不一致的读模型行。

    不写账簿、不更新读模型。打印链头（事件数:哈希），请记在账簿之外，下次用 --expect 核对。
    """
    expect = _expect(expect_text)
    ledger = session.ledger()
    findings, count, head = verify(ledger, expect)
    data = {
        "ok": not findings,
        "events": count,
        "head": str(head),
        "findings": [{"kind": f.kind, "position": f.position, "message": f.message} for f in findings],
    }
    if findings:
        lines = [
            "校验失败：",
            *(f"  [{f.kind}] {f.message}" for f in findings),
            f"现有日志的链头 {head}。",
            "请停止记账，从最近的备份恢复（ledger restore），并查明改动来源。",
        ]
        session.emit("\n".join(lines), data)
        raise SystemExit(1)
    against = f"，与记下的链头 {expect} 相符" if expect is not None else ""
    session.emit(
        f"校验通过：{count} 个事件，哈希链完整{against}，读模型与事件日志一致。\n"
        f"链头 {head}（请记在账簿之外，下次用 ledger verify --expect {head} 核对）",
        data,
    )


@click.command("export")
@click.argument("file", type=OUTPUT_FILE)
@force_option
@pass_session
def export_command(session: Session, file: str) -> None:
    """把全部事件导出为 JSON Lines 备份（同一账簿重复导出逐字节相同），并打印链头。

    FILE 已存在时须加 --force 才覆盖；不能是账簿本身或设备文件。
    """
    ledger = session.ledger()
    broken = _chain_findings(snapshot(ledger.store, models=False))
    if broken:  # a backup would carry the damage under a chain recomputed to fit it
        raise LedgerError(
            f"账簿的哈希链与事件日志不符，拒绝导出：{broken[0].message}。请运行 ledger verify 查明，"
            "从最近的备份恢复。"
        )
    count = 0
    last = ""

    def put(f: BinaryIO) -> None:
        nonlocal count, last
        total = ledger.recorder.max_notification_id() or 0
        with Progress("导出", total, unit="个事件") as progress:
            for line in export_lines(ledger, progress):
                f.write(line.encode("utf-8"))
                count += 1
                last = line

    write_output(file, put)
    trailer = json.loads(last)
    chain_head = Head(int(trailer["events"]), str(trailer["head"]))
    session.emit(
        f"已导出 {count - 2} 个事件到 {file}。链头 {chain_head}（恢复时可用 ledger restore --expect {chain_head} 核对）",
        {"ok": True, "file": str(file), "events": count - 2, "head": str(chain_head)},
    )


@click.command("restore")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--expect", "expect_text", metavar="COUNT:HASH", default=None, help=EXPECT_HELP)
@pass_session
def restore_command(session: Session, file: Path, expect_text: str | None) -> None:
    """把 export 生成的备份恢复到一个空账簿（先校验整条哈希链并逐个解读事件，有任何改动都拒绝）。"""
    session.store.require_owner("恢复备份（restore）")
    expect = _expect(expect_text)
    ledger = session.ledger()
    with Progress("恢复（校验备份）", _line_count(file), unit="行") as progress:
        events, links = read_export(file, ledger.mapper, progress)
    if expect is not None:
        refused = _head_findings(links, expect)
        if refused:
            raise LedgerError(f"备份文件与记下的链头不符，拒绝恢复：{refused[0].message}")
    if ledger.recorder.max_notification_id():
        raise LedgerError("目标账簿不是空的：只能恢复到新建的空账簿（先用 ledger init 创建）。")
    if events:
        ledger.recorder.insert_events(events)
        head_position = ledger.recorder.max_notification_id() or 0
        try:
            with Progress("恢复（更新读模型）", head_position, unit="个日志位置") as progress:
                runner.catch_up(ledger, progress=lambda position, _head: progress.reach(position))
        except Exception:
            pass  # recorded all the same: session.wrote() tries again and tells the clerk
        session.wrote()
    head = Head(len(links), links[-1] if links else GENESIS)
    session.emit(
        f"已从 {file} 恢复 {len(events)} 个事件。链头 {head}",
        {"ok": True, "file": str(file), "events": len(events), "head": str(head)},
    )
