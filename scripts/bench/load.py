"""The load tool of the benchmarks: wrk when it is installed (`apt-get install wrk`), else a small
asyncio HTTP/1.1 client. One run uses one of them for every row, with the same connection count,
so the rows compare. Both keep their connections alive and check every answer for an expected
substring (a 200 with another body, e.g. a SendCloud error envelope, counts as bad).
Loopback traffic only; every run is bounded in time.
"""

import asyncio
import os
import re
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from urllib.parse import urlsplit


@dataclass
class Load:
    requests: int
    seconds: float
    p50: float  # ms
    p95: float
    p99: float
    bad: int  # answers that were not HTTP 200 with the expected text
    first_bad: str = ""  # the first such answer (status and the start of its body)
    errors: int = 0  # socket errors and requests past the timeout

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


@dataclass
class Request:
    url: str
    method: str = "GET"
    body: bytes = b""
    content_type: str | None = None
    headers: dict | None = None
    expect: str = ""  # a substring every good answer holds


def _lua_text(text: str) -> str:
    level = "=" * 4
    while f"]{level}]" in text:
        level += "="
    return f"[{level}[{text}]{level}]"


WRK_SCRIPT = """
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) bad = 0; first = "" end
wrk.method = %(method)s
wrk.body = %(body)s
%(headers)s
local expect = %(expect)s
function response(status, headers, body)
  if status ~= 200 or (expect ~= "" and not string.find(body, expect, 1, true)) then
    bad = bad + 1
    if first == "" then first = status .. " " .. string.sub(body, 1, 200) end
  end
end
function done(summary, latency, requests)
  local e = summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout
  local b = 0
  local f = ""
  for _, t in ipairs(threads) do
    b = b + t:get("bad")
    if f == "" then f = t:get("first") end
  end
  io.write("WRKFIRST " .. string.gsub(f, "\\n", " ") .. "\\n")
  io.write(string.format("WRKRESULT %%d %%d %%d %%d %%d %%d %%d\\n", summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), b, e))
end
"""


class Wrk:
    name = "wrk"

    def __init__(self):
        self.path = shutil.which("wrk")
        found = subprocess.run([self.path, "-v"], capture_output=True, text=True)
        version = re.search(r"wrk (\S+)", found.stdout + found.stderr)
        self.label = f"wrk {version.group(1) if version else ''}".strip()

    def run(self, request: Request, connections: int, seconds: float) -> Load:
        headers = dict(request.headers or {})
        if request.content_type:
            headers["Content-Type"] = request.content_type
        lines = "\n".join(f"wrk.headers[ {_lua_text(k)} ] = {_lua_text(v)}" for k, v in headers.items())
        script = WRK_SCRIPT % {"method": _lua_text(request.method), "body": _lua_text(request.body.decode()),
                               "headers": lines, "expect": _lua_text(request.expect)}
        with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
            handle.write(script)
        try:
            done = subprocess.run([self.path, "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s",
                                   "--timeout", "30s", "-s", handle.name, request.url],
                                  capture_output=True, text=True, timeout=seconds + 120)
        finally:
            os.unlink(handle.name)
        found = re.search(r"WRKRESULT (\d+) (\d+) (\d+) (\d+) (\d+) (\d+) (\d+)", done.stdout)
        if not found:
            raise SystemExit(f"wrk failed: {done.stdout[-500:]} {done.stderr[-500:]}")
        requests, micros, p50, p95, p99, bad, errors = (int(x) for x in found.groups())
        first = re.search(r"WRKFIRST (.*)", done.stdout)
        return Load(requests, micros / 1e6, p50 / 1000, p95 / 1000, p99 / 1000, bad,
                    first.group(1) if first else "", errors)


class PyLoad:
    """N keep-alive connections, each sending the request again as soon as its answer is in."""

    name = "python"
    label = "asyncio HTTP/1.1 client (wrk not installed)"

    def run(self, request: Request, connections: int, seconds: float) -> Load:
        return asyncio.run(self._run(request, connections, seconds))

    async def _run(self, request: Request, connections: int, seconds: float) -> Load:
        parts = urlsplit(request.url)
        path = parts.path or "/"
        if parts.query:
            path += "?" + parts.query
        head = [f"{request.method} {path} HTTP/1.1", f"Host: {parts.netloc}", f"Content-Length: {len(request.body)}"]
        if request.content_type:
            head.append(f"Content-Type: {request.content_type}")
        head += [f"{k}: {v}" for k, v in (request.headers or {}).items()]
        raw = ("\r\n".join(head) + "\r\n\r\n").encode() + request.body
        expect = request.expect.encode()
        latencies: list[float] = []
        bad, errors = [0], [0]
        first_bad: list[str] = []
        begin = time.perf_counter()
        deadline = begin + seconds

        async def one_connection():
            try:
                reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
            except OSError:
                errors[0] += 1
                return
            try:
                while time.perf_counter() < deadline:
                    start = time.perf_counter()
                    writer.write(raw)
                    status, body = await asyncio.wait_for(_answer(reader), 30)
                    latencies.append((time.perf_counter() - start) * 1000)
                    if status != 200 or (expect and expect not in body):
                        bad[0] += 1
                        first_bad.append(f"{status} {body[:200].decode(errors='replace')}")
            except (OSError, asyncio.IncompleteReadError, TimeoutError):
                errors[0] += 1
            finally:
                writer.close()

        await asyncio.gather(*(one_connection() for _ in range(connections)))
        elapsed = time.perf_counter() - begin
        ordered = sorted(latencies) or [float("nan")]

        def pct(p):
            return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]

        return Load(len(latencies), elapsed, pct(50), pct(95), pct(99), bad[0], (first_bad or [""])[0], errors[0])


async def _answer(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    fields = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        fields[name.strip().lower()] = value.strip()
    if fields.get("transfer-encoding", "").lower() == "chunked":
        body = b""
        while True:
            size = int((await reader.readuntil(b"\r\n")).strip().split(b";")[0], 16)
            chunk = await reader.readexactly(size + 2)
            if size == 0:
                break
            body += chunk[:-2]
        return status, body
    return status, await reader.readexactly(int(fields.get("content-length", "0")))


def tool(prefer_python: bool = False):
    """wrk if installed (and not refused), else the asyncio client."""
    if not prefer_python and shutil.which("wrk"):
        return Wrk()
    return PyLoad()
