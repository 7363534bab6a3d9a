"""A report run without click: the plain invocations of the reports a clerk runs most.

``ledger report execution|backlog|month|final-accounts|balances …`` on a current SQLite
store read a few hundred rows and print a table in a few milliseconds; loading click, the
command tree and the store's classes would take several times that. The launcher
(:func:`ledger.launch.main`) hands the command line here first. :func:`run` takes it only
when it can do exactly what the click command would do:

- the words are ``[--db URL] [--format table|json] report NAME`` followed by the
  report's own arguments (:data:`ARGUMENTS`) and options (:data:`REPORTS`), each given
  once, each value read by the same parser the click command uses;
- the store is a SQLite file of this program's format whose read models are current.

Anything else — ``--help``, ``--output``, xlsx, ``--chart``, balances whose identities
fail (click prints them, then refuses), a value that does not read, an unknown
option, a store that needs catching up, a PostgreSQL URL, an error of any kind while
reading — and :func:`run` returns ``False`` having printed and written nothing: the click
command then runs and says what it says (every message, every exit code is its own).
``LEDGER_LAUNCH=click`` sends everything to click.
"""

from __future__ import annotations

import os
import sqlite3
import stat
import sys
import time
import unicodedata
from collections.abc import Callable

from ledger.formats import SQLITE_HEADER

TYPE_CHECKING = False  # not typing's: a report run without click does not import typing
if TYPE_CHECKING:
    from typing import Any

#: the read models' rows in ``rm_positions`` at their current versions
#: (``projections.folds.position_key`` of each of ``projections.quick.MODELS``; a test
#: holds them equal): a store whose models are older is the runner's to refold
MODEL_KEYS = ("directory.v2", "movements.v2", "assessments.v2")


class NotMine(Exception):
    """The command line is not one the launcher takes exactly: click's turn."""


def _choice(*choices: str) -> Callable[[str], str]:
    def parse(value: str) -> str:
        text = unicodedata.normalize("NFKC", value).strip()  # as ledger.cli.params.Choice
        if text not in choices:
            raise NotMine
        return text

    return parse


def _text(value: str) -> str:
    return value


def _date(value: str) -> Any:
    from ledger.calendar import parse_date

    return parse_date(value)


def _year(value: str) -> int:
    from ledger.calendar import parse_year

    return parse_year(value)


def _instant(value: str) -> Any:
    from ledger.calendar import parse_instant

    return parse_instant(value)


def _days(value: str) -> int:
    from ledger.text import parse_count

    return parse_count(value, label="天数")


def _points(value: str) -> Any:
    from ledger.text import parse_number

    number = parse_number(value, label="百分点")  # as ledger.cli.params.POINTS
    if number < 0:
        raise NotMine
    return number


def _funds() -> tuple[str, ...]:
    from ledger.domain.kinds import Fund

    return tuple(f.value for f in Fund)


def _tables() -> tuple[str, ...]:
    from projections.reports.final_accounts import TABLES

    return tuple(TABLES)


#: the options every report takes (``projections.report_cli.report_options``) that the
#: launcher can honour: name → (keyword, parser or ``None`` for a flag)
SHARED: dict[str, tuple[str, Callable[[str], Any] | None]] = {
    "--format": ("fmt", _choice("table", "csv", "json", "md")),
    "--as-of": ("as_of", _date),
    "--known-at": ("known_at", _instant),
    "--wide": ("wide", None),
    "--encoding": ("encoding", _choice("utf-8", "gbk")),
}

#: each report's own options, as its click command declares them (``projections.reports.cli``)
REPORTS: dict[str, dict[str, tuple[str, Callable[[str], Any] | None]]] = {
    "execution": {
        "--unit": ("unit", _text),
        "--year": ("year", _year),
        "--function": ("function_prefix", _text),
        "--fund": ("fund", lambda v: _choice(*_funds())(v)),
        "--score-rule": ("score_rule", _text),
    },
    "backlog": {
        "--unit": ("unit", _text),
        "--year": ("year", _year),
        "--older-than": ("older_than", _days),
    },
    "month": {
        "--behind": ("behind", _points),
        "--held-days": ("held_days", _days),
    },
    "final-accounts": {
        "--table": ("table", lambda v: _choice(*_tables())(v)),
        "--score-rule": ("score_rule", _text),
    },
    "balances": {},
}

#: each report's arguments, in order, each required: (keyword, parser); ``None`` for the
#: optional ``[UNIT] [YEAR]`` beside ``--unit`` / ``--year`` (``report_cli.unit_and_year``)
ARGUMENTS: dict[str, tuple[tuple[str, Callable[[str], Any]], ...] | None] = {
    "execution": None,
    "backlog": None,
    "month": (("unit", _text), ("month_text", _text)),
    "final-accounts": (("unit", _text), ("year", _year)),
    "balances": (("unit", _text), ("year", _year)),
}


def run(argv: list[str]) -> bool:
    """Run ``argv`` as a report if the launcher takes it exactly; else ``False``, nothing done."""
    if os.environ.get("LEDGER_LAUNCH") == "click":
        return False
    try:
        name, options = _read(argv)
        fmt, printing = _output(options)
        path = _store_path(options.pop("db", None))
        report, timing = _build(name, options, path)
        from projections.output import printed

        text = printed(report, fmt, **printing)  # whole, before a byte is printed
    except Exception:  # not one of ours, or anything at all went wrong: click's turn
        return False
    if isinstance(text, bytes):  # CSV in GBK: the bytes as they are
        sys.stdout.flush()
        sys.stdout.buffer.write(text)
        sys.stdout.buffer.flush()
    else:
        sys.stdout.write(text)
        sys.stdout.flush()
    if os.environ.get("LEDGER_TIMING"):
        sys.stderr.write(timing)
    return True


def _read(argv: list[str]) -> tuple[str, dict[str, Any]]:
    """The report's name and its options (keyword → value), or :class:`NotMine`."""
    options: dict[str, Any] = {}
    words = list(argv)
    while words and words[0] != "report":
        word = words.pop(0)
        key, text = _split(word, words)
        if key == "--db":
            _put(options, "db", text)
        elif key == "--format":
            _put(options, "global_fmt", _choice("table", "json")(text))
        else:
            raise NotMine
    if len(words) < 2 or words[1] not in REPORTS:
        raise NotMine
    name = words[1]
    known = {**SHARED, **REPORTS[name]}
    positional: list[str] = []
    rest = words[2:]
    while rest:
        word = rest.pop(0)
        if not word.startswith("-") or word == "-":
            positional.append(word)
            continue
        key, given = word.partition("=")[::2] if "=" in word else (word, None)
        if key not in known:
            raise NotMine
        keyword, parse = known[key]
        if parse is None:
            if given is not None:
                raise NotMine
            _put(options, keyword, True)
            continue
        if given is None:
            if not rest:
                raise NotMine
            given = rest.pop(0)
        _put(options, keyword, parse(given))
    arguments = ARGUMENTS[name]
    if arguments is not None:
        if len(positional) != len(arguments):
            raise NotMine  # missing or extra: click says which
        for (keyword, parse), word in zip(arguments, positional, strict=True):
            _put(options, keyword, parse(word))
        return name, options
    if len(positional) > 2:
        raise NotMine
    for keyword, word in zip(("unit", "year"), positional, strict=False):
        value = _year(word) if keyword == "year" else word
        if options.get(keyword, value) != value:
            raise NotMine  # named both ways, differently: click refuses it
        options[keyword] = value
    return name, options


def _split(word: str, words: list[str]) -> tuple[str, str]:
    if "=" in word and word.startswith("--"):
        key, _, value = word.partition("=")
        return key, value
    if not words:
        raise NotMine
    return word, words.pop(0)


def _put(options: dict[str, Any], key: str, value: Any) -> None:
    if key in options:
        raise NotMine  # given twice: click's rule (the last wins) is click's to apply
    options[key] = value


def _output(options: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The format (the report's own, else the global one) and how to print it."""
    fmt = options.pop("fmt", None) or options.pop("global_fmt", None) or "table"
    encoding = options.pop("encoding", None)
    if encoding and fmt != "csv":
        raise NotMine  # click refuses it
    return fmt, {"wide": bool(options.pop("wide", False)), "encoding": encoding}


def _store_path(db: str | None) -> str:
    """The SQLite file ``--db`` / ``LEDGER_DB`` names, if it is plainly a ledger file."""
    text = (db or os.environ.get("LEDGER_DB") or "ledger.db").strip() or "ledger.db"
    if text.startswith("sqlite:///"):
        text = text[len("sqlite:///") :]
    elif "://" in text:
        raise NotMine  # PostgreSQL, or an address click explains
    path = os.path.realpath(os.path.expanduser(text))  # as storage.parse_url resolves it
    mode = os.stat(path).st_mode
    if not stat.S_ISREG(mode):
        raise NotMine
    with open(path, "rb") as f:
        if f.read(len(SQLITE_HEADER)) != SQLITE_HEADER:
            raise NotMine
    return path


def _current(conn: sqlite3.Connection) -> bool:
    """Whether every read model, at its current version, has seen the whole log."""
    recorded = dict(conn.execute("SELECT name, position FROM rm_positions").fetchall())
    if not all(key in recorded for key in MODEL_KEYS):
        return False
    (head,) = conn.execute("SELECT max(rowid) FROM stored_events").fetchone()
    return min(int(recorded[key]) for key in MODEL_KEYS) >= int(head or 0)


def _build(name: str, options: dict[str, Any], path: str) -> tuple[Any, str]:
    """The report, read in one read transaction of a current store; and the timing line."""
    from ledger import settings
    from ledger.formats import STORE_FORMAT
    from projections.query import Cutoff, Reader

    settings.check()
    start = time.perf_counter()
    conn = sqlite3.connect(path, timeout=settings.LOCK_TIMEOUT.read(), isolation_level=None)
    try:
        conn.execute("BEGIN")  # one snapshot for every query, as report_cli.read_models
        (version,) = conn.execute("PRAGMA user_version").fetchone()
        if version != STORE_FORMAT or not _current(conn):
            raise NotMine
        caught_up = time.perf_counter()
        cut = Cutoff(as_of=options.pop("as_of", None), known_at=options.pop("known_at", None))
        report = _report(name, options, Reader(conn), cut)
        conn.execute("ROLLBACK")
    finally:
        conn.close()
    timing = f"用时：追平读模型 {caught_up - start:.3f} 秒，查询 {time.perf_counter() - caught_up:.3f} 秒\n"
    return report, timing


def _report(name: str, options: dict[str, Any], db: Any, cut: Any) -> Any:
    """The report ``name`` built as its click command builds it (``projections.reports.cli``)."""
    if name == "execution":
        from projections import scoring
        from projections.reports import execution

        rule = scoring.check_rule(options.get("score_rule") or scoring.default_rule())
        return execution.build(
            db,
            unit=options.get("unit"),
            year=options.get("year"),
            function_prefix=options.get("function_prefix", ""),
            fund=options.get("fund"),
            rule=rule,
            cut=cut,
        )
    if name == "backlog":
        from projections.reports import backlog

        return backlog.build(
            db, unit=options.get("unit"), year=options.get("year"), older_than=options.get("older_than"), cut=cut
        )
    if name == "month":
        from ledger.calendar import parse_month
        from projections.reports import month

        year, month_number = parse_month(options["month_text"])
        report, _ = month.build(
            db,
            unit=options["unit"],
            year=year,
            month=month_number,
            behind=options.get("behind", _points("10")),
            held_days=options.get("held_days", 30),
            as_of=cut.as_of,
            known_at=cut.known_at,
        )
        return report
    if name == "final-accounts":
        from projections import scoring
        from projections.reports import final_accounts

        rule = scoring.check_rule(options.get("score_rule") or scoring.default_rule())
        return final_accounts.build(
            db, unit=options["unit"], year=options["year"], table=options.get("table"), rule=rule, cut=cut
        )
    from projections.reports import balances

    report, holds = balances.build(db, unit=options["unit"], year=options["year"], cut=cut)
    if not holds:
        raise NotMine  # click prints the report, then refuses with exit 1
    return report
