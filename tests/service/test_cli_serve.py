"""``python main.py serve | routes | spec ...``: the service's command line, run as users run it, in
real processes on real ports. The service is tests/specs/cli_serve/, copied into each test's
folder (``--reload`` tests change its files)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from conftest import SPECS
from helpers import eventually, free_port, http_get, listening, output, start

SERVICE = SPECS / "cli_serve"
ACCESS_LINE = '"GET /api/pid HTTP/1.1" 200'


@pytest.fixture
def service(tmp_path: Path) -> Path:
    """A fresh copy of the service (its SQLite file lands there too)."""
    folder = tmp_path / "service"
    shutil.copytree(SERVICE, folder)
    return folder


def answering_pid(port: int) -> int:
    status, body = http_get(port, "/api/pid")
    assert status == 200, body
    return int(json.loads(body)["pid"])


def gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def command(service: Path, *args: str, cwd: Path | None = None, **env_vars: str) -> subprocess.CompletedProcess[str]:
    """``python main.py ARGS`` to the end (from ``cwd``, default the service's folder)."""
    script = service / "main.py" if cwd is not None else Path("main.py")
    return subprocess.run(
        [sys.executable, str(script), *args],
        cwd=cwd or service,
        env={**os.environ, **env_vars},
        capture_output=True,
        text=True,
        timeout=60,
    )


# --- serve ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_workers_share_the_port_and_stop_together(service, processes, stop_signal):
    port = free_port()
    parent = start(service, processes, "--workers", "2", "--port", str(port), port=port)
    pids: set[int] = set()

    def both_answered() -> bool:  # the kernel spreads new connections over the listening workers
        pids.add(answering_pid(port))
        return len(pids) == 2

    eventually(both_answered, what="answers from two worker processes")
    assert parent.pid not in pids

    parent.send_signal(stop_signal)
    assert parent.wait(10) == 0
    for pid in pids:  # no orphan keeps serving
        eventually(lambda pid=pid: gone(pid), timeout=5, what=f"worker {pid} stopped")
    assert not listening(port)
    assert "Traceback" not in output(service)


def test_reload_serves_changed_code_and_survives_a_broken_document(service, processes):
    port = free_port()
    watcher = start(service, processes, "--reload", "--port", str(port), port=port)
    first = answering_pid(port)

    handlers = service / "handlers.py"
    handlers.write_text(handlers.read_text().replace('{"pid": os.getpid()}', '{"pid": os.getpid(), "v": 2}'))

    def changed() -> bool:
        try:
            return b'"v":2' in http_get(port, "/api/pid")[1]
        except OSError:  # between two servers
            return False

    eventually(changed, timeout=10, what="the changed handler answering")
    assert gone(first)

    document = service / "openapi.yaml"
    valid = document.read_text()
    document.write_text(valid.replace("responses:", "answers:", 1))
    eventually(lambda: "Error: openapi.yaml" in output(service), timeout=10, what="the broken document reported")
    assert not listening(port)
    time.sleep(1)
    assert watcher.poll() is None  # waiting for a fix

    document.write_text(valid)
    eventually(lambda: listening(port), timeout=10, what="serving again once the document is fixed")
    server = answering_pid(port)

    watcher.send_signal(signal.SIGTERM)  # stops the server it watches too
    assert watcher.wait(10) == 0
    eventually(lambda: gone(server), timeout=5, what="the reloaded server stopped")
    assert "Traceback" not in output(service)


def test_host_and_port_from_the_environment_and_no_access_log_by_default(service, processes):
    port = free_port()
    server = start(service, processes, port=port, HOST="127.0.0.1", PORT=str(port))
    assert http_get(port, "/api/pid")[0] == 200
    server.terminate()
    server.wait(10)
    log = output(service)
    assert f"Running on http://127.0.0.1:{port}" in log
    assert ACCESS_LINE not in log  # a line per request costs time: off unless asked


@pytest.mark.parametrize("how", [("--access-log",), ("ACCESS_LOG", "1")], ids=["flag", "environment"])
def test_access_log_when_asked(service, processes, how):
    port = free_port()
    flags, env = (how, {}) if len(how) == 1 else ((), {how[0]: how[1]})
    server = start(service, processes, *flags, "--port", str(port), port=port, **env)
    assert http_get(port, "/api/pid")[0] == 200
    server.terminate()
    server.wait(10)
    log = output(service)
    assert f"Running on http://0.0.0.0:{port}" in log
    assert ACCESS_LINE in log


@pytest.mark.parametrize("loop", ["asyncio", "uvloop"])
def test_event_loop_choice(service, processes, loop):
    port = free_port()
    server = start(service, processes, "--loop", loop, "--port", str(port), port=port)
    status, body = http_get(port, "/api/loop")
    assert (status, json.loads(body)) == (200, {"loop": loop})
    server.terminate()
    assert server.wait(10) == 0


@pytest.mark.parametrize("workers", ["1", "2"])
def test_a_taken_port_is_one_line_and_exit_status_1(service, workers):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = command(service, "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", workers)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert f"Error: cannot serve on 127.0.0.1:{port}: " in result.stderr
    assert "address already in use" in result.stderr


# --- routes, spec ----------------------------------------------------------------------------------


def test_routes_name_what_answers_each_operation(service):
    result = command(service, "routes")
    assert result.returncode == 0, result.stderr
    assert [line.split() for line in result.stdout.splitlines()] == [
        ["GET", "/api/pid", "handlers.pid"],
        ["GET", "/api/loop", "handlers.loop"],
        ["GET", "/api/pets", "openapi_aio.db.views.CrudView.get_list"],
        ["POST", "/api/pets", "openapi_aio.db.views.CrudView.create"],
        ["GET", "/api/later", "stub"],
    ]
    mocked = command(service, "routes", MOCK="1")
    assert mocked.stdout.splitlines()[-1].split() == ["GET", "/api/later", "mock"]


def test_spec_validate_a_valid_document(service, tmp_path):
    result = command(service, "spec", "validate")
    assert (result.returncode, result.stdout) == (0, "openapi.yaml: valid\n")
    elsewhere = command(service, "spec", "validate", cwd=tmp_path)  # names are relative to the current folder
    assert (elsewhere.returncode, elsewhere.stdout) == (0, "service/openapi.yaml: valid\n")
    split = command(service, "spec", "validate", "service/split/openapi.yaml", cwd=tmp_path)
    assert (split.returncode, split.stdout) == (0, "service/split/openapi.yaml: valid\n")


def test_spec_validate_an_invalid_file_locates_every_error(service, tmp_path):
    result = command(service, "spec", "validate", "service/invalid.yaml", cwd=tmp_path)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert lines[0].startswith("Error: service/invalid.yaml: invalid OpenAPI document")
    assert (
        "  - service/invalid.yaml#/paths/~1pets~1{id}/get: path placeholder {id} has no 'in: path' parameter" in lines
    )
    assert (
        "  - service/invalid.yaml#/paths/~1owners/get/parameters/0: unknown parameter location in: 'nowhere'" in lines
    )


def test_spec_validate_a_missing_file(service):
    result = command(service, "spec", "validate", "nowhere.yaml")
    assert result.returncode == 2  # click's usage error
    assert "'nowhere.yaml' does not exist" in result.stderr


PET = {
    "type": "object",
    "required": ["name"],
    "properties": {"name": {"type": "string", "maxLength": 40}, "tag": {"type": "string", "enum": ["dog", "cat"]}},
}


def refs(node: object) -> list[str]:
    if isinstance(node, dict):
        return [v for k, v in node.items() if k == "$ref"] + [r for v in node.values() for r in refs(v)]
    if isinstance(node, list):
        return [r for v in node for r in refs(v)]
    return []


@pytest.mark.parametrize("fmt", ["yaml", "json"])
def test_spec_bundle_inlines_the_other_files(service, tmp_path, fmt):
    result = command(service, "spec", "bundle", "service/split/openapi.yaml", "--format", fmt, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    document = yaml.safe_load(result.stdout) if fmt == "yaml" else json.loads(result.stdout)
    assert refs(document) == []
    schema = document["paths"]["/pets"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert schema == {"type": "array", "items": PET}


def test_spec_bundle_of_the_service_document(service, tmp_path):
    result = command(service, "spec", "bundle", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert yaml.safe_load(result.stdout) == yaml.safe_load((service / "openapi.yaml").read_text())


# --- the service's own commands --------------------------------------------------------------------


def test_own_commands_beside_the_built_in_ones(service):
    result = command(service, "hello", "ada")
    assert (result.returncode, result.stdout) == (0, "hello ada from 1 API\n")
    listed = command(service, "--help").stdout
    for name in ("db", "hello", "routes", "serve", "spec"):
        assert f"\n  {name} " in listed


# --- openapi-aio run has serve's options ------------------------------------------------------


def test_openapi_aio_run_has_the_serving_options(service, processes):
    """``openapi-aio run`` serves as ``python main.py serve`` does: workers, access log, loop."""
    port = free_port()
    command = [sys.executable, "-m", "openapi_aio", "run", "openapi.yaml", "--stub", "--port", str(port)]
    command += ["--workers", "2", "--access-log", "--loop", "asyncio", "--shutdown-timeout", "1"]
    with (service.parent / "output.txt").open("ab") as log:
        parent = subprocess.Popen(command, cwd=service, stdout=log, stderr=subprocess.STDOUT)
    processes.append(parent)
    pids: set[int] = set()

    def both_answered() -> bool:
        if not listening(port):
            return False
        pids.add(answering_pid(port))
        return len(pids) == 2

    eventually(both_answered, what="answers from two worker processes of openapi-aio run")
    status, body = http_get(port, "/api/loop")
    assert (status, json.loads(body)) == (200, {"loop": "asyncio"})
    parent.send_signal(signal.SIGTERM)
    assert parent.wait(15) == 0
    assert ACCESS_LINE in output(service)


def raw_exchange(port: int, request: bytes) -> tuple[int, dict[str, str], bytes]:
    """One raw HTTP/1.1 request; the status, headers and body of its answer."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(request)
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines[1:])
    return int(lines[0].split()[1]), headers, body


def test_requests_aiohttp_cannot_parse_are_problems_not_tracebacks(service, processes):
    """Before: aiohttp's plain-text 400 for each (content type text/plain, which no document
    declares) and an ERROR with a traceback in the log per malformed request. Now: 414 for a
    request line past 8190 bytes (RFC 9110), 431 for a header past it (RFC 6585), 400 for other
    malformed HTTP, each a problem, logged on one line without a traceback."""
    port = free_port()
    server = start(service, processes, "--port", str(port), port=port)
    cases = [
        (b"GET /api/pid?q=" + b"x" * 9000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414),
        (b"GET /api/pid HTTP/1.1\r\nHost: x\r\nX-Long: " + b"y" * 9000 + b"\r\n\r\n", 431),
        (b"GET /api/pid HTTP/1.1\r\nHost: x\r\nX-Bad: a\x00b\r\n\r\n", 400),
    ]
    for request, status in cases:
        answer, headers, body = raw_exchange(port, request)
        assert answer == status, body
        assert headers["Content-Type"] == "application/problem+json"
        assert json.loads(body)["status"] == status
    assert http_get(port, "/api/pid")[0] == 200  # the server goes on
    server.terminate()
    server.wait(10)
    log = output(service)
    assert "Traceback" not in log
    assert log.count("refused a request aiohttp could not parse") == len(cases)


AUTHORIZED = {"Authorization": "Bearer demo-token", "Content-Type": "application/json"}


def http_post(port: int, path: str, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
    import http.client

    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("POST", path, body=body, headers=headers)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def test_serve_mock_answers_the_example_from_its_document(tmp_path, processes):
    """``python example_app/main.py serve --mock all`` (issue 21): every operation answered from
    the document (a project that does not exist is found, a POST stores nothing); a service built
    before the command line was read (``app.main()``) cannot take the flag, and says how to."""
    example = Path(__file__).resolve().parents[2] / "example_app"
    port = free_port()
    env = {**os.environ, "DATASTORE": f"sqlite:///{tmp_path / 'example.sqlite'}"}
    with (tmp_path / "output.txt").open("ab") as log:
        server = subprocess.Popen(
            [sys.executable, str(example / "main.py"), "serve", "--mock", "all", "--port", str(port)],
            cwd=tmp_path, env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
    processes.append(server)
    eventually(lambda: listening(port), what="the example in mock mode")
    status, body = http_get(port, "/api/v1/tasks")
    assert status == 200, body
    tasks = json.loads(body)
    assert isinstance(tasks, list)
    assert set(tasks[0]) >= {"id", "title", "project_id"}
    created, answer = http_post(port, "/api/v1/projects", b'{"name": "x"}', AUTHORIZED)
    assert created == 201, answer  # answered from the document: nothing stored, no handler ran
    assert http_get(port, "/api/v1/projects/987654")[0] == 200
    server.terminate()
    server.wait(10)


def test_serve_mock_needs_the_factory(service):
    result = command(service, "serve", "--mock", "all", "--port", str(free_port()))
    assert result.returncode == 2, result.stdout + result.stderr
    assert "App.factory_cli" in result.stderr
