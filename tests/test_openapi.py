"""/openapi.json is generated from the declarations: types, required flags, limits, descriptions,
codes per action, file parts as binary; /docs and /redoc are served from packaged assets."""

from sendcloud_emulator.routes import ACTIONS


def _schema(client):
    return client.get("/openapi.json").json()


def _form(operation, media="multipart/form-data"):
    return operation["requestBody"]["content"][media]["schema"]


def test_every_apiv2_parameter_is_typed_and_described_from_its_declaration(client):
    paths = _schema(client)["paths"]
    for entry in ACTIONS:
        declaration = entry.handler.declaration
        for method, operation in paths[f"/apiv2/{entry.module}/{entry.action}"].items():
            assert operation["x-sendcloud-codes"] == list(declaration.codes)
            for code in declaration.codes:
                assert f"| {code} |" in operation["description"]
            if method == "get":
                shown = {p["name"]: p for p in operation["parameters"]}
                required = {name for name, p in shown.items() if p["required"]}
            else:
                form = _form(operation)
                shown, required = form["properties"], set(form["required"])
            assert required == {"apiUser", "apiKey"} | {p.name for p in declaration.params if p.required}
            for param in declaration.params:
                if method == "get" and param.type == "binary":
                    continue
                doc = shown[param.name]
                schema = doc["schema"] if method == "get" else doc
                assert doc["description"].startswith(param.description.rstrip("."))
                expected = {"date": "string", "datetime": "string", "binary": "string"}.get(param.type, param.type)
                assert schema["type"] == expected, (entry, param.name)


def test_types_limits_and_files_as_users_need_them(client):
    paths = _schema(client)["paths"]
    send = _form(paths["/apiv2/mail/send"]["post"])
    assert list(paths["/apiv2/mail/send"]["post"]["requestBody"]["content"])[0] == "multipart/form-data"
    assert send["properties"]["attachments"]["format"] == "binary"
    assert send["properties"]["embeddedImage"]["format"] == "binary"
    assert "attachments" not in _form(paths["/apiv2/mail/send"]["post"], "application/x-www-form-urlencoded")["properties"]
    assert send["properties"]["subject"]["maxLength"] == 255
    assert send["properties"]["useAddressList"] == {**send["properties"]["useAddressList"], "type": "boolean",
                                                    "default": False}
    assert send["properties"]["labelId"]["type"] == "integer" and send["properties"]["labelId"]["minimum"] == 1
    assert send["required"] == ["apiUser", "apiKey", "from", "subject"]
    assert "Required unless xsmtpapi has `to`" in send["properties"]["to"]["description"]
    assert "at most 100 items" in send["properties"]["to"]["description"]
    assert "At most 200 UTF-8 bytes" in send["properties"]["contentSummary"]["description"]
    calendar = _form(paths["/apiv2/mail/sendcalendar"]["post"])
    assert calendar["properties"]["startTime"]["pattern"]
    window = {p["name"]: p for p in paths["/apiv2/statday/list"]["get"]["parameters"]}
    assert window["startDate"]["schema"] == {"type": "string", "format": "date", "example": ""}
    assert window["days"]["schema"]["minimum"] == 1 and window["days"]["schema"]["maximum"] == 92
    status = {p["name"]: p for p in paths["/apiv2/data/emailStatus"]["get"]["parameters"]}
    assert status["days"]["schema"]["maximum"] == 30
    label_get = paths["/apiv2/label/get"]["get"]
    assert [c for c in label_get["x-sendcloud-codes"]] == [200, 40005, 50001, 40102, 40103, 40106, 501]
    assert paths["/apiv2/mail/send"]["post"]["x-sendcloud-codes"][-4:] == [40000, 40904, 40821, 501]


def test_docs_pages_use_the_packaged_assets(client):
    for page, asset in (("/docs", "swagger-ui-bundle.js"), ("/redoc", "redoc.standalone.js")):
        html = client.get(page).text
        assert f"/static-offline-docs/{asset}" in html and "cdn." not in html
        assert client.get(f"/static-offline-docs/{asset}").status_code == 200
