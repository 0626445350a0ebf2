"""The command lines, run as users run them: real processes on a real port."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import pytest
from click.testing import CliRunner
from conftest import ROOT, SPECS
from helpers import free_port

from openapi_aio import App
from openapi_aio.service.cli import main

CONNEXION_APP = SPECS / "connexion_app"
MINIMAL = """\
openapi: 3.0.3
info: {title: t, version: '1'}
paths:
  /a:
    get:
      responses: {'200': {description: ok}}
"""


def wait_for_port(port: int, process: subprocess.Popen[bytes], timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            out = process.stdout.read().decode() if process.stdout else ""
            raise AssertionError(f"server exited with {process.returncode}:\n{out}")
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise AssertionError(f"nothing listened on port {port} within {timeout}s")


def start(args: list[str], cwd: Path, port: int, **env_vars: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONUNBUFFERED": "1", **env_vars}
    process = subprocess.Popen(args, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    wait_for_port(port, process)
    return process


def http_get(port: int, path: str) -> bytes:
    """The whole raw answer to a GET, as a plain HTTP/1.1 client sees it."""
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.sendall(f"GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n".encode())
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    return answer


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    process.wait(timeout=10)
    if process.stdout:
        process.stdout.close()


@pytest.fixture
def connexion_server() -> Iterator[str]:
    port = free_port()
    process = start(
        [sys.executable, "-m", "openapi_aio", "run", "openapi.yaml", "--port", str(port)], CONNEXION_APP, port
    )
    try:
        yield f"http://127.0.0.1:{port}/openapi"
    finally:
        stop(process)


async def test_connexion_style_app_runs_unchanged(connexion_server):
    base = connexion_server
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{base}/greeting/dave") as response:
            assert response.status == 200
            assert response.content_type == "text/plain"
            assert await response.text() == "Hello dave"
        async with http.put(f"{base}/pets/1", json={"name": "rex", "animal_type": "dog"}) as response:
            assert response.status == 201
        async with http.put(f"{base}/pets/1", json={"name": "rex", "animal_type": "dog"}) as response:
            assert response.status == 200
        async with http.put(f"{base}/pets/2", json={"name": "tom", "animal_type": "cat"}) as response:
            assert response.status == 201
        async with http.get(f"{base}/pets", params={"animal_type": "dog"}) as response:
            assert await response.json() == [{"name": "rex", "animal_type": "dog", "id": 1}]
        async with http.get(f"{base}/pets", params={"limit": "1"}) as response:
            assert len(await response.json()) == 1
        async with http.get(f"{base}/pets/1") as response:
            assert (await response.json())["name"] == "rex"
        async with http.get(f"{base}/pets/99") as response:
            assert response.status == 404
            assert await response.json() == "Not found"
        async with http.get(f"{base}/pets/rex") as response:  # Connexion: 404; the spec: a bad value
            assert response.status == 400
            assert (await response.json())["errors"][0]["name"] == "pet_id"
        async with http.delete(f"{base}/pets/1") as response:
            assert response.status == 204
        async with http.delete(f"{base}/pets/1") as response:
            assert response.status == 404
        async with http.patch(f"{base}/pets/1") as response:
            assert response.status == 405
            assert response.headers["Allow"] == "DELETE, GET, HEAD, PUT"


def test_run_reports_a_broken_document_without_traceback(tmp_path):
    spec = tmp_path / "openapi.yaml"
    spec.write_text(
        "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /a/{id}:\n    get:\n      responses: {}\n"
    )
    result = subprocess.run(
        [sys.executable, "-m", "openapi_aio", "run", str(spec)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "openapi.yaml#/paths/~1a~1{id}/get: path placeholder {id} has no 'in: path' parameter" in result.stderr


def test_run_stub_flag_and_options_are_accepted(tmp_path):
    spec = tmp_path / "openapi.yaml"
    spec.write_text(MINIMAL)
    result = CliRunner().invoke(main, ["run", "--help"])
    assert result.exit_code == 0
    for flag in ("--mock", "--stub", "--validate-responses", "--strict-validation", "--base-path", "-v"):
        assert flag in result.output


def test_run_without_handlers_fails_unless_stubbed(tmp_path):
    spec = tmp_path / "openapi.yaml"
    spec.write_text(MINIMAL)
    result = CliRunner().invoke(main, ["run", str(spec)])
    assert result.exit_code == 1
    assert "GET /a has no handler" in result.output


def test_openapi_aio_console_script_serves(tmp_path):
    port = free_port()
    spec = tmp_path / "openapi.yaml"
    spec.write_text(MINIMAL)
    script = Path(sys.executable).parent / "openapi-aio"
    process = start([str(script), "run", str(spec), "--stub", "--port", str(port), "--base-path", "/x"], tmp_path, port)
    try:
        answer = http_get(port, "/x/a")
        assert answer.startswith(b"HTTP/1.1 501")
        assert b"application/problem+json" in answer
    finally:
        stop(process)


def test_example_app_serve_command(tmp_path):
    port = free_port()
    command = [sys.executable, "example_app/main.py", "serve", "--port", str(port)]
    process = start(command, ROOT, port, DATASTORE=f"sqlite:///{tmp_path / 'example.sqlite'}")
    try:
        answer = http_get(port, "/api/v1/health")
        assert answer.startswith(b"HTTP/1.1 200")
        assert b'"status":"ok"' in answer
    finally:
        stop(process)


def test_app_cli_accepts_user_commands():
    app = App()

    @app.cli.command()
    def hello() -> None:
        print("hello from a user command")

    result = CliRunner().invoke(app.cli, ["hello"])
    assert result.exit_code == 0
    assert result.output == "hello from a user command\n"
    assert "serve" in CliRunner().invoke(app.cli, ["--help"]).output


def test_factory_cli_makes_the_service_when_a_command_runs(tmp_path):
    (tmp_path / "openapi.yaml").write_text(MINIMAL)
    made: list[App] = []

    def create_app() -> App:
        app = App(specification_dir=tmp_path, stub=True)
        app.add_api("openapi.yaml")
        made.append(app)
        return app

    cli = App.factory_cli(create_app)
    assert "routes" in CliRunner().invoke(cli, ["--help"]).output
    assert made == []  # --help reads no document
    result = CliRunner().invoke(cli, ["routes"])
    assert result.exit_code == 0
    assert result.output.split() == ["GET", "/a", "stub"]
    assert len(made) == 1


def test_factory_cli_reports_a_broken_document_in_one_line(tmp_path):
    (tmp_path / "openapi.yaml").write_text(MINIMAL.replace("/a:", "a:"))

    def create_app() -> App:
        app = App(specification_dir=tmp_path, stub=True)
        app.add_api("openapi.yaml")
        return app

    result = CliRunner().invoke(App.factory_cli(create_app), ["routes"])
    assert result.exit_code == 1
    assert result.output.startswith("Error: ")
    assert "a path must start with '/'" in result.output
