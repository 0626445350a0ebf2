"""A corpus of hostile requests against the example app, over real HTTP (issue 11, "Bad input").

The example service runs once for this module, in a thread of its own, on a fresh SQLite file.
Each case is sent as raw bytes on a socket (so that malformed requests really are malformed on
the wire) and must be answered within a few seconds with a 4xx problem (or a 2xx where the input
is in fact valid): never a 5xx, never a traceback in the body, never a hang. Requests the HTTP
parser itself refuses (a broken request line, CR/LF in a header) never reach the application:
aiohttp answers them with a plain 400, which is accepted as a problem here.

The websocket cases talk to /api/v1/live with aiohttp's client. The module ends by printing the
figures: requests tried and 5xx seen (0).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import aiohttp
import pytest
from aiohttp import WSMsgType, web
from example_server import Server, example_server

AUTH = "Authorization: Bearer demo-token\r\n"
TIMEOUT = 5.0  # seconds: longer is a hang
ONE_MIB = 1024 * 1024


@dataclass
class Figures:
    requests: int = 0
    server_errors: list[str] = field(default_factory=list)
    slowest: float = 0.0


FIGURES = Figures()


# --- the server -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The example app on loopback, in a thread with its own event loop, on a fresh SQLite file."""
    with example_server(tmp_path_factory.mktemp("hostile")) as running:
        yield running


@pytest.fixture(scope="module")
def seeded(server: Server) -> Server:
    """Two projects with a few tasks, so that every filter has rows to work on."""
    for name in ("alpha", "beta"):
        body = json.dumps({"name": name}).encode()
        answer = exchange(server, post("/api/v1/projects", body, auth=True))
        assert answer.status == 201, answer.body
    for title, priority, tags in [("one", "low", ["a"]), ("two", "high", ["b", "c"]), ("three", "normal", [])]:
        body = json.dumps({"title": title, "priority": priority, "tags": tags, "due": "2020-01-01"}).encode()
        answer = exchange(server, post("/api/v1/projects/1/tasks", body, auth=True))
        assert answer.status == 201, answer.body
    return server


# --- a raw HTTP/1.1 client --------------------------------------------------------------------


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes
    seconds: float

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip()


def request(method: str, target: str, headers: str = "", body: bytes = b"", *, auth: bool = False) -> bytes:
    head = f"{method} {target} HTTP/1.1\r\nHost: test\r\nConnection: close\r\n"
    if auth:
        head += AUTH
    if body:
        head += f"Content-Length: {len(body)}\r\n"
    return (head + headers + "\r\n").encode("latin-1") + body


def get(target: str, headers: str = "") -> bytes:
    return request("GET", target, headers)


def post(path: str, body: bytes, content_type: str = "application/json", *, auth: bool = True) -> bytes:
    return request("POST", path, f"Content-Type: {content_type}\r\n", body, auth=auth)


def exchange(server: Server, raw: bytes) -> Answer:
    """Send ``raw`` on a fresh connection and read the whole answer (the server closes it)."""
    started = time.monotonic()
    FIGURES.requests += 1
    with socket.create_connection((server.host, server.port), timeout=TIMEOUT) as sock:
        sock.settimeout(TIMEOUT)
        try:
            sock.sendall(raw)
        except (BrokenPipeError, ConnectionResetError):
            pass  # refused part way (a 413 before the body is read): the answer may still be there
        data = bytearray()
        while not _complete(data):
            try:
                chunk = sock.recv(65536)
            except ConnectionResetError:
                break
            except TimeoutError:
                pytest.fail(f"no complete answer within {TIMEOUT} s (got {bytes(data[:200])!r})")
            if not chunk:
                break
            data += chunk
    seconds = time.monotonic() - started
    FIGURES.slowest = max(FIGURES.slowest, seconds)
    head, _, body = bytes(data).partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    assert lines[0].startswith("HTTP/"), f"no HTTP answer: {bytes(data[:200])!r}"
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    if headers.get("transfer-encoding", "").lower() == "chunked":
        body = _unchunk(body)
    return Answer(status, headers, body, seconds)


def _complete(data: bytearray) -> bool:
    """Whether ``data`` holds a whole answer with a ``Content-Length`` (the server may keep the
    connection open a while after a refusal, to drain what the client still sends)."""
    head, found, body = bytes(data).partition(b"\r\n\r\n")
    if not found:
        return False
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return len(body) >= int(value)
    return False


def _unchunk(data: bytes) -> bytes:
    out = bytearray()
    while data:
        size_line, _, data = data.partition(b"\r\n")
        size = int(size_line.split(b";")[0], 16)
        if size == 0:
            break
        out += data[:size]
        data = data[size + 2 :]
    return bytes(out)


def check(answer: Answer, case: str, *, parser: bool = False, outside: bool = False, ok: tuple[int, ...] = ()) -> None:
    """The rules every answer follows. ``parser``: aiohttp's HTTP parser may refuse the request
    before the application sees it (a plain-text 400). ``outside``: the target is outside the
    API's base path, where aiohttp's router answers a plain-text 404. ``ok``: the 2xx/3xx
    statuses that are right for this input."""
    if answer.status >= 500:
        FIGURES.server_errors.append(f"{case}: {answer.status}")
    assert answer.status < 500, f"{case}: {answer.status} {answer.body[:500]!r}"
    assert b"Traceback" not in answer.body, answer.body[:2000]
    assert b'File "' not in answer.body, answer.body[:2000]
    if answer.status < 400:
        assert answer.status in ok, f"{case}: {answer.status} {answer.body[:300]!r}"
        return
    if parser and answer.content_type == "text/plain" and answer.status == 400:
        return
    if outside and answer.content_type == "text/plain" and answer.status == 404:
        return
    assert answer.content_type == "application/problem+json", f"{case}: {answer.headers} {answer.body[:300]!r}"
    problem = json.loads(answer.body)
    assert problem["status"] == answer.status


# --- bodies -----------------------------------------------------------------------------------

DEEP = 100_000
BIG_INT = "9" * 5000  # beyond Python's 4300-digit int limit
BODIES: dict[str, bytes] = {
    "unclosed-object": b"{",
    "unclosed-array": b"[1, 2",
    "missing-value": b'{"name": }',
    "trailing-comma": b'{"name": "a",}',
    "single-quotes": b"{'name': 'a'}",
    "bare-word": b"nul",
    "nan": b'{"name": NaN}',
    "infinity": b'{"name": Infinity}',
    "minus-infinity": b"-Infinity",
    "control-char-in-string": b'{"name": "a\x00b"}',
    "lone-surrogate-escape": b'{"name": "\\ud800"}',
    "bad-escape": b'{"name": "\\x41"}',
    "two-documents": b'{"name": "a"} {"name": "b"}',
    "only-whitespace": b"   \r\n\t ",
    "nul-bytes": b"\x00" * 64,
    "bom": b'\xef\xbb\xbf{"name": "bom"}',
    "deep-arrays-unclosed": b"[" * DEEP,
    "deep-objects-unclosed": b"{" * DEEP,
    "deep-arrays": b"[" * DEEP + b"]" * DEEP,
    "deep-objects": b'{"a":' * DEEP + b"1" + b"}" * DEEP,
    "deep-arrays-800": b"[" * 800 + b"]" * 800,  # under the recursion limit: parsed, then refused
    "deep-objects-in-description-800": b'{"name": "d8", "description": ' + b'{"a":' * 800 + b"1" + b"}" * 800 + b"}",
    "float-1e400": b'{"name": 1e400}',
    "float--1e400": b'{"name": "x", "description": -1e400}',
    "float-1e-400": b'{"name": 1e-400}',
    "int-5000-digits": b'{"name": ' + BIG_INT.encode() + b"}",
    "int-4000-digits": b'{"name": ' + b"9" * 4000 + b"}",
    "int-10e5000": b'{"name": 1' + b"0" * 5000 + b"}",
    "exponent-huge": b'{"name": 1e99999999999999999999}',
    "duplicate-keys": b'{"name": "dup", "name": "dup2"}',
    "duplicate-keys-readonly": b'{"name": "dup3", "id": 5, "name": "dup4"}',
    "many-keys": json.dumps({f"k{i}": i for i in range(20_000)}).encode(),
    "giant-string-under-limit": b'{"name": "' + b"x" * (ONE_MIB - 100) + b'"}',
    "giant-array": b"[" + b"0," * 300_000 + b"0]",
    "not-an-object": b"[]",
    "null": b"null",
    "string": b'"name"',
    "invalid-utf8": b'{"name": "\xff\xfe\xfd"}',
    "overlong-utf8": b'{"name": "\xc0\xaf"}',
    "utf16-body": '{"name": "utf16"}'.encode("utf-16"),
    "unicode-name": json.dumps({"name": "\u202e\u0000\ufeff\U0001f4a5"}).encode(),
}
# valid after all: JSON in UTF-16 (the encoding is detected), a BOM, the last of duplicate keys wins,
# readOnly members are ignored (dropped: read_only="ignore")
OK_BODIES = {"bom", "duplicate-keys", "duplicate-keys-readonly", "unicode-name", "utf16-body"}


@pytest.mark.parametrize("case", list(BODIES))
def test_json_bodies(seeded: Server, case: str) -> None:
    answer = exchange(seeded, post("/api/v1/projects", BODIES[case]))
    check(answer, case, ok=(201,) if case in OK_BODIES else ())


TASK_BODIES: dict[str, bytes] = {
    "deep-tags": b'{"title": "t", "tags": ' + b"[" * 900 + b"]" * 900 + b"}",
    "huge-priority": b'{"title": "t", "priority": ' + b"9" * 4000 + b"}",
    "tags-wrong-types": b'{"title": "t", "tags": [1, null, {}, [], true, 1e308]}',
    "tags-pattern": b'{"title": "t", "tags": ["' + b"a" * 50 + b'!"]}',
    "read-only-fields": b'{"title": "t", "id": 1, "project_id": 2, "owner": "root", "version": 99}',
    "date-garbage": b'{"title": "t", "due": "2020-13-45"}',
    "date-huge-year": b'{"title": "t", "due": "99999999-01-01"}',
    "sql-in-title": b'{"title": "x\'); DROP TABLE tasks; --"}',
}
OK_TASK_BODIES = {"sql-in-title", "read-only-fields"}


@pytest.mark.parametrize("case", list(TASK_BODIES))
def test_task_bodies(seeded: Server, case: str) -> None:
    answer = exchange(seeded, post("/api/v1/projects/2/tasks", TASK_BODIES[case]))
    check(answer, case, ok=(201,) if case in OK_TASK_BODIES else ())
    if case == "read-only-fields":  # ignored, never stored: the server's own values
        task = json.loads(answer.body)
        assert (task["owner"], task["version"]) == ("ada", 1)
        assert task["id"] != 1


@pytest.mark.parametrize(
    ("case", "raw"),
    [
        ("over-limit", post("/api/v1/projects", b'{"name": "' + b"x" * (2 * ONE_MIB) + b'"}')),
        (
            "over-limit-announced-only",
            request(
                "POST", "/api/v1/projects", f"Content-Type: application/json\r\nContent-Length: {10**12}\r\n", auth=True
            ),
        ),
        (
            "over-limit-chunked",
            request(
                "POST",
                "/api/v1/projects",
                "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n",
                b"".join(b"%x\r\n%s\r\n" % (65536, b"x" * 65536) for _ in range(40)) + b"0\r\n\r\n",
                auth=True,
            ),
        ),
        (
            "merge-patch-over-limit",
            request(
                "PATCH",
                "/api/v1/tasks/1",
                "Content-Type: application/merge-patch+json\r\n",
                b'{"notes": "' + b"x" * (2 * ONE_MIB) + b'"}',
                auth=True,
            ),
        ),
        ("bad-content-length", request("POST", "/api/v1/projects", "Content-Length: abc\r\n", auth=True)),
        ("negative-content-length", request("POST", "/api/v1/projects", "Content-Length: -1\r\n", auth=True)),
        (
            "two-content-lengths",
            request("POST", "/api/v1/projects", "Content-Length: 2\r\nContent-Length: 3\r\n", b"{}", auth=True),
        ),
        (
            "chunked-and-length",
            request(
                "POST",
                "/api/v1/projects",
                "Transfer-Encoding: chunked\r\nContent-Type: application/json\r\n",
                b"2\r\n{}\r\n0\r\n\r\n",
                auth=True,
            ),
        ),
        (
            "bad-chunk-size",
            request("POST", "/api/v1/projects", "Transfer-Encoding: chunked\r\n", b"zz\r\n{}\r\n0\r\n\r\n"),
        ),
        ("text-plain-body", post("/api/v1/projects", b"name=x", "text/plain")),
        ("form-body", post("/api/v1/projects", b"name=x", "application/x-www-form-urlencoded")),
        ("multipart-no-boundary", post("/api/v1/projects", b"--x--", "multipart/form-data")),
        ("json-bad-charset", post("/api/v1/projects", b'{"name": "cs"}', "application/json; charset=\xff\xfe")),
        ("json-unknown-charset", post("/api/v1/projects", b'{"name": "cs2"}', "application/json; charset=klingon")),
        ("content-type-garbage", post("/api/v1/projects", b"{}", ";;;===;;;")),
        ("content-type-huge", post("/api/v1/projects", b"{}", "application/json; x=" + "a" * 7000)),
        ("no-content-type", request("POST", "/api/v1/projects", "", b'{"name": "nct"}', auth=True)),
    ],
)
def test_body_limits_and_framing(seeded: Server, case: str, raw: bytes) -> None:
    check(exchange(seeded, raw), case, parser=True, ok=(201,))


# --- paths, queries and headers ---------------------------------------------------------------

PATHS = {
    "id-not-int": "/api/v1/tasks/abc",
    "id-huge": "/api/v1/tasks/" + "9" * 30,
    "id-5000-digits": "/api/v1/tasks/" + "9" * 5000,
    "id-negative-huge": "/api/v1/tasks/-" + "9" * 30,
    "id-float": "/api/v1/tasks/1.5",
    "id-exponent": "/api/v1/tasks/1e3",
    "id-int64-max": "/api/v1/tasks/9223372036854775807",
    "id-int64-max+1": "/api/v1/tasks/9223372036854775808",
    "project-id-huge": "/api/v1/projects/" + "9" * 30 + "/tasks",
    "project-huge": "/api/v1/projects/" + "9" * 30,
    "id-invalid-utf8": "/api/v1/tasks/%FF%FE",
    "id-overlong-utf8": "/api/v1/projects/%C0%AF/tasks",
    "id-encoded-surrogate": "/api/v1/tasks/%ED%A0%80",
    "id-nul": "/api/v1/tasks/1%00",
    "id-sql": "/api/v1/tasks/" + quote("1 OR 1=1", safe=""),
    "id-sql-quote": "/api/v1/tasks/" + quote("1'--", safe=""),
    "encoded-slash": "/api/v1/tasks/1%2F..%2F2",
    "double-slash": "//api/v1/tasks",
    "double-slash-inner": "/api/v1//tasks",
    "trailing-dots": "/api/v1/tasks/..",
    "backslash": "/api/v1/tasks\\..\\projects",
    "unknown": "/api/v1/nothing-here",
    "long-path": "/api/v1/tasks/" + "a" * 7000,
    "raw-invalid-utf8": "/api/v1/tasks/\xff\xfe",
    "percent-garbage": "/api/v1/tasks/%zz%",
}


@pytest.mark.parametrize("case", list(PATHS))
def test_paths(seeded: Server, case: str) -> None:
    target = PATHS[case]
    check(exchange(seeded, get(target)), case, parser=True, outside=not target.startswith("/api/v1/"))


TRAVERSALS = [
    "/api/v1/ui/../../../etc/passwd",
    "/api/v1/ui/../../../../../../setup.py",
    "/api/v1/ui/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
    "/api/v1/ui/%2E%2E%2F%2E%2E%2Fsetup.py",
    "/api/v1/ui/..%2f..%2f..%2fetc%2fpasswd",
    "/api/v1/ui/..%252f..%252fsetup.py",
    "/api/v1/ui/%252e%252e/%252e%252e/setup.py",
    "/api/v1/ui/....//....//setup.py",
    "/api/v1/ui/..\\..\\setup.py",
    "/api/v1/ui/..%5c..%5csetup.py",
    "/api/v1/ui//etc/passwd",
    "//api/v1/ui/index.html",
    "/api/v1//ui/index.html",
    "/api/v1/ui/index.html%00.png",
    "/api/v1/ui/%00",
    "/api/v1/ui/swagger-ui.css/../../openapi.json",
    "/api/v1/ui/__init__.py",
    "/api/v1/ui/.%2e/.%2e/setup.py",
    "/api/v1/ui/%c0%ae%c0%ae/%c0%ae%c0%ae/setup.py",
    "/api/v1/openapi.json/../../../setup.py",
    "/api/v1/openapi.json%2f..%2f..%2fsetup.py",
    "/api/v1/openapi.json%00",
    "/api/v1/openapi.yaml/..",
    "/api/v1/../../../../etc/passwd",
    "/api/v1/%2e%2e/%2e%2e/etc/passwd",
    "/api/v1/../example_app/data.sqlite",
    "/api/v1/ui/" + "../" * 200 + "etc/passwd",
]


@pytest.mark.parametrize("target", TRAVERSALS)
def test_path_traversal(seeded: Server, target: str) -> None:
    answer = exchange(seeded, get(target))
    # the UI's own files and the served document are fine answers; nothing else on disk is
    check(answer, target, parser=True, outside=not target.startswith("/api/v1/"), ok=(200, 301, 308))
    for secret in (b"root:", b"setuptools", b"SQLite format", b"import "):
        assert secret not in answer.body, (target, answer.body[:200])


def test_docs_ui_and_document_still_served(seeded: Server) -> None:
    index = exchange(seeded, get("/api/v1/ui/"))
    assert index.status == 200
    assert b"swagger-ui" in index.body
    document = exchange(seeded, get("/api/v1/openapi.json"))
    assert document.status == 200
    assert json.loads(document.body)["info"]["title"] == "Task tracker"


SQL = [
    "'",
    '"',
    "' OR '1'='1",
    "1' OR 1=1 --",
    "1; DROP TABLE tasks; --",
    "'); DROP TABLE projects; --",
    "%",
    "_",
    "*",
    "\\",
    "\\%",
    "[a-z]",
    "1 UNION SELECT sqlite_version()",
    "id) --",
    "title desc; --",
    "-id,(select 1)",
    "\x00",
    "\u2019 OR 1=1",
    "x" * 5000,
]

LIST_PARAMETERS = {
    "/api/v1/projects": ["name__ilike", "limit", "offset"],
    "/api/v1/projects/1/tasks": ["done", "limit", "offset"],
    "/api/v1/tasks": [
        "project_id",
        "done",
        "priority__in",
        "due__lt",
        "overdue",
        "search",
        "order_by",
        "limit",
        "cursor",
        "fields",
        "count",
        "title",  # not declared: refused
        "id__in",  # not declared: refused
    ],
}
SQL_CASES = [
    pytest.param(path, name, value, id=f"{path.removeprefix('/api/v1/')}?{name}={index}")
    for path, names in LIST_PARAMETERS.items()
    for name in names
    for index, value in enumerate(SQL)
]


@pytest.mark.parametrize(("path", "name", "value"), SQL_CASES)
def test_sql_metacharacters(seeded: Server, path: str, name: str, value: str) -> None:
    answer = exchange(seeded, get(f"{path}?{name}={quote(value, safe='')}"))
    check(answer, f"{path}?{name}={value!r}", ok=(200,))
    if answer.status == 200:
        assert isinstance(json.loads(answer.body), list)


def test_sql_metacharacters_inside_lists_and_cursors(seeded: Server) -> None:
    for query in [
        "order_by=title,'--",
        "order_by=-id,-id,-id",
        "fields=id,title,(select 1)",
        "fields=" + ",".join(["id"] * 500),
        "priority__in=high,'low'",
        "search=%25%27%22%5C",
        "search=" + "a%20" * 100,
        "cursor=" + base64.urlsafe_b64encode(b'{"k": ["\' OR 1=1 --"], "o": ["id"]}').decode(),
        "cursor=" + base64.urlsafe_b64encode(b"\xff" * 64).decode(),
        "cursor=" + "A" * 4000,
        "limit=" + "9" * 5000,
        "offset=" + "9" * 30,
        "offset=" + "9" * 5000,
        "project_id=" + "9" * 30,
        "project_id=-" + "9" * 30,
        "due__lt=9999-99-99",
        "due__lt=99999-01-01",
    ]:
        check(exchange(seeded, get(f"/api/v1/tasks?{quote(query, safe='=&%,')}")), query, ok=(200,))
    for query in ["name__ilike=%25%27", "offset=" + "9" * 30, "limit=0"]:
        check(exchange(seeded, get(f"/api/v1/projects?{quote(query, safe='=&%,')}")), query, ok=(200,))


def test_tables_survive_the_sql_corpus(seeded: Server) -> None:
    answer = exchange(seeded, get("/api/v1/tasks?project_id=1&order_by=id"))
    assert answer.status == 200
    assert [task["title"] for task in json.loads(answer.body)][:3] == ["one", "two", "three"]
    assert exchange(seeded, get("/api/v1/projects?name__ilike=alpha")).status == 200


QUERIES = {
    "invalid-utf8-value": "/api/v1/projects?name__ilike=%FF%FE",
    "invalid-utf8-name": "/api/v1/projects?%FF%FE=1",
    "raw-invalid-utf8": "/api/v1/projects?name__ilike=\xff\xfe",
    "overlong-utf8": "/api/v1/tasks?search=%C0%AF",
    "encoded-surrogate": "/api/v1/tasks?search=%ED%A0%80",
    "encoded-surrogate-filter": "/api/v1/projects?name__ilike=%ED%B3%BF",
    "encoded-surrogate-cursor": "/api/v1/tasks?cursor=%ED%B3%BF",
    "encoded-surrogate-fields": "/api/v1/tasks?fields=id,%ED%B3%BF",
    "nul-in-value": "/api/v1/tasks?search=a%00b",
    "crlf-in-value": "/api/v1/tasks?search=a%0D%0ASet-Cookie:%20x=1&limit=1",
    "crlf-in-cursor": "/api/v1/tasks?cursor=a%0D%0AX-Injected:%201",
    "crlf-in-project-id": "/api/v1/tasks?project_id=1%0D%0AX-Injected:%201&limit=1",
    "crlf-in-name-filter": "/api/v1/projects?name__ilike=a%0D%0AX:%201&limit=1",
    "repeated-limit": "/api/v1/tasks?limit=1&limit=2",
    "many-parameters": "/api/v1/tasks?" + "&".join(f"p{i}=1" for i in range(1000)),
    "percent-garbage": "/api/v1/tasks?search=%zz%",
    "semicolons": "/api/v1/tasks?search=a;b;c",
    "no-value": "/api/v1/tasks?search&done&limit",
    "empty-name": "/api/v1/tasks?=1",
    "limit-float": "/api/v1/tasks?limit=1.5",
    "limit-exponent": "/api/v1/tasks?limit=1e2",
    "limit-nan": "/api/v1/tasks?limit=NaN",
    "limit-infinity": "/api/v1/tasks?limit=Infinity",
    "done-garbage": "/api/v1/tasks?done=maybe",
    "long-query": "/api/v1/tasks?search=" + "a" * 7000,
}
OK_QUERIES = {
    "overlong-utf8",
    "encoded-surrogate",
    "encoded-surrogate-filter",
    "nul-in-value",
    "crlf-in-value",
    "crlf-in-name-filter",
    "semicolons",
    "invalid-utf8-value",
    "percent-garbage",
    "repeated-limit",
}


@pytest.mark.parametrize("case", list(QUERIES))
def test_queries(seeded: Server, case: str) -> None:
    answer = exchange(seeded, get(QUERIES[case]))
    check(answer, case, parser=True, ok=(200,) if case in OK_QUERIES else ())
    for name in answer.headers:
        assert name not in ("set-cookie", "x-injected", "x"), answer.headers


HEADERS = {
    "crlf-injection": "X-Test: a\r\nX-Injected: 1\r\n",  # two headers on the wire: both fine
    "bare-cr-in-value": "X-Test: a\rX-Injected: 1\r\n",
    "bare-lf-in-value": "X-Test: a\nX-Injected: 1\r\n",
    "nul-in-value": "X-Test: a\x00b\r\n",
    "obs-fold": "X-Test: a\r\n b\r\n",
    "space-in-name": "X Test: a\r\n",
    "colon-only": ": a\r\n",
    "invalid-utf8-value": "X-Test: \xff\xfe\r\n",
    "invalid-utf8-authorization": "Authorization: Bearer \xff\xfe\r\n",
    "long-authorization": "Authorization: Bearer " + "a" * 7000 + "\r\n",
    "basic-instead-of-bearer": "Authorization: Basic " + base64.b64encode(b"\xff:\xfe").decode() + "\r\n",
    "request-id-garbage": "X-Request-ID: \x7f\x01<script>\r\n",
    "request-id-invalid-utf8": "X-Request-ID: \xff\xfe\r\n",
    "request-id-long": "X-Request-ID: " + "a" * 7000 + "\r\n",
    "if-none-match-garbage": 'If-None-Match: "\xff", W/"\r\n',
    "if-none-match-huge-list": "If-None-Match: " + ", ".join(f'"{i}"' for i in range(1000)) + "\r\n",
    "accept-garbage": "Accept: \xff/\xfe;q=abc\r\n",
    "accept-q-huge": "Accept: application/json;q=" + "9" * 5000 + "\r\n",
    "prefer-garbage": "Prefer: count=\xff;;;=\r\n",
    "host-garbage": "Host: \xff\xfe\r\n",
    "many-headers": "".join(f"X-H{i}: {i}\r\n" for i in range(200)),
    "huge-header": "X-Test: " + "a" * 100_000 + "\r\n",
    "cookie-garbage": "Cookie: a=\xff; ; =; b\r\n",
    "forwarded-garbage": "Forwarded: for=\xff;proto=gopher;host=\r\nX-Forwarded-For: ' OR 1=1\r\n",
}


@pytest.mark.parametrize("case", list(HEADERS))
def test_headers(seeded: Server, case: str) -> None:
    for target in ("/api/v1/tasks/1", "/api/v1/tasks?count=true&limit=1"):
        answer = exchange(seeded, get(target, HEADERS[case]))
        check(answer, case, parser=True, ok=(200, 304))
        assert "x-injected" not in answer.headers


@pytest.mark.parametrize("case", ["crlf-in-if-match", "invalid-utf8-if-match", "garbage-if-match"])
def test_header_preconditions_on_writes(seeded: Server, case: str) -> None:
    value = {"crlf-in-if-match": '"1"\rX: y', "invalid-utf8-if-match": '"\xff"', "garbage-if-match": "*, W/, ,"}[case]
    raw = request(
        "PATCH",
        "/api/v1/tasks/3",
        f"Content-Type: application/merge-patch+json\r\nIf-Match: {value}\r\n",
        b'{"done": false}',
        auth=True,
    )
    check(exchange(seeded, raw), case, parser=True, ok=(200,))


@pytest.mark.parametrize(
    ("case", "line"),
    [
        ("unknown-method", b"BREW /api/v1/tasks HTTP/1.1\r\n"),
        ("lowercase-method", b"get /api/v1/tasks HTTP/1.1\r\n"),
        ("http-0.9", b"GET /api/v1/tasks\r\n"),
        ("http-2.0", b"GET /api/v1/tasks HTTP/2.0\r\n"),
        ("absolute-uri", b"GET http://evil.example/api/v1/tasks HTTP/1.1\r\n"),
        ("asterisk", b"OPTIONS * HTTP/1.1\r\n"),
        ("connect", b"CONNECT evil.example:443 HTTP/1.1\r\n"),
        ("no-target", b"GET  HTTP/1.1\r\n"),
        ("garbage", b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n"),
        ("long-request-line", b"GET /api/v1/tasks?search=" + b"a" * 100_000 + b" HTTP/1.1\r\n"),
    ],
)
def test_request_lines(seeded: Server, case: str, line: bytes) -> None:
    raw = line + b"Host: test\r\nConnection: close\r\n\r\n"
    outside = b" /api/v1/" not in line
    check(exchange(seeded, raw), case, parser=True, outside=outside, ok=(200,))


# --- the websocket ----------------------------------------------------------------------------


def _ws(server: Server, scenario: Any) -> Any:
    """Run ``scenario(ws)`` against /api/v1/live from a loop of this thread's own."""

    async def run() -> Any:
        FIGURES.requests += 1
        async with (
            aiohttp.ClientSession() as session,
            session.ws_connect(f"{server.url}/api/v1/live", max_msg_size=0) as ws,
        ):
            return await asyncio.wait_for(scenario(ws), 20)

    return asyncio.run(run())


async def _answers(ws: aiohttp.ClientWebSocketResponse, count: int) -> list[dict[str, Any]]:
    found = []
    while len(found) < count:
        message = await ws.receive(timeout=TIMEOUT)
        if message.type != WSMsgType.TEXT:
            break
        found.append(json.loads(message.data))
    return found


def _no_server_error(frames: list[dict[str, Any]], case: str) -> None:
    for frame in frames:
        error = frame.get("error")
        if error is not None:
            if error.get("status", 0) >= 500:
                FIGURES.server_errors.append(f"ws {case}: {error}")
            assert error.get("status", 0) < 500, (case, frame)
            assert "Traceback" not in json.dumps(error)


def _still_serving(server: Server) -> None:
    assert exchange(server, get("/api/v1/health")).status == 200


WS_FRAMES = {
    "not-json": "{",
    "not-an-object": "[1, 2]",
    "no-method": '{"id": 1}',
    "method-not-a-string": '{"id": 1, "method": 5}',
    "unknown-method": '{"id": 1, "method": "drop_tables"}',
    "payload-not-object": '{"id": 1, "method": "count_open_tasks", "payload": "x"}',
    "payload-extra": '{"id": 1, "method": "count_open_tasks", "payload": {"sql": "1; --"}}',
    "payload-string-id": '{"id": 1, "method": "count_open_tasks", "payload": {"project_id": "1 OR 1=1"}}',
    "payload-huge-int": '{"id": 1, "method": "count_open_tasks", "payload": {"project_id": ' + "9" * 30 + "}}",
    "payload-5000-digits": '{"id": 1, "method": "count_open_tasks", "payload": {"project_id": ' + "9" * 5000 + "}}",
    "payload-1e400": '{"id": 1, "method": "count_open_tasks", "payload": {"project_id": 1e400}}',
    "payload-nan": '{"id": 1, "method": "count_open_tasks", "payload": {"project_id": NaN}}',
    "deep-frame": "[" * 30_000 + "]" * 30_000,
    "deep-payload": '{"id": 1, "method": "count_open_tasks", "payload": ' + "[" * 30_000 + "]" * 30_000 + "}",
    "deep-id": '{"method": "count_open_tasks", "id": ' + "[" * 900 + "]" * 900 + "}",
    "subscribe-unknown": '{"id": 1, "method": "subscribe", "payload": {"channel": "../../etc"}}',
    "subscribe-garbage": '{"id": 1, "method": "subscribe", "payload": [1]}',
    "publish-forbidden": '{"id": 1, "method": "publish", "payload": {"channel": "tasks", "event": "x", "data": 1}}',
    "duplicate-keys": '{"id": 1, "method": "nothing", "method": "count_open_tasks"}',
    "lone-surrogate": '{"id": 1, "method": "\\ud800"}',
}


@pytest.mark.parametrize("case", list(WS_FRAMES))
def test_websocket_frames(seeded: Server, case: str) -> None:
    async def scenario(ws: aiohttp.ClientWebSocketResponse) -> list[dict[str, Any]]:
        await ws.send_str(WS_FRAMES[case])
        await ws.send_str('{"id": "last", "method": "count_open_tasks", "payload": {}}')
        return await _answers(ws, 2)

    frames = _ws(seeded, scenario)
    _no_server_error(frames, case)
    assert frames, f"{case}: the socket answered nothing"
    last = [frame for frame in frames if frame.get("id") == "last"]  # calls may answer in any order
    assert len(last) == 1, frames
    assert isinstance(last[0]["response"]["open"], int), frames
    _still_serving(seeded)


@pytest.mark.parametrize("case", ["text", "binary", "just-over"])
def test_websocket_oversized_frames(seeded: Server, case: str) -> None:
    size = {"text": 10 * ONE_MIB, "binary": 10 * ONE_MIB, "just-over": 64 * 1024 + 1}[case]

    async def scenario(ws: aiohttp.ClientWebSocketResponse) -> tuple[WSMsgType, int | None]:
        with contextlib.suppress(ConnectionError):  # the server may close before all is sent
            if case == "binary":
                await ws.send_bytes(b"\x00" * size)
            else:
                await ws.send_str('"' + "x" * (size - 2) + '"')
        message = await ws.receive(timeout=TIMEOUT)
        while message.type == WSMsgType.TEXT:  # nothing should come, but drain whatever does
            message = await ws.receive(timeout=TIMEOUT)
        return message.type, ws.close_code

    kind, code = _ws(seeded, scenario)
    assert kind in (WSMsgType.CLOSE, WSMsgType.CLOSED, WSMsgType.CLOSING), kind
    # 1009; or the server hung up while 10 MiB were still coming, before the client read the 1009
    expected = {aiohttp.WSCloseCode.MESSAGE_TOO_BIG}
    if case != "just-over":
        expected.add(aiohttp.WSCloseCode.ABNORMAL_CLOSURE)
    assert code in expected, code
    _still_serving(seeded)


def test_websocket_invalid_utf8_frame(seeded: Server) -> None:
    async def scenario(ws: aiohttp.ClientWebSocketResponse) -> int | None:
        # a text frame whose bytes are not UTF-8: written below the client's own encoding
        await ws._writer.send_frame(b"\xff\xfe\xfd", aiohttp.WSMsgType.TEXT)  # type: ignore[attr-defined]
        message = await ws.receive(timeout=TIMEOUT)
        while message.type == WSMsgType.TEXT:
            message = await ws.receive(timeout=TIMEOUT)
        return ws.close_code

    assert _ws(seeded, scenario) == aiohttp.WSCloseCode.INVALID_TEXT
    _still_serving(seeded)


FLOOD = 5_000


@pytest.mark.parametrize("case", ["valid-calls", "bad-frames", "binary-frames", "mixed"])
def test_websocket_flood(seeded: Server, case: str) -> None:
    """Thousands of frames sent as fast as possible: every one is answered in order of its kind,
    nothing is a server error, and the server keeps serving HTTP meanwhile."""

    def frame(index: int) -> str | bytes:
        if case == "valid-calls" or (case == "mixed" and index % 3 == 0):
            return json.dumps({"id": index, "method": "count_open_tasks", "payload": {}})
        if case == "binary-frames" or (case == "mixed" and index % 3 == 1):
            return b"\x01\x02"
        return "{not json"

    async def scenario(ws: aiohttp.ClientWebSocketResponse) -> list[dict[str, Any]]:
        async def sender() -> None:
            for index in range(FLOOD):
                item = frame(index)
                if isinstance(item, bytes):
                    await ws.send_bytes(item)
                else:
                    await ws.send_str(item)

        sending = asyncio.create_task(sender())
        frames = await _answers(ws, FLOOD)
        await sending
        return frames

    started = time.monotonic()
    frames = _ws(seeded, scenario)
    _no_server_error(frames, case)
    assert len(frames) == FLOOD, len(frames)
    assert time.monotonic() - started < 60  # a hang, not a speed test
    _still_serving(seeded)


def test_websocket_unread_flood(seeded: Server) -> None:
    """A client that floods bad frames and never reads its answers is disconnected, or its answers
    wait in bounded buffers: the server keeps serving others either way."""

    async def scenario(ws: aiohttp.ClientWebSocketResponse) -> int:
        sent = 0
        with contextlib.suppress(ConnectionError, aiohttp.ClientError, asyncio.TimeoutError):
            async with asyncio.timeout(5):
                for _ in range(50_000):
                    await ws.send_str("{" + "x" * 1000)
                    sent += 1
        return sent

    _ws(seeded, scenario)
    _still_serving(seeded)


def test_websocket_handshake_garbage(seeded: Server) -> None:
    for headers in [
        "Upgrade: websocket\r\nConnection: Upgrade\r\n",  # no key, no version
        "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: \xff\r\nSec-WebSocket-Version: 13\r\n",
        "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: x\r\nSec-WebSocket-Version: 99\r\n",
        "Upgrade: h2c\r\nConnection: Upgrade\r\n",
        "",
    ]:
        raw = b"GET /api/v1/live HTTP/1.1\r\nHost: test\r\n" + headers.encode("latin-1") + b"Connection: close\r\n\r\n"
        check(exchange(seeded, raw), headers, parser=True)


def test_zz_figures(seeded: Server) -> None:
    """Last in the module: the figures of the corpus."""
    print(
        f"\nhostile corpus: {FIGURES.requests} requests tried, {len(FIGURES.server_errors)} 5xx seen, "
        f"slowest answer {FIGURES.slowest:.2f} s"
    )
    assert FIGURES.server_errors == []


# --- regular expressions ----------------------------------------------------------------------

CATASTROPHIC = ["^(a+)+$", "^(a|a)*$", "^(a|aa)+$", "^(a*)*$", "^([a-z]+)*[0-9]$", r"^(\w+\s?)*$"]
BACKTRACKING = [r"^(?!x)(a+)+$", r"^(a+)+\1$", r"^(a+)+(?<!b)$", r"^(\w+\s?)*(?<=x)$"]


@pytest.mark.parametrize("pattern", CATASTROPHIC + BACKTRACKING)
def test_catastrophic_patterns_answer_quickly(pattern: str) -> None:
    """``(a+)+`` and friends run on a linear-time engine; patterns that need backtracking
    (lookaround, backreferences) are cut off after a bounded number of steps and refused."""
    from openapi_aio.validation import SchemaValidator

    validator = SchemaValidator.compile({"type": "string", "pattern": pattern}, "3.0", "request")
    for size in (30, 50, 5_000, 100_000):
        started = time.perf_counter()
        violations = validator.violations("a" * size + "!", "query", "q")
        assert time.perf_counter() - started < 3, (pattern, size)  # backtracking: hours
        assert violations, (pattern, size)  # never let through for want of time


def test_patterns_are_compiled_once() -> None:
    """Compiling is done once per schema, at start-up; a check is then a call into the compiled
    validator: thousands of them take far less than compiling as many would."""
    from openapi_aio.validation import SchemaValidator

    schema = {"type": "string", "pattern": r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]+)*$"}
    started = time.perf_counter()
    validator = SchemaValidator.compile(schema, "3.0", "request")
    for index in range(20_000):
        assert validator.is_valid(f"host-{index}.example")
    assert time.perf_counter() - started < 5  # compiling 20,000 times: minutes


def test_backtracking_patterns_are_warned_about_at_start_up(caplog: pytest.LogCaptureFixture) -> None:
    from openapi_aio.validation import SchemaValidator, needs_backtracking

    assert not any(needs_backtracking(pattern) for pattern in CATASTROPHIC)
    assert all(needs_backtracking(pattern) for pattern in BACKTRACKING)
    unusual = r"^(?!root$)[a-z]+(?<!-)$"
    with caplog.at_level("WARNING", logger="openapi_aio"):
        SchemaValidator.compile(
            {"type": "object", "properties": {"user": {"type": "string", "pattern": unusual}}},
            "3.0",
            "request",
            where="api.yaml#/components/schemas/User",
        )
        SchemaValidator.compile({"type": "string", "pattern": unusual}, "3.0", "response")  # once only
        SchemaValidator.compile({"type": "string", "pattern": "^(a+)+$"}, "3.0", "request")  # linear: quiet
    warnings = [record.getMessage() for record in caplog.records]
    assert len(warnings) == 1, warnings
    assert "backtracking" in warnings[0]
    assert "api.yaml#/components/schemas/User" in warnings[0]


async def test_catastrophic_pattern_over_http(aiohttp_client: Any) -> None:
    import openapi_aio

    operation = {
        "operationId": "tests.nothing",
        "parameters": [
            {"name": "q", "in": "query", "schema": {"type": "string", "pattern": "^(a+)+$"}},
            {"name": "r", "in": "query", "schema": {"type": "string", "pattern": r"^(\w+\s?)*(?<=x)$"}},
        ],
        "responses": {"200": {"description": "ok"}},
    }
    document = {"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {"/x": {"get": operation}}}
    app = web.Application()
    openapi_aio.setup(app, document, stub=True)
    client = await aiohttp_client(app)
    for name in ("q", "r"):
        started = time.perf_counter()
        answer = await client.get("/x", params={name: "a" * 50_000 + "!"})
        assert answer.status == 400, await answer.text()
        assert time.perf_counter() - started < 5  # backtracking: hours
