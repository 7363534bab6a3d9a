"""Two clerks, two processes, one SQLite file: no rule is broken, no act lost or doubled."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import Run

WORKER = r"""
import json, sys, datetime as dt
from ledger import commands as c
from ledger.application import Ledger, ProjectRef
from ledger.errors import QuotaExceeded
from ledger.money import Amount
from ledger.storage import parse_url

import os, time
db, clerk, count, go = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
app = Ledger(parse_url(db))
while not os.path.exists(go):  # start both clerks at the same moment
    time.sleep(0.001)
ref = ProjectRef("153001", "P1")
actor = clerk if app.store.is_sqlite else app.database_role()
accepted, refused = [], []
for n in range(count):
    key = f"{clerk}-{n}"
    try:
        payment, created = app.execute(c.RequestPayment(
            project=str(ref), amount=Amount.parse("10000"), payee=f"企业{clerk}", economic="31299",
            on=dt.date(2024, 3, 1), key=key), actor=actor)
        accepted.append([key, str(payment), created])
    except QuotaExceeded:
        refused.append(key)
print(json.dumps({"accepted": accepted, "refused": refused}))
"""


def test_two_processes_requesting_payments_on_one_project_never_overspend(
    unit_with_project: str, run: Run, tmp_path: Path
) -> None:
    # quota 100,000.00 元 = room for exactly 10 payments of 10,000.00 元
    go = tmp_path / "go"
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, str(unit_with_project), clerk, "12", str(go)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for clerk in ("A", "B")
    ]
    time.sleep(0.5)
    go.touch()
    outcomes = []
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        outcomes.append(json.loads(out))
    accepted = [a for o in outcomes for a in o["accepted"]]
    refused = [r for o in outcomes for r in o["refused"]]
    assert len(accepted) == 10 and len(refused) == 14
    assert all(created for _, _, created in accepted)
    assert len({payment for _, payment, _ in accepted}) == 10

    history = json.loads(run("--format", "json", "history", "P1").output)["events"]
    requests = [e for e in history if e["event"] == "PaymentRequested"]
    assert sorted(e["key"] for e in requests) == sorted(key for key, _, _ in accepted)
    assert sum(e["amount"] for e in requests) == 10_000_000
    assert [e["version"] for e in history] == list(range(1, len(history) + 1))
