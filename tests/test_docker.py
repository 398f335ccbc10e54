"""The Dockerfile, docker-compose.yml and the README's container snippets, without a Docker daemon.

The image's build stage runs `scripts/install-venv /opt/venv`; this test runs the same script
(wheel of this checkout → fresh virtual environment), then the image's exact HEALTHCHECK and CMD
with the image's ENV (only /data, the port and PATH point into a temporary directory).

For speed the fresh venv is installed with `--no-deps` and borrows the dependencies of the test
venv through a path entry; the wheel's declared dependencies are checked against pyproject.toml.
Set SC_EMULATOR_TEST_FULL_INSTALL=1 to install them from the package index too (about a minute).
"""

import json
import re
import os
import shlex
import signal
import socket
import smtplib
import subprocess
import sys
import sysconfig
import time
import tomllib
from pathlib import Path

import httpx
import pytest
import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from .readme import ROOT, snippet


def dockerfile() -> list[list[tuple[str, str]]]:
    """Stages, each a list of (INSTRUCTION, arguments) with line continuations joined."""
    lines, current = [], ""
    for raw in (ROOT / "Dockerfile").read_text(encoding="utf-8").splitlines():
        if raw.strip().startswith("#") and not current:
            continue
        current += raw.rstrip("\\").strip() + " " if raw.rstrip().endswith("\\") else raw.strip()
        if not raw.rstrip().endswith("\\"):
            if current.strip():
                lines.append(current.strip())
            current = ""
    stages = []
    for line in lines:
        keyword, _, args = line.partition(" ")
        if keyword.upper() == "FROM":
            stages.append([])
        elif not stages:  # a global ARG (the pinned base image), read by base_image_arg()
            continue
        stages[-1].append((keyword.upper(), args.strip()))
    return stages


def base_image_arg() -> str:
    (line,) = [raw for raw in (ROOT / "Dockerfile").read_text(encoding="utf-8").splitlines() if raw.startswith("ARG ")]
    return line


def test_the_lock_pins_every_dependency_within_pyproject():
    """requirements.lock (scripts/lock) holds one exact version per package, and every dependency of
    pyproject and of the postgres extra at a version its range allows."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    pins = {}
    for line in (ROOT / "requirements.lock").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith((" ", "#")):
            name, _, version = line.partition("==")
            assert version and ";" not in version, line
            pins[canonicalize_name(name)] = version
    wanted = [Requirement(r) for r in project["dependencies"] + project["optional-dependencies"]["postgres"]]
    for requirement in wanted:
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{name} is not locked: run scripts/lock"
        assert requirement.specifier.contains(pins[name], prereleases=True), (name, pins[name])
    assert "psycopg-binary" in pins  # psycopg[binary]: the image needs no libpq of the system
    assert "scripts/lock" in (ROOT / "requirements.lock").read_text(encoding="utf-8")
    assert "psycopg" not in " ".join(project["dependencies"])  # the driver is the postgres extra


def instruction(stage, keyword) -> list[str]:
    return [args for key, args in stage if key == keyword]


def image_env(stage) -> dict[str, str]:
    env = {}
    for args in instruction(stage, "ENV"):
        for pair in shlex.split(args):
            key, _, value = pair.partition("=")
            env[key] = value
    return env


def healthcheck(stage) -> tuple[dict[str, str], list[str]]:
    (args,) = instruction(stage, "HEALTHCHECK")
    options, _, command = args.partition(" CMD ")
    flags = dict(opt.lstrip("-").split("=", 1) for opt in options.split())
    return flags, json.loads(command)


def test_dockerfile_shape():
    build, final = dockerfile()
    assert build[0] == ("FROM", "${PYTHON_IMAGE} AS build")
    assert final[0] == ("FROM", "${PYTHON_IMAGE}")  # same base, so the copied venv's python exists
    assert re.fullmatch(r"ARG PYTHON_IMAGE=python:3\.11\.\d+-slim-bookworm", base_image_arg())  # a pinned release
    assert instruction(build, "RUN") == ["scripts/install-venv /opt/venv --locked"]
    assert "pyproject.toml README.md requirements.lock ./" in instruction(build, "COPY")
    assert "scripts/install-venv ./scripts/install-venv" in instruction(build, "COPY")
    assert instruction(final, "COPY") == ["--from=build /opt/venv /opt/venv"]
    # Only PyPI: no system packages, no downloads other than pip's.
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    for word in ("apt-get", "curl", "wget", "gcc", "build-essential"):
        assert word not in text
    (run,) = instruction(final, "RUN")
    assert run.startswith("useradd --system --uid 10001")
    assert instruction(final, "USER") == ["emulator"]
    assert instruction(final, "VOLUME") == ["/data"]
    assert instruction(final, "WORKDIR") == ["/data"]
    assert instruction(final, "EXPOSE") == ["8000 2525"]
    env = image_env(final)
    assert env["SC_EMULATOR_HOST"] == "0.0.0.0" and env["SC_EMULATOR_PORT"] == "8000"
    assert env["SC_EMULATOR_SMTP_PORT"] == "2525"
    assert env["SC_EMULATOR_DATABASE_URL"] == "sqlite:////data/emulator.db"
    assert "SC_EMULATOR_FIXTURES" not in env  # the bundled default account
    assert json.loads(instruction(final, "CMD")[0]) == ["sendcloud-emulator", "serve"]
    _, command = healthcheck(final)
    assert command == ["sendcloud-emulator", "health"]


@pytest.fixture
def image_venv(tmp_path_factory) -> Path:
    """scripts/install-venv, as the build stage runs it."""
    venv = tmp_path_factory.mktemp("image") / "opt" / "venv"
    full = os.environ.get("SC_EMULATOR_TEST_FULL_INSTALL") == "1"
    extra = ["--locked"] if full else ["--no-deps"]
    env = {**os.environ, "PYTHON": sys.executable}
    result = subprocess.run([str(ROOT / "scripts" / "install-venv"), str(venv), *extra], env=env,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    if not full:
        site = next((venv / "lib").glob("python3*/site-packages"))
        (site / "zz_test_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    return venv


def check_wheel(image_venv, tmp_path):
    where = subprocess.run([str(image_venv / "bin" / "python"), "-c", "import sendcloud_emulator; print(sendcloud_emulator.__file__)"],
                           cwd=tmp_path, capture_output=True, text=True, check=True).stdout.strip()
    assert where.startswith(str(image_venv))  # the wheel, not this checkout
    site = Path(where).parent.parent
    (info,) = site.glob("sendcloud_emulator-*.dist-info")
    entry_points = (info / "entry_points.txt").read_text(encoding="utf-8")
    assert "sendcloud-emulator = sendcloud_emulator.cli:app" in entry_points
    assert "[pytest11]" in entry_points and "sendcloud_emulator = sendcloud_emulator.pytest_plugin" in entry_points
    # Every data file of the package is in the wheel.
    data = {p.relative_to(ROOT).as_posix() for p in (ROOT / "sendcloud_emulator").rglob("*")
            if p.is_file() and p.suffix not in (".py", ".pyc")}
    installed = {p.relative_to(site).as_posix() for p in (site / "sendcloud_emulator").rglob("*") if p.is_file()}
    assert data and data <= installed, data - installed
    # Its dependencies are pyproject's.
    metadata = (info / "METADATA").read_text(encoding="utf-8")
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["dependencies"]
    required = [line.split(": ", 1)[1] for line in metadata.splitlines()
                if line.startswith("Requires-Dist:") and "extra ==" not in line]
    assert sorted(r.replace(" ", "") for r in required) == sorted(d.replace(" ", "") for d in declared)
    # The PostgreSQL driver is the `postgres` extra only: a plugin user's install stays small.
    assert not any(r.lower().startswith("psycopg") for r in required)
    assert any(line.startswith("Requires-Dist: psycopg") and "extra == \"postgres\"" in line
               for line in metadata.splitlines()), metadata
    # The wheel puts one import package on the path, sendcloud_emulator: no generic top-level name
    # (such as `emulator`) lands in a user's test environment.
    record = (info / "RECORD").read_text(encoding="utf-8").splitlines()
    tops = {line.split(",", 1)[0].split("/", 1)[0] for line in record if line}
    assert tops - {"..", info.name} == {"sendcloud_emulator"}, tops
    found = subprocess.run([str(image_venv / "bin" / "python"), "-c",
                            "import importlib.util; print(importlib.util.find_spec('emulator'))"],
                           cwd=tmp_path, capture_output=True, text=True, check=True).stdout.strip()
    assert found == "None"


def test_the_image_build_and_commands_serve_the_default_account(image_venv, tmp_path):
    """One test (so parallel workers do not build the venv twice): the wheel, then the image's commands."""
    check_wheel(image_venv, tmp_path)
    _, final = dockerfile()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SC_EMULATOR_")}
    data = tmp_path / "data"
    data.mkdir()
    # The image's own CMD reads SC_EMULATOR_PORT, so the port is chosen here and freed for it (the
    # other live servers get their socket bound once and handed over; a command line cannot take one).
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    for key, value in image_env(final).items():
        env[key] = value.replace("$PATH", env["PATH"]).replace("/opt/venv", str(image_venv)).replace("/data", str(data))
    env["SC_EMULATOR_PORT"] = str(port)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        smtp_port = probe.getsockname()[1]
    env["SC_EMULATOR_SMTP_PORT"] = str(smtp_port)
    flags, check = healthcheck(final)
    cmd = json.loads(instruction(final, "CMD")[0])

    def healthy() -> bool:
        # Docker gives the check `timeout`; a loaded test machine may need longer just to start Python.
        try:
            return subprocess.run(check, env=env, cwd=data, capture_output=True, timeout=60).returncode == 0
        except subprocess.TimeoutExpired:
            return False

    assert not healthy()  # nothing listens yet

    def start():
        log = open(tmp_path / "server.log", "w+")
        return subprocess.Popen(cmd, env=env, cwd=data, stdout=log, stderr=subprocess.STDOUT), log

    server, log = start()
    try:
        deadline = time.monotonic() + 150
        while not healthy():
            assert server.poll() is None, (tmp_path / "server.log").read_text()
            assert time.monotonic() < deadline, "not healthy within 150 s"
            time.sleep(0.2)
        base = f"http://127.0.0.1:{port}"
        http = httpx.Client(timeout=60)
        health = http.get(f"{base}/_emulator/health").json()
        assert health["status"] == "ok" and health["database"] == "sqlite"
        assert health["smtp"] == {"port": smtp_port, "smtps": None}
        with smtplib.SMTP("127.0.0.1", smtp_port, timeout=60) as smtp:  # the image's SMTP door
            assert smtp.login("demo_trigger", "demoTriggerKey01")[0] == 235
        assert (data / "emulator.db").exists()  # the database lives on the volume
        reply = http.post(f"{base}/apiv2/userinfo/get",
                           data={"apiUser": "demo_trigger", "apiKey": "demoTriggerKey01"}).json()
        assert reply["statusCode"] == 200 and reply["info"]["userName"] == "demo"
        created = http.post(f"{base}/_emulator/accounts", json={"userName": "kept_on_volume"})
        assert created.status_code == 201
        server.send_signal(signal.SIGTERM)  # docker stop
        assert server.wait(timeout=60) in (0, -signal.SIGTERM)  # uvicorn re-raises SIGTERM once done
        output = (tmp_path / "server.log").read_text()
        assert f"Uvicorn running on http://0.0.0.0:{port}" in output
        assert "Finished server process" in output  # a graceful shutdown
        # A new container on the same volume keeps the data.
        server, log = start()
        deadline = time.monotonic() + 150
        while not healthy():
            assert server.poll() is None and time.monotonic() < deadline
            time.sleep(0.2)
        names = [a["userName"] for a in http.get(f"{base}/_emulator/accounts").json()]
        assert names == ["demo", "kept_on_volume"]
    finally:
        server.terminate()
        server.wait(timeout=60)
        log.close()


def test_compose_file_is_the_readme_snippet_and_matches_the_image():
    text = (ROOT / "docker-compose.yml").read_text(encoding="utf-8")
    assert snippet("compose") == text
    compose = yaml.safe_load(text)
    service = compose["services"]["sendcloud"]
    _, final = dockerfile()
    flags, check = healthcheck(final)
    assert service["build"] == "."
    assert service["healthcheck"]["test"] == ["CMD", *check]
    for key in ("interval", "timeout", "retries"):
        assert str(service["healthcheck"][key]) == flags[key]
    assert service["healthcheck"]["start_period"] == flags["start-period"]
    assert service["ports"] == [f"{port}:{port}" for port in instruction(final, "EXPOSE")[0].split()]
    volume, target = service["volumes"][0].split(":")
    assert target == instruction(final, "VOLUME")[0] and volume in compose["volumes"]
    run = [shlex.split(line) for line in snippet("docker-run").splitlines()]
    assert run[0] == ["docker", "build", "-t", service["image"], "."]
    assert run[1] == ["docker", "run", "--rm", "-p", "8000:8000", "-p", "2525:2525", "-v", f"{volume}:/data",
                      service["image"]]


def test_github_actions_snippet_uses_the_health_command_and_the_plugin_url():
    workflow = yaml.safe_load(snippet("github-actions"))
    job = workflow["jobs"]["test"]
    service = job["services"]["sendcloud"]
    assert service["ports"] == ["8000:8000", "2525:2525"]
    _, final = dockerfile()
    _, check = healthcheck(final)
    assert f'--health-cmd "{shlex.join(check)}"' in service["options"]
    assert job["env"]["SC_EMULATOR_URL"] == "http://localhost:8000"  # read by the pytest plugin
    assert "SC_EMULATOR_URL" in (ROOT / "sendcloud_emulator" / "pytest_plugin.py").read_text(encoding="utf-8")
    assert job["steps"][-1] == {"run": "pytest"}
