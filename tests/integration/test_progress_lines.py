"""Long commands say how far they have got on stderr; stdout stays the clean document."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from ledger.cli import cli
from tests.conftest import stored_events

LINE = re.compile(r"^(.+)：已处理 ([0-9,]+) / ([0-9,]+) (\S+)$")


def ledger(db: Path, *args: str, every: int) -> Result:
    runner = CliRunner(env={"LEDGER_PROGRESS_EVERY": str(every), "LEDGER_ACTOR": "测试"})
    return runner.invoke(cli, ["--db", str(db), "--format", "json", *args], catch_exceptions=False)


def progress_lines(result: Result) -> list[tuple[str, int, int]]:
    found = []
    for line in result.stderr.splitlines():
        m = LINE.match(line)
        assert m, f"stderr holds only progress lines here: {line!r}"
        found.append((m[1], int(m[2].replace(",", "")), int(m[3].replace(",", ""))))
    return found


@pytest.fixture
def imported(tmp_path: Path) -> Path:
    """A ledger of 1,200 units, imported from a JSON Lines file."""
    db = tmp_path / "ledger.db"
    assert ledger(db, "init", every=10_000).exit_code == 0
    rows = [{"op": "unit.add", "unit": f"{200000 + i}", "name": f"单位{i}"} for i in range(1200)]
    file = tmp_path / "units.jsonl"
    file.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    result = ledger(db, "import", str(file), every=500)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["recorded"] == 1200
    assert progress_lines(result) == [
        ("检查并记录", 1000, 1200),
        ("检查并记录", 1200, 1200),
    ]
    return db


def test_verify_export_restore_and_rebuild_print_periodic_lines_on_stderr_only(
    imported: Path, tmp_path: Path
) -> None:
    n = len(stored_events(imported))  # 1,200 acts' events and the import log's two
    assert n == 1202
    verified = ledger(imported, "verify", every=500)
    assert verified.exit_code == 0, verified.output
    assert json.loads(verified.stdout)["events"] == n
    lines = progress_lines(verified)
    for phase in ("校验（解读事件）", "校验（读模型）", "校验（按规则重放）"):
        assert [(done, total) for label, done, total in lines if label == phase] == [
            (500, n),
            (1000, n),
            (n, n),
        ], phase

    backup = tmp_path / "backup.jsonl"
    exported = ledger(imported, "export", str(backup), every=500)
    assert exported.exit_code == 0, exported.output
    assert json.loads(exported.stdout)["events"] == n
    assert progress_lines(exported) == [("导出", n, n)]  # one page of events

    restored_db = tmp_path / "restored.db"
    assert ledger(restored_db, "init", every=10_000).exit_code == 0
    restored = ledger(restored_db, "restore", str(backup), every=500)
    assert restored.exit_code == 0, restored.output
    assert json.loads(restored.stdout)["events"] == n
    lines = progress_lines(restored)
    assert [(d, t) for label, d, t in lines if label == "恢复（校验备份）"] == [(500, n + 2), (1000, n + 2), (n + 2, n + 2)]
    assert [(d, t) for label, d, t in lines if label == "恢复（更新读模型）"] == [(n, n)]
    assert len(stored_events(restored_db)) == n

    rebuilt = ledger(imported, "projections", "rebuild", every=500)
    assert rebuilt.exit_code == 0, rebuilt.output
    assert json.loads(rebuilt.stdout)["events"] == n
    assert progress_lines(rebuilt) == [("重建读模型", n, n)]


def test_below_the_period_nothing_is_printed_beside_the_document(imported: Path) -> None:
    verified = ledger(imported, "verify", every=10_000)
    assert verified.exit_code == 0
    assert verified.stderr == ""
    assert verified.output == verified.stdout


def test_a_malformed_period_is_refused_before_anything_is_read(imported: Path) -> None:
    result = CliRunner(env={"LEDGER_PROGRESS_EVERY": "十"}).invoke(cli, ["--db", str(imported), "verify"])
    assert result.exit_code == 2
    assert "LEDGER_PROGRESS_EVERY" in result.stderr and result.stdout == ""
