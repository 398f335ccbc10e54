"""A thin v1 WEBAPI client for tests: `v1.call("label.create", labelName="x")` → the reply body."""

from fastapi.testclient import TestClient

from sendcloud_emulator.codes import message

TIME = r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}"
DATE = r"\d{4}-\d{2}-\d{2}"


def text(code: int) -> str:
    """The v1 error string of a v2 code: its English text, exactly (v1.md §3.2 (3))."""
    return message(code, "en")


class V1:
    def __init__(self, client: TestClient, account: dict, batch: bool = False):
        self.client = client
        self.account = account
        self.api_user = account["batchApiUser"] if batch else account["apiUser"]
        self.api_key = account["batchApiKey"] if batch else account["apiKey"]

    def auth(self) -> dict:
        return {"api_user": self.api_user, "api_key": self.api_key}

    def call(self, action: str, *, method: str = "POST", upload=None, **params) -> dict:
        """`upload`: httpx file parts; `params` are v1 parameters (a `files` text part included)."""
        data = {**self.auth(), **{k: v for k, v in params.items() if v is not None}}
        if method == "GET":
            response = self.client.get(f"/webapi/{action}.json", params=data)
        else:
            response = self.client.post(f"/webapi/{action}.json", data=data, files=upload)
        assert response.status_code == 200, response.text
        assert response.headers["content-type"] == "application/json; charset=utf-8"
        return response.json()

    def ok(self, action: str, **params) -> dict:
        body = self.call(action, **params)
        assert body["message"] == "success", body
        assert list(body)[0] == "message"
        return body

    def error(self, action: str, **params) -> str:
        body = self.call(action, **params)
        assert body["message"] == "error" and set(body) == {"message", "errors"}, body
        assert isinstance(body["errors"], list) and len(body["errors"]) == 1, body
        return body["errors"][0]

    def multipart(self, action: str, fields: dict, parts: list[tuple[str, str, bytes]]) -> dict:
        """A hand-made multipart body (file parts as (name, filename, data)), e.g. with filename=""."""
        from .test_mail_send import multipart_body

        content, headers = multipart_body({**self.auth(), **fields}, parts)
        response = self.client.post(f"/webapi/{action}.json", content=content, headers=headers)
        assert response.status_code == 200, response.text
        return response.json()
