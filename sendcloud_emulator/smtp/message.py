"""Reading one message received over SMTP into a send (smtp.md §5).

The wire format is read here; every rule about its values is the send pipeline's
(`domain.pipeline`), the same functions mail/send calls.
"""

import base64
import binascii
import re
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser

from ..codes import ApiError
from ..domain import mime, pipeline, sending
from .. import values

DROPPED = ("x-smtpapi", "bcc")  # never part of the stored message
# Header fields that are the message's own structure, not custom headers of the send.
STRUCTURAL = frozenset(("from", "to", "cc", "bcc", "subject", "reply-to", "content-type", "content-transfer-encoding",
                        "mime-version", "x-smtpapi", "received"))
_FIELD_START = re.compile(rb"(?m)^(?=[^ \t\r\n])")


class Malformed(Exception):
    """A message the stdlib parser cannot read at all (554 5.6.0 Malformed message)."""


def parse(data: bytes) -> EmailMessage:
    try:
        message = BytesParser(policy=policy.default).parsebytes(data)
        if not message.keys():
            raise Malformed()
        message.get_content_type()
        for part in message.walk():  # reach every part now: a broken structure fails here, not later
            part.get_content_type()
        return message
    except Malformed:
        raise
    except Exception as error:
        raise Malformed() from error


def _header(message: EmailMessage, name: str) -> str | None:
    try:
        value = message.get(name)
    except Exception:  # an undecodable header counts as absent
        return None
    return None if value is None else str(value)


def _raw_header(message: EmailMessage, name: str) -> str | None:
    """The last field of that name as sent, unfolded (no RFC 2047 decoding)."""
    found = None
    for key, value in message.raw_items():
        if key.lower() == name:
            found = value
    return None if found is None else re.sub(r"\r?\n(?=[ \t])", "", found)


def _addresses(message: EmailMessage, name: str) -> list[tuple[str, str]]:
    """(display name, address) of every valid mailbox in the fields of that name."""
    found = []
    for field in message.get_all(name) or []:
        try:
            mailboxes = field.addresses
        except Exception:
            continue
        for mailbox in mailboxes:
            if values.is_address(mailbox.addr_spec):
                found.append((mailbox.display_name or "", mailbox.addr_spec))
    return found


def _xsmtpapi(message: EmailMessage):
    """Base64 of the JSON (SendCloud's sample) or the JSON itself; unfolded, and RFC 2047 decoded
    (Python's email package encodes a long header that has no space to fold at)."""
    text = _header(message, "x-smtpapi")
    if text is None:
        text = _raw_header(message, "x-smtpapi")
    if text is None or not text.strip():
        return None
    text = text.strip()
    if not text.startswith("{"):
        try:
            text = base64.b64decode("".join(text.split()), validate=True).decode("utf-8")
        except (binascii.Error, ValueError):
            raise ApiError(40813) from None
    return pipeline.xsmtpapi(text, require_to=False)


def _parts(message: EmailMessage) -> tuple[str | None, str | None, list[sending.FileIn]]:
    """The first text/html and text/plain body parts; every other leaf part (attachment, inline
    image, calendar, …) is a file, listed like the API's attachments."""
    html = plain = None
    files = []
    for part in message.walk():
        if part.is_multipart():
            continue
        kind = part.get_content_type()
        if mime.is_body_part(part):
            if kind == "text/html" and html is None:
                html = mime.text_of(part)
            elif kind == "text/plain" and plain is None:
                plain = mime.text_of(part)
            continue
        content_id = part.get("Content-ID")
        cid = str(content_id).strip().strip("<>") if content_id is not None and not part.is_attachment() else None
        filename = values.without_surrogates(part.get_filename() or "")
        files.append(sending.FileIn(filename, kind, part.get_payload(decode=True) or b"",
                                    values.without_surrogates(cid) if cid else None))
    return html, plain, files


def stored_form(data: bytes) -> bytes:
    """The message as kept: the X-SMTPAPI and Bcc fields removed, the rest as sent."""
    cut = mime.header_end(data)
    head, rest = data[:cut], data[cut:]  # rest starts with the blank line
    fields = [f for f in _FIELD_START.split(head) if f]
    kept = [f for f in fields if f.split(b":", 1)[0].strip().lower().decode("latin-1") not in DROPPED]
    return b"".join(kept) + rest


def read(data: bytes, mail_from: str, rcpt_to: list[str], label_id: int) -> pipeline.Draft:
    """One send of the pipeline; raises Malformed, or the ApiError of the first fault (smtp.md §5)."""
    message = parse(data)
    draft = pipeline.Draft(label_id=label_id)
    senders = _addresses(message, "from")
    if senders:
        name, address = senders[0]
        draft.from_address, draft.from_name = address, pipeline.from_name(name)
    else:  # no valid From mailbox: the From text (40802), or without one the envelope sender
        text = _header(message, "from") or mail_from
        if not text or not text.strip():
            raise ApiError(40801)
        draft.from_address = pipeline.sender(text)[1]
    draft.xsmtpapi = _xsmtpapi(message)
    draft.to = [address for _, address in _addresses(message, "to")]
    draft.cc = [address for _, address in _addresses(message, "cc")]
    draft.envelope = list(rcpt_to)
    draft.reply_to = [address for _, address in _addresses(message, "reply-to")] or [draft.from_address]
    subject = _header(message, "subject")
    if subject is None or not subject.strip():
        raise ApiError(40808)
    draft.subject = pipeline.subject(subject)
    html, plain, draft.files = _parts(message)
    draft.html, draft.plain = pipeline.body(None if html is None else pipeline.html(html),
                                            None if plain is None else pipeline.plain(plain), keep_both=True)
    draft.headers = {}
    for key in message.keys():
        if key.lower() not in STRUCTURAL:
            value = _header(message, key)
            if value is not None:  # an undecodable byte reads as U+FFFD, as in the API's headers
                draft.headers[key] = values.without_surrogates(value)
    notify = _addresses(message, "disposition-notification-to")
    draft.notification_to = notify[0][1] if notify else None
    request_id = _header(message, "x-sc-request-id")
    draft.send_request_id = request_id.strip() if request_id and request_id.strip() else None
    draft.message = stored_form(data)
    return draft
