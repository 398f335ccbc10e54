"""Every route of the emulator in one place: the SendCloud actions and the /_emulator routers."""

from collections.abc import Callable
from dataclasses import dataclass

from .actions import account, addresslist, label, mail, template
from .actions import stats as stat_actions
from .actions import suppression as suppression_actions
from .actions import webhook as webhook_actions

GET_POST = ("GET", "POST")
POST = ("POST",)


@dataclass(frozen=True)
class Action:
    module: str  # as documented; matching is case-insensitive
    action: str
    handler: Callable
    methods: tuple[str, ...] = GET_POST
    writes: bool = True  # takes the account's write lock (caps and uniqueness must hold under races)
    # async (services, params) -> dict: slow work (a webhook probe) done after authentication and
    # before the write transaction, without a worker thread; the handler reads it as ctx.prepared
    prepare: Callable | None = None


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
    Action("userinfo", "get", account.userinfo_get, writes=False),
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


def control_routers() -> list:
    """The /_emulator routers (docs/control-api.md), in the order they appear in /docs."""
    from .control import accounts as control_accounts
    from .control import clock as control_clock
    from .control import events as control_events
    from .control import system
    from .control import mails as control_mails
    from .control import templates as control_templates
    from .ui import router as ui

    return [system.router, control_accounts.router, control_clock.router, control_templates.router,
            control_mails.router, control_events.router, ui.router]
