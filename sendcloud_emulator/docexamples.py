"""The worked examples of docs/api.md (`<!-- generated: example module/action -->` blocks): one
scenario run against a fresh emulator (temporary SQLite database, the default account, its clock
frozen at EXAMPLE_TIME, webhook probes off), each example the request as sent and the answer as
received. Ids and times are then the same on every run; the values that are random on every run
are shown as fixed ones: a messageId's random part (the number before `.sc-`) as 4821, a new
API_USER's generated key (`nameKey`) as k8Zq2Rw5Tn4Yp1Vx.
"""

import json
import re
import tempfile
from functools import cache

EXAMPLE_TIME = "2030-01-15T10:00:00"
USER = {"apiUser": "demo_trigger", "apiKey": "demoTriggerKey01"}
BATCH = {"apiUser": "demo_batch", "apiKey": "demoBatchKey0001"}
SIM = "sim.sendcloud.test"
LIST = "news@maillist.sendcloud.org"

# (module/action, parameters, credentials): run in this order; each call's answer is its example.
SCENARIO: list[tuple[str, dict, dict]] = [
    ("label/add", {"labelName": "spring-promo"}, USER),
    ("label/list", {}, USER),
    ("label/get", {"labelId": "1"}, USER),
    ("label/update", {"labelId": "1", "labelName": "spring-sale"}, USER),
    ("template/add", {"invokeName": "order_shipped", "name": "Order shipped", "templateType": "0",
                      "subject": "Your order %order% has shipped", "html": "<p>Hi %name%, order %order% ships today.</p>", "isSubmitAudit": "0"},
     USER),
    ("template/list", {}, USER),
    ("template/update", {"invokeName": "order_shipped", "subject": "Order %order% is on its way",
                         "isSubmitAudit": "0"}, USER),
    ("template/submit", {"invokeName": "order_shipped"}, USER),
    ("addresslist/add", {"address": LIST, "name": "Newsletter"}, USER),
    ("addresslist/list", {}, USER),
    ("addresslist/update", {"address": LIST, "name": "Monthly newsletter"}, USER),
    ("addressmember/add", {"address": LIST, "members": "ann@example.com;ben@example.com", "names": "Ann;Ben"}, USER),
    ("addressmember/list", {"address": LIST}, USER),
    ("addressmember/get", {"address": LIST, "members": "ann@example.com"}, USER),
    ("addressmember/update", {"address": LIST, "members": "ben@example.com", "names": "Benjamin"}, USER),
    ("addressmember/delete", {"address": LIST, "members": "ben@example.com"}, USER),
    ("addresslist/delete", {"address": LIST}, USER),
    ("domain/add", {"name": "mail.example.com"}, USER),
    ("domain/update", {"name": "mail.example.com", "newName": "news.example.com"}, USER),
    ("domain/list", {"name": "news.example.com"}, USER),
    ("apiuser/list", {}, USER),
    ("apiuser/add", {"name": "demo_news", "emailType": "1", "domainName": "news.example.com"}, USER),
    ("mail/send", {"from": "shop@demo.sendcloud.org", "subject": "Spring sale", "labelId": "1",
                   "html": '<p>20% off. <a href="https://example.com/sale">Shop now</a></p>',
                   "to": f"open@{SIM};click@{SIM};invalid@{SIM};unsubscribe@{SIM};spam@{SIM}"}, USER),
    ("data/emailStatus", {"days": "1", "email": f"invalid@{SIM}"}, USER),
    ("stathour/list", {"days": "1"}, USER),
    ("invalidstat/list", {"days": "1"}, USER),
    ("openandclick/list", {"days": "1", "trackType": "2"}, USER),
    ("bounce/list", {"days": "1"}, USER),
    ("bounce/count", {"days": "1"}, USER),
    ("bounce/delete", {"email": f"invalid@{SIM}"}, USER),
    ("unsubscribe/list", {"days": "1"}, USER),
    ("unsubscribe/add", {"email": "carl@example.com"}, USER),
    ("unsubscribe/delete", {"email": "carl@example.com"}, USER),
    ("spamreported/list", {"days": "1"}, USER),
    ("webhook/add", {"categoryName": "all", "event": "deliver,open", "url": "http://127.0.0.1:9/hook"}, USER),
    ("webhook/list", {}, USER),
    ("webhook/update", {"categoryName": "all", "url": "http://127.0.0.1:9/hook", "newEvent": "deliver,open,click"},
     USER),
    ("webhook/delete", {"categoryName": "all", "url": "http://127.0.0.1:9/hook", "event": "click"}, USER),
    ("template/delete", {"invokeName": "order_shipped"}, USER),
    ("label/delete", {"labelId": "1"}, USER),
]

_RANDOM = re.compile(r"(\d{13}_\d+_\d+_)\d{1,4}(\.sc-)")
_NAME_KEY = re.compile(r'("nameKey": ?")[^"]*(")')


@cache
def answers() -> dict[str, tuple[dict, dict]]:
    """module/action → (the parameters sent, the answer), from one run of SCENARIO."""
    from fastapi.testclient import TestClient

    from .app import create_app
    from .settings import Settings

    found = {}
    with tempfile.TemporaryDirectory() as folder:
        # every setting that shapes an answer is given here, so the environment cannot change the examples
        settings = Settings(database_url=f"sqlite:///{folder}/examples.db", webhook_probe=False, smtp_port=0,
                            smtps_port=0, lang="zh", timezone="Asia/Shanghai", admin_token=None, fixtures=None)
        with TestClient(create_app(settings)) as client:
            moved = client.put("/_emulator/accounts/demo/clock", json={"now": EXAMPLE_TIME, "frozen": True})
            assert moved.status_code == 200, moved.text
            for name, params, creds in SCENARIO:
                reply = client.post(f"/apiv2/{name}", data={**creds, **params})
                shown = _NAME_KEY.sub(r"\g<1>k8Zq2Rw5Tn4Yp1Vx\2", _RANDOM.sub(r"\g<1>4821\2", reply.text))
                answer = json.loads(shown)
                if answer.get("statusCode") != 200:
                    raise RuntimeError(f"the example of {name} answered {answer}")
                found[name] = (params, answer)
    return found


def example_block(name: str) -> str:
    params, answer = answers()[name]
    shown = "  ".join(f"{key}={value}" for key, value in params.items()) or "(apiUser and apiKey only)"
    return (f"Example: {_code(shown)} →\n\n"
            f"```json\n{json.dumps(answer, ensure_ascii=False)}\n```\n")


def _code(text: str) -> str:
    return f"`{text}`" if "`" not in text else f"``{text}``"
