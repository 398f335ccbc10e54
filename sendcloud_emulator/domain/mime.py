"""The RFC 5322 message of one stored mail, built with the stdlib `email` package.

Structure: text/plain and/or text/html (multipart/alternative when both, plus text/calendar for
calendar mails); inline images make the html part multipart/related (Content-ID); attachments
make the whole multipart/mixed.
"""

import json
import re
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import SMTP
from email.utils import format_datetime, formataddr

from .. import values
from . import render
from .outbox import Mail, MailFile

_HEADER_END = re.compile(rb"\r?\n\r?\n")
# Names that `headers` cannot set (docs/api.md §2.1 mail/send).
RESERVED_HEADERS = frozenset(h.lower() for h in (
    "From", "To", "Cc", "Bcc", "Subject", "Reply-To", "Content-Type", "Content-Transfer-Encoding",
    "MIME-Version"))


def _mailbox(text: str) -> str:
    parsed = values.parse_mailbox(text)
    if parsed is None:
        return text
    name, address = parsed
    return _format(name, address)


def _format(name: str, address: str) -> str:
    try:
        local, domain = address.rsplit("@", 1)
        return str(Address(display_name=name, username=local, domain=domain))
    except Exception:  # unusual but valid local parts: fall back to the plain formatter
        return formataddr((name, address))


def _set(message: EmailMessage, name: str, value: str) -> None:
    value = _clean(value)  # a header value is one line, whatever was stored
    try:
        message[name] = value
    except Exception:  # a value the header class cannot parse: keep it as unstructured text
        from email.header import Header

        message[name] = Header(value, "utf-8").encode()


def build(mail: Mail, files: list[MailFile]) -> EmailMessage:
    message = EmailMessage(policy=SMTP)
    _headers(message, mail)
    attachments = [f for f in files if not f.content_id]
    images = [f for f in files if f.content_id]
    html, plain = mail.html, mail.plain
    if html is not None and plain is not None:
        message.set_content(plain)
        message.add_alternative(html, subtype="html")
        html_part = message.get_payload()[1]
    elif html is not None:
        message.set_content(html, subtype="html")
        html_part = message
    else:
        message.set_content(plain or "")
        html_part = message
    if mail.calendar:
        method = "CANCEL" if "METHOD:CANCEL" in mail.calendar else "REQUEST"
        if message.get_content_type() != "multipart/alternative":
            message.make_alternative()
            html_part = message.get_payload()[0]
        message.add_alternative(mail.calendar, subtype="calendar", params={"method": method})
    for image in images:
        maintype, subtype = _leaf_type(image.content_type)
        html_part.add_related(image.data, maintype, subtype, cid=f"<{_clean(image.content_id)}>",
                              filename=_clean(image.filename) or None, disposition="inline")
    for item in attachments:
        maintype, subtype = _leaf_type(item.content_type)
        message.add_attachment(item.data, maintype, subtype, filename=_clean(item.filename) or "attachment")
    return message


def _leaf_type(content_type: str) -> tuple[str, str]:
    """A file part's type as a leaf MIME type (container types are sent as octet-stream)."""
    maintype, _, subtype = content_type.strip().lower().partition("/")
    if not maintype or not subtype or maintype in ("multipart", "message") or not (maintype + subtype).isascii():
        return "application", "octet-stream"
    return maintype, subtype


def _clean(text: str) -> str:
    """One header-safe line: every line break (VT, FF, NEL, U+2028, ...) and NUL as a space."""
    text = values.without_surrogates(text)
    return "".join(" " if c == "\x00" or c in values.LINE_BREAKS else c for c in text)


def _headers(message: EmailMessage, mail: Mail) -> None:
    """The standard headers, then the custom ones of `headers` (reserved names are never set)."""
    custom = json.loads(mail.headers or "{}")
    _set(message, "From", _format(mail.from_name, mail.from_address))
    to = json.loads(mail.to or "[]")
    if to:
        _set(message, "To", ", ".join(_mailbox(t) for t in to))
    cc = json.loads(mail.cc or "[]")
    if cc:
        _set(message, "Cc", ", ".join(_mailbox(c) for c in cc))
    reply_to = json.loads(mail.reply_to or "[]")
    if reply_to:
        _set(message, "Reply-To", ", ".join(_mailbox(r) for r in reply_to))
    _set(message, "Subject", mail.subject)
    _set(message, "Date", format_datetime(mail.request_time))
    if not any(k.lower() == "message-id" for k in custom):
        _set(message, "Message-ID", _message_id(mail))
    if mail.notification_to:
        _set(message, "Disposition-Notification-To", mail.notification_to)
    _set(message, "X-SendCloud-EmailId", mail.email_id)
    for name, value in custom.items():
        if name.lower() in RESERVED_HEADERS:
            continue
        if name in message:
            del message[name]
        _set(message, name, value)


def _message_id(mail: Mail) -> str:
    return f"<{mail.message_id}.{mail.position}@sendcloud.test>"


def raw(mail: Mail, files: list[MailFile]) -> bytes:
    return build(mail, files).as_bytes()


# messages received over SMTP (smtp.md §5–§6) --------------------------------------------------------
def text_of(part: EmailMessage) -> str:
    """A text part's content after transfer decoding (an unknown charset is read as UTF-8)."""
    try:
        return part.get_content()
    except Exception:
        payload = part.get_payload(decode=True) or b""
        return payload.decode("utf-8", errors="replace")


def header_end(data: bytes) -> int:
    """Where a raw message's header section ends: after its last field's line ending."""
    match = _HEADER_END.search(data)
    if match is None:
        return len(data)
    return match.start() + (2 if data[match.start():match.start() + 2] == b"\r\n" else 1)


def is_body_part(part: EmailMessage) -> bool:
    """A text/plain or text/html leaf that is the message's text, not a file."""
    return (not part.is_multipart() and part.get_content_type() in ("text/plain", "text/html")
            and not part.is_attachment() and part.get_filename() is None)


def received(mail: Mail, data: bytes) -> bytes:
    """The stored message for this mail's recipient: substitutions applied to the Subject and the
    text parts (re-encoded where they change), a Message-ID added when the client set none."""
    try:
        return _render_received(mail, data)
    except Exception:  # a download never fails: the message as stored
        return data


def _render_received(mail: Mail, data: bytes) -> bytes:
    variables = json.loads(mail.variables or "{}")
    message = BytesParser(policy=policy.default).parsebytes(data)
    changed = False
    subject = message.get("Subject")
    if subject is not None:
        rendered = render.one_line(render.substitute(str(subject), variables, mail.email_id))
        if rendered != str(subject):
            message.replace_header("Subject", _clean(rendered))
            changed = True
    for part in message.walk():
        if not is_body_part(part):
            continue
        text = text_of(part)
        rendered = render.substitute(text, variables, mail.email_id)
        if rendered != text:
            part.set_content(rendered, subtype=part.get_content_subtype(), charset="utf-8",
                             disposition=part.get_content_disposition())
            changed = True
    has_id = "Message-ID" in message
    if not changed:  # byte for byte as received
        if has_id:
            return data
        cut = header_end(data)
        return data[:cut] + f"Message-ID: {_message_id(mail)}\r\n".encode("ascii") + data[cut:]
    if not has_id:
        message["Message-ID"] = _message_id(mail)
    return message.as_bytes(policy=policy.SMTP)
