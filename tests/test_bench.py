"""The benchmark entry point runs end to end (`scripts/bench/run --quick` with tiny sizes) and prints a
ratio row for every benchmark. Not a timing assertion: only that it works and reports."""

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ROWS = ["baseline: userinfo/get", "mail/send, 1 recipient", "mail/send, 100 recipients (xsmtpapi)", "label/list",
        "data/emailStatus, days=1, limit=100", "statday/list, days=1", "statday/list, days=1, aggregate=1",
        "GET /_emulator/mails?to= (outbox lookup)", "mail/send, address list of", "webhook callbacks",
        "peak RSS of the server: end / start-up", "SMTP messages/s, 1 connection / mail/send",
        "SMTP messages/s, 8 connections / mail/send", "baseline: session + SELECT 1", "first page (no filter)",
        "recipient filter", "text search (rare: 'Order 99999 ')", "live check (event stream, nothing new)"]


def test_bench_quick_prints_a_ratio_row_per_benchmark():
    env = {**os.environ, "SC_BENCH_PYTHON": sys.executable}
    env.pop("SC_EMULATOR_TEST_POSTGRES_URL", None)  # SQLite only here
    done = subprocess.run([str(ROOT / "scripts" / "bench" / "run"), "--quick", "--scale", "0.2", "--concurrency", "2"],
                          env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    lines = done.stdout.splitlines()
    for name in ROWS:
        rows = [line for line in lines if line.startswith(name)]
        assert rows, f"no row for {name!r} in:\n{done.stdout}"
        assert re.search(r"\s\d+\.\d\dx(\s|$)", rows[0]), rows[0]
