"""mail/sendcalendar (docs/api.md §2.1): the iCalendar part and the SEQUENCE of each UID per account."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, Session, SQLModel, select

from ..store.db import TRAFFIC_TABLES

NO_MAIL = "invalid:nomail"  # a participant without an email (RFC 5545 needs a cal-address)


class CalendarSequence(SQLModel, table=True):
    """The current SEQUENCE of each calendar UID an account has sent."""

    __table_args__ = (UniqueConstraint("account_id", "uid"),)
    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    uid: str
    sequence: int = 0


TRAFFIC_TABLES.add(CalendarSequence.__tablename__)


@dataclass
class Meeting:
    start: datetime  # naive, local time of the emulator's zone
    end: datetime
    title: str
    organizer_name: str
    organizer_email: str
    location: str
    description: str | None
    names: list[str]
    emails: list[str] | None
    uid: str | None
    cancel: bool
    update: bool
    alarm_minutes: int | None

    @property
    def method(self) -> str:
        return "CANCEL" if self.cancel else "REQUEST"


def next_sequence(session: Session, account_id: int, uid: str, bump: bool) -> int:
    """0 on the first send of a UID; +1 for each later send of it with isUpdate or isCancel."""
    row = session.exec(select(CalendarSequence).where(CalendarSequence.account_id == account_id,
                                                      CalendarSequence.uid == uid)).first()
    if row is None:
        row = CalendarSequence(account_id=account_id, uid=uid, sequence=0)
    elif bump:
        row.sequence += 1
    session.add(row)
    return row.sequence


def build(meeting: Meeting, uid: str, sequence: int, zone: str, stamp: datetime) -> str:
    # imported on the first sendcalendar: icalendar (and dateutil) hold ~3 MB the other actions never use
    from icalendar import Alarm, Calendar, Event, vCalAddress

    tz = ZoneInfo(zone)
    calendar = Calendar()
    calendar.add("prodid", "-//sendcloud-emulator//mail sendcalendar//EN")
    calendar.add("version", "2.0")
    calendar.add("method", meeting.method)
    event = Event()
    event.add("uid", uid)
    event.add("dtstamp", stamp)
    event.add("dtstart", meeting.start.replace(tzinfo=tz))
    event.add("dtend", meeting.end.replace(tzinfo=tz))
    event.add("sequence", sequence)
    event.add("summary", meeting.title)
    event.add("location", meeting.location)
    if meeting.description is not None:
        event.add("description", meeting.description)
    event.add("status", "CANCELLED" if meeting.cancel else "CONFIRMED")
    organizer = vCalAddress(f"mailto:{meeting.organizer_email}")
    organizer.params["cn"] = meeting.organizer_name
    event.add("organizer", organizer)
    for index, name in enumerate(meeting.names):
        email = meeting.emails[index] if meeting.emails else None
        attendee = vCalAddress(f"mailto:{email}" if email else NO_MAIL)
        attendee.params["cn"] = name
        attendee.params["role"] = "REQ-PARTICIPANT"
        attendee.params["rsvp"] = "TRUE"
        event.add("attendee", attendee)
    if meeting.alarm_minutes is not None:
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", meeting.title)
        alarm.add("trigger", timedelta(minutes=-meeting.alarm_minutes))
        event.add_component(alarm)
    calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar.to_ical().decode("utf-8")
