"""The SMTP door (smtp.md) with real clients over real sockets: smtplib as SendCloud's sample uses
it, Django's SMTP EmailBackend, and one test per refusal reply. The outbox is read over HTTP."""

import base64
import json
import re
import smtplib
import socket
import ssl
from concurrent.futures import ThreadPoolExecutor
from email.message import EmailMessage
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText

import pytest
from fastapi.testclient import TestClient

from sendcloud_emulator.app import create_app
from sendcloud_emulator.codes import message as code_message

from . import live
from .conftest import fault_rules, make_settings, new_account

HOST = "127.0.0.1"
QUEUED = re.compile(rb"#(.+)#Queued")


class Door:
    def __init__(self, client: TestClient, port: int, smtps_port: int):
        self.client, self.port, self.smtps_port = client, port, smtps_port

    def connect(self, account: dict | None = None, user: str | None = None) -> smtplib.SMTP:
        server = smtplib.SMTP(HOST, self.port, timeout=60)
        if account is not None:
            server.login(user or account["apiUser"], account["apiKey"])
        return server

    def mails(self, account: dict, **filters) -> list[dict]:
        params = {"account": account["userName"], "limit": 500, "order": "asc", **filters}
        response = self.client.get("/_emulator/mails", params=params)
        assert response.status_code == 200, response.text
        return response.json()["items"]

    def mail(self, email_id: str) -> dict:
        response = self.client.get(f"/_emulator/mails/{email_id}")
        assert response.status_code == 200, response.text
        return response.json()

    def raw(self, email_id: str) -> bytes:
        response = self.client.get(f"/_emulator/mails/{email_id}/raw")
        assert response.status_code == 200
        return response.content


@pytest.fixture(scope="module")
def door(tmp_path_factory):
    port, smtps_port = live.free_port(), live.free_port()
    settings = make_settings(tmp_path_factory, smtp_port=port, smtps_port=smtps_port, smtp_idle_seconds=600)
    with TestClient(create_app(settings)) as client:
        yield Door(client, port, smtps_port)


@pytest.fixture
def account(door) -> dict:
    return new_account(door.client)


def xsmtpapi(data: dict) -> str:
    """SendCloud's sample: the X-SMTPAPI header is base64 of the JSON."""
    return base64.b64encode(json.dumps(data).encode("utf-8")).decode("ascii")


def plain_message(subject="Hello", to="ben@example.com", body="Hi", **headers) -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = "Support <support@example.com>"
    message["To"] = to
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(body)
    return message


def data_reply(server: smtplib.SMTP, message, rcpt=("ben@example.com",), sender="support@example.com"):
    """MAIL, RCPT…, DATA → the reply to the final `.` (code, text)."""
    assert server.mail(sender)[0] == 250
    for address in rcpt:
        assert server.rcpt(address)[0] == 250
    data = message.as_bytes() if hasattr(message, "as_bytes") else message
    return server.data(data)


def v2_message(code: int, detail=None) -> str:
    """The code's English message as an SMTP reply carries it (ASCII quotes)."""
    return code_message(code, "en", detail).replace("\u201c", '"').replace("\u201d", '"')


def message_id_of(reply: tuple[int, bytes]) -> str:
    code, text = reply
    assert code == 250, reply
    match = QUEUED.fullmatch(text)
    assert match, text
    return match.group(1).decode("ascii")


# listener and session --------------------------------------------------------------------------
def test_health_reports_the_smtp_ports(door):
    body = door.client.get("/_emulator/health").json()
    assert body["smtp"] == {"port": door.port, "smtps": door.smtps_port}


def test_greeting_ehlo_and_quit_are_sendclouds(door):
    with socket.create_connection((HOST, door.port), timeout=60) as sock:
        assert sock.makefile("rb").readline().startswith(b"220 SendCloud Inbound Server ESMTP ready")
    server = door.connect()
    code, text = server.ehlo("client.example")
    assert code == 250
    assert text.split(b"\n")[0].endswith(b" Hello")
    assert text.split(b"\n")[1:] == [b"PIPELINING", b"8BITMIME", b"SIZE 16000000", b"STARTTLS", b"AUTH LOGIN PLAIN"]
    server.starttls(context=ssl._create_unverified_context())
    code, text = server.ehlo("client.example")
    assert text.split(b"\n")[1:] == [b"PIPELINING", b"8BITMIME", b"SIZE 16000000", b"AUTH LOGIN PLAIN"]
    assert server.docmd("NOOP") == (250, b"OK")
    assert server.quit() == (221, b"closing connection")


def test_implicit_tls_port_with_the_start_up_certificate(door, account):
    context = ssl.create_default_context()
    context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
    with smtplib.SMTP_SSL(HOST, door.smtps_port, context=context, timeout=60) as server:
        certificate = server.sock.getpeercert(binary_form=True)
        assert certificate  # a self-signed certificate made at start-up
        server.login(account["apiUser"], account["apiKey"])
        message_id = message_id_of(data_reply(server, plain_message(subject="over TLS")))
    [mail] = door.mails(account)
    assert (mail["messageId"], mail["subject"], mail["source"]) == (message_id, "over TLS", "smtp")


def test_helo_then_auth_login_without_initial_response(door, account):
    server = door.connect()
    assert server.helo("old.client")[0] == 250
    assert server.docmd("AUTH", "LOGIN") == (334, base64.b64encode(b"Username:"))
    assert server.docmd(base64.b64encode(account["apiUser"].encode()).decode())[0] == 334
    assert server.docmd(base64.b64encode(account["apiKey"].encode()).decode()) == (235, b"Authentication successful")
    message_id_of(data_reply(server, plain_message()))
    server.quit()


def test_idle_session_is_closed_with_421(tmp_path_factory):
    port = live.free_port()
    settings = make_settings(tmp_path_factory, smtp_port=port, smtp_idle_seconds=2)
    with TestClient(create_app(settings)), socket.create_connection((HOST, port), timeout=60) as sock:
        stream = sock.makefile("rb")
        assert stream.readline().startswith(b"220 ")
        assert stream.readline() == b"421 4.4.2 Idle timeout, closing connection\r\n"  # after 2 s idle
        assert stream.readline() == b""  # closed


# sending ----------------------------------------------------------------------------------------
def test_sendcloud_sample_smtplib_with_xsmtpapi_and_rset(door, account):
    """SendCloud's Python sample: login, X-SMTPAPI base64 with `to` and `sub`, rset between messages."""
    server = smtplib.SMTP(HOST, door.port, timeout=60)
    server.ehlo()
    server.login(account["apiUser"], account["apiKey"])
    ids = []
    for round_ in range(2):
        message = MIMEMultipart("alternative")
        message["Subject"] = f"Order %order% for %name% ({round_})"
        message["From"] = "Shop <shop@example.com>"
        message["To"] = "ben@example.com"
        message["X-SMTPAPI"] = xsmtpapi({"to": ["ben@example.com", "Ann <ann@example.com>"],
                                         "sub": {"%name%": ["Ben", "Ann"], "%order%": [1, 2]}})
        message.attach(MIMEText("Dear %name%, order %order%", "plain", "utf-8"))
        message.attach(MIMEText("<p>Dear %name%, order %order%</p>", "html", "utf-8"))
        ids.append(message_id_of(data_reply(server, message, rcpt=["ben@example.com"], sender="shop@example.com")))
        assert server.rset() == (250, b"OK")
    assert server.quit()[0] == 221
    mails = door.mails(account)
    assert [m["emailId"] for m in mails] == [f"{ids[0]}0$ben@example.com", f"{ids[0]}1$ann@example.com",
                                            f"{ids[1]}0$ben@example.com", f"{ids[1]}1$ann@example.com"]
    assert [m["subject"] for m in mails[:2]] == ["Order 1 for Ben (0)", "Order 2 for Ann (0)"]
    assert {m["source"] for m in mails} == {"smtp"}
    assert {(m["from"], m["fromName"], m["apiUser"], m["labelId"]) for m in mails} == {
        ("shop@example.com", "Shop", account["apiUser"], None)}
    ann = door.mail(mails[1]["emailId"])
    assert ann["plain"].strip() == "Dear Ann, order 2"
    assert ann["html"].strip() == "<p>Dear Ann, order 2</p>"
    assert ann["to"] == "ann@example.com" and ann["source"] == "smtp"
    raw = door.raw(mails[1]["emailId"])
    assert b"X-SMTPAPI" not in raw and raw.startswith(b"Received: ")
    assert b"Subject: Order 2 for Ann (0)" in raw and b"Message-ID: <" in raw
    assert b"%name%" not in raw
    assert b"\r\n\r\n\r\n" not in raw  # the removed X-SMTPAPI (the last field) leaves no empty line


def test_raw_keeps_the_body_as_sent_when_nothing_is_substituted(door, account):
    data = b"From: a@example.com\r\nSubject: as is\r\nBcc: hidden@example.com\r\n\r\nline one\r\n\r\nline 3\r\n"
    with door.connect(account) as server:
        message_id_of(data_reply(server, data, rcpt=["b@example.com"]))
    [mail] = door.mails(account)
    raw = door.raw(mail["emailId"])
    assert raw.startswith(b"Received: ") and b"Bcc" not in raw
    message_id = f"Message-ID: <{mail['messageId']}.0@sendcloud.test>".encode()  # the client set none
    assert raw.endswith(b"From: a@example.com\r\nSubject: as is\r\n" + message_id
                        + b"\r\n\r\nline one\r\n\r\nline 3\r\n")


def test_plain_json_xsmtpapi_folded_over_lines(door, account):
    value = json.dumps({"to": ["a@example.com", "b@example.com"], "sub": {"%n%": ["A", "B"]},
                        "pubsub": {"%team%": "Ops"}})
    folded = value.replace(", ", ",\r\n ")  # folded where white space is (RFC 5322 §2.2.3)
    data = (f"From: ops@example.com\r\nTo: a@example.com\r\nSubject: %n% from %team%\r\nX-SMTPAPI: {folded}\r\n"
            f"\r\nHello %n%\r\n").encode()
    with door.connect(account) as server:
        message_id_of(data_reply(server, data, rcpt=["a@example.com"]))
    mails = door.mails(account)
    assert [(m["to"], m["subject"]) for m in mails] == [("a@example.com", "A from Ops"),
                                                       ("b@example.com", "B from Ops")]
    assert door.mail(mails[1]["emailId"])["plain"].strip() == "Hello B"


def test_rcpt_recipients_with_visible_to_cc_and_hidden_bcc(door, account):
    message = plain_message(to="Ben <ben@example.com>", Cc="cat@example.com", Bcc="dan@example.com")
    with door.connect(account) as server:
        message_id = message_id_of(data_reply(server, message,
                                              rcpt=["ben@example.com", "cat@example.com", "dan@example.com"]))
    mails = door.mails(account)
    assert [m["emailId"] for m in mails] == [f"{message_id}0$ben@example.com", f"{message_id}1$cat@example.com",
                                            f"{message_id}2$dan@example.com"]
    views = [door.mail(m["emailId"]) for m in mails]
    assert [(v["toList"], v["cc"], v["bcc"]) for v in views] == [
        (["ben@example.com"], ["cat@example.com"], []), (["ben@example.com"], ["cat@example.com"], []),
        (["ben@example.com"], ["cat@example.com"], ["dan@example.com"])]
    raw = door.raw(mails[2]["emailId"])
    assert b"Bcc:" not in raw and b"dan@example.com" not in raw
    assert b"To: Ben <ben@example.com>" in raw and b"Cc: cat@example.com" in raw


def test_label_from_auth_user_suffix_and_events_of_the_simulator(door, account):
    label = door.client.post("/apiv2/label/add", data={"apiUser": account["apiUser"], "apiKey": account["apiKey"],
                                                        "labelName": "smtp"}).json()["info"]["data"]["labelId"]
    with door.connect(account, user=f"{account['apiUser']}#{label}") as server:
        message_id_of(data_reply(server, plain_message(), rcpt=["invalid@sim.sendcloud.test", "ok@example.com"]))
    mails = door.mails(account)
    assert [(m["to"], m["labelId"], m["status"]) for m in mails] == [
        ("invalid@sim.sendcloud.test", label, "invalid"), ("ok@example.com", label, "deliver")]
    events = [e["event"] for e in door.mail(mails[0]["emailId"])["events"]]
    assert events == ["request", "invalid"]
    assert door.mails(account, labelId=label, source="smtp") == mails


def test_attachments_and_inline_parts_are_listed_like_api_attachments(door, account):
    message = plain_message(body="see attached")
    message.add_alternative("<p>see <img src='cid:logo'></p>", subtype="html")
    message.get_payload()[1].add_related(b"\x89PNG fake", "image", "png", cid="<logo>")
    message.add_attachment(b"a,b\r\n1,2\r\n", maintype="text", subtype="csv", filename="report.csv")
    with door.connect(account) as server:
        message_id_of(data_reply(server, message))
    [mail] = door.mails(account)
    view = door.mail(mail["emailId"])
    assert mail["hasAttachments"] is True
    assert view["attachments"] == [
        {"filename": "", "contentType": "image/png", "size": 9, "contentId": "logo"},
        {"filename": "report.csv", "contentType": "text/csv", "size": 10, "contentId": None}]
    assert door.client.get(f"/_emulator/mails/{mail['emailId']}/attachments/1").content == b"a,b\r\n1,2\r\n"
    assert view["plain"].strip() == "see attached" and "cid:logo" in view["html"]


# Django's SMTP EmailBackend ---------------------------------------------------------------------
@pytest.fixture(scope="module")
def django_settings():
    import django
    from django.conf import settings

    if not settings.configured:
        settings.configure()
        django.setup()
    return settings


def django_backend(door, account, password=None, **options):
    from django.core.mail.backends.smtp import EmailBackend

    class Backend(EmailBackend):
        # The emulator's certificate is self-signed: a test app turns verification off for it.
        ssl_context = ssl._create_unverified_context()

    return Backend(host=HOST, port=options.pop("port", door.port), username=account["apiUser"],
                   password=password or account["apiKey"], fail_silently=False, timeout=60, **options)


@pytest.mark.parametrize("tls", ["plain", "starttls", "implicit"])
def test_django_to_cc_bcc_html_alternative_and_attachment(door, account, django_settings, tls):
    from django.core.mail import EmailMultiAlternatives

    options = {"plain": {}, "starttls": {"use_tls": True}, "implicit": {"use_ssl": True, "port": door.smtps_port}}
    message = EmailMultiAlternatives("Welcome", "Plain welcome", "Team <team@example.com>", to=["to@example.com"],
                                     cc=["cc@example.com"], bcc=["bcc@example.com"])
    message.attach_alternative("<h1>Welcome</h1>", "text/html")
    message.attach("terms.txt", "Terms and conditions", "text/plain")
    assert django_backend(door, account, **options[tls]).send_messages([message]) == 1
    mails = door.mails(account)
    assert [m["to"] for m in mails] == ["to@example.com", "cc@example.com", "bcc@example.com"]
    view = door.mail(mails[2]["emailId"])
    assert (view["subject"], view["from"], view["fromName"], view["source"]) == ("Welcome", "team@example.com",
                                                                                "Team", "smtp")
    assert (view["plain"], view["html"]) == ("Plain welcome", "<h1>Welcome</h1>")
    assert (view["toList"], view["cc"], view["bcc"]) == (["to@example.com"], ["cc@example.com"], ["bcc@example.com"])
    assert view["attachments"] == [{"filename": "terms.txt", "contentType": "text/plain", "size": 20,
                                    "contentId": None}]


def test_django_bad_password_raises_smtp_authentication_error(door, account, django_settings):
    from django.core.mail import EmailMessage as DjangoMessage

    backend = django_backend(door, account, password="not-the-key")
    with pytest.raises(smtplib.SMTPAuthenticationError) as raised:
        backend.send_messages([DjangoMessage("x", "y", "a@example.com", ["b@example.com"])])
    assert (raised.value.smtp_code, raised.value.smtp_error) == (535, b"5.7.8 Authentication failed")
    assert door.mails(account) == []


# refusals: one test per reply of smtp.md ------------------------------------------------------
def test_530_mail_before_auth(door):
    with door.connect() as server:
        server.ehlo()
        assert server.mail("a@example.com") == (530, b"5.7.0 Authentication required")


@pytest.mark.parametrize("user, key", [("nobody_at_all", None), (None, "wrong-key"), ("{user}#999999999", None),
                                       ("{user}#label", None)])
def test_535_unknown_user_wrong_key_or_foreign_label_and_the_connection_stays(door, account, user, key):
    other = new_account(door.client)
    foreign = door.client.post("/apiv2/label/add", data={"apiUser": other["apiUser"], "apiKey": other["apiKey"],
                                                          "labelName": "theirs"}).json()["info"]["data"]["labelId"]
    user = (user or account["apiUser"]).replace("{user}", account["apiUser"]).replace("#label", f"#{foreign}")
    with door.connect() as server:
        with pytest.raises(smtplib.SMTPAuthenticationError) as raised:
            server.login(user, key or account["apiKey"])
        assert (raised.value.smtp_code, raised.value.smtp_error) == (535, b"5.7.8 Authentication failed")
        assert server.noop()[0] == 250
        assert server.login(account["apiUser"], account["apiKey"])[0] == 235


def test_452_the_101st_recipient(door, account):
    with door.connect(account) as server:
        server.mail("a@example.com")
        for index in range(100):
            assert server.rcpt(f"r{index}@example.com") == (250, f"recipient <r{index}@example.com> OK".encode())
        assert server.rcpt("r100@example.com") == (452, b"4.5.3 Too many recipients")


def test_501_bad_recipient_address(door, account):
    with door.connect(account) as server:
        assert server.mail("a@example.com") == (250, b"sender <a@example.com> OK")
        assert server.rcpt("not-an-address") == (501, b"5.1.3 Bad recipient address syntax")
        assert server.rcpt("x@localhost") == (501, b"5.1.3 Bad recipient address syntax")


def test_null_sender_is_accepted(door, account):
    with door.connect(account) as server:
        assert server.docmd("MAIL FROM:<>") == (250, b"sender <> OK")


def test_503_data_without_rcpt(door, account):
    with door.connect(account) as server:
        server.mail("a@example.com")
        assert server.docmd("DATA") == (503, b"5.5.1 Error: need RCPT command")


def test_552_declared_size_and_data_over_the_limit(door, account):
    with door.connect(account) as server:
        assert server.mail("a@example.com", ["SIZE=16000001"]) == (
            552, b"5.3.4 Message size exceeds fixed maximum message size")
        assert server.mail("a@example.com", ["SIZE=1000"])[0] == 250
        server.rcpt("b@example.com")
        big = b"Subject: big\r\nFrom: a@example.com\r\n\r\n" + (b"x" * 998 + b"\r\n") * 16100
        assert server.data(big) == (552, b"5.3.4 Message size exceeds fixed maximum message size")
    assert door.mails(account) == []


XSMTPAPI_FAULTS = [
    ("{not json", 40813, None), ("!!not base64!!", 40813, None), (xsmtpapi({}), 40814, None),
    (xsmtpapi({"to": []}), 40816, None), (xsmtpapi({"to": ["a@example.com"], "sub": {"%x%": []}}), 40817, None),
    (xsmtpapi({"to": [f"u{i}@example.com" for i in range(101)]}), 40827, None),
    (xsmtpapi({"to": ["bad"]}), 40880, ("to", "bad")),
]


@pytest.mark.parametrize("header, code, detail", XSMTPAPI_FAULTS)
def test_554_xsmtpapi_faults_carry_the_v2_message(door, account, header, code, detail):
    with door.connect(account) as server:
        reply = data_reply(server, plain_message(X_SMTPAPI=header))
    assert reply == (554, f"5.6.0 {v2_message(code, detail)}".encode())
    assert door.mails(account) == []


def test_554_missing_subject_and_no_text_part(door, account):
    no_text = EmailMessage()
    no_text["Subject"], no_text["From"] = "files only", "a@example.com"
    no_text.add_attachment(b"data", maintype="application", subtype="octet-stream", filename="f.bin")
    with door.connect(account) as server:
        assert data_reply(server, b"From: a@example.com\r\n\r\nbody\r\n") == (
            554, f"5.6.0 {code_message(40808, 'en')}".encode())
        assert data_reply(server, no_text) == (554, f"5.6.0 {code_message(40870, 'en')}".encode())
    assert door.mails(account) == []


def test_554_malformed_message(door, account):
    with door.connect(account) as server:
        assert data_reply(server, b"\r\nno header at all\r\n") == (554, b"5.6.0 Malformed message")
        message_id_of(data_reply(server, plain_message()))  # the session goes on
    assert len(door.mails(account)) == 1


def test_554_duplicate_request_id_and_quota(door, account):
    with door.connect(account) as server:
        message_id_of(data_reply(server, plain_message(X_SC_Request_Id="order-42")))
        assert data_reply(server, plain_message(X_SC_Request_Id="order-42")) == (
            554, f"5.7.1 {code_message(40000, 'en')}".encode())
    assert len(door.mails(account)) == 1
    small = new_account(door.client, quota=2)
    with door.connect(small) as server:
        assert data_reply(server, plain_message(), rcpt=["a@example.com", "b@example.com", "c@example.com"]) == (
            554, f"5.7.1 {code_message(40904, 'en')}".encode())
        message_id_of(data_reply(server, plain_message(), rcpt=["a@example.com", "b@example.com"]))
    assert len(door.mails(small)) == 2


def test_536_rate_limit_counts_smtp_messages_with_api_requests(door):
    limited = new_account(door.client, rateLimitPerMinute=2)
    creds = {"apiUser": limited["apiUser"], "apiKey": limited["apiKey"]}
    assert door.client.post("/apiv2/userinfo/get", data=creds).json()["statusCode"] == 200
    with door.connect(limited) as server:
        message_id_of(data_reply(server, plain_message()))
        assert data_reply(server, plain_message()) == (536, b"Frequency limited")
    assert door.client.post("/apiv2/userinfo/get", data=creds).json()["statusCode"] == 50001
    assert len(door.mails(limited)) == 1


@pytest.mark.parametrize("status, reply", [(501, "451 4.3.0 {}"), (50001, "451 4.3.0 {}"), (40005, "554 5.3.0 {}")])
def test_451_and_554_fault_rules_on_the_smtp_module(door, account, status, reply):
    rule = {"module": "smtp", "apiUser": account["apiUser"], "statusCode": status}
    with fault_rules(door.client, rule):
        with door.connect(account) as server:
            code, text = data_reply(server, plain_message())
    assert f"{code} {text.decode()}" == reply.format(code_message(status, "en"))
    assert door.mails(account) == []


# concurrency and atomicity ----------------------------------------------------------------------
def test_50_parallel_sessions_of_5_messages_store_every_email_id_once(door, account):
    def session(number: int) -> list[str]:
        with door.connect(account) as server:
            return [message_id_of(data_reply(server, plain_message(subject=f"s{number} m{i}"),
                                             rcpt=[f"s{number}@example.com"])) for i in range(5)]

    with ThreadPoolExecutor(max_workers=50) as pool:
        message_ids = [mid for found in pool.map(session, range(50)) for mid in found]
    mails = door.mails(account)
    assert len(mails) == 250 == len(set(message_ids))
    assert {m["messageId"] for m in mails} == set(message_ids)
    assert all(m["emailId"] == f"{m['messageId']}0${m['to']}" for m in mails)
    assert len({m["emailId"] for m in mails}) == 250


def test_a_client_that_drops_mid_data_stores_nothing(door, account):
    with socket.create_connection((HOST, door.port), timeout=60) as sock:
        stream = sock.makefile("rb")

        def say(line: str) -> bytes:
            sock.sendall(line.encode() + b"\r\n")
            reply = stream.readline()
            while reply[3:4] == b"-":
                reply = stream.readline()
            return reply

        stream.readline()
        say("EHLO dropper")
        plain = base64.b64encode(f"\0{account['apiUser']}\0{account['apiKey']}".encode()).decode()
        assert say(f"AUTH PLAIN {plain}").startswith(b"235")
        say("MAIL FROM:<a@example.com>")
        say("RCPT TO:<gone@example.com>")
        assert say("DATA").startswith(b"354")
        sock.sendall(b"Subject: half\r\nFrom: a@example.com\r\n\r\nthe first half of the")
    with door.connect(account) as server:  # a later message on another connection is stored alone
        message_id = message_id_of(data_reply(server, plain_message(subject="whole")))
    assert [(m["messageId"], m["subject"]) for m in door.mails(account)] == [(message_id, "whole")]


def test_554_from_header_and_envelope_sender_follow_the_from_rule(door, account):
    with door.connect(account) as server:
        reply = data_reply(server, b"From: webmaster@localhost\r\nSubject: x\r\n\r\nbody\r\n")
        assert reply == (554, f"5.6.0 {v2_message(40802)}".encode())
        assert server.docmd("MAIL FROM:<>") == (250, b"sender <> OK")
        server.rcpt("b@example.com")
        assert server.data(b"Subject: x\r\n\r\nbody\r\n") == (554, f"5.6.0 {v2_message(40801)}".encode())
        message_id_of(data_reply(server, b"Subject: envelope sender\r\n\r\nbody\r\n", sender="env@example.com"))
    [mail] = door.mails(account)
    assert (mail["from"], mail["fromName"], mail["subject"]) == ("env@example.com", "", "envelope sender")


def test_undecodable_header_bytes_and_file_names_are_stored_as_replacement_characters(door, account):
    data = (b"From: a@example.com\r\nSubject: bytes\r\nX-Note: caf\xe9\r\nMIME-Version: 1.0\r\n"
            b"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nhi\r\n"
            b"--b\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=\"r\xe9.bin\"\r\n"
            b"\r\nxyz\r\n--b--\r\n")
    with door.connect(account) as server:
        message_id_of(data_reply(server, data))
    [mail] = door.mails(account)
    view = door.mail(mail["emailId"])
    assert view["headers"]["X-Note"].startswith("caf") and "\ufffd" in view["headers"]["X-Note"]
    assert view["attachments"][0]["size"] == 3 and view["attachments"][0]["filename"].startswith("r")
