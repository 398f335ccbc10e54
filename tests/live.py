"""Emulator server processes, for the tests that need more than one process on one database (an
in-process server is the plugin's `EmulatorServer`): start one, wait for its health check, stop it.

The port is chosen by binding a socket here once and handing that very socket to the child, which
serves it the way `sendcloud-emulator serve` serves its port (`cli.run_server`), so no other process
can take the port between choosing and listening.
"""

import socket
import subprocess
import sys
import time

import httpx


def free_port() -> int:
    """A loopback port free now (for the SMTP listener, which binds its own sockets)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start(database: str, env: dict, workers: int = 1, smtp_port: int = 0, **popen) -> tuple[subprocess.Popen, str]:
    """An emulator server on `database` with the environment `env` → (process, base URL). With
    `workers` > 1 (PostgreSQL), that many processes serve the one socket, as `serve --workers` does.
    SMTP is off unless given a port (many test servers run at once)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        env = {**env, "SC_EMULATOR_DATABASE_URL": database, "SC_EMULATOR_HOST": "127.0.0.1",
               "SC_EMULATOR_PORT": str(port), "SC_EMULATOR_SMTP_PORT": str(smtp_port), "SC_EMULATOR_SMTPS_PORT": "0"}
        env.setdefault("SC_EMULATOR_LOG_LEVEL", "warning")
        serve = ("import sys; from sendcloud_emulator.cli import run_server; from sendcloud_emulator.settings "
                 "import Settings; run_server(Settings(), workers=int(sys.argv[1]), fd=int(sys.argv[2]))")
        process = subprocess.Popen([sys.executable, "-c", serve, str(workers), str(sock.fileno())],
                                   env=env, pass_fds=(sock.fileno(),), **popen)
    return process, f"http://127.0.0.1:{port}"


def wait_ready(process: subprocess.Popen, base: str, failure: str = "the emulator did not start",
               timeout: float = 120) -> None:
    """Until /_emulator/health answers 200; RuntimeError(failure) if the process exits or `timeout` passes."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            if httpx.get(f"{base}/_emulator/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            if process.poll() is not None and process.stderr is not None:
                failure = f"{failure}: {process.stderr.read().decode(errors='replace')}"
            raise RuntimeError(failure)
        time.sleep(0.2)


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        process.kill()
