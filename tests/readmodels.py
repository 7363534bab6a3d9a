"""The read models checked against the aggregates' own state.

The folds are declared once (``projections.folds``) and run in SQL; what they must
give is not a second fold but what the aggregates themselves hold after the same
events: per project line and year the quota, 年初, allocations, pending and paid of its
``YearBook``; its name, function, category and whether it is closed; its scores and
targets; per unit its income and curves. ``mismatches`` names every difference.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from eventsourcing.persistence import JSONTranscoder, Mapper, Notification

from ledger.application import DateAsISO, Ledger
from ledger.domain.project import Project
from ledger.domain.unit import Unit
from projections import runner

Tables = Mapping[str, Sequence[Mapping[str, Any]]]
MONEY = ("quota", "opening", "allocated", "pending", "paid")


def mapper() -> Mapper[Any]:
    """The store's transcoding, without a store."""
    from eventsourcing.persistence import DatetimeAsISO, DecimalAsStr, UUIDAsHex

    transcoder = JSONTranscoder()
    for transcoding in (UUIDAsHex(), DecimalAsStr(), DatetimeAsISO(), DateAsISO()):
        transcoder.register(transcoding)
    return Mapper(transcoder=transcoder)


def fold_events(events: Iterable[Any]) -> dict[str, list[dict[str, Any]]]:
    """The read-model rows of hand-built domain events, in the order given: stored as
    the store would store them, folded by the declared SQL (in memory)."""
    m = mapper()
    log = []
    for n, event in enumerate(events, start=1):
        s = m.to_stored_event(event)
        log.append(Notification(s.originator_id, s.originator_version, s.topic, s.state, id=n))
    return runner.fold(log)


def money_by_line(tables: Tables) -> dict[tuple[str, int], dict[str, int]]:
    """The movement rows summed per (project id, year)."""
    out: dict[tuple[str, int], dict[str, int]] = {}
    for row in tables["rm_movements"]:
        if row["project_id"] is None:
            continue
        sums = out.setdefault((str(row["project_id"]), int(row["year"])), dict.fromkeys(MONEY, 0))
        for k in MONEY:
            sums[k] += int(row[k])
    return out


def book_totals(project: Project) -> dict[tuple[str, int], dict[str, int]]:
    return {
        (project.id.hex, year): {
            "quota": book.quota,
            "opening": book.opening,
            "allocated": book.allocated,
            "pending": book.pending,
            "paid": book.paid,
        }
        for year, book in project.books.items()
    }


def _latest(rows: Iterable[Mapping[str, Any]], *key: str) -> dict[tuple[Any, ...], Mapping[str, Any]]:
    out: dict[tuple[Any, ...], Mapping[str, Any]] = {}
    for row in sorted(rows, key=lambda r: int(r["position"])):
        out[tuple(row[k] for k in key)] = row
    return out


def mismatches(tables: Tables, projects: Sequence[Project], units: Sequence[Unit]) -> list[str]:
    """Every way the tables differ from the aggregates' state ([] when they agree)."""
    found: list[str] = []
    money = money_by_line(tables)
    books: dict[tuple[str, int], dict[str, int]] = {}
    for p in projects:
        books.update(book_totals(p))
    zero = dict.fromkeys(MONEY, 0)
    for line in sorted(set(money) | set(books)):
        have, want = money.get(line, zero), books.get(line, zero)
        if have != want:
            found.append(f"rm_movements {line}: {have} ≠ the aggregate's {want}")

    registered = {str(r["project_id"]): r for r in tables["rm_projects"]}
    changes = _latest(tables["rm_project_changes"], "project_id")
    scores = _latest(tables["rm_scores"], "project_id", "year")
    targets = _latest(tables["rm_targets"], "project_id", "year", "indicator")
    for p in projects:
        pid = p.id.hex
        row = {**registered.get(pid, {}), **changes.get((pid,), {})}
        have_line = (
            *(row.get(k) for k in ("unit", "code", "name", "function", "category")),
            row.get("closed", 0),
        )
        want_line = (p.unit, p.code, p.name, p.function, str(p.category), int(p.closed))
        if have_line != want_line:
            found.append(f"rm_projects {pid}: {have_line} ≠ the aggregate's {want_line}")
        have_scores = {y: int(r["score"]) for (q, y), r in scores.items() if q == pid}
        want_scores = {y: b.score for y, b in p.books.items() if b.score is not None}
        if have_scores != want_scores:
            found.append(f"rm_scores {pid}: {have_scores} ≠ the aggregate's {want_scores}")
        have_targets = {
            (y, i): (r["operator"], r["value"], r["unit"], r["direction"])
            for (q, y, i), r in targets.items()
            if q == pid
        }
        want_targets = {
            (y, i): (t.operator, t.value, t.unit, t.direction)
            for y, ts in p.targets.items()
            for i, t in ts.items()
        }
        if have_targets != want_targets:
            found.append(f"rm_targets {pid}: {have_targets} ≠ the aggregate's {want_targets}")

    names = {str(r["unit"]): (r["name"], r["kind"]) for r in tables["rm_units"]}
    curves = _latest(tables["rm_curves"], "unit", "year")
    income: dict[tuple[str, int, str], int] = {}
    for m in tables["rm_movements"]:
        if m["kind"] == "income":
            k = (str(m["unit"]), int(m["year"]), str(m["fund"]))
            income[k] = income.get(k, 0) + int(m["income"])
    for u in units:
        if names.get(u.code) != (u.name, str(u.kind)):
            found.append(f"rm_units {u.code}: {names.get(u.code)} ≠ the aggregate's {(u.name, str(u.kind))}")
        have_income = {(y, s): v for (c, y, s), v in income.items() if c == u.code and v}
        want_income = {(y, s): v for (y, s), v in u.income.items() if v}
        if have_income != want_income:
            found.append(f"income of {u.code}: {have_income} ≠ the aggregate's {want_income}")
        have_curves = {y: str(r["points"]).split(",") for (c, y), r in curves.items() if c == u.code}
        if have_curves != u.curves:
            found.append(f"rm_curves {u.code}: {have_curves} ≠ the aggregate's {u.curves}")
    return found


def aggregates(app: Ledger) -> tuple[list[Project], list[Unit]]:
    """Every project line and unit of a ledger, replayed from its events."""
    prefix = f"{Project.__module__}:Project."
    unit_prefix = f"{Unit.__module__}:Unit."
    ids: dict[uuid.UUID, str] = {}
    for n in runner.all_notifications(app):
        if n.topic.startswith(prefix):
            ids.setdefault(n.originator_id, "project")
        elif n.topic.startswith(unit_prefix):
            ids.setdefault(n.originator_id, "unit")
    projects: list[Project] = [app.repository.get(i) for i, kind in ids.items() if kind == "project"]
    units: list[Unit] = [app.repository.get(i) for i, kind in ids.items() if kind == "unit"]
    return projects, units


def assert_models_match_the_aggregates(app: Ledger) -> None:
    """Catch up, then require the tables to agree with the replayed aggregates — and
    with a fresh fold of the whole log (on SQLite, in memory: the other dialect, when
    the store is PostgreSQL)."""
    runner.catch_up(app)
    tables = runner.dump(app)
    projects, units = aggregates(app)
    assert projects, "no project line to check"
    assert mismatches(tables, projects, units) == []
    fresh = runner.fold(runner.all_notifications(app))
    for name, rows in fresh.items():
        assert normalised(tables[name]) == normalised(rows), name


def normalised(rows: Iterable[Mapping[str, Any]]) -> list[tuple[tuple[str, str], ...]]:
    return sorted(tuple(sorted((k, _text(v)) for k, v in row.items())) for row in rows)


def _text(value: Any) -> str:
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    return str(value)
