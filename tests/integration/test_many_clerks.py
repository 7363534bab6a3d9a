"""Many clerks at once: 8 processes × 50 payment requests, with settlements and refunds."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

from ledger.application import Ledger, ProjectRef
from ledger.storage import parse_url
from projections import runner
from tests.conftest import Run

PROJECTS = ["P1", "P2", "P3"]
QUOTA_YUAN = 60_000  # per project: room for 60 of the 400 requests of 1,000–5,000 元

WORKER = r"""
import json, os, random, sys, time, datetime as dt
from ledger import commands as c
from ledger.application import Ledger, PaymentRef, ProjectRef
from ledger.errors import LedgerError
from ledger.money import Amount
from ledger.storage import parse_url
from projections import runner

db, clerk, count, go = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
app = Ledger(parse_url(db))
actor = clerk if app.store.is_sqlite else app.database_role()
rng = random.Random(clerk)
while not os.path.exists(go):
    time.sleep(0.001)
accepted, refused, settled, refunded = [], [], [], []
for n in range(count):
    code = rng.choice(["P1", "P2", "P3"])
    ref = ProjectRef("153001", code)
    key = f"{clerk}-{n}"
    amount = rng.randint(1, 5) * 1000
    try:
        payment, _ = app.execute(c.RequestPayment(project=str(ref), amount=Amount.parse(str(amount)),
                                 payee=f"企业{rng.randint(1, 9)}", economic="31299", on=dt.date(2024, 3, 1),
                                 key=key), actor=actor)
    except LedgerError as e:
        refused.append([key, str(e)[:80]])
        continue
    accepted.append([key, str(payment), amount])
    if rng.random() < 0.6:
        app.execute(c.SettlePayment(payment=str(payment), on=dt.date(2024, 3, 5), voucher=key), actor=actor)
        settled.append(str(payment))
        if rng.random() < 0.3:
            app.execute(c.RefundPayment(payment=str(payment), amount=Amount.parse("100"), on=dt.date(2024, 3, 9),
                                        reason="退回"), actor=actor)
            refunded.append(str(payment))
    if n % 10 == 0:
        runner.catch_up(app)
runner.catch_up(app)
print(json.dumps({"accepted": accepted, "refused": refused, "settled": settled, "refunded": refunded}))
"""


def test_eight_clerks_never_overspend_lose_or_double_a_request(db: str, run: Run, tmp_path: Path) -> None:
    assert run("unit", "add", "153001", "局").exit_code == 0
    for code in PROJECTS:
        assert (
            run(
                "project",
                "add",
                "153001",
                code,
                f"项目{code}",
                "--function",
                "2150805",
                "--category",
                "特定目标类",
            ).exit_code
            == 0
        )
        assert (
            run(
                "appropriation",
                "issue",
                f"153001/{code}",
                str(QUOTA_YUAN),
                "--date",
                "2024-01-10",
                "--doc",
                "文",
            ).exit_code
            == 0
        )
    go = tmp_path / "go"
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, db, f"C{i}", "50", str(go)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(8)
    ]
    time.sleep(1.0)
    go.touch()
    outcomes = []
    for proc in procs:
        out, err = proc.communicate(timeout=600)
        assert proc.returncode == 0, err[-2000:]
        outcomes.append(json.loads(out))
    accepted = [a for o in outcomes for a in o["accepted"]]
    refused = [r for o in outcomes for r in o["refused"]]
    assert len(accepted) + len(refused) == 400  # every request answered to its caller
    assert refused and all("超过可用指标" in reason for _, reason in refused)

    app = Ledger(parse_url(db))
    try:
        requested: dict[str, int] = {}
        for code in PROJECTS:
            project = app.get_project(ProjectRef("153001", code))
            assert project.invariant_violations() == []
            assert project.committed(2024) <= QUOTA_YUAN * 100
            for payment in project.payments.values():
                requested[payment.key] = requested.get(payment.key, 0) + 1
        assert requested == {key: 1 for key, _, _ in accepted}  # each accepted request exactly once
        settled = {p for o in outcomes for p in o["settled"]}
        refunds = [p for o in outcomes for p in o["refunded"]]
        paid = sum(amount * 100 for _, payment, amount in accepted if payment in settled) - 100 * 100 * len(
            refunds
        )
        assert sum(app.get_project(ProjectRef("153001", c)).paid(2024) for c in PROJECTS) == paid

        runner.catch_up(app)
        incremental = runner.dump(app)
        runner.rebuild(app)
        assert runner.dump(app) == incremental
    finally:
        runner.dispose(app.store)
        app.close()
