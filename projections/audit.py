"""Tamper evidence and backups: ``ledger verify``, ``ledger export``, ``ledger restore``.

``verify`` recomputes the hash chain over the stored events and compares it with the
links recorded as the events were caught up, checks that every project's versions run
1, 2, 3 … without a gap, and that every read model equals a fresh fold of the log. It
names the first broken link: an edited, deleted, inserted or reordered event.

``export`` writes the whole log as JSON Lines, deterministically (the same ledger
always gives the same bytes), each event with its chain link; ``restore`` reads such a
file into an empty store after checking every link, so a tampered backup is refused.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import click
from eventsourcing.persistence import StoredEvent
from sqlalchemy import select

from ledger.application import Ledger
from ledger.chain import GENESIS, link
from ledger.cli import Session, pass_session
from ledger.cli.params import OUTPUT_FILE, force_option, write_output
from ledger.errors import LedgerError, MalformedInput
from projections import chain, runner

FORMAT = "ledger-export"
FORMAT_VERSION = 1


@dataclass(frozen=True)
class Finding:
    kind: str  # 修改 / 删除 / 插入 / 顺序 / 版本缺失 / 读模型
    position: int | None
    message: str


def verify(app: Ledger) -> tuple[list[Finding], int, str]:
    """Check chain, versions and read models; returns (findings, events checked, head link)."""
    try:
        runner.catch_up(app)
    except Exception:  # a tampered event may not even decode: the chain check below names it
        caught_up = False
    else:
        caught_up = True
    log = runner.all_notifications(app)
    reader, _ = runner.engines(app.store)
    with reader.connect() as conn:
        recorded = conn.execute(select(chain.chain).order_by(chain.chain.c.position)).all()
    findings: list[Finding] = []
    by_position = {n.id: n for n in log}
    recorded_positions = {r.position for r in recorded}
    previous = GENESIS
    for r in recorded:
        n = by_position.get(r.position)
        if n is None:
            findings.append(
                Finding(
                    "删除",
                    r.position,
                    f"第 {r.position} 个事件（{_what(r.originator_id, r.version)}）已从事件日志中删除",
                )
            )
            break
        if (str(n.originator_id), n.originator_version) != (r.originator_id, r.version):
            findings.append(
                Finding(
                    "顺序",
                    r.position,
                    f"第 {r.position} 个事件的位置被改动：原为 {_what(r.originator_id, r.version)}，"
                    f"现为 {_what(str(n.originator_id), n.originator_version)}",
                )
            )
            break
        current = link(previous, n.originator_id, n.originator_version, n.topic, n.state)
        if current != r.hash:
            findings.append(
                Finding(
                    "修改",
                    r.position,
                    f"第 {r.position} 个事件（{_what(r.originator_id, r.version)}）的内容被修改",
                )
            )
            break
        previous = r.hash
    extra = sorted(set(by_position) - recorded_positions)
    if extra and not findings:
        findings.append(Finding("插入", extra[0], f"第 {extra[0]} 个事件不在哈希链中（事后插入）"))
    versions: dict[str, list[int]] = {}
    for n in log:
        versions.setdefault(str(n.originator_id), []).append(n.originator_version)
    for originator, seen in versions.items():
        expected = list(range(1, len(seen) + 1))
        if sorted(seen) != expected:
            missing = sorted(set(range(1, max(seen) + 1)) - set(seen))
            findings.append(
                Finding("版本缺失", None, f"聚合 {originator} 的事件版本不连续，缺少版本 {missing or seen}")
            )
    if not findings and not caught_up:
        findings.append(Finding("读模型", None, "读模型无法追上事件日志（有事件无法解读）"))
    if not findings:
        expected_rows = runner.fold(log, app.mapper)
        actual_rows = runner.dump(app)
        for name, rows in expected_rows.items():
            if _normalise(rows) != _normalise(actual_rows.get(name, [])):
                findings.append(
                    Finding(
                        "读模型",
                        None,
                        f"读模型表 {name} 与事件日志重算的结果不一致，请运行 ledger projections rebuild",
                    )
                )
    head = recorded[-1].hash if recorded else GENESIS
    return findings, len(log), head


def _what(originator_id: str, version: int) -> str:
    return f"聚合 {originator_id[:8]}… 版本 {version}"


def _normalise(rows: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    return sorted(tuple(sorted((k, str(v)) for k, v in row.items())) for row in rows)


def export_lines(app: Ledger) -> Iterator[str]:
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
        if len(page) < runner.PAGE_SIZE:
            break
        start = page[-1].id + 1
    yield _dump({"end": True, "events": count, "head": previous})


def _dump(obj: dict[str, Any]) -> str:
    return json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":")) + "\n"


def read_export(path: Path) -> list[StoredEvent]:
    """Read and check an export file: every link must follow from the ones before."""
    if not path.exists():
        raise MalformedInput(f"备份文件不存在：{path}")
    events: list[StoredEvent] = []
    previous = GENESIS
    trailer: dict[str, Any] | None = None
    with path.open("rb") as f:
        for number, raw in enumerate(f, start=1):
            try:
                record = json.loads(raw.decode("utf-8"))
            except (UnicodeDecodeError, json.JSONDecodeError):
                raise MalformedInput(f"备份文件第 {number} 行不是有效的 JSON") from None
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
            except (KeyError, ValueError, TypeError):
                raise MalformedInput(f"备份文件第 {number} 行缺少字段或字段无效") from None
            previous = link(previous, event.originator_id, event.originator_version, event.topic, event.state)
            if previous != record.get("link"):
                raise LedgerError(f"备份文件第 {number} 行与哈希链不符：该行或其之前的内容被改动，拒绝恢复")
            events.append(event)
    if trailer is None:
        raise MalformedInput("备份文件不完整：缺少结束标记（可能被截断）")
    if trailer.get("events") != len(events) or trailer.get("head") != previous:
        raise LedgerError("备份文件的结束标记与内容不符（事件数或链头不一致），拒绝恢复")
    return events


@click.command("verify")
@pass_session
def verify_command(session: Session) -> None:
    """检查事件哈希链、各项目事件版本和读模型；报告第一个断开的环节。"""
    ledger = session.ledger()
    findings, count, head = verify(ledger)
    data = {
        "ok": not findings,
        "events": count,
        "head": head,
        "findings": [{"kind": f.kind, "position": f.position, "message": f.message} for f in findings],
    }
    if findings:
        text = "\n".join(
            [
                "校验失败：",
                *(f"  [{f.kind}] {f.message}" for f in findings),
                "请停止记账，从最近的备份恢复（ledger restore），并查明改动来源。",
            ]
        )
        session.emit(text, data)
        raise SystemExit(1)
    session.emit(f"校验通过：{count} 个事件，哈希链完整，读模型与事件日志一致。链头 {head}", data)


@click.command("export")
@click.argument("file", type=OUTPUT_FILE)
@force_option
@pass_session
def export_command(session: Session, file: str) -> None:
    """把全部事件导出为 JSON Lines 备份（同一账簿重复导出逐字节相同）。

    FILE 已存在时须加 --force 才覆盖；不能是账簿本身或设备文件。
    """
    ledger = session.ledger()
    count = 0

    def put(f: BinaryIO) -> None:
        nonlocal count
        for line in export_lines(ledger):
            f.write(line.encode("utf-8"))
            count += 1

    write_output(file, put)
    session.emit(f"已导出 {count - 2} 个事件到 {file}", {"ok": True, "file": str(file), "events": count - 2})


@click.command("restore")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@pass_session
def restore_command(session: Session, file: Path) -> None:
    """把 export 生成的备份恢复到一个空账簿（先校验整条哈希链，有任何改动都拒绝）。"""
    session.store.require_owner("恢复备份（restore）")
    events = read_export(file)
    ledger = session.ledger()
    if ledger.recorder.max_notification_id():
        raise LedgerError("目标账簿不是空的：只能恢复到新建的空账簿（先用 ledger init 创建）。")
    if events:
        ledger.recorder.insert_events(events)
        session.wrote()
    session.emit(
        f"已从 {file} 恢复 {len(events)} 个事件", {"ok": True, "file": str(file), "events": len(events)}
    )
