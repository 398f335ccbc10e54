"""Real `python -m emulator serve` processes for tests that need a live server on loopback:
start one on a free port, wait for its health check, stop it."""

import socket
import subprocess
import sys
import time

import httpx


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start(database: str, env: dict) -> tuple[subprocess.Popen, str]:
    """An emulator process on `database` with the environment `env` → (process, base URL)."""
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "sendcloud_emulator", "serve", "--port", str(port),
                                "--database", database], env=env)
    return process, f"http://127.0.0.1:{port}"


def wait_ready(process: subprocess.Popen, base: str, failure: str = "the emulator did not start") -> None:
    """Until /_emulator/health answers 200; RuntimeError(failure) if the process exits or 60 s pass."""
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(f"{base}/_emulator/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(failure)
        time.sleep(0.2)


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
