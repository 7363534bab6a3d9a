"""The main job: rebuild the 2024 决算 of 福州市鼓楼区工业和信息化局 from events, and show it.

Records ``data/guloo-2024/ledger.jsonl`` (and the 2020 targets) through ``ledger import``
into a fresh SQLite file, then prints what a clerk and an auditor read: the 2024-12
month-end report, the 待财政统筹拨付 backlog, the reconciliation against the published
figures, a replay to 2024-06-30, and the 2020 projects judged against their targets.

    python scripts/build_reference.py [--db reference.db]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"


def ledger(db: Path, *args: str, check: bool = True) -> int:
    """Run one ``ledger`` command as a clerk would, echoing it first."""
    print(f"\n$ ledger {' '.join(args)}", flush=True)
    done = subprocess.run([sys.executable, "-m", "ledger", "--db", str(db), *args], check=False)
    if check and done.returncode != 0:
        raise SystemExit(f"命令失败（退出码 {done.returncode}）：ledger {' '.join(args)}")
    return done.returncode


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, default=ROOT / "reference.db", help="SQLite file to (re)create")
    args = parser.parse_args()
    db: Path = args.db
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    ledger(db, "init")
    # the 2020 targets first: after the 2024 year-end close nothing more is recorded into 2020
    ledger(db, "import", str(DATA / "targets-2020" / "ledger.jsonl"))
    ledger(db, "import", str(DATA / "guloo-2024" / "ledger.jsonl"))
    ledger(db, "report", "month", "153001", "2024-12")
    ledger(db, "report", "backlog", "--unit", "153001", "--year", "2024", "--as-of", "2024-12-31")
    status = ledger(
        db,
        "reconcile",
        "153001",
        "2024",
        "--published",
        str(DATA / "guloo-2024" / "published.json"),
        "--differences",
        check=False,
    )
    ledger(db, "report", "execution", "--unit", "153001", "--year", "2024", "--as-of", "2024-06-30")
    ledger(db, "report", "execution", "--unit", "153001", "--year", "2020")
    print(
        f"\n对账退出码 {status}：不一致的各项均为源文件自身的矛盾，见上表“说明”列和 data/guloo-2024/README.md。"
        if status == 1
        else f"\n对账退出码 {status}。"
    )


if __name__ == "__main__":
    main()
