"""Every route of the emulator in one place: the SendCloud actions (/apiv2 and the legacy /webapi)
and the /_emulator routers."""

from collections.abc import Callable
from dataclasses import KW_ONLY, dataclass

from .actions import account, addresslist, label, mail, template
from .actions import stats as stat_actions
from .actions import suppression as suppression_actions
from .actions import webhook as webhook_actions
from .v1 import actions as v1
from .v1.wire import Decl

GET_POST = ("GET", "POST")
POST = ("POST",)


@dataclass(frozen=True)
class Route:
    """A SendCloud action's address: module and action as documented (matched case-insensitively)."""

    module: str
    action: str
    _: KW_ONLY
    methods: tuple[str, ...] = GET_POST


@dataclass(frozen=True)
class Action(Route):
    handler: Callable
    writes: bool = True  # takes the account's write lock (caps and uniqueness must hold under races)
    # async (services, params) -> dict: slow work (a webhook probe) done after authentication and
    # before the write transaction, without a worker thread; the handler reads it as ctx.prepared
    prepare: Callable | None = None
    # reads a few rows (never a list or a scan): on SQLite it runs on the event loop, sparing the
    # thread-pool hop, which costs more than the read itself
    short_read: bool = False


ACTIONS: list[Action] = [
    Action("label", "list", label.list_, writes=False),
    Action("label", "get", label.get, writes=False),
    Action("label", "add", label.add),
    Action("label", "update", label.update),
    Action("label", "delete", label.delete),
    Action("domain", "list", account.domain_list, writes=False),
    Action("domain", "add", account.domain_add),
    Action("domain", "update", account.domain_update),
    Action("apiuser", "list", account.apiuser_list, writes=False),
    Action("apiuser", "add", account.apiuser_add),
    Action("userinfo", "get", account.userinfo_get, writes=False, short_read=True),
    Action("template", "list", template.list_, writes=False),
    Action("template", "get", template.get, writes=False),
    Action("template", "add", template.add),
    Action("template", "update", template.update),
    Action("template", "delete", template.delete),
    Action("template", "submit", template.submit),
    Action("addresslist", "list", addresslist.list_, writes=False),
    Action("addresslist", "add", addresslist.add),
    Action("addresslist", "update", addresslist.update),
    Action("addresslist", "delete", addresslist.delete),
    Action("addressmember", "list", addresslist.member_list, writes=False),
    Action("addressmember", "get", addresslist.member_get, writes=False),
    Action("addressmember", "add", addresslist.member_add),
    Action("addressmember", "update", addresslist.member_update),
    Action("addressmember", "delete", addresslist.member_delete),
    Action("mail", "send", mail.send, methods=POST),
    Action("mail", "sendtemplate", mail.sendtemplate, methods=POST),
    Action("mail", "sendcalendar", mail.sendcalendar, methods=POST),
    Action("mail", "taskinfo", mail.taskinfo, writes=False),
    Action("statday", "list", stat_actions.statday, writes=False),
    Action("stathour", "list", stat_actions.stathour, writes=False),
    Action("invalidstat", "list", stat_actions.invalidstat, writes=False),
    Action("data", "emailStatus", stat_actions.email_status, writes=False),
    Action("openandclick", "list", stat_actions.openandclick, writes=False),
    Action("bounce", "list", suppression_actions.bounce_list, writes=False),
    Action("bounce", "delete", suppression_actions.bounce_delete),
    Action("bounce", "count", suppression_actions.bounce_count, writes=False),
    Action("unsubscribe", "list", suppression_actions.unsubscribe_list, writes=False),
    Action("unsubscribe", "add", suppression_actions.unsubscribe_add),
    Action("unsubscribe", "delete", suppression_actions.unsubscribe_delete),
    Action("spamreported", "list", suppression_actions.spamreported_list, writes=False),
    Action("webhook", "list", webhook_actions.list_, writes=False),
    Action("webhook", "add", webhook_actions.add, prepare=webhook_actions.prepare_add),
    Action("webhook", "update", webhook_actions.update, prepare=webhook_actions.prepare_update),
    Action("webhook", "delete", webhook_actions.delete),
]

ACTION_INDEX: dict[tuple[str, str], Action] = {(a.module.lower(), a.action.lower()): a for a in ACTIONS}


@dataclass(frozen=True)
class WebapiAction(Route):
    """A v1 action served as `/webapi/<module>.<action>.json` (v1.md §1); `decl` names its v2 twin."""

    decl: Decl

    @property
    def name(self) -> str:
        return f"{self.module}.{self.action}"


WEBAPI_ACTIONS: list[WebapiAction] = [
    WebapiAction("mail", "send", v1.MAIL_SEND),
    WebapiAction("mail", "send_template", v1.MAIL_SEND_TEMPLATE, methods=POST),
    WebapiAction("template", "get", v1.TEMPLATE_GET),
    WebapiAction("template", "add", v1.TEMPLATE_ADD),
    WebapiAction("template", "update", v1.TEMPLATE_UPDATE),
    WebapiAction("template", "delete", v1.TEMPLATE_DELETE),
    WebapiAction("list", "get", v1.LIST_GET),
    WebapiAction("list", "create", v1.LIST_CREATE),
    WebapiAction("list", "update", v1.LIST_UPDATE),
    WebapiAction("list", "delete", v1.LIST_DELETE),
    WebapiAction("list_member", "get", v1.LIST_MEMBER_GET),
    WebapiAction("list_member", "add", v1.LIST_MEMBER_ADD),
    WebapiAction("list_member", "update", v1.LIST_MEMBER_UPDATE),
    WebapiAction("list_member", "delete", v1.LIST_MEMBER_DELETE),
    WebapiAction("label", "list", v1.LABEL_LIST),
    WebapiAction("label", "get", v1.LABEL_GET),
    WebapiAction("label", "create", v1.LABEL_CREATE),
    WebapiAction("label", "update", v1.LABEL_UPDATE),
    WebapiAction("label", "delete", v1.LABEL_DELETE),
    WebapiAction("stats", "get", v1.STATS_GET),
    WebapiAction("statsHour", "get", v1.STATS_HOUR_GET),
    WebapiAction("invalidStat", "get", v1.INVALID_STAT_GET),
    WebapiAction("bounces", "get", v1.BOUNCES_GET),
    WebapiAction("bounces", "delete", v1.BOUNCES_DELETE),
    WebapiAction("bounces", "count", v1.BOUNCES_COUNT),
    WebapiAction("unsubscribes", "get", v1.UNSUBSCRIBES_GET),
    WebapiAction("unsubscribes", "add", v1.UNSUBSCRIBES_ADD),
    WebapiAction("unsubscribes", "delete", v1.UNSUBSCRIBES_DELETE),
    WebapiAction("spamReported", "get", v1.SPAM_REPORTED_GET),
    WebapiAction("userinfo", "get", v1.USERINFO_GET),
    WebapiAction("apiUser", "list", v1.API_USER_LIST),
    WebapiAction("domain", "list", v1.DOMAIN_LIST),
    WebapiAction("queueStatus", "get", v1.QUEUE_STATUS_GET),
]

WEBAPI_INDEX: dict[str, WebapiAction] = {a.name.lower(): a for a in WEBAPI_ACTIONS}


def control_routers() -> list:
    """The /_emulator routers (docs/control-api.md), in the order they appear in /docs."""
    from .control import accounts as control_accounts
    from .control import clock as control_clock
    from .control import events as control_events
    from .control import system
    from .control import mails as control_mails
    from .control import suppressions as control_suppressions
    from .control import tasks as control_tasks
    from .control import templates as control_templates
    from .ui import router as ui

    return [system.router, control_accounts.router, control_clock.router, control_templates.router,
            control_mails.router, control_tasks.router, control_events.router, control_suppressions.router, ui.router]
