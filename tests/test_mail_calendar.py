"""mail/sendcalendar (api.md §2.1): every calendar code, and a real iCalendar part per mail."""

import email
import email.policy
import json

import pytest
from icalendar import Calendar

from .conftest import Api, new_account
from .test_mail_send import full, mails

MEETING = {
    "from": "Org <org@example.com>", "to": "ann@example.com;bob@example.com", "subject": "Planning",
    "html": "<p>join us</p>", "startTime": "2024-11-26 10:00:00", "endTime": "2024-11-26 11:30:00",
    "title": "Quarterly planning", "organizerName": "Olga Org", "organizerEmail": "org@example.com",
    "location": "Room 1", "description": "Bring numbers", "participatorNames": "Ann;Bob",
    "participatorEmails": "ann@example.com;bob@example.com",
}


def csend(api: Api, **params) -> dict:
    data = {k: v for k, v in {**MEETING, **params}.items() if v is not None}
    return api.call("mail/sendcalendar", **data)


def ccode(api: Api, **params) -> int:
    return csend(api, **params)["statusCode"]


def event_of(client, email_id: str):
    raw = client.get(f"/_emulator/mails/{email_id}/raw").content
    message = email.message_from_bytes(raw, policy=email.policy.default)
    parts = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
    assert len(parts) == 1
    part = parts[0]
    calendar = Calendar.from_ical(part.get_content())
    (event,) = calendar.walk("VEVENT")
    return message, part, calendar, event


def test_calendar_request(api, client):
    answer = csend(api, valarmTime="15")
    assert answer["statusCode"] == 200
    ids = answer["info"]["emailIdList"]
    assert len(ids) == 2
    message, part, calendar, event = event_of(client, ids[0])
    assert part.get_param("method") == "REQUEST" and str(calendar["METHOD"]) == "REQUEST"
    message_id = full(client, ids[0])["messageId"]
    assert str(event["UID"]) == message_id
    assert int(event["SEQUENCE"]) == 0
    assert str(event["SUMMARY"]) == "Quarterly planning"
    assert str(event["LOCATION"]) == "Room 1" and str(event["DESCRIPTION"]) == "Bring numbers"
    start = event["DTSTART"]
    assert start.params["TZID"] == "Asia/Shanghai"
    assert start.dt.strftime("%Y-%m-%d %H:%M:%S") == "2024-11-26 10:00:00"
    assert event["DTEND"].dt.strftime("%H:%M") == "11:30"
    assert "DTSTART;TZID=Asia/Shanghai:20241126T100000" in part.get_content()
    assert [tz["TZID"] for tz in calendar.walk("VTIMEZONE")] == ["Asia/Shanghai"]
    organizer = event["ORGANIZER"]
    assert str(organizer) == "mailto:org@example.com" and organizer.params["CN"] == "Olga Org"
    attendees = event["ATTENDEE"]
    assert [str(a) for a in attendees] == ["mailto:ann@example.com", "mailto:bob@example.com"]
    assert [a.params["CN"] for a in attendees] == ["Ann", "Bob"]
    (alarm,) = event.walk("VALARM")
    assert alarm["TRIGGER"].dt.total_seconds() == -15 * 60
    html = message.get_body(preferencelist=("html",))
    assert html.get_content().strip() == "<p>join us</p>"


def test_calendar_update_and_cancel_sequence(api, client, other_api):
    first = csend(api, uid="meeting-1")["info"]["emailIdList"][0]
    assert int(event_of(client, first)[3]["SEQUENCE"]) == 0
    again = csend(api, uid="meeting-1")["info"]["emailIdList"][0]
    assert int(event_of(client, again)[3]["SEQUENCE"]) == 0
    update = csend(api, uid="meeting-1", isUpdate="true", startTime="2024-11-27 10:00:00",
                   endTime="2024-11-27 11:00:00")["info"]["emailIdList"][0]
    _, part, _, event = event_of(client, update)
    assert int(event["SEQUENCE"]) == 1 and part.get_param("method") == "REQUEST"
    assert event["DTSTART"].dt.day == 27
    cancel = csend(api, uid="meeting-1", isCancel="True", isUpdate="true")["info"]["emailIdList"][0]
    _, part, calendar, event = event_of(client, cancel)
    assert int(event["SEQUENCE"]) == 2
    assert part.get_param("method") == "CANCEL" and str(calendar["METHOD"]) == "CANCEL"
    # the sequence is per account
    other = csend(other_api, uid="meeting-1", isUpdate="true")["info"]["emailIdList"][0]
    assert int(event_of(client, other)[3]["SEQUENCE"]) == 0


def test_calendar_without_emails_and_without_alarm(api, client):
    email_id = csend(api, participatorEmails=None, description=None, valarmTime="soon")["info"]["emailIdList"][0]
    _, _, _, event = event_of(client, email_id)
    attendees = event["ATTENDEE"]
    attendees = attendees if isinstance(attendees, list) else [attendees]
    assert [a.params["CN"] for a in attendees] == ["Ann", "Bob"]
    assert "DESCRIPTION" not in event and not event.walk("VALARM")


def test_calendar_with_xsmtpapi_and_plain(api, client):
    answer = csend(api, to="bad", html="", plain="hi %n%",
                   xsmtpapi=json.dumps({"to": ["x@example.com"], "sub": {"%n%": ["X"]}}))
    (email_id,) = answer["info"]["emailIdList"]
    assert full(client, email_id)["plain"] == "hi X"
    message, _, _, event = event_of(client, email_id)
    assert message.get_body(preferencelist=("plain",)).get_content().strip() == "hi X"


def test_calendar_with_attachment(api, client):
    answer = api.call("mail/sendcalendar", files=[("attachments", ("agenda.txt", b"agenda", "text/plain"))],
                      **MEETING)
    email_id = answer["info"]["emailIdList"][0]
    message, _, _, _ = event_of(client, email_id)
    assert [p.get_filename() for p in message.iter_attachments()] == ["agenda.txt"]


@pytest.mark.parametrize("params, expected", [
    ({"startTime": None}, 40832), ({"startTime": " "}, 40832), ({"startTime": "2024-11-26"}, 40833),
    ({"startTime": "2024-02-30 10:00:00"}, 40833), ({"startTime": "2024-11-26 24:00:00"}, 40833),
    ({"endTime": None}, 40834), ({"endTime": ""}, 40834), ({"endTime": "tomorrow"}, 40835),
    ({"endTime": "2024-11-26 09:59:59"}, 40835),
    ({"title": None}, 40836), ({"title": "x" * 256}, 40837), ({"title": "a\nb"}, 40837),
    ({"organizerName": ""}, 40838), ({"organizerName": "a\rb"}, 40839),
    ({"organizerEmail": None}, 40840), ({"organizerEmail": "Org <org@example.com>"}, 40841),
    ({"location": ""}, 40842), ({"location": "x" * 256}, 40843),
    ({"description": "x" * 2001}, 40845), ({"description": "a\x00b"}, 40845),
    ({"participatorNames": None}, 40846), ({"participatorNames": ";"}, 40846),
    ({"participatorNames": "Ann;" + "x" * 256}, 40847),
    ({"participatorEmails": ";"}, 40848), ({"participatorEmails": "ann@example.com;bad"}, 40849),
    ({"participatorEmails": "ann@example.com"}, 40850),
    ({"isCancel": ""}, 40876), ({"isCancel": "yes"}, 40876), ({"isUpdate": ""}, 40876), ({"isUpdate": "2"}, 40876),
    # the mail/send rows apply too
    ({"to": None}, 40805), ({"to": "bad"}, 40806), ({"cc": "bad"}, 40853), ({"bcc": ";"}, 40855),
    ({"subject": None}, 40808), ({"html": None}, 40870), ({"gzipCompress": "x"}, 40861),
    ({"xsmtpapi": "{}"}, 40814),
])
def test_calendar_faults(api, params, expected):
    assert ccode(api, **params) == expected


def test_calendar_description_limits(api):
    assert ccode(api, description="x" * 2000) == 200
    assert ccode(api, description="") == 200  # blank counts as absent (40844 is not emitted)


def test_calendar_ignores_notification_params(api):
    assert ccode(api, useNotification="garbage", useAddressList="garbage", dispositionNotificationTo="bad") == 200


def test_calendar_duplicate_and_quota(client):
    api = Api(client, new_account(client, quota=3))
    assert ccode(api, sendRequestId="c-1") == 200
    assert ccode(api, sendRequestId="c-1") == 40000
    assert ccode(api, to="a@example.com;b@example.com") == 40904
    assert ccode(api, to="a@example.com") == 200


def test_calendar_time_zone_setting(tmp_path_factory):
    from fastapi.testclient import TestClient

    from sendcloud_emulator.app import create_app

    from .conftest import make_settings

    with TestClient(create_app(make_settings(tmp_path_factory, timezone="Europe/Berlin"))) as client:
        account = new_account(client)
        api = Api(client, account)
        email_id = csend(api)["info"]["emailIdList"][0]
        _, part, calendar, event = event_of(client, email_id)
        assert event["DTSTART"].params["TZID"] == "Europe/Berlin"
        assert "DTSTART;TZID=Europe/Berlin:20241126T100000" in part.get_content()
        assert mails(client, to="ann@example.com", account=account["userName"])[0]["createdAt"][-6:] in ("+01:00", "+02:00")
