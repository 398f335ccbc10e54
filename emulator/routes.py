"""Every route of the emulator in one place: the SendCloud actions and the /_emulator routers."""

from collections.abc import Callable
from dataclasses import dataclass

from .actions import account, addresslist, label, mail, template

GET_POST = ("GET", "POST")
POST = ("POST",)


@dataclass(frozen=True)
class Action:
    module: str  # as documented; matching is case-insensitive
    action: str
    handler: Callable
    methods: tuple[str, ...] = GET_POST
    writes: bool = True  # takes the account's write lock (caps and uniqueness must hold under races)


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
]

ACTION_INDEX: dict[tuple[str, str], Action] = {(a.module.lower(), a.action.lower()): a for a in ACTIONS}


def control_routers() -> list:
    """The /_emulator routers (control-api.md), in the order they appear in /docs."""
    from .control import accounts as control_accounts
    from .control import system
    from .control import mails as control_mails
    from .control import templates as control_templates

    return [system.router, control_accounts.router, control_templates.router, control_mails.router]
