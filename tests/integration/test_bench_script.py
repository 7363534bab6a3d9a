"""The benchmark script runs end to end and reports every figure and target it promises
(tiny scale, one run of each timed process; no timing is asserted)."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest

from tests.pgserver import Server

ROOT = Path(__file__).resolve().parents[2]
TARGETS = {
    "rebuild",
    "import",
    "one command",
    *(
        f"report {n}{suffix}"
        for n in ("month", "execution", "final_accounts", "execution_as_of")
        for suffix in ("", " ÷ bare python")
    ),
}


def bench(tmp_path: Path, *extra: str, db: str | None = None) -> subprocess.CompletedProcess[str]:
    args = [sys.executable, str(ROOT / "scripts" / "bench.py"), "--scale", "0.0005", "--no-growth"]
    args += ["--repeat", "1", "--workdir", str(tmp_path), *extra]
    if db is not None:
        args += ["--db", db]
    return subprocess.run(args, capture_output=True, text=True, timeout=600)


def test_with_json_the_benchmark_prints_only_its_document_on_stdout_and_the_table_on_stderr(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    db = None
    if backend == "postgres":
        server: Server = request.getfixturevalue("pg_server")
        db = server.url("ledger_test", schema=f"b_{uuid.uuid4().hex[:16]}")
    done = bench(tmp_path, "--json", db=db)
    assert done.returncode == 0, done.stderr  # a missed target is reported, not an error
    document = json.loads(done.stdout)  # the whole of stdout is one JSON document
    (result,) = document["results"]
    assert result["units"] == 1 and result["events"] > 1000
    assert result["import"]["events_per_s"] > 0 and result["rebuild"]["events_per_s"] > 0
    targets: dict[str, dict[str, Any]] = {t["name"]: t for t in result["targets"]}
    assert set(targets) == TARGETS
    for t in targets.values():
        assert t["op"] in (">=", "<=") and t["limit"] > 0
        if t["value"] is not None:  # pass is what the value says against the limit
            assert t["pass"] == (t["value"] >= t["limit"] if t["op"] == ">=" else t["value"] <= t["limit"])
    if backend == "sqlite":  # the raw limits and the library floor are measured on SQLite
        imp, reb = result["import"], result["rebuild"]
        assert imp["raw_executemany_per_s"] > 0 and imp["library_floor_per_s"] > 0
        # the floor goes through the product's recorder, which seals the hash chain
        assert imp["library_floor_recorder"] == "ledger.sqliterecorder:LedgerSQLiteRecorder"
        # the target's two sides, measured side by side (once with --repeat 1)
        (trial,) = imp["trials"]
        assert trial["events"] > 1000 and trial["import_per_s"] > 0 and trial["floor_per_s"] > 0
        assert (imp["median_import_per_s"], imp["library_floor_per_s"]) == (trial["import_per_s"], trial["floor_per_s"])
        ratio = imp["median_import_per_s"] / imp["library_floor_per_s"]
        assert (
            targets["import"]["value"]
            == imp["ratio_to_library_floor"]
            == pytest.approx(ratio, rel=0.01, abs=0.002)
        )
        assert reb["raw_read_per_s"] > 0 and reb["raw_json_read_per_s"] > 0
        assert targets["rebuild"]["value"] == reb["ratio_to_raw_read"] > 0
        assert len(reb["trials_s"]) == len(reb["raw_read_trials_per_s"]) == 1
        assert all(isinstance(t["pass"], bool) for t in targets.values())
    else:
        assert targets["rebuild"]["pass"] is None and targets["import"]["pass"] is None  # not measured
    assert result["one_command_s"]["median"] == targets["one command"]["value"] > 0
    assert set(result["reports_s"]) == {"month", "execution", "final_accounts", "execution_as_of"}
    assert all(isinstance(s, float) for s in result["reports_s"].values()), result["reports_s"]
    for name, seconds in result["reports_s"].items():
        assert targets[f"report {name}"]["value"] == seconds
        assert result["bare_python_s"][name] > 0  # the bare interpreter measured beside it
        assert targets[f"report {name} ÷ bare python"]["value"] == round(
            seconds / result["bare_python_s"][name], 2
        )
        query = result["report_queries_s"][name]  # each report states its own query time
        assert isinstance(query, float) and 0 < query < seconds
    assert result["peak_rss_mb"]["import"] > 0 and result["peak_rss_mb"]["rebuild"] > 0
    # the readable table, the targets and the README's markdown rows, on stderr
    assert "import ev/s" in done.stderr and "targets at scale 0.0005" in done.stderr
    assert "| 0.0005 (1 unit) | " in done.stderr and "| 0.0005 | one command |" in done.stderr


def test_without_json_the_table_is_on_stdout_and_check_fails_on_a_missed_target(tmp_path: Path) -> None:
    done = bench(tmp_path, "--check")
    assert "import ev/s" in done.stdout and "targets at scale" in done.stdout
    assert not done.stdout.lstrip().startswith("{")
    missed = [line for line in done.stdout.splitlines() if line.startswith("| 0.0005 |") and "**no**" in line]
    assert done.returncode == (1 if missed else 0), done.stderr
