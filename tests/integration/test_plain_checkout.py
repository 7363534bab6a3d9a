"""A checkout on ``PYTHONPATH=src:.`` is the whole program: nothing has to be installed
for the command line to find the reports (no entry point, no plugin discovery)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    """The two packages of the checkout as a clean clone has them (no ``*.egg-info`` an
    editable install leaves beside them), at ``src/ledger`` and ``projections``."""
    root = tmp_path / "checkout"
    (root / "src").mkdir(parents=True)
    (root / "src" / "ledger").symlink_to(ROOT / "src" / "ledger")
    (root / "projections").symlink_to(ROOT / "projections")
    return root


@pytest.fixture
def libraries(tmp_path: Path) -> Path:
    """The installed libraries ledger needs, without ledger itself: every entry of
    site-packages but ledger's own distribution, its editable-install finder and the
    ``.pth`` files (which ``python -S`` would not run anyway)."""
    site = Path(sysconfig.get_paths()["purelib"])
    kept = tmp_path / "libraries"
    kept.mkdir()
    for entry in site.iterdir():
        name = entry.name
        if name.startswith(("ledger-", "ledger.", "__editable__")) or name.endswith(".pth"):
            continue
        (kept / name).symlink_to(entry)
    return kept


def path(checkout: Path, libraries: Path) -> str:
    """``PYTHONPATH=src:.`` of the checkout, then the libraries."""
    return os.pathsep.join([str(checkout / "src"), str(checkout), str(libraries)])


def plain(checkout: Path, libraries: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``python -S -m ledger ARGS`` on the checkout: no site-packages, no .pth files."""
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(cwd),
        "LEDGER_ACTOR": "测试",
        "PYTHONPATH": path(checkout, libraries),
    }
    return subprocess.run(
        [sys.executable, "-S", "-m", "ledger", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_interpreter_used_cannot_see_an_installed_ledger(
    checkout: Path, libraries: Path, tmp_path: Path
) -> None:
    probe = (
        "import importlib.metadata as m, sys\n"
        "try:\n    m.distribution('ledger')\nexcept m.PackageNotFoundError:\n    sys.exit(0)\n"
        "sys.exit(3)\n"
    )
    env = {"PYTHONPATH": path(checkout, libraries)}
    done = subprocess.run([sys.executable, "-S", "-c", probe], env=env, cwd=tmp_path, timeout=60)
    assert done.returncode == 0  # not installed: whatever runs below runs from the checkout


def test_a_plain_checkout_lists_the_reports_and_runs_one(
    checkout: Path, libraries: Path, tmp_path: Path
) -> None:
    help_page = plain(checkout, libraries, tmp_path, "--help")
    assert help_page.returncode == 0, help_page.stderr
    for command in ("report", "projections", "verify", "export", "restore", "reconcile"):
        assert f"  {command} " in help_page.stdout, command
    reports = plain(checkout, libraries, tmp_path, "report", "--help")
    assert reports.returncode == 0, reports.stderr
    for name in ("execution", "backlog", "month", "final-accounts", "balances"):
        assert f"  {name} " in reports.stdout, name

    db = str(tmp_path / "ledger.db")
    for args in (
        ("init",),
        ("unit", "add", "153001", "局", "--kind", "行政单位"),
        ("project", "add", "153001", "P1", "项目", "--function", "2150805", "--category", "特定目标类"),
        ("appropriation", "issue", "P1", "120万", "--date", "2024-03-12", "--doc", "文1"),
        ("payment", "request", "P1", "50万", "--payee", "甲", "--economic", "31299", "--date", "2024-04-02"),
    ):
        done = plain(checkout, libraries, tmp_path, "--db", db, *args)
        assert done.returncode == 0, (args, done.stderr)
    report = plain(checkout, libraries, tmp_path, "--db", db, "--format", "json", "report", "execution", "153001", "2024")
    assert report.returncode == 0, report.stderr
    line = json.loads(report.stdout)["projects"][0]
    assert (line["project"], line["quota_fen"], line["pending_fen"]) == ("153001/P1", 120_000_000, 50_000_000)
    listed = plain(checkout, libraries, tmp_path, "--db", db, "--format", "json", "unit", "list")
    assert listed.returncode == 0, listed.stderr
    assert "153001" in listed.stdout
