"""How Connexion scripts start, in real processes: ``uvicorn.run(...)`` under the one-liner, and
``App.run`` telling Connexion's import string from the interface it has always taken."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import aiohttp
import pytest
from helpers import free_port
from processes import start, stop

API = """\
openapi: 3.0.3
info: {title: t, version: "1"}
servers: [{url: /api}]
paths:
  /hello:
    get:
      operationId: serve.hello
      responses:
        "200": {description: ok, content: {text/plain: {schema: {type: string}}}}
"""

SCRIPT = """\
import os
import sys

import connexion
import uvicorn


def hello():
    return "hi"


def create_app():
    app = connexion.FlaskApp(__name__, specification_dir=".")
    app.add_api("api.yaml")
    return app


if __name__ == "__main__":
    if sys.argv[1:] == ["other"]:
        uvicorn.run(object(), port=1)  # not an openapi_aio App: uvicorn's own run
    uvicorn.run("serve:create_app", factory=True, port=int(os.environ["PORT"]), proxy_headers=True)
"""

# uvicorn is not among the suite's packages: a stand-in that says when it is called.
FAKE_UVICORN = "def run(app, **options):\n    print('uvicorn.run called')\n    raise SystemExit(3)\n"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "api.yaml").write_text(API)
    (tmp_path / "serve.py").write_text(SCRIPT)
    (tmp_path / "site" / "uvicorn").mkdir(parents=True)
    (tmp_path / "site" / "uvicorn" / "__init__.py").write_text(FAKE_UVICORN)
    return tmp_path


async def test_uvicorn_run_of_a_factory_serves_the_app(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYTHONPATH", str(folder / "site"))
    port = free_port()
    process = start([sys.executable, "-m", "openapi_aio.compat", "serve.py"], port, cwd=folder)
    try:
        async with aiohttp.ClientSession() as http, http.get(f"http://127.0.0.1:{port}/api/hello") as response:
            assert response.status == 200
            assert await response.text() == "hi"
    finally:
        stop(process)


def test_uvicorn_run_of_anything_else_is_uvicorns(folder: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(folder / "site"), "PORT": "1"}
    result = subprocess.run(
        [sys.executable, "-m", "openapi_aio.compat", "serve.py", "other"],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (result.returncode, result.stdout.strip()) == (3, "uvicorn.run called")


async def test_app_run_still_takes_the_interface_first(tmp_path: Path) -> None:
    (tmp_path / "api.yaml").write_text(API)
    (tmp_path / "serve.py").write_text("def hello():\n    return 'hi'\n")
    (tmp_path / "main.py").write_text(
        "import os, sys\n"
        "sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))\n"
        "from openapi_aio import App\n"
        "app = App(__name__)\n"
        "app.add_api('api.yaml')\n"
        "app.run('127.0.0.1', int(os.environ['PORT']))\n"
    )
    port = free_port()
    process = start([sys.executable, "main.py"], port, cwd=tmp_path)
    try:
        async with aiohttp.ClientSession() as http, http.get(f"http://127.0.0.1:{port}/api/hello") as response:
            assert await response.text() == "hi"
    finally:
        stop(process)


def test_a_missing_script_is_a_message(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "openapi_aio.compat", "nothing.py"], cwd=tmp_path, capture_output=True, text=True
    )
    assert (result.returncode, result.stderr.strip()) == (2, "Error: no such script: nothing.py")
