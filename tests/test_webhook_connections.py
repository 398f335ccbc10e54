"""The webhook sender's connections (api.md §5, docs/decisions.md): a kept-alive connection per URL,
and the ways an HTTP/1.x server may frame its answer, close a connection or answer 1xx first."""

import json
import socket
import threading
import time
from urllib.parse import parse_qs

from .conftest import Api, new_account
from .test_webhook_callbacks import deliveries, hook, send, wait_deliveries

SIM = "sim.sendcloud.test"
OK_LENGTH = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"


class RawReceiver:
    """An HTTP/1.x server on 127.0.0.1 whose answers are raw bytes: `answer(n)` gives the bytes for the
    n-th request (0-based) and whether to close the connection after them."""

    def __init__(self, answer):
        self.answer = answer
        self.bodies: list[bytes] = []
        self.heads: list[bytes] = []
        self.connections = 0
        self.lock = threading.Lock()
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.1)
        self.stopping = False
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.listener.getsockname()[1]}/raw/hook?from=emulator"

    def _accept(self):
        while not self.stopping:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                continue
            with self.lock:
                self.connections += 1
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket):
        buffer = b""
        with conn:
            conn.settimeout(10)
            while not self.stopping:
                while b"\r\n\r\n" not in buffer:
                    try:
                        data = conn.recv(65536)
                    except OSError:
                        return
                    if not data:
                        return
                    buffer += data
                head, _, buffer = buffer.partition(b"\r\n\r\n")
                length = next(int(line.split(b":", 1)[1]) for line in head.split(b"\r\n")
                              if line.lower().startswith(b"content-length:"))
                while len(buffer) < length:
                    buffer += conn.recv(65536)
                body, buffer = buffer[:length], buffer[length:]
                with self.lock:
                    index = len(self.bodies)
                    self.bodies.append(body)
                    self.heads.append(head)
                raw, close = self.answer(index)
                conn.sendall(raw)
                if close:
                    return

    def forms(self) -> list[dict[str, str]]:
        with self.lock:
            bodies = list(self.bodies)
        return [{k: v[-1] for k, v in parse_qs(b.decode(), keep_blank_values=True).items()} for b in bodies]

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stopping = True
        self.listener.close()
        self.thread.join(5)


def delivered(client, account: dict, count: int) -> list[dict]:
    found = wait_deliveries(client, count, account=account["userName"], status="delivered")
    assert len(found) == count, deliveries(client, account=account["userName"])
    return found


def test_one_kept_alive_connection_per_url_in_event_order(client):
    account = new_account(client)
    api = Api(client, account)
    with RawReceiver(lambda n: (OK_LENGTH, False)) as receiver:
        hook(api, receiver.url, "request,deliver,open")
        ids = send(api, ";".join(f"open+{i}@{SIM}" for i in range(20)))
        attempts = delivered(client, account, 41)
        assert receiver.connections == 1
        assert [(f["event"], f.get("emailId", "")) for f in receiver.forms()] == [("request", "")] + [
            (event, email_id) for email_id in ids for event in ("deliver", "open")]
        assert all(a["attempt"] == 1 and a["statusCode"] == 200 for a in attempts)
        head = receiver.heads[0].decode()
        assert head.startswith("POST /raw/hook?from=emulator HTTP/1.1\r\n")
        assert "\r\ncontent-type: application/x-www-form-urlencoded; charset=utf-8" in head.lower()


def test_chunked_and_continue_answers_keep_the_connection(client):
    account = new_account(client)
    api = Api(client, account)
    answers = [b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
               b"2\r\nok\r\n3;x=y\r\n!!!\r\n0\r\nX-Trailer: 1\r\n\r\n",
               b"HTTP/1.1 500 Oops\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nfail\r\n0\r\n\r\n",
               b"HTTP/1.1 204 No Content\r\n\r\n"]
    with RawReceiver(lambda n: (answers[n] if n < len(answers) else OK_LENGTH, False)) as receiver:
        hook(api, receiver.url)
        send(api, "a@example.com;b@example.com;c@example.com")
        attempts = wait_deliveries(client, 5, account=account["userName"])
        codes = sorted((a["attempt"], a["statusCode"]) for a in attempts)
        assert codes == [(1, 200), (1, 204), (1, 500), (2, 200), (2, 200)]  # only 200 succeeds
        assert [a["status"] for a in attempts if a["statusCode"] != 200] == ["retrying", "retrying"]
        assert receiver.connections == 1


def test_answers_that_close_the_connection(client):
    account = new_account(client)
    api = Api(client, account)
    # HTTP/1.0 read to the end; Connection: close; an HTTP/1.1 server closing silently after each answer
    answers = [(b"HTTP/1.0 200 OK\r\n\r\nbody to the end", True),
               (b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok", True),
               (OK_LENGTH, True), (OK_LENGTH, True), (OK_LENGTH, True)]
    with RawReceiver(lambda n: answers[n] if n < len(answers) else (OK_LENGTH, True)) as receiver:
        hook(api, receiver.url)
        send(api, ";".join(f"u{i}@example.com" for i in range(5)))
        attempts = delivered(client, account, 5)
        assert all(a["attempt"] == 1 for a in attempts)
        assert len(receiver.forms()) == 5


def test_a_server_that_closes_without_answering_fails_the_attempt(client):
    account = new_account(client)
    api = Api(client, account)
    answers = [(b"", True), (b"HTTP/1.1 200", True), (b"not http\r\n\r\n", True)]
    with RawReceiver(lambda n: answers[n] if n < len(answers) else (OK_LENGTH, False)) as receiver:
        hook(api, receiver.url)
        send(api, "a@example.com")
        attempts = wait_deliveries(client, 4, account=account["userName"])
        assert [(a["attempt"], a["statusCode"], a["status"]) for a in attempts] == [
            (1, None, "retrying"), (2, None, "retrying"), (3, None, "retrying"), (4, 200, "delivered")]
        assert all(a["error"] for a in attempts[:3])
        assert len(receiver.forms()) == 4


def test_a_slow_answer_on_a_kept_alive_connection_times_out(client):
    account = new_account(client)
    api = Api(client, account)

    def answer(n):
        if n == 1:
            time.sleep(3.4)
        return OK_LENGTH, False

    with RawReceiver(answer) as receiver:
        hook(api, receiver.url)
        send(api, "a@example.com;b@example.com")
        attempts = wait_deliveries(client, 3, account=account["userName"])
        assert sorted((a["attempt"], a["statusCode"] or 0) for a in attempts) == [(1, 0), (1, 200), (2, 200)]
        assert "3 s" in next(a for a in attempts if a["statusCode"] is None)["error"]
        assert receiver.connections == 2  # the timed-out connection is not used again


def test_form_fields_with_reserved_and_non_ascii_characters_arrive_unchanged(client):
    account = new_account(client)
    api = Api(client, account)
    note = "Grüße & 100% = a+b; 东京 ~_- \"quoted\" 𝄞"
    with RawReceiver(lambda n: (OK_LENGTH, False)) as receiver:
        hook(api, receiver.url)
        [email_id] = send(api, "ann+tag@example.com", headers=json.dumps({"SC-Custom-Note": note}))
        delivered(client, account, 1)
        [form] = receiver.forms()
        assert json.loads(form["userHeaders"]) == {"SC-Custom-Note": note}
        assert form["emailId"] == email_id and form["recipient"] == "ann+tag@example.com"
