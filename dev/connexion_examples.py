"""Connexion's own examples, unchanged, served by openapi_aio (Connexion absent) and by Connexion.

    python3 dev/connexion_examples.py --mirror /work/.mirror/spec-first+connexion/repo \\
        --openapi-aio-python /tmp/oa-venv/bin/python --connexion-python /tmp/cx-venv/bin/python

``--mirror`` is a git directory of spec-first/connexion (the ``fetch`` tool's bare copy, or a
clone); its ``examples/`` folder at ``--rev`` (default ``HEAD``) is extracted to a temporary folder,
once per side, so that nothing of Connexion's is kept in this repository. ``--examples DIR``
reads an extracted folder instead.

The two virtualenvs: ``--connexion-python`` has ``connexion[flask,swagger-ui,uvicorn]==3.3.0``;
``--openapi-aio-python`` has openapi_aio and NOT connexion. Both have what the examples import
(python-jose[cryptography], SQLAlchemy, uvicorn, starlette, werkzeug).

Each example is started as its README says (``python app.py``, and oauth2's ``python
mock_tokeninfo.py`` beside it); on the openapi_aio side by the documented one-liner, ``python -m
openapi_aio.compat app.py``, the same script. Then the README's requests and a
few bad inputs are sent to both; an answer is equal when the status is, and, for a success, the
content type (without parameters) and the body (JSON compared as values; times masked to their
shape, since the examples put ``datetime.now()`` in them; an answer without content has no content
type to compare). Prints a table per example and the
totals; ``--json FILE`` writes every answer. Examples listen on port 8080 (their own choice), so
the sides run one after the other. Standard library only.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import dataclasses
import http.client
import json
import os
import re
import signal
import socket
import subprocess
import tarfile
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

PORT = 8080
MOCK_PORT = 7979


@dataclasses.dataclass
class Req:
    method: str
    path: str
    body: Any = None  # JSON value; bytes are sent as they are
    headers: dict[str, str] = dataclasses.field(default_factory=dict)
    note: str = ""
    compare_body: bool = True
    store: str | None = None  # remember the body text under this name: {name} in later paths/headers


@dataclasses.dataclass
class Example:
    name: str
    connexion: list[str]  # argv after python
    openapi_aio: list[str]
    requests: list[Req]
    mock: tuple[list[str], list[str]] | None = None  # (connexion argv, openapi_aio argv) on MOCK_PORT


def basic(user: str, password: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


BEARER = {"Authorization": "Bearer {token}"}
COMPAT = ["-m", "openapi_aio.compat"]


def examples() -> list[Example]:
    hello = [
        Req("POST", "/openapi/greeting/dave", note="README"),
        Req("POST", "/swagger/greeting/dave", note="README"),
        Req("POST", "/openapi/greeting/dave", {"x": 1}),
        Req("POST", "/openapi/greeting/dave", b"{not json", {"Content-Type": "application/json"}, "bad JSON"),
        Req("GET", "/openapi/greeting/dave", note="wrong method"),
        Req("POST", "/openapi/greeting", note="no such path"),
        Req("GET", "/openapi/ui/", note="Swagger UI", compare_body=False),
    ]
    resty = [
        Req("GET", "/openapi/pets"),
        Req("POST", "/openapi/pets", {"name": "chester", "tag": "fluffy"}),
        Req("GET", "/openapi/pets/1"),
        Req("GET", "/openapi/pets?limit=1"),
        Req("PUT", "/openapi/pets", {"id": 1, "name": "chester", "tag": "sleepy"}),
        Req("GET", "/openapi/pets/99"),
        Req("GET", "/openapi/pets?limit=abc", note="bad"),
        Req("POST", "/openapi/pets", {"tag": "x"}, note="bad: no name"),
        Req("GET", "/swagger/pets"),
        Req("POST", "/swagger/pets", {"name": "tom"}),
        Req("GET", "/swagger/pets/2"),
        Req("PUT", "/swagger/pets/2", {"id": 2, "name": "tom", "registered": "2024-01-01T00:00:00Z"}),
        Req("DELETE", "/swagger/pets/2"),
        Req("DELETE", "/swagger/pets/2"),
        Req("GET", "/swagger/pets/abc", note="bad: typed path"),
    ]
    views = [
        Req("GET", "/openapi/pets"),
        Req("GET", "/openapi/pets/1"),
        Req("GET", "/openapi/pets?limit=1"),
        Req("GET", "/openapi/pets/7"),
        Req("POST", "/openapi/pets", {"name": "fluffy", "tag": "red"}),
        Req("PUT", "/openapi/pets/1", {"name": "giraffe", "tag": "tall"}),
        Req("DELETE", "/openapi/pets/2"),
        Req("DELETE", "/openapi/pets/2"),
        Req("GET", "/openapi/pets?foo=1", note="bad: strict"),
        Req("POST", "/openapi/pets", {"tag": "x"}, note="bad: no name"),
        Req("POST", "/openapi/pets", {"id": 5, "name": "x"}, note="readOnly member sent"),
    ]
    apikey = [
        Req("GET", "/openapi/secret", headers={"X-Auth": "asdf1234567890"}, note="README"),
        Req("GET", "/swagger/secret", headers={"X-Auth": "asdf1234567890"}, note="README"),
        Req("GET", "/openapi/secret", note="no key"),
        Req("GET", "/openapi/secret", headers={"X-Auth": "wrong"}, note="wrong key"),
        Req("GET", "/swagger/secret", headers={"X-Auth": "wrong"}, note="wrong key"),
    ]
    basicauth = [
        Req("GET", "/openapi/secret", headers=basic("admin", "secret")),
        Req("GET", "/swagger/secret", headers=basic("foo", "bar")),
        Req("GET", "/openapi/secret", note="no credentials"),
        Req("GET", "/openapi/secret", headers=basic("admin", "wrong"), note="wrong password"),
        Req("GET", "/swagger/secret", headers={"Authorization": "Basic !!"}, note="malformed"),
    ]
    jwt = [
        Req("GET", "/openapi/auth/12", note="README: token", compare_body=False, store="token"),
        Req("GET", "/openapi/secret", headers=BEARER, note="README: token's times differ", compare_body=False),
        Req("GET", "/openapi/secret", note="no token"),
        Req("GET", "/openapi/secret", headers={"Authorization": "Bearer nonsense"}, note="bad token"),
        Req("GET", "/openapi/auth/abc", note="bad: typed path"),
    ]
    oauth = [
        Req("GET", "/openapi/secret", note="README: missing authentication"),
        Req("GET", "/openapi/secret", headers={"Authorization": "Bearer 123"}, note="README"),
        Req("GET", "/swagger/secret", headers={"Authorization": "Bearer 456"}, note="README"),
        Req("GET", "/openapi/secret", headers={"Authorization": "Bearer 999"}, note="unknown token"),
        Req("GET", "/swagger/secret", headers={"Authorization": "Basic abc"}, note="not a bearer token"),
    ]
    defaults = [
        Req("POST", "/openapi/echo", {}, note="README"),
        Req("POST", "/swagger/echo", {}, note="README"),
        Req("POST", "/openapi/echo", {"outer-object": {}}),
        Req("POST", "/openapi/echo", {"outer-object": {"inner-object": "bar"}}),
        Req("POST", "/openapi/echo", {"outer-object": {"inner-object": 1}}, note="bad type"),
        Req("POST", "/openapi/echo", note="no body"),
        Req("POST", "/swagger/echo", b"[", {"Content-Type": "application/json"}, "bad JSON"),
    ]
    split = [
        Req("GET", "/openapi/pets"),
        Req("GET", "/openapi/pets/1"),
        Req("GET", "/openapi/pets/9"),
        Req("GET", "/swagger/pets"),
        Req("GET", "/swagger/pets/2"),
        Req("GET", "/swagger/pets/0", note="bad: minimum"),
        Req("GET", "/openapi/pets/x", note="bad: typed path"),
    ]
    sqlalchemy = [
        Req("GET", "/openapi/pets"),
        Req("GET", "/openapi/pets?animal_type=cat"),
        Req("GET", "/openapi/pets?limit=1"),
        Req("GET", "/openapi/pets/1"),
        Req("PUT", "/openapi/pets/4", {"name": "Rex", "animal_type": "dog"}),
        Req("PUT", "/openapi/pets/4", {"name": "Rexy", "animal_type": "dog"}),
        Req("GET", "/openapi/pets/4"),
        Req("DELETE", "/openapi/pets/4"),
        Req("DELETE", "/openapi/pets/4"),
        Req("GET", "/openapi/pets/99"),
        Req("GET", "/swagger/pets"),
        Req("GET", "/swagger/pets/2"),
        Req("GET", "/openapi/pets?limit=-1", note="bad: minimum"),
        Req("GET", "/openapi/pets?animal_type=c-t", note="bad: pattern"),
        Req("PUT", "/openapi/pets/5", {"name": "", "animal_type": "dog"}, note="bad: minLength"),
        Req("PUT", "/openapi/pets/5", {"name": "x"}, note="bad: required"),
    ]
    proxy = [
        Req("GET", "/openapi/hello"),
        Req("GET", "/swagger/hello"),
        Req("GET", "/openapi/openapi.json", headers={"X-Forwarded-Path": "/banana/"}, note="README"),
        Req("POST", "/openapi/hello", note="wrong method"),
    ]
    return [
        Example("helloworld", ["hello.py"], [*COMPAT, "hello.py"], hello),
        Example("helloworld_async", ["hello.py"], [*COMPAT, "hello.py"], hello[:2] + hello[4:6]),
        Example("restyresolver", ["resty.py"], [*COMPAT, "resty.py"], resty),
        Example("methodresolver", ["app.py"], [*COMPAT, "app.py"], views),
        Example("apikey", ["app.py"], [*COMPAT, "app.py"], apikey),
        Example("basicauth", ["app.py"], [*COMPAT, "app.py"], basicauth),
        Example("jwt", ["app.py"], [*COMPAT, "app.py"], jwt),
        Example(
            "oauth2",
            ["app.py"],
            [*COMPAT, "app.py"],
            oauth,
            mock=(["mock_tokeninfo.py"], [*COMPAT, "mock_tokeninfo.py"]),
        ),
        Example("oauth2_local_tokeninfo", ["app.py"], [*COMPAT, "app.py"], oauth),
        Example("enforcedefaults", ["app.py"], [*COMPAT, "app.py"], defaults),
        Example("splitspecs", ["app.py"], [*COMPAT, "app.py"], split),
        Example("sqlalchemy", ["app.py"], [*COMPAT, "app.py"], sqlalchemy),
        Example("reverseproxy", ["app.py"], [*COMPAT, "app.py"], proxy),
    ]


# --- processes ---------------------------------------------------------------------------------


def port_open(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def start(python: str, argv: list[str], cwd: Path, port: int, log: Path) -> subprocess.Popen[bytes]:
    if port_open(port):
        raise SystemExit(f"port {port} is already taken: the examples need it free")
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "PYTHONDONTWRITEBYTECODE": "1"}
    with log.open("ab") as out:
        process = subprocess.Popen(
            [python, *argv], cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        if port_open(port):
            time.sleep(0.3)  # uvicorn's reloader: the worker process may still be importing
            return process
        time.sleep(0.1)
    stop(process)
    raise RuntimeError(f"{' '.join(argv)} did not start in {cwd} (log: {log})")


def stop(process: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    deadline = time.monotonic() + 10
    while (port_open(PORT) or port_open(MOCK_PORT)) and time.monotonic() < deadline:
        time.sleep(0.1)


@contextlib.contextmanager
def served(python: str, example: Example, cwd: Path, side: str, logs: Path) -> Iterator[None]:
    started: list[subprocess.Popen[bytes]] = []
    log = logs / f"{example.name}-{side}.log"
    try:
        if example.mock is not None:
            argv = example.mock[0] if side == "connexion" else example.mock[1]
            started.append(start(python, argv, cwd, MOCK_PORT, log))
        argv = example.connexion if side == "connexion" else example.openapi_aio
        started.append(start(python, argv, cwd, PORT, log))
        yield
    finally:
        for process in reversed(started):
            stop(process)


# --- requests ----------------------------------------------------------------------------------


@dataclasses.dataclass
class Answer:
    status: int
    content_type: str
    body: str


def send(request: Req, memory: dict[str, str]) -> Answer:
    path = request.path.format(**memory)
    headers = {name: value.format(**memory) for name, value in request.headers.items()}
    body: bytes | None = None
    if isinstance(request.body, bytes):
        body = request.body
    elif request.body is not None:
        body = json.dumps(request.body).encode()
        headers.setdefault("Content-Type", "application/json")
    connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=15)
    try:
        connection.request(request.method, path, body=body, headers=headers)
        response = connection.getresponse()
        text = response.read().decode("utf-8", "replace")
        content_type = (response.getheader("Content-Type") or "").split(";")[0].strip().lower()
        answer = Answer(response.status, content_type, text)
    except (OSError, http.client.HTTPException) as error:
        answer = Answer(0, "", f"no answer: {error}")
    finally:
        connection.close()
    if request.store:
        memory[request.store] = answer.body.strip().strip('"')
    return answer


_TIME = re.compile(r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(\.\d+)?")


def comparable(answer: Answer) -> Any:
    text = _TIME.sub("<time>", answer.body)
    if answer.content_type.endswith("json"):
        with contextlib.suppress(ValueError):
            return json.loads(text)
    return text


def same(connexion: Answer, ours: Answer, request: Req) -> bool:
    if connexion.status != ours.status:
        return False
    if connexion.status >= 400:
        return True
    if not connexion.body.strip() and not ours.body.strip():
        return True  # no content: its Content-Type (Connexion labels a bare 204 as JSON) describes nothing
    if connexion.content_type != ours.content_type:
        return False
    return not request.compare_body or comparable(connexion) == comparable(ours)


def run_side(python: str, example: Example, root: Path, side: str, logs: Path) -> list[Answer] | str:
    memory: dict[str, str] = {}
    try:
        with served(python, example, root / example.name, side, logs):
            return [send(request, memory) for request in example.requests]
    except RuntimeError as error:
        return str(error)


def short(answer: Answer) -> str:
    body = " ".join(answer.body.split())
    return f"{answer.status} {answer.content_type or '-'} {body[:70]}"


def extract(mirror: Path, rev: str, into: Path) -> Path:
    archive = subprocess.run(
        ["git", f"--git-dir={mirror}", "archive", rev, "examples"], check=True, capture_output=True
    ).stdout
    into.mkdir(parents=True, exist_ok=True)
    archive_file = into / "examples.tar"
    archive_file.write_bytes(archive)
    with tarfile.open(archive_file) as tar:
        tar.extractall(into, filter="data")
    return into / "examples"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--mirror", type=Path, help="git directory of spec-first/connexion")
    source.add_argument("--examples", type=Path, help="an extracted examples/ folder")
    parser.add_argument("--rev", default="HEAD")
    parser.add_argument("--openapi-aio-python", required=True)
    parser.add_argument("--connexion-python", required=True)
    parser.add_argument("--only", action="append", help="run only this example (repeatable)")
    parser.add_argument("--json", type=Path, help="write every answer here")
    args = parser.parse_args()

    for python, wanted, must in (
        (args.openapi_aio_python, "connexion", False),
        (args.connexion_python, "connexion", True),
    ):
        found = (
            subprocess.run(
                [python, "-c", f"import importlib.util as u; print(u.find_spec({wanted!r}) is not None)"],
                capture_output=True,
                text=True,
                check=True,
            ).stdout.strip()
            == "True"
        )
        if found != must:
            raise SystemExit(f"{python}: connexion must {'' if must else 'not '}be installed")

    work = Path(tempfile.mkdtemp(prefix="cx-examples-"))
    logs = work / "logs"
    logs.mkdir()
    roots = {}
    for side in ("connexion", "openapi_aio"):
        roots[side] = extract(args.mirror, args.rev, work / side) if args.mirror else args.examples
    chosen = [e for e in examples() if not args.only or e.name in args.only]
    total = equal = started = 0
    report: dict[str, Any] = {}
    for example in chosen:
        cx = run_side(args.connexion_python, example, roots["connexion"], "connexion", logs)
        oa = run_side(args.openapi_aio_python, example, roots["openapi_aio"], "openapi_aio", logs)
        print(
            f"\n## {example.name}: connexion `python {' '.join(example.connexion)}`, "
            f"openapi_aio `python {' '.join(example.openapi_aio)}`"
        )
        if isinstance(cx, str) or isinstance(oa, str):
            print(f"  did not start: {cx if isinstance(cx, str) else ''} {oa if isinstance(oa, str) else ''}")
            total += len(example.requests)
            continue
        started += 1
        rows = []
        for request, a, b in zip(example.requests, cx, oa, strict=True):
            ok = same(a, b, request)
            total += 1
            equal += ok
            mark = "=" if ok else "DIFF"
            print(f"  {mark:4} {request.method:6} {request.path:38} {request.note}")
            if not ok:
                print(f"         connexion:   {short(a)}")
                print(f"         openapi_aio: {short(b)}")
            rows.append(
                {
                    "request": dataclasses.asdict(request) | {"body": repr(request.body)},
                    "connexion": dataclasses.asdict(a),
                    "openapi_aio": dataclasses.asdict(b),
                    "equal": ok,
                }
            )
        count = sum(r["equal"] for r in rows)
        print(f"  -> {count}/{len(rows)} equal")
        report[example.name] = rows
    print(
        f"\nTOTAL: {started}/{len(chosen)} examples started; {equal}/{total} answers equal "
        f"({100 * equal / max(total, 1):.0f}%). Logs: {logs}"
    )
    if args.json:
        args.json.write_text(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
