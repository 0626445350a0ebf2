"""The served contract, judged by schemathesis with every check (issue 19, item 5).

Two apps, each on SQLite and on PostgreSQL, each on a populated database: the example app
(example_app/, on PostgreSQL with its tables made by its own ``main.py db upgrade``) and the
contract library (tests/specs/contract_library: every resource feature). Each app runs as its users
start it (``python main.py serve``, ``openapi-aio run``), and the schemathesis command line runs
against the served document as a user would run it::

    schemathesis run URL/openapi.json --checks all -H "Authorization: Bearer ..." -n N --seed 1

with all four phases (examples, coverage, fuzzing, stateful: links inferred from ``Location``).
Websocket operations are left out: a contract tester cannot follow a protocol switch
(tests/ws/test_ws.py tests the handshake and its served description). 0 failures is the bar,
with one configuration line (tests/contract_schemathesis.toml): 414 and 431 are the server's line
limits, which no document can state, not refusals of valid data.

``N`` is ``CONTRACT_EXAMPLES`` (default 10, to keep the suite under its time budget); the
closing runs of issue 19 used 40 (``CONTRACT_EXAMPLES=40 pytest tests/test_contract.py``).
"""

from __future__ import annotations

import asyncio
import os
import re
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import requests
from conftest import SPECS, require_postgres
from example_server import EXAMPLE

import openapi_aio

pytest.importorskip("schemathesis")

EXAMPLES = int(os.environ.get("CONTRACT_EXAMPLES", "10"))
SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")
OPENAPI_AIO = Path(sys.executable).with_name("openapi-aio")
TESTS = Path(__file__).parent
LIBRARY = SPECS / "contract_library" / "openapi.yaml"


@contextmanager
def fresh_postgres_database() -> Iterator[str]:
    """A database of its own in the suite's PostgreSQL, dropped afterwards."""
    import asyncpg

    server = require_postgres()
    name = f"contract_{uuid.uuid4().hex[:12]}"

    async def run(statement: str) -> None:
        connection = await asyncpg.connect(server)
        try:
            await connection.execute(statement)
        finally:
            await connection.close()

    asyncio.run(run(f'CREATE DATABASE "{name}"'))
    try:
        yield server.rsplit("/", 1)[0] + "/" + name
    finally:
        asyncio.run(run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@contextmanager
def database(kind: str, folder: Path) -> Iterator[str]:
    if kind == "sqlite":
        yield f"sqlite:///{folder / 'contract.sqlite'}"
    else:
        with fresh_postgres_database() as url:
            yield url


# --- the apps, started as their users start them -------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def running(command: list[str], cwd: Path, datastore: str, probe: str, logs: Path) -> Iterator[str]:
    """``command`` (a server on ``--port``, run in ``cwd``, its output in ``logs``) until the
    block ends; yields its URL once ``probe`` answers."""
    port = free_port()
    env = {**os.environ, "DATASTORE": datastore, "PYTHONPATH": str(TESTS)}
    log_file = logs / f"server-{port}.log"
    log = log_file.open("w")
    server = subprocess.Popen([*command, "--port", str(port)], cwd=cwd, env=env, stdout=log, stderr=log)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert server.poll() is None, log_file.read_text()
            try:
                if requests.get(url + probe, timeout=5).status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.1)
        yield url
    finally:
        server.terminate()
        server.wait(30)
        log.close()


@contextmanager
def example_app(datastore: str, folder: Path) -> Iterator[tuple[str, str]]:
    """``python main.py serve``, on PostgreSQL after its own ``python main.py db upgrade``."""
    main = [sys.executable, str(EXAMPLE / "main.py")]
    if datastore.startswith("postgresql"):
        upgrade = subprocess.run(
            [*main, "db", "upgrade"], env={**os.environ, "DATASTORE": datastore}, capture_output=True, text=True
        )
        assert upgrade.returncode == 0, upgrade.stderr
    with running([*main, "serve", "--host", "127.0.0.1"], folder, datastore, "/api/v1/health", folder) as url:
        yield f"{url}/api/v1", "demo-token"


@contextmanager
def library_app(datastore: str, folder: Path) -> Iterator[tuple[str, str]]:
    """``openapi-aio run`` (its tables made first on PostgreSQL, where run does not make them)."""
    if datastore.startswith("postgresql"):
        app = openapi_aio.App(__name__, datastore=datastore, create_tables=True)
        api = app.add_api(LIBRARY)
        assert api.database is not None
        asyncio.run(_create_tables(api.database))
    command = [str(OPENAPI_AIO), "run", str(LIBRARY), "--host", "127.0.0.1"]
    with running(command, TESTS, datastore, "/lib/openapi.json", folder) as url:
        yield f"{url}/lib", "tok-ada"


async def _create_tables(database: Any) -> None:
    await database.create_all()
    await database.close()


def seed_example(url: str, session: requests.Session) -> None:
    for number, name in enumerate(["alpha", "beta", "gamma"], 1):
        created = session.post(f"{url}/projects", json={"name": name, "description": f"project {number}"})
        assert created.status_code == 201, created.text
        project = created.json()["id"]
        for index in range(4):
            task = {"title": f"{name} task {index}", "tags": ["seed", f"n{index}"], "priority": "high"}
            if index % 2:
                task |= {"due": f"2030-0{index}-01", "notes": "has notes", "done": True}
            response = session.post(f"{url}/projects/{project}/tasks", json=task)
            assert response.status_code == 201, response.text


def seed_library(url: str, session: requests.Session) -> None:
    authors = [{"name": "Ursula", "born": "1929-10-21", "bio": "wizards"}, {"name": "Stanislaw", "bio": "robots"}]
    authors += [{"name": f"Author {n}", "born": None} for n in range(3)]
    created = session.post(f"{url}/authors", json=authors)
    assert created.status_code == 201, created.text
    for author in created.json():
        for index in range(3):
            book = {
                "title": f"{author['name']} book {index}",
                "price": f"{10 + index}.50",
                "pages": 100 + index,
                "format": ["paper", "ebook", "audio"][index],
                "tags": ["seed"],
                "published_on": f"19{70 + index}-01-01" if index else None,
                "internal_note": "never shown",
            }
            response = session.post(f"{url}/authors/{author['id']}/books", json=book)
            assert response.status_code == 201, response.text
    for name in ("urgent", "later"):
        response = session.put(f"{url}/labels/{uuid.uuid4()}", json={"name": name, "color": "red"})
        assert response.status_code == 201, response.text
    for key in ("theme", "language"):
        response = session.post(f"{url}/settings", json={"scope": "ui", "key": key, "value": {"v": "1"}})
        assert response.status_code == 201, response.text
    response = session.post(f"{url}/notes", json={"text": "ada's note"})
    assert response.status_code == 201, response.text


# name: (start, seed, what schemathesis leaves out: websocket operations)
APPS: dict[str, tuple[Callable[..., Any], Callable[[str, requests.Session], None], tuple[str, ...]]] = {
    "example": (example_app, seed_example, ("--exclude-path", "/live")),
    "library": (library_app, seed_library, ()),
}


# --- the run ---------------------------------------------------------------------------------------


def schemathesis(api: str, token: str, folder: Path, *extra: str) -> tuple[int, str]:
    command = [
        str(SCHEMATHESIS),
        "--config-file",
        str(TESTS / "contract_schemathesis.toml"),
        "run",
        f"{api}/openapi.json",
        "--checks",
        "all",
        "--max-examples",
        str(EXAMPLES),
        "--seed",
        "1",
        "--header",
        f"Authorization: Bearer {token}",
        "--generation-database",
        "none",
        "--request-timeout",
        "20",
        "--workers",
        "1",
        "--no-color",
        *extra,
    ]
    run = subprocess.run(command, capture_output=True, text=True, timeout=900, cwd=folder)
    return run.returncode, run.stdout + run.stderr


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
@pytest.mark.parametrize("name", list(APPS))
def test_schemathesis_all_checks_on_a_populated_database(name: str, kind: str, tmp_path: Path) -> None:
    start, seed, excluded = APPS[name]
    with database(kind, tmp_path) as datastore, start(datastore, tmp_path) as (api, token):
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {token}"
        seed(api, session)
        code, output = schemathesis(api, token, tmp_path, *excluded)
    summary = output[output.rfind("SUMMARY") :] if "SUMMARY" in output else output[-3000:]
    cases = re.search(r"(\d+) generated", summary)
    print(f"\nschemathesis {name} on {kind}, up to {EXAMPLES} examples per operation:\n{summary}")
    assert code == 0, output[-20000:]
    assert cases is not None
    assert int(cases.group(1)) >= 10 * EXAMPLES  # it did test: every operation, several cases each
