"""The parameter tables of mail/send, sendtemplate and sendcalendar (docs/api.md §2.1), declared once.

actions/mail.py reads them in this order (the pipeline checks every read against these rows);
/openapi.json, docs/api.md and the other doors (v1, SMTP) map onto the same rows.
"""

from ..domain.pipeline import MAX_RECIPIENTS
from ..protocol.declaration import Param

MAX_REPLY_TO = 3
MAX_LISTS = 5
MAX_SUMMARY_BYTES = 200

FROM = Param("from", "string", "The sender: `addr` or `Name <addr>`.", required=True, codes=(40801, 40802),
             example="Shop <shop@demo.sendcloud.org>")
FROM_NAME = Param("fromName", "string", "The sender's display name (default: the name part of `from`).",
                  max_length=255, blank_absent=True, codes=(40804,))
USE_ADDRESS_LIST = Param("useAddressList", "boolean", "true sends to address lists: `to` then holds list aliases "
                         "(batch API_USERs only).", default="false", codes=(40873, 40874, 40820))
XSMTPAPI = Param("xsmtpapi", "string", "X-SMTPAPI JSON object: `to` (one message each), `sub`, `pubsub`; "
                 "ignored in list mode.", blank_absent=True, codes=(40814, 40813, 40817, 40816, 40827, 40880))
TO = Param("to", "string", "Recipient mailboxes (in list mode: list aliases, at most 5); ignored when "
           "xsmtpapi has `to`.", required_when="unless xsmtpapi has `to`", list=True, max_items=MAX_RECIPIENTS,
           codes=(40805, 40807, 40806, 40872, 40864, 40862, 40863), example="ann@example.com;ben@example.com")
CC = Param("cc", "string", "Visible copy recipients; ignored in list mode or with xsmtpapi `to`.", list=True,
           max_items=MAX_RECIPIENTS, blank_absent=True, codes=(40852, 40854, 40853))
BCC = Param("bcc", "string", "Hidden copy recipients; ignored in list mode or with xsmtpapi `to`.", list=True,
            max_items=MAX_RECIPIENTS, blank_absent=True, codes=(40855, 40857, 40856))
REPLY_TO = Param("replyTo", "string", "Reply-To mailboxes (default: the `from` address).", list=True,
                 max_items=MAX_REPLY_TO, blank_absent=True, codes=(40810, 40879, 40811))
SUBJECT = Param("subject", "string", "The subject, one line; `%var%` placeholders allowed.", required=True,
                max_length=255, codes=(40808, 40809), example="Your order has shipped")
GZIP = Param("gzipCompress", "boolean", "true: html and plain are base64 of gzip data.", default="false",
             codes=(40860, 40861))
HTML = Param("html", "string", "The HTML body (wins over plain).", required_when="unless plain is given",
             blank_absent=True, codes=(40871, 40865), example="<p>Hello, your parcel is on its way.</p>")
PLAIN = Param("plain", "string", "The plain-text body, used when html is absent.",
              required_when="unless html is given", blank_absent=True, codes=(40831, 40866, 40870))
CONTENT_SUMMARY = Param("contentSummary", "string", "The preview line mail clients show (with html).",
                        max_bytes=MAX_SUMMARY_BYTES, blank_absent=True, codes=(40878,))
LABEL_ID = Param("labelId", "integer", "The id of one of the account's labels, stored with every mail.",
                 minimum=1, blank_absent=True, codes=(40103, 40106))
LABEL_NAME = Param("labelName", "string", "A label by name, created when unknown; ignored when labelId is given.",
                   max_length=255, blank_absent=True, codes=(40105,))
HEADERS = Param("headers", "string", "JSON object of extra header name → string value (≤ 1024 bytes in "
                "list mode).", blank_absent=True, codes=(40868, 40869, 40902))
ATTACHMENTS = Param("attachments", "binary", "Attachments as multipart file parts (10485760 bytes in all).",
                    blank_absent=True, codes=(40818, 40867, 40819))
EMBEDDED_IMAGE = Param("embeddedImage", "binary", "Inline images as file parts, matched to embeddedCid by "
                       "position.", blank_absent=True, codes=(40818, 40867, 40819))
EMBEDDED_CID = Param("embeddedCid", "string", "Content-ids of the embeddedImage parts, in order (html uses "
                     "`cid:<id>`).", list=True, blank_absent=True, codes=(40875,))
RESP_EMAIL_ID = Param("respEmailId", "boolean", "true answers the emailIds, false an empty info.",
                      default="true", codes=(40858, 40859))
USE_NOTIFICATION = Param("useNotification", "boolean", "true asks for a read receipt to the `from` address.",
                         default="false", codes=(40828, 40829))
NOTIFICATION_TO = Param("dispositionNotificationTo", "string", "The address read receipts go to (wins over "
                        "useNotification).", blank_absent=True, codes=(40829,))
SEND_REQUEST_ID = Param("sendRequestId", "string", "Idempotency key: a repeat within an hour answers 40000.",
                        blank_absent=True)
TEMPLATE_INVOKE_NAME = Param("templateInvokeName", "string", "The invokeName of an approved template of the "
                             "account.", required=True, codes=(40823, 40824, 40825))
# The final checks of every send (§1.11): duplicate sendRequestId, then the daily quota.
FINAL_CODES = (40000, 40904)

SEND_PARAMS = (FROM, FROM_NAME, USE_ADDRESS_LIST, XSMTPAPI, TO, CC, BCC, REPLY_TO, SUBJECT, GZIP, HTML, PLAIN,
               CONTENT_SUMMARY, LABEL_ID, LABEL_NAME, HEADERS, ATTACHMENTS, EMBEDDED_IMAGE, EMBEDDED_CID,
               RESP_EMAIL_ID, USE_NOTIFICATION, NOTIFICATION_TO, SEND_REQUEST_ID)
TEMPLATE_PARAMS = (
    FROM, FROM_NAME, TEMPLATE_INVOKE_NAME, USE_ADDRESS_LIST,
    XSMTPAPI.but(description="X-SMTPAPI JSON object that must hold `to` (one message each); ignored in list mode.",
                 required_when="unless useAddressList is true",
                 codes=(40812, 40814, 40813, 40817, 40815, 40816, 40827, 40880)),
    TO.but(description="List aliases (list mode only, at most 5; otherwise ignored).",
           required_when="when useAddressList is true", max_items=MAX_LISTS, codes=(40872, 40864, 40862, 40863)),
    REPLY_TO,
    SUBJECT.but(description="Overrides the template's subject.", required=False, blank_absent=True,
                codes=(40809, 40826)),
    CONTENT_SUMMARY.but(description="Overrides the template's preview line."),
    LABEL_ID, LABEL_NAME, HEADERS, ATTACHMENTS, EMBEDDED_IMAGE, EMBEDDED_CID, RESP_EMAIL_ID, USE_NOTIFICATION,
    NOTIFICATION_TO, SEND_REQUEST_ID)
CALENDAR_PARAMS = tuple(p for p in SEND_PARAMS if p not in (USE_ADDRESS_LIST, USE_NOTIFICATION, NOTIFICATION_TO)) + (
    Param("startTime", "datetime", "The meeting's start, yyyy-MM-dd HH:mm:ss in the emulator's time zone.",
          required=True, codes=(40832, 40833)),
    Param("endTime", "datetime", "The meeting's end, not before startTime.", required=True, codes=(40834, 40835)),
    Param("title", "string", "The meeting's title (SUMMARY).", required=True, max_length=255, codes=(40836, 40837)),
    Param("organizerName", "string", "The organizer's name.", required=True, max_length=255, codes=(40838, 40839)),
    Param("organizerEmail", "string", "The organizer's address.", required=True, codes=(40840, 40841)),
    Param("location", "string", "Where the meeting takes place.", required=True, max_length=255,
          codes=(40842, 40843)),
    Param("description", "string", "The meeting's description.", max_length=2000, blank_absent=True,
          codes=(40845,)),
    Param("participatorNames", "string", "Participant names, each one line of at most 255 characters.",
          required=True, list=True, codes=(40846, 40847)),
    Param("participatorEmails", "string", "Participant addresses, by position with participatorNames.", list=True,
          blank_absent=True, codes=(40848, 40849, 40850)),
    Param("uid", "string", "The calendar UID to update or cancel (default: the messageId).", max_length=255,
          blank_absent=True),
    Param("isCancel", "boolean", "true cancels the meeting (method CANCEL; wins over isUpdate).", default="false",
          codes=(40876,)),
    Param("isUpdate", "boolean", "true sends an update (the SEQUENCE grows).", default="false", codes=(40876,)),
    Param("valarmTime", "integer", "Minutes before the start for a reminder (a non-number is ignored)."),
)
TASK_ID = Param("maillistTaskId", "integer", "An address-list task id of the account.", required=True, minimum=1,
                codes=(6001,))
