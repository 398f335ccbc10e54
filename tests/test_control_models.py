"""Every /_emulator route declares what it answers: a typed schema in /openapi.json (a model with
its fields, never an empty or free-form object), or for a file download its media type; and what
the routes really answer is exactly their model (every field, none more, nothing coerced)."""

import json

from fastapi.routing import APIRoute
from pydantic import TypeAdapter
from starlette.routing import Match

from sendcloud_emulator.routes import control_routers

from .conftest import Api, new_account
from .receiver import Receiver
from .test_webhook_callbacks import wait_deliveries

SIM = "sim.sendcloud.test"
DOWNLOADS = {"message/rfc822", "application/octet-stream"}


def _control_routes() -> list[APIRoute]:
    return [route for router in control_routers() for route in router.routes
            if isinstance(route, APIRoute) and route.path.startswith("/_emulator")]


def _resolve(schema: dict, components: dict) -> dict:
    ref = schema.get("$ref")
    return components[ref.rsplit("/", 1)[-1]] if ref else schema


def _typed(schema: dict, components: dict, seen: tuple = ()) -> list[str]:
    """What is untyped in `schema` at its top and in every model it refers to (empty: all typed)."""
    ref = schema.get("$ref", "")
    if ref in seen:
        return []
    schema = _resolve(schema, components)
    if schema.get("type") == "array":
        return _typed(schema.get("items", {}), components, seen + (ref,))
    if schema.get("type") != "object" or not schema.get("properties") or schema.get("additionalProperties"):
        return [f"{ref or schema.get('title')}: {schema}"]
    problems = []
    for name, prop in schema["properties"].items():
        for option in prop.get("anyOf", [prop]):
            if "$ref" in option or option.get("type") == "array" and "$ref" in option.get("items", {}):
                problems += _typed(option, components, seen + (ref,))
            elif not option.get("type"):
                problems.append(f"{ref}.{name} has no type")
    return problems


def test_every_control_operation_declares_a_typed_answer(client):
    schema = client.get("/openapi.json").json()
    components = schema["components"]["schemas"]
    operations = [(method, path, op) for path, item in schema["paths"].items() if path.startswith("/_emulator")
                  for method, op in item.items()]
    assert len(operations) >= 27
    for method, path, operation in operations:
        success = {code: answer for code, answer in operation["responses"].items() if code.startswith("2")}
        assert len(success) == 1, (method, path, success)
        [(code, answer)] = success.items()
        if code == "204":
            assert "content" not in answer, (method, path)
            continue
        content = answer["content"]
        if "application/json" not in content:  # a download: its media type and a binary body
            assert set(content) <= DOWNLOADS and content, (method, path, content)
            for media in content.values():
                assert media["schema"] == {"type": "string", "format": "binary"}, (method, path)
            continue
        assert set(content) == {"application/json"}, (method, path)
        body = content["application/json"]["schema"]
        assert _typed(body, components) == [], (method, path)


def test_the_mail_summary_shows_from_by_its_wire_name(client):
    components = client.get("/openapi.json").json()["components"]["schemas"]
    assert "from" in components["MailSummary"]["properties"] and "from_" not in components["MailSummary"]["properties"]
    assert set(components["MailFull"]["properties"]) > set(components["MailSummary"]["properties"])


class Checked:
    """Sends control requests and checks each 2xx JSON answer against its route's response model."""

    def __init__(self, client):
        self.client = client
        self.covered: set[tuple[str, str]] = set()

    def _route(self, method: str, path: str) -> APIRoute:
        scope = {"type": "http", "method": method, "path": path, "root_path": ""}
        for route in _control_routes():
            if route.matches(scope)[0] == Match.FULL:
                return route
        raise AssertionError(f"no route for {method} {path}")

    def __call__(self, method: str, path: str, status: int = 200, **kwargs):
        response = self.client.request(method, path, **kwargs)
        assert response.status_code == status, response.text
        route = self._route(method, path)
        self.covered.add((method, route.path))
        if status == 204:
            assert response.content == b""
            return None
        if route.response_model is None:  # a download
            media = response.headers["content-type"].split(";")[0]
            declared = route.responses[200]["content"]
            assert media in declared or "application/octet-stream" in declared, (path, media)
            return response
        answer = response.json()
        adapter = TypeAdapter(route.response_model)
        typed = adapter.validate_python(answer)  # the models refuse missing and unknown fields
        again = adapter.dump_python(typed, mode="json", by_alias=True, exclude_unset=True)
        assert again == answer, (path, answer)  # nothing coerced, nothing dropped
        return answer


def test_real_answers_are_exactly_their_models(client):
    check = Checked(client)
    check("GET", "/_emulator/health")
    account = check("POST", "/_emulator/accounts", 201, json={"templateReview": "manual"})
    user = account["userName"]
    api = Api(client, account)
    assert any(a["userName"] == user for a in check("GET", "/_emulator/accounts"))
    check("GET", f"/_emulator/accounts/{user}")
    check("PATCH", f"/_emulator/accounts/{user}", json={"quota": 500, "rateLimitPerMinute": 1000})
    check("GET", f"/_emulator/accounts/{user}/clock")
    assert check("PUT", f"/_emulator/accounts/{user}/clock", json={"advanceSeconds": 1.5})["offsetSeconds"] >= 1.5
    check("PUT", f"/_emulator/accounts/{user}/clock", json={"frozen": True})
    check("DELETE", f"/_emulator/accounts/{user}/clock", 204)

    assert api.code("template/add", invokeName="shipped", name="Shipped", html="<p>hi</p>", subject="S",
                    templateType="0", isSubmitAudit="1") == 200
    reviewed = check("POST", "/_emulator/templates/review",
                     json={"account": user, "invokeName": "shipped", "approve": True})
    assert reviewed["templateStat"] == 1
    check("POST", "/_emulator/domains/verify", json={"account": user, "name": account["domain"], "verify": 8})

    with Receiver() as receiver:
        assert api.code("webhook/add", categoryName="all", event="request,deliver,open,click", url=receiver.url) == 200
        sent = api.call("mail/send", files=[("attachments", ("a.txt", b"hello", "text/plain"))],
                        **{"from": f"shop@{account['domain']}", "to": f"click@{SIM};invalid@{SIM}",
                           "subject": "Order", "html": '<p><a href="http://example.com/x">x</a></p>',
                           "headers": json.dumps({"X-Order": "42"}), "xsmtpapi": json.dumps(
                               {"to": [f"click@{SIM}", f"invalid@{SIM}"], "sub": {"%n%": ["1", "2"]}})})
        assert sent["statusCode"] == 200, sent
        [clicked, _invalid] = sent["info"]["emailIdList"]
        assert wait_deliveries(client, 4, account=user)
        page = check("GET", "/_emulator/webhook-deliveries", params={"account": user})
        assert page["total"] >= 4 and page["items"][0]["payload"]["event"] == "request"
    mails = check("GET", "/_emulator/mails", params={"account": user, "wait": 5})
    assert mails["total"] == 2 and "totalCapped" not in mails
    full = check("GET", f"/_emulator/mails/{clicked}")
    assert full["attachments"][0]["filename"] == "a.txt" and full["events"]
    check("GET", "/_emulator/mails/latest", params={"account": user})
    check("GET", f"/_emulator/mails/{clicked}/raw")
    assert check("GET", f"/_emulator/mails/{clicked}/attachments/0").content == b"hello"
    check("POST", "/_emulator/events", 201, json={"emailId": clicked, "event": "unsubscribe"})
    check("POST", "/_emulator/events", 201, json={"emailId": clicked, "event": "click", "url": "http://e.com/",
                                                  "ip": "127.0.0.1", "userAgent": "test"})
    events = check("GET", "/_emulator/events", params={"account": user})
    assert {"click", "invalid", "unsubscribe"} <= {e["event"] for e in events["items"]}
    for kind in ("bounces", "unsubscribes", "spamreports"):
        check("GET", f"/_emulator/accounts/{user}/suppressions/{kind}")
    assert check("GET", f"/_emulator/accounts/{user}/suppressions/bounces")["total"] == 1
    assert check("GET", f"/_emulator/accounts/{user}/suppressions/unsubscribes")["total"] == 1
    check("DELETE", f"/_emulator/accounts/{user}/suppressions/bounces", params={"email": f"invalid@{SIM}"})

    check("PUT", "/_emulator/faults", json={"rules": [{"module": "label", "apiUser": "nobody_here",
                                                       "statusCode": 501, "count": 2}]})
    assert check("GET", "/_emulator/faults")["rules"][0]["fired"] == 0
    check("DELETE", "/_emulator/faults", 204)

    check("DELETE", f"/_emulator/mails/{_invalid}", 204)
    assert check("DELETE", "/_emulator/mails", params={"account": user}) == {"deleted": 1}
    assert api.code("addresslist/add", address="club@maillist.sendcloud.org", name="club") == 200
    assert api.code("addressmember/add", address="club@maillist.sendcloud.org", members="a@example.com") == 200
    listed = api.call("mail/send", batch=True, **{"from": f"shop@{account['domain']}", "subject": "s", "html": "h",
                                                 "to": "club@maillist.sendcloud.org", "useAddressList": "true"})
    (task_id,) = listed["info"]["maillistTaskId"]
    assert check("GET", f"/_emulator/tasks/{task_id}", params={"wait": 10})["status"] == "completed"
    check("POST", "/_emulator/reset", 204, params={"account": user})
    check("DELETE", f"/_emulator/accounts/{user}", 204)

    every = {(method, route.path) for route in _control_routes() for method in route.methods}
    # a full reset would wipe the other tests' accounts of this worker: it is driven in test_control_accounts
    assert every - check.covered == {("POST", "/_emulator/reset")} - check.covered


def test_a_capped_count_is_shown_only_when_capped(client):
    """`totalCapped` is declared (optional) and present only when counting stopped: the model does not
    make it appear as null on every page."""
    api = Api(client, new_account(client))
    assert api.call("mail/send", **{"from": "a@example.com", "to": "b@example.com", "subject": "s",
                                    "html": "h"})["statusCode"] == 200
    answer = client.get("/_emulator/mails", params={"account": api.account["userName"]}).json()
    assert set(answer) == {"total", "items"}


def test_every_control_request_is_typed(client):
    """Bodies are models with typed fields; query and path parameters have a type."""
    schema = client.get("/openapi.json").json()
    components = schema["components"]["schemas"]
    bodies = 0
    for path, item in schema["paths"].items():
        if not path.startswith("/_emulator"):
            continue
        for method, operation in item.items():
            for param in operation.get("parameters", []):
                options = param["schema"].get("anyOf", [param["schema"]])
                assert all(o.get("type") or o.get("enum") for o in options), (method, path, param)
            if "requestBody" in operation:
                bodies += 1
                [(media, body)] = operation["requestBody"]["content"].items()
                assert media == "application/json" and _typed(body["schema"], components) == [], (method, path)
    assert bodies == 7
