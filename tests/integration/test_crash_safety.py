"""SIGKILL part-way through a bulk import or a rebuild: nothing half-written, models resume."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from ledger.application import Ledger
from ledger.storage import parse_url
from projections import runner
from tests.conftest import invoke, stored_events

ROWS = 6000


def big_import_file(path: Path) -> Path:
    rows: list[dict[str, str]] = [
        {"op": "unit.add", "unit": "153001", "name": "局"},
        {
            "op": "project.add",
            "unit": "153001",
            "code": "P1",
            "name": "项目",
            "function": "2150805",
            "category": "特定目标类",
        },
        {
            "op": "appropriation.issue",
            "project": "153001/P1",
            "amount": "100000000",
            "date": "2024-01-02",
            "doc": "文",
            "key": "ZB-1",  # every row keyed: the rerun of a completed import records nothing
        },
    ]
    rows += [
        {
            "op": "payment.request",
            "project": "153001/P1",
            "amount": "10",
            "payee": f"企业{i % 40}",
            "economic": "31299",
            "date": "2024-03-01",
            "key": f"K{i}",
            "settled_on": "2024-03-02",
        }
        for i in range(ROWS)
    ]
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def start(db: str, *args: str, page: int = 5000) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "ledger", "--db", db, *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "LEDGER_CATCHUP_PAGE": str(page)},
    )


def positions(db: str) -> list[int]:
    app = Ledger(parse_url(db))
    try:
        return [s.position for s in runner.status(app)]
    finally:
        runner.dispose(app.store)
        app.close()


def kill_after(proc: subprocess.Popen[bytes], seconds: float) -> None:
    time.sleep(seconds)
    if proc.poll() is None:
        os.kill(proc.pid, signal.SIGKILL)
    proc.wait()


def test_a_killed_import_records_all_or_nothing_and_a_rerun_completes(db: str, tmp_path: Path) -> None:
    file = big_import_file(tmp_path / "big.jsonl")
    proc = start(db, "import", str(file))
    kill_after(proc, 1.5)
    after_kill = len(stored_events(db))
    rerun = invoke(db, "--format", "json", "import", str(file))
    assert rerun.exit_code == 0, rerun.output
    total = len(stored_events(db))
    assert after_kill in (0, total)  # the killed import wrote everything or nothing
    assert total >= 2 * ROWS
    assert invoke(db, "verify").exit_code == 0


def test_a_killed_rebuild_resumes_and_equals_a_fresh_rebuild(db: str, tmp_path: Path) -> None:
    assert invoke(db, "import", str(big_import_file(tmp_path / "big.jsonl"))).exit_code == 0
    head = len(stored_events(db))
    proc = start(db, "projections", "rebuild", page=100)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:  # kill as soon as the rebuild has committed a page
        seen = positions(db)
        if 0 < min(seen) < head:
            break
        time.sleep(0.01)
    kill_after(proc, 0)
    seen = positions(db)
    assert min(seen) < head  # killed part-way
    # what the killed rebuild committed equals a fresh fold up to each model's position
    assert invoke(db, "verify").exit_code == 0
    app = Ledger(parse_url(db))
    try:
        assert runner.catch_up(app) > 0  # verify wrote nothing: the resumed catch-up is left to do
        resumed = runner.dump(app)
        runner.rebuild(app)
        assert runner.dump(app) == resumed
    finally:
        runner.dispose(app.store)
        app.close()
