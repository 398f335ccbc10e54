"""Benchmark: the web UI's mail list with 100k stored mails (keyset paging stays flat).

    .venv/bin/python scripts/bench/ui_mail_list.py [--mails 100000] [--database sqlite:///path]

Fills a fresh database with N mails in two accounts, then times the list queries the pages run:
the first page, a page deep in the history (keyset cursor), the filters, and the live poll.
Not a test: it prints numbers.
"""

import argparse
import statistics
import tempfile
import time
from datetime import timedelta

from sqlalchemy import insert

from emulator.domain.accounts import create_account, find_account
from emulator.domain.outbox import Mail
from emulator.store.db import Store, utcnow
from emulator.ui import queries
from emulator.ui.queries import MailFilter

STATUSES = ("deliver", "deliver", "deliver", "invalid", "soft_bounce")


def fill(store: Store, count: int) -> tuple[str, str]:
    with store.session(write=True) as session:
        a = create_account(store, session, {"userName": "bench_a"})
        b = create_account(store, session, {"userName": "bench_b"})
    with store.session(write=True) as session:
        ids = [find_account(session, user_name=n).id for n in ("bench_a", "bench_b")]
    start = utcnow() - timedelta(days=30)
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


def timed(store: Store, label: str, run, repeat: int = 20) -> None:
    samples = []
    for _ in range(repeat):
        begin = time.perf_counter()
        with store.session() as session:
            run(session)
        samples.append((time.perf_counter() - begin) * 1000)
    print(f"{label:<48} median {statistics.median(samples):7.2f} ms   max {max(samples):7.2f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mails", type=int, default=100_000)
    parser.add_argument("--database", default=None,
                        help="SQLAlchemy URL of an EMPTY database (default: a temp SQLite file)")
    args = parser.parse_args()
    url = args.database or f"sqlite:///{tempfile.mkdtemp()}/bench.db"
    store = Store(url)
    store.create_schema()
    begin = time.perf_counter()
    account, _other = fill(store, args.mails)
    print(f"filled {args.mails} mails in {time.perf_counter() - begin:.1f} s ({url})")

    with store.session() as session:
        oldest = queries.mail_page(session, MailFilter(), before=60, limit=50)
        middle_id = args.mails // 2
    assert oldest.rows, "paging reached the start of the history"
    everything = MailFilter()
    timed(store, "first page (no filter)", lambda s: queries.mail_page(s, everything))
    timed(store, "page in the middle (before=N/2)", lambda s: queries.mail_page(s, everything, before=middle_id))
    timed(store, "last page (before=60)", lambda s: queries.mail_page(s, everything, before=60))
    timed(store, "newer page (after=N/2)", lambda s: queries.mail_page(s, everything, after=middle_id))
    timed(store, "account filter, deep page", lambda s: queries.mail_page(s, MailFilter(account=account), before=1000))
    timed(store, "recipient filter", lambda s: queries.mail_page(s, MailFilter(to="user42@example.com")))
    timed(store, "status filter (invalid)", lambda s: queries.mail_page(s, MailFilter(status="invalid")))
    timed(store, "label filter", lambda s: queries.mail_page(s, MailFilter(label_id=3)))
    common, rare = MailFilter(q="Password reset"), MailFilter(q="Order 99999 ")
    timed(store, "text search (common: 'Password reset')", lambda s: queries.mail_page(s, common))
    timed(store, "text search (rare: 'Order 99999 ')", lambda s: queries.mail_page(s, rare))
    timed(store, "live poll (after = newest)", lambda s: queries.mails_after(s, everything, args.mails + 10))


if __name__ == "__main__":
    main()
