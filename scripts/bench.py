"""Province-scale benchmark: a synthetic year of 2,000 units × 50 project lines.

    python scripts/bench.py --scale 0.01            # CI-sized
    python scripts/bench.py                          # the full run (~1,000,000 payments)
    python scripts/bench.py --db postgresql://…      # on PostgreSQL

Measures, in one run, and prints one JSON document and a readable table:

1. import: events/s through ``ledger import`` (files of 100 units, each imported
   atomically) and the raw limit of the same machine in the same run — plain
   ``sqlite3`` ``executemany`` of rows of the same size in one transaction; and the
   floor of the event library itself: rule-free aggregates, one event per call, saved
   in one batch through the same persistence (what any design on it can reach);
2. rebuild: events/s of ``ledger projections rebuild`` against a raw read of the rows,
   and against a read of ten JSON fields of every stored event (what any fold in SQL
   must at least do);
3. one command: wall time of one ``ledger payment request`` process (median of 20);
4. reports: wall time of ``report month``, ``report execution`` and ``report
   final-accounts`` for one unit, and ``report execution --as-of`` mid-year, each as a
   whole process (median of 5) and, from the report itself (``LEDGER_TIMING``), its
   queries alone;
5. memory: peak RSS of import and rebuild;
6. growth: the same figures at 1/10 of the scale.

Every figure is measured here, now; nothing is estimated.
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import platform
import random
import re
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

UNITS = 2000
LINES = 50
PAYMENTS = 1_000_000
FUNCTIONS = ["2150805", "2159904", "2150501", "2150101", "2080199", "2111001", "2150210", "2150899"]
UNITS_PER_FILE = 100


@dataclass
class Timed:
    wall: float
    max_rss_kb: int
    returncode: int
    stdout: str
    stderr: str = ""


LAUNCHER = r"""
import json, os, subprocess, sys, time
for line in sys.stdin:
    args = json.loads(line)
    start = time.perf_counter()
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = proc.communicate()
    wall = time.perf_counter() - start
    print(json.dumps({"wall": wall, "rc": proc.returncode, "out": out.decode("utf-8", "replace"),
                      "err": err.decode("utf-8", "replace")[-2000:]}), flush=True)
"""


class Launcher:
    """Starts the measured processes from a small process of its own.

    On Linux a child's peak RSS (ru_maxrss) starts from its parent's RSS at fork, so
    children of this benchmark — which holds a whole event log in memory to measure
    the raw limits — would report that memory as theirs. The launcher stays small.
    """

    def __init__(self) -> None:
        # LEDGER_TIMING: each report prints the time of its own queries on stderr
        self.proc = subprocess.Popen(
            [sys.executable, "-c", LAUNCHER],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env={**os.environ, "LEDGER_TIMING": "1"},
        )

    def run(self, args: list[str]) -> Timed:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(json.dumps(args) + "\n")
        self.proc.stdin.flush()
        reply = json.loads(self.proc.stdout.readline())
        if reply["rc"] != 0:
            sys.stderr.write(reply["err"])
        return Timed(reply["wall"], 0, reply["rc"], reply["out"], reply["err"])


def run(args: list[str]) -> Timed:
    """Run a process (from the launcher) and measure its wall time and peak RSS."""
    # a small wrapper times the child and reads its peak RSS (wait4), like GNU time
    wrapped = [sys.executable, "-c", RSS_WRAPPER, *args]
    timed = LAUNCH.run(wrapped)
    marker = "\x00measured="
    if marker not in timed.stdout:
        return timed
    out, _, tail = timed.stdout.rpartition(marker)
    wall, rss = tail.split()
    return Timed(float(wall), int(rss), timed.returncode, out, timed.stderr)


RSS_WRAPPER = r"""
import os, subprocess, sys, time
start = time.perf_counter()
proc = subprocess.Popen(sys.argv[1:])
_, status, usage = os.wait4(proc.pid, 0)
wall = time.perf_counter() - start
sys.stdout.flush()
print(f"\x00measured={wall} {usage.ru_maxrss}", flush=True)
sys.exit(os.waitstatus_to_exitcode(status))
"""


def ledger(db: str, *args: str) -> Timed:
    return run([sys.executable, "-m", "ledger", "--db", db, *args])


def generate(folder: Path, scale: float, seed: int = 2024) -> tuple[list[Path], int, list[str]]:
    """Write the synthetic year as JSON Lines files; returns (files, rows, unit codes)."""
    rng = random.Random(seed)
    units = max(1, round(UNITS * scale))
    payments_per_line = max(1, round(PAYMENTS / (UNITS * LINES)))
    files: list[Path] = []
    rows = 0
    codes = [f"{350100 + n:06d}" for n in range(units)]
    for start in range(0, units, UNITS_PER_FILE):
        path = folder / f"units-{start:05d}.jsonl"
        with path.open("w", encoding="utf-8") as f:

            def put(row: dict[str, Any]) -> None:
                nonlocal rows
                f.write(json.dumps(row, ensure_ascii=False, separators=(",", ":")) + "\n")
                rows += 1

            for unit in codes[start : start + UNITS_PER_FILE]:
                put({"op": "unit.add", "unit": unit, "name": f"模拟单位{unit}"})
                for line in range(LINES):
                    code = f"L{line:03d}"
                    put(
                        {
                            "op": "project.add",
                            "unit": unit,
                            "code": code,
                            "name": f"项目{line}",
                            "function": FUNCTIONS[line % len(FUNCTIONS)],
                            "category": "特定目标类" if line >= 4 else ("人员类" if line < 2 else "运转类"),
                        }
                    )
                    ref = f"{unit}/{code}"
                    amounts = [rng.randint(5, 50) * 1000 for _ in range(payments_per_line)]
                    quota = sum(amounts) * rng.randint(105, 150) // 100
                    put(
                        {
                            "op": "appropriation.issue",
                            "project": ref,
                            "amount": f"{quota}",
                            "date": "2024-01-01",
                            "doc": f"财预〔2024〕{line + 1}号",
                            "kind": "年初",
                        }
                    )
                    if rng.random() < 0.3:
                        put(
                            {
                                "op": "appropriation.issue",
                                "project": ref,
                                "amount": f"{quota // 5}",
                                "date": "2024-06-15",
                                "doc": f"财追〔2024〕{line + 1}号",
                                "kind": "追加",
                            }
                        )
                    for n, amount in enumerate(amounts):
                        key = f"{ref}#{n}"
                        day = 1 + rng.randrange(330)
                        on = time.strftime("%Y-%m-%d", time.gmtime(1704067200 + day * 86400))
                        row: dict[str, Any] = {
                            "op": "payment.request",
                            "project": ref,
                            "amount": f"{amount}",
                            "payee": f"企业{rng.randrange(500)}",
                            "economic": "31299",
                            "date": on,
                            "key": key,
                        }
                        settled = rng.random() < 0.85
                        if settled:
                            row["settled_on"] = on
                        put(row)
                        if not settled and rng.random() < 0.6:
                            put(
                                {
                                    "op": "payment.hold",
                                    "project": ref,
                                    "key": key,
                                    "date": on,
                                    "reason": "待区财政统筹拨付",
                                }
                            )
                        elif settled and rng.random() < 0.02:
                            put(
                                {
                                    "op": "payment.refund",
                                    "project": ref,
                                    "key": key,
                                    "amount": "100",
                                    "date": on,
                                    "reason": "退回",
                                }
                            )
        files.append(path)
    return files, rows, codes


def event_rows(db: str) -> tuple[int, float]:
    """(number of stored events, mean stored size in bytes)."""
    conn = sqlite3.connect(db)
    try:
        count, size = conn.execute(
            "SELECT COUNT(*), AVG(LENGTH(originator_id) + 8 + LENGTH(topic) + LENGTH(state)) "
            "FROM stored_events"
        ).fetchone()
    finally:
        conn.close()
    return int(count), float(size or 0)


def raw_executemany(folder: Path, db: str, count: int) -> float:
    """Rows/s of plain sqlite3 executemany of the same rows, in one transaction."""
    source = sqlite3.connect(db)
    rows = source.execute(
        "SELECT originator_id, originator_version, topic, state FROM stored_events"
    ).fetchall()
    source.close()
    target = folder / "raw.db"
    target.unlink(missing_ok=True)
    conn = sqlite3.connect(target)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute(
        "CREATE TABLE stored_events (originator_id TEXT, originator_version INTEGER, topic TEXT, "
        "state BLOB, PRIMARY KEY (originator_id, originator_version))"
    )
    start = time.perf_counter()
    with conn:
        conn.executemany("INSERT INTO stored_events VALUES (?,?,?,?)", rows)
    elapsed = time.perf_counter() - start
    conn.close()
    return count / elapsed


def raw_read(db: str, count: int) -> float:
    conn = sqlite3.connect(db)
    start = time.perf_counter()
    rows = sum(1 for _ in conn.execute("SELECT rowid, * FROM stored_events ORDER BY rowid"))
    elapsed = time.perf_counter() - start
    conn.close()
    return rows / elapsed


LIBRARY_FLOOR = r"""
import gc, os, sys, time
from pathlib import Path
os.environ.update(PERSISTENCE_MODULE="eventsourcing.sqlite", SQLITE_DBNAME=sys.argv[1], SQLITE_LOCK_TIMEOUT="10")
from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event

class Line(Aggregate):
    def __init__(self, code: str) -> None:
        self.code = code
        self.paid = 0

    @event("Paid")
    def pay(self, amount: int, payee: str, economic: str, key: str) -> None:
        self.paid += amount

events, per_line = int(sys.argv[2]), 23
app = Application()
gc.disable()  # as the importer does
start = time.perf_counter()
lines = []
for n in range(max(1, events // per_line)):
    line = Line(f"L{n:07d}")
    for k in range(per_line - 1):
        line.pay(1000 + k, f"企业{k}", "31299", f"L{n}#{k}")
    lines.append(line)
app.save(*lines)
elapsed = time.perf_counter() - start
print(len(lines) * per_line / elapsed)
"""


def library_floor(folder: Path, events: int) -> float:
    """Events/s of the event library alone: rule-free aggregates saved in one batch."""
    target = folder / "floor.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    timed = run([sys.executable, "-c", LIBRARY_FLOOR, str(target), str(events)])
    if timed.returncode != 0:
        raise SystemExit("the library floor measurement failed")
    return float(timed.stdout.split()[-1])


#: the fields of a stored event that the movements fold reads from a payment request
JSON_FIELDS = (
    "timestamp._data_",
    "on._data_",
    "amount",
    "number",
    "payee",
    "economic",
    "key",
    "year",
    "doc",
    "kind",
)


def raw_json_read(db: str, count: int) -> float:
    """Rows/s of reading ten JSON fields of every stored event in SQL (SQLite)."""
    fields = ", ".join(f"json_extract(s, '$.{f}')" for f in JSON_FIELDS)
    conn = sqlite3.connect(db)
    start = time.perf_counter()
    rows = sum(
        1 for _ in conn.execute(f"SELECT {fields} FROM (SELECT CAST(state AS TEXT) AS s FROM stored_events)")
    )
    elapsed = time.perf_counter() - start
    conn.close()
    return rows / elapsed


def measure(scale: float, workdir: Path, db_url: str | None) -> dict[str, Any]:
    folder = workdir / f"scale-{scale}"
    folder.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    files, rows, units = generate(folder, scale)
    generated = time.perf_counter() - t0
    db = db_url or str(folder / "ledger.db")
    if db_url is None:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
    assert ledger(db, "init").returncode == 0
    import_wall = 0.0
    import_rss = 0
    for file in files:
        timed = ledger(db, "import", str(file))
        if timed.returncode != 0:
            raise SystemExit(f"import of {file} failed")
        import_wall += timed.wall
        import_rss = max(import_rss, timed.max_rss_kb)
    result: dict[str, Any] = {
        "scale": scale,
        "units": len(units),
        "rows": rows,
        "generate_s": round(generated, 2),
    }
    sqlite = db_url is None
    events = (
        event_rows(db)[0]
        if sqlite
        else int(
            json.loads(ledger(db, "--format", "json", "projections", "status").stdout)[0]["log_position"]
        )
    )
    result["events"] = events
    result["import"] = {"seconds": round(import_wall, 2), "events_per_s": round(events / import_wall)}
    if sqlite:
        raw = raw_executemany(folder, db, events)
        result["import"]["raw_executemany_per_s"] = round(raw)
        result["import"]["ratio"] = round(events / import_wall / raw, 3)
        floor_events = min(events, 240_000)  # two import files' worth: enough for a steady rate
        result["import"]["library_floor_per_s"] = round(library_floor(folder, floor_events))
    rebuild = ledger(db, "projections", "rebuild")
    result["rebuild"] = {"seconds": round(rebuild.wall, 2), "events_per_s": round(events / rebuild.wall)}
    if sqlite:
        raw_r = raw_read(db, events)
        result["rebuild"]["raw_read_per_s"] = round(raw_r)
        result["rebuild"]["ratio"] = round(events / rebuild.wall / raw_r, 3)
        result["rebuild"]["raw_json_read_per_s"] = round(raw_json_read(db, events))
    walls = []
    for n in range(20):
        unit = units[n % len(units)]
        timed = ledger(
            db,
            "payment",
            "request",
            f"{unit}/L{10 + n:03d}",
            "1",
            "--payee",
            "基准企业",
            "--economic",
            "31299",
            "--date",
            "2024-12-01",
            "--key",
            f"bench-{n}",
        )
        walls.append(timed.wall)
    result["one_command_s"] = {"median": round(statistics.median(walls), 3), "max": round(max(walls), 3)}
    unit = units[len(units) // 2]
    reports = {
        "month": ["report", "month", unit, "2024-12"],
        "execution": ["report", "execution", "--unit", unit, "--year", "2024"],
        "final_accounts": ["report", "final-accounts", unit, "2024"],
        "execution_as_of": ["report", "execution", "--unit", unit, "--year", "2024", "--as-of", "2024-06-30"],
    }
    result["reports_s"] = {}
    result["reports_max_s"] = {}
    result["report_queries_s"] = {}
    for name, args in reports.items():
        runs = [ledger(db, *args) for _ in range(REPORT_RUNS)]
        failed = [t for t in runs if t.returncode != 0]
        if failed:
            result["reports_s"][name] = f"failed ({failed[0].returncode})"
            continue
        result["reports_s"][name] = round(statistics.median(t.wall for t in runs), 3)
        result["reports_max_s"][name] = round(max(t.wall for t in runs), 3)
        queries = [float(q[1]) for t in runs if (q := QUERY_TIME.search(t.stderr))]
        result["report_queries_s"][name] = round(statistics.median(queries), 3) if queries else None
    result["peak_rss_mb"] = {
        "import": round(import_rss / 1024, 1),
        "rebuild": round(rebuild.max_rss_kb / 1024, 1),
    }
    return result


def table(results: list[dict[str, Any]]) -> str:
    lines = [
        f"{'scale':>6} {'events':>9} {'import ev/s':>12} {'raw ev/s':>10} {'ratio':>6} {'floor ev/s':>10} "
        f"{'rebuild ev/s':>13} {'json ev/s':>10} {'cmd s':>6} {'month s':>8} {'exec s':>7} {'final s':>8} {'as-of s':>8} "
        f"{'RSS imp':>8} {'RSS reb':>8} {'max query s':>11}"
    ]
    for r in results:
        rep = r["reports_s"]
        lines.append(
            f"{r['scale']:>6} {r['events']:>9} {r['import']['events_per_s']:>12} "
            f"{r['import'].get('raw_executemany_per_s', '-'):>10} {r['import'].get('ratio', '-'):>6} "
            f"{r['import'].get('library_floor_per_s', '-'):>10} "
            f"{r['rebuild']['events_per_s']:>13} {r['rebuild'].get('raw_json_read_per_s', '-'):>10} "
            f"{r['one_command_s']['median']:>6} {rep['month']!s:>8} "
            f"{rep['execution']!s:>7} {rep['final_accounts']!s:>8} {rep['execution_as_of']!s:>8} "
            f"{r['peak_rss_mb']['import']:>8} {r['peak_rss_mb']['rebuild']:>8} "
            f"{max((q for q in r['report_queries_s'].values() if q is not None), default='-')!s:>11}"
        )
    return "\n".join(lines)


LAUNCH: Launcher
#: runs of each report: a single run on this machine varies by up to 0.2 s
REPORT_RUNS = 5
QUERY_TIME = re.compile(r"查询 ([0-9.]+) 秒")


def main() -> None:
    global LAUNCH
    LAUNCH = Launcher()  # before this process grows
    parser = argparse.ArgumentParser(description="Province-scale benchmark of ledger")
    parser.add_argument(
        "--scale", type=float, default=1.0, help="fraction of 2,000 units × 50 lines (default 1)"
    )
    parser.add_argument("--db", default=None, help="PostgreSQL URL (default: a SQLite file in --workdir)")
    parser.add_argument("--workdir", type=Path, default=None, help="where to write data and stores")
    parser.add_argument("--no-growth", action="store_true", help="skip the 1/10-scale run")
    args = parser.parse_args()
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="ledger-bench-"))
    # measure the program as installed: `pip install` byte-compiles a package, but an
    # editable install under PYTHONDONTWRITEBYTECODE would compile every module on
    # every start (0.1 s of each command here)
    root = Path(__file__).resolve().parents[1]
    compileall.compile_dir(root / "src", quiet=1)
    compileall.compile_dir(root / "projections", quiet=1)
    results = [measure(args.scale, workdir, args.db)]
    if not args.no_growth:
        results.append(measure(args.scale / 10, workdir, args.db))
    document = {
        "date": time.strftime("%Y-%m-%d %H:%M:%S"),
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
        },
        "results": results,
    }
    print(json.dumps(document, ensure_ascii=False, indent=2))
    print(table(results))


if __name__ == "__main__":
    main()
