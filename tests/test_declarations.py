"""The declarations are what the actions read: a read or an answer that leaves them is caught.

The suite runs with SC_EMULATOR_STRICT_DECLARATIONS=1 (conftest), so every request of every test
also checks that each parameter an action reads is declared, in the declared order, with the
declared type, required flag, limits and codes. These tests show that the check bites.
"""

import logging

import pytest

from sendcloud_emulator.actions import label, mail
from sendcloud_emulator.actions import mail_params
from sendcloud_emulator.codes import catalogue
from sendcloud_emulator.protocol.declaration import COMMON_CODES, STRICT_ENV, TYPES, Declaration, Param
from sendcloud_emulator.routes import ACTIONS


@pytest.mark.parametrize("entry", ACTIONS, ids=lambda e: f"{e.module}/{e.action}")
def test_every_action_declares_typed_described_rows_and_known_codes(entry):
    declaration = entry.handler.declaration
    assert isinstance(declaration, Declaration)
    assert entry.handler.params == declaration.names
    for param in declaration.params:
        assert param.type in TYPES
        assert param.description and "\n" not in param.description, param.name
        assert not (param.required and param.required_when), param.name
        assert all(code in catalogue() for code in param.codes), param.name
    assert all(code in catalogue() for code in declaration.codes)
    assert declaration.codes[:3] == COMMON_CODES[:3] and declaration.codes[-1] == 501


def test_the_three_sends_share_their_rows_in_the_spec_order():
    names = lambda params: [p.name for p in params]  # noqa: E731
    send = names(mail.send.declaration.params)
    assert send[:9] == ["from", "fromName", "useAddressList", "xsmtpapi", "to", "cc", "bcc", "replyTo", "subject"]
    assert send[-8:] == ["headers", "attachments", "embeddedImage", "embeddedCid", "respEmailId",
                         "useNotification", "dispositionNotificationTo", "sendRequestId"]
    calendar = names(mail.sendcalendar.declaration.params)
    assert calendar[: len(send) - 3] == [n for n in send if n not in
                                         ("useAddressList", "useNotification", "dispositionNotificationTo")]
    assert names(mail.sendtemplate.declaration.params)[2] == "templateInvokeName"
    assert mail_params.ATTACHMENTS.type == mail_params.EMBEDDED_IMAGE.type == "binary"
    assert mail.send.declaration.get("subject").required
    assert not mail.sendtemplate.declaration.get("subject").required


@pytest.fixture
def patched(monkeypatch):
    def use(handler, *params, codes=()):
        monkeypatch.setattr(handler, "declaration", Declaration(tuple(params), codes))
    return use


def test_a_read_of_an_undeclared_parameter_fails_the_request(api, patched):
    patched(label.get)  # label/get reads labelId, declared here as nothing
    assert api.code("label/get", labelId="1") == 501


def test_a_read_out_of_the_declared_order_fails_the_request(api, patched):
    label_id = api.call("label/add", labelName="order")["info"]["data"]["labelId"]
    patched(label.update, label.LABEL_NAME, label.LABEL_ID)  # the action reads labelId first
    assert api.code("label/update", labelId=str(label_id), labelName="renamed") == 501


def test_a_reader_that_differs_from_its_row_fails_the_request(api, patched):
    patched(label.add, label.LABEL_NAME.but(max_length=100))  # the reader allows 255
    assert api.code("label/add", labelName="x") == 501
    patched(label.add, label.LABEL_NAME.but(type="integer"))
    assert api.code("label/add", labelName="x") == 501
    patched(label.add, label.LABEL_NAME.but(required=False))
    assert api.code("label/add", labelName="x") == 501
    patched(label.add, label.LABEL_NAME.but(codes=(40105, 40113)))  # the empty code is missing
    assert api.code("label/add", labelName="x") == 501


def test_an_undeclared_answer_code_fails_the_request(api, patched):
    patched(label.get, label.LABEL_ID.but(codes=(40102, 40103)))  # 40106 (no such label) left out
    assert api.code("label/get", labelId="1") == 501
    assert api.code("label/get", labelId="x") == 40103  # declared codes still answer


def test_outside_the_suite_a_drift_is_logged_once_and_the_answer_is_kept(api, patched, monkeypatch, caplog):
    monkeypatch.delenv(STRICT_ENV)
    patched(label.get, Param("other", description="not what the action reads"), codes=(40102, 40103, 40106))
    with caplog.at_level(logging.WARNING, logger="sendcloud_emulator"):
        assert api.code("label/get", labelId="999999999") == 40106
        assert api.code("label/get", labelId="999999999") == 40106
    drifts = [r.getMessage() for r in caplog.records if "declaration drift" in r.getMessage()]
    assert drifts == ["declaration drift: label/get reads labelId, which it does not declare"]


def test_a_declaration_rejects_unknown_types_and_repeated_names():
    with pytest.raises(ValueError):
        Param("x", "number")
    with pytest.raises(ValueError):
        Declaration((Param("x"), Param("x")))
