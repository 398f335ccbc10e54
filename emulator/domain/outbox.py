"""Sent mail: one row per recipient (emailId), rendered for that recipient, and its event log.

Owned by the mail module (writes mails) and the events module (writes events, moves `status`);
the control API, statistics and the web UI read them.
"""

from datetime import datetime

from sqlalchemy import Column, LargeBinary
from sqlmodel import Field, SQLModel

from ..store.db import TRAFFIC_TABLES, utcnow


class Mail(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    email_id: str = Field(unique=True)
    message_id: str = Field(index=True)
    api_user: str = Field(index=True)  # the authenticating API_USER's name
    recipient: str = Field(index=True)  # the bare address as sent
    recipient_key: str = Field(index=True)  # lower-cased address, for case-insensitive lookups
    recipient_domain: str  # lower-cased domain of the recipient (stats rows)
    from_address: str = ""
    from_name: str = ""
    to: str = "[]"  # JSON list of the visible To addresses of this mail
    cc: str = "[]"  # JSON list
    bcc: str = "[]"  # JSON list
    reply_to: str = "[]"  # JSON list
    subject: str = ""
    html: str | None = None
    plain: str | None = None
    content_summary: str | None = None
    headers: str = "{}"  # JSON object of the custom headers kept on the message
    label_id: int = 0  # 0 = no label
    template_invoke_name: str | None = None
    maillist_task_id: int | None = Field(default=None, index=True)
    variables: str = "{}"  # JSON object: the %var% values used for this recipient
    attachments: str = "[]"  # JSON list [{filename, contentType, size, contentId}]
    status: str = "request"  # delivery status: request | deliver | invalid | soft_bounce
    sub_stat: int = 0
    request_time: datetime = Field(default_factory=utcnow, index=True)
    status_time: datetime = Field(default_factory=utcnow)
    # added by the mail module -------------------------------------------------------------------
    position: int = 0  # the recipient index inside its messageId (the number in the emailId)
    notification_to: str | None = None  # Disposition-Notification-To (read receipt), when asked for
    calendar: str | None = None  # the iCalendar text of a mail/sendcalendar mail
    xsmtpapi: str = "{}"  # JSON: the send's xsmtpapi `filters` and `settings` (stored, not applied)


class MailFile(SQLModel, table=True):
    """An attachment or inline image, stored once per send (messageId) and shared by its mails."""

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    message_id: str = Field(index=True)
    position: int  # order within the send: attachments first, then inline images
    filename: str
    content_type: str
    content_id: str | None = None  # set for inline images (embeddedImage)
    size: int
    data: bytes = Field(sa_column=Column(LargeBinary, nullable=False))


class MailEvent(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    mail_id: int = Field(foreign_key="mail.id", index=True)
    email_id: str = Field(index=True)
    event: str  # request | deliver | invalid | soft_bounce | open | click | unsubscribe | report_spam
    sub_stat: int | None = None
    url: str | None = None
    ip: str | None = None
    user_agent: str | None = None
    created_at: datetime = Field(default_factory=utcnow, index=True)


TRAFFIC_TABLES.update({Mail.__tablename__, MailEvent.__tablename__, MailFile.__tablename__})
