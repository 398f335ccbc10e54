"""Benchmark: the web UI's mail list with 100k stored mails (keyset paging stays flat).

    .venv/bin/python scripts/bench/ui_mail_list.py [--mails 100000] [--database sqlite:///path]

(scripts/bench/run runs it too, after the HTTP benchmarks.)

Fills a fresh database with N mails in two accounts, then times the list queries the pages run:
the first page, a page deep in the history (keyset cursor), the filters, and the live check (what the event stream reads after a write).
Not a test: it prints numbers, each also as a ratio to a baseline (a session running SELECT 1).
"""

import argparse
import statistics
import tempfile
import time
from datetime import timedelta

from sqlalchemy import insert, text

from sendcloud_emulator.domain import clock
from sendcloud_emulator.domain.accounts import create_account, find_account
from sendcloud_emulator.domain.outbox import Mail
from sendcloud_emulator.store.db import Store
from sendcloud_emulator.ui import live, queries
from sendcloud_emulator.domain.outbox import MailFilter

STATUSES = ("deliver", "deliver", "deliver", "invalid", "soft_bounce")


def fill(store: Store, count: int) -> tuple[str, str]:
    with store.session(write=True) as session:
        a = create_account(store, session, {"userName": "bench_a"})
        b = create_account(store, session, {"userName": "bench_b"})
    with store.session(write=True) as session:
        ids = [find_account(session, user_name=n).id for n in ("bench_a", "bench_b")]
    start = clock.real_time() - timedelta(days=30)
    batch = []
    for i in range(count):
        account_id = ids[i % 2]
        to = f"user{i % 5000}@example.com"
        batch.append({"account_id": account_id, "email_id": f"{i}_{account_id}$" + to, "message_id": f"m{i}",
                      "api_user": f"bench_{'ab'[i % 2]}_trigger", "recipient": to, "recipient_key": to,
                      "recipient_domain": "example.com", "from_address": "shop@example.com",
                      "subject": f"Order {i} shipped" if i % 10 else f"Password reset {i}",
                      "html": f"<p>Hello user {i}, your order is on its way.</p>", "plain": None,
                      "label_id": (i % 7), "status": STATUSES[i % len(STATUSES)],
                      "request_time": start + timedelta(seconds=i * 25), "status_time": start})
        if len(batch) == 5000:
            with store.session(write=True) as session:
                session.execute(insert(Mail), batch)
            batch = []
    if batch:
        with store.session(write=True) as session:
            session.execute(insert(Mail), batch)
    return a["userName"], b["userName"]


def timed(store: Store, rows: list, label: str, run, repeat: int = 20) -> None:
    samples = []
    for _ in range(repeat):
        begin = time.perf_counter()
        with store.session() as session:
            run(session)
        samples.append((time.perf_counter() - begin) * 1000)
    ordered = sorted(samples)
    rows.append((label, statistics.median(samples), ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))], ""))


def run(url: str, mails: int, repeat: int = 20) -> tuple[list, float]:
    """Fill an empty database at `url` with `mails` mails and time the list queries.
    Returns rows (name, median ms, p95 ms, note) and the baseline median (a session running `SELECT 1`)."""
    store = Store(url)
    store.create_schema()
    begin = time.perf_counter()
    account, _other = fill(store, mails)
    filled = time.perf_counter() - begin
    rows: list = []
    timed(store, rows, "baseline: session + SELECT 1", lambda s: s.execute(text("SELECT 1")).all(), repeat)
    rows[0] = (*rows[0][:3], f"filled {mails} mails in {filled:.1f} s")
    with store.session() as session:
        oldest = queries.mail_page(session, MailFilter(), before=60, limit=50)
    assert oldest.rows or mails < 60, "paging reached the start of the history"
    middle_id = mails // 2
    everything = MailFilter()
    t = lambda label, q: timed(store, rows, label, q, repeat)  # noqa: E731
    t("first page (no filter)", lambda s: queries.mail_page(s, everything))
    t("page in the middle (before=N/2)", lambda s: queries.mail_page(s, everything, before=middle_id))
    t("last page (before=60)", lambda s: queries.mail_page(s, everything, before=60))
    t("newer page (after=N/2)", lambda s: queries.mail_page(s, everything, after=middle_id))
    t("account filter, deep page", lambda s: queries.mail_page(s, MailFilter(account=account), before=1000))
    t("recipient filter", lambda s: queries.mail_page(s, MailFilter(to="user42@example.com")))
    t("status filter (invalid)", lambda s: queries.mail_page(s, MailFilter(status="invalid")))
    t("label filter", lambda s: queries.mail_page(s, MailFilter(label_id=3)))
    common, rare = MailFilter(q="Password reset"), MailFilter(q="Order 99999 ")
    t("text search (common: 'Password reset')", lambda s: queries.mail_page(s, common))
    t("text search (rare: 'Order 99999 ')", lambda s: queries.mail_page(s, rare))
    def live_check(session):  # one look of the list's event stream when nothing changed
        state = live.ListState(everything, after=mails + 10, events=queries.newest_event_id(session))
        return state.look(session, lambda rows: "", str)

    t("live check (event stream, nothing new)", live_check)
    store.engine.dispose()
    return rows, rows[0][1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mails", type=int, default=100_000)
    parser.add_argument("--database", default=None,
                        help="SQLAlchemy URL of an EMPTY database (default: a temp SQLite file)")
    args = parser.parse_args()
    url = args.database or f"sqlite:///{tempfile.mkdtemp()}/bench.db"
    rows, baseline = run(url, args.mails)
    print(f"{'query':<48} {'median ms':>10} {'p95 ms':>10} {'ratio':>8}  note")
    for name, median, p95, note in rows:
        print(f"{name:<48} {median:>10.2f} {p95:>10.2f} {median / baseline:>7.2f}x  {note}")


if __name__ == "__main__":
    main()
