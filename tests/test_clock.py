"""The per-account clock (control-api.md "Clock (per account)") and the one rule for stored times."""

import re
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import sendcloud_emulator
from sendcloud_emulator.domain.clock import UTCDateTime, fmt, iso, parse_iso

PACKAGE = Path(sendcloud_emulator.__file__).parent
# Reads of the wall clock. time.monotonic (timeouts, waits) is no time of account data.
SYSTEM_CLOCK = re.compile(r"datetime\.now\(|datetime\.utcnow\(|date\.today\(|time\.time\(|utcnow\(|"
                          r"func\.now\(|CURRENT_TIMESTAMP|localtime\(|gmtime\(")


def test_only_the_clock_module_reads_the_system_clock():
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if SYSTEM_CLOCK.search(line):
                found.append(f"{path.relative_to(PACKAGE)}:{number}: {line.strip()}")
    assert [f for f in found if not f.startswith("domain/clock.py:")] == []
    assert any("datetime.now(UTC)" in f for f in found)  # the one read is there (the pattern works)


def test_every_stored_time_is_a_utc_column():
    from sqlalchemy import DateTime
    from sqlmodel import SQLModel

    from sendcloud_emulator.store.db import load_table_modules

    load_table_modules()
    times = [(t.name, c.name, type(c.type).__name__) for t in SQLModel.metadata.sorted_tables for c in t.columns
             if isinstance(c.type, (DateTime, UTCDateTime))]
    assert len(times) > 20
    assert [entry for entry in times if entry[2] != "UTCDateTime"] == []


def test_a_naive_stored_time_is_utc_and_shown_in_the_zone():
    from zoneinfo import ZoneInfo

    column = UTCDateTime()
    shanghai = ZoneInfo("Asia/Shanghai")
    stored = column.process_bind_param(datetime(2026, 11, 26, 10, 15, 24, tzinfo=shanghai), None)
    assert stored == datetime(2026, 11, 26, 2, 15, 24) and stored.tzinfo is None
    assert column.process_bind_param(datetime(2026, 11, 26, 2, 15, 24), None) == stored  # naive means UTC
    back = column.process_result_value(stored, None)
    assert back == datetime(2026, 11, 26, 2, 15, 24, tzinfo=UTC) and back.tzinfo is UTC
    assert fmt(back, shanghai) == "2026-11-26 10:15:24" and fmt(None, shanghai) == ""
    assert iso(back, shanghai) == "2026-11-26T10:15:24+08:00" and iso(None, shanghai) is None
    assert parse_iso("2026-11-26T10:15:24", shanghai) == back  # no offset: the emulator's zone
    assert parse_iso("2026-11-26T02:15:24Z", shanghai) == back
    assert parse_iso("2026-11-26T03:15:24+01:00", shanghai) == back
    assert parse_iso("2026-11-26T03:15:24+01:00", shanghai).tzinfo is UTC
    assert back.astimezone(timezone(timedelta(hours=-5))).hour == 21
