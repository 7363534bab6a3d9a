"""The benchmark script runs end to end and reports every figure it promises (tiny scale)."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from tests.pgserver import Server

ROOT = Path(__file__).resolve().parents[2]


def test_the_benchmark_runs_at_a_tiny_scale_and_reports_every_figure(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    args = [sys.executable, str(ROOT / "scripts" / "bench.py"), "--scale", "0.0005", "--no-growth"]
    args += ["--workdir", str(tmp_path)]
    if backend == "postgres":
        server: Server = request.getfixturevalue("pg_server")
        args += ["--db", server.url("ledger_test", schema=f"b_{uuid.uuid4().hex[:16]}")]
    out = subprocess.run(args, capture_output=True, text=True, check=True, timeout=600).stdout
    document, end = json.JSONDecoder().raw_decode(out)
    (result,) = document["results"]
    assert result["units"] == 1 and result["events"] > 1000
    assert result["import"]["events_per_s"] > 0 and result["rebuild"]["events_per_s"] > 0
    if backend == "sqlite":  # the raw limits are measured with plain sqlite3
        assert result["import"]["raw_executemany_per_s"] > 0 and result["import"]["ratio"] > 0
        assert result["rebuild"]["raw_read_per_s"] > 0 and result["rebuild"]["ratio"] > 0
        assert result["import"]["library_floor_per_s"] > 0  # the event library alone
        assert result["rebuild"]["raw_json_read_per_s"] > 0  # reading the stored JSON in SQL
    assert result["one_command_s"]["median"] > 0
    assert set(result["reports_s"]) == {"month", "execution", "final_accounts", "execution_as_of"}
    assert all(isinstance(s, float) for s in result["reports_s"].values()), result["reports_s"]
    assert all(result["reports_max_s"][n] >= s for n, s in result["reports_s"].items())  # median of several
    # each report states its own query time, and that is part of its wall time
    for name, query in result["report_queries_s"].items():
        assert isinstance(query, float) and 0 < query < result["reports_s"][name]
    assert result["peak_rss_mb"]["import"] > 0 and result["peak_rss_mb"]["rebuild"] > 0
    assert "import ev/s" in out[end:]  # and the readable table after the JSON
