"""The answers of the /_emulator routes as pydantic models (docs/control-api.md): each route declares
one as its response model, so /openapi.json and /docs show every answer's fields and FastAPI checks
that the route answers what it declares. Field names are the contract's (camelCase); times are
ISO 8601 strings with the emulator zone's offset.
"""

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class Answer(BaseModel):
    # A route that answered a field its model lacks would lose it silently: refuse instead (a 500 that
    # the tests see), so a model always lists every field its route answers.
    model_config = ConfigDict(populate_by_name=True, extra="forbid")


class SmtpPorts(Answer):
    port: int | None = Field(description="the STARTTLS SMTP port, or null when off")
    smtps: int | None = Field(description="the implicit-TLS SMTP port, or null when off")


class Health(Answer):
    status: Literal["ok"]
    version: str
    database: str = Field(description="sqlite or postgresql")
    smtp: SmtpPorts


class ApiUserView(Answer):
    name: str
    apiKey: str
    emailType: int = Field(description="0 trigger, 1 batch")


class AccountView(Answer):
    userName: str
    apiUser: str | None = Field(description="the trigger API_USER")
    apiKey: str | None
    batchApiUser: str | None = Field(description="the batch API_USER")
    batchApiKey: str | None
    appKey: str
    domain: str | None = Field(description="the account's test domain")
    quota: int = Field(description="recipients per day")
    templateReview: Literal["auto", "manual"]
    rateLimitPerMinute: int | None = Field(description="requests per rolling minute; null: no limit")
    apiUsers: list[ApiUserView] = Field(description="every API_USER of the account, oldest first")


class ClockView(Answer):
    now: str = Field(description="the account's time, ISO 8601 in the emulator's zone")
    offsetSeconds: int | float = Field(description="the account's time minus real time")
    frozen: bool


class TemplateView(Answer):
    account: str
    invokeName: str
    name: str
    templateType: int = Field(description="0 trigger, 1 batch")
    templateStat: int = Field(description="1 approved, −1 rejected")
    subject: str
    html: str
    text: str
    contentSummary: str
    createdAt: str | None
    updatedAt: str | None


class DomainView(Answer):
    name: str
    verify: int = Field(description="bits: dkim 1, spf 2, mx 4, cname 8, verifyKey 16")
    type: Literal["test", "normal"]


class FaultRuleView(Answer):
    module: str | None
    action: str | None
    apiUser: str | None
    statusCode: int | None
    probability: float
    count: int | None = Field(description="how many more times the rule may fire; null: unlimited")
    latencyMs: int | None
    fired: int = Field(description="how many requests the rule has answered")


class FaultRules(Answer):
    rules: list[FaultRuleView]


class MailSummary(Answer):
    emailId: str
    messageId: str
    account: str | None = Field(description="the account's userName")
    apiUser: str
    source: str = Field(description="the door the mail came in by: v2, v1 or smtp")
    from_: str = Field(alias="from")
    fromName: str
    to: str = Field(description="the recipient of this stored mail")
    subject: str
    status: str
    subStat: int | None
    labelId: int | None
    templateInvokeName: str | None
    maillistTaskId: int | None
    hasAttachments: bool
    createdAt: str | None


class MailPage(Answer):
    total: int
    items: list[MailSummary]
    totalCapped: bool | None = Field(default=None, description="present (true) when counting stopped "
                                                               "past the page: there are more than `total`")


class TaskView(Answer):
    maillistTaskId: int
    account: str | None = Field(description="the account's userName")
    apiUser: str
    addressList: str = Field(description="the list's alias at request time")
    messageId: str = Field(description="the messageId of the task's mails")
    memberCount: int
    done: int = Field(description="members whose mails exist")
    status: Literal["requesting", "completed"]
    createdAt: str | None = Field(description="the acceptance time (every mail of the task carries it)")
    updatedAt: str | None = Field(description="the time of the latest chunk")


class AttachmentInfo(Answer):
    filename: str
    contentType: str
    size: int
    contentId: str | None = Field(description="set for an inline image")


class MailEventBrief(Answer):
    emailId: str
    event: str
    subStat: int | None
    url: str | None
    createdAt: str | None


class MailFull(MailSummary):
    recipient: str
    toList: list[str]
    cc: list[str]
    bcc: list[str]
    replyTo: list[str]
    html: str | None
    plain: str | None
    contentSummary: str | None
    headers: dict[str, Any]
    variables: dict[str, Any] = Field(description="the %var% values used for this recipient")
    xsmtpapi: dict[str, Any]
    dispositionNotificationTo: str | None
    calendar: str | None = Field(description="the iCalendar text of a mail/sendcalendar mail")
    attachments: list[AttachmentInfo]
    statusTime: str | None
    events: list[MailEventBrief]


class Deleted(Answer):
    deleted: int = Field(description="how many were removed")


class EventView(Answer):
    id: int
    emailId: str
    event: str
    subStat: int | None
    url: str | None
    ip: str | None
    userAgent: str | None
    createdAt: str | None


class EventPage(Answer):
    total: int
    items: list[EventView]


class WebhookAttemptView(Answer):
    id: int
    deliveryId: int
    url: str
    event: str
    emailId: str | None
    messageId: str | None
    payload: dict[str, Any] = Field(description="the form fields that were posted")
    statusCode: int | None = Field(description="the receiver's HTTP status, null when it did not answer")
    error: str | None
    status: str = Field(description="delivered, retrying or failed")
    attempt: int = Field(description="1 for the first try")
    sentAt: str | None
    nextAttemptAt: str | None


class WebhookAttemptPage(Answer):
    total: int
    items: list[WebhookAttemptView]
