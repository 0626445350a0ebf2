"""The peer benchmark's workloads: the requests wrk sends (as Lua) and the answers every peer must give.

Standard library only: dev/bench imports it with the system Python, outside the peers' venvs.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass

PET_ID = "00000000-0000-0000-0000-000000000001"
VALID_PET = {
    "name": "Rex",
    "species": "dog",
    "age": 3,
    "weight": 12.5,
    "birthday": "2021-04-01",
    "registered": "2021-05-01T10:00:00Z",
    "owner": {"name": "Ada", "email": "ada@example.com"},
    "tags": ["good", "boy"],
    "microchip": "123456789012345",
    "vaccinated": True,
    "notes": None,
}
INVALID_PET = {**VALID_PET, "age": 99, "species": "lion", "owner": {"name": "Ada"}, "tags": ["a", "a"]}
NEW_ROW = {"name": "Bench Pet", "species": "cat", "age": 4, "weight": 3.5, "vaccinated": True}
ROW_KEYS = {"id", "name", "species", "age", "weight", "vaccinated"}

Answer = tuple[int, str, object]  # status, Content-Type, JSON body (or the first bytes)
# An invalid request every peer serving the workload must refuse: method, path, body (or None)
Invalid = tuple[str, str, dict | None]


def call(port: int, method: str, path: str, body: dict | None = None) -> Answer:
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=data, method=method)
    if data is not None:
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            status, ctype, raw = r.status, r.headers.get("Content-Type", ""), r.read()
    except urllib.error.HTTPError as e:
        status, ctype, raw = e.code, e.headers.get("Content-Type", ""), e.read()
    try:
        return status, ctype, json.loads(raw)
    except ValueError:
        return status, ctype, raw[:200]


# --- what each workload must answer: None when right, else what was wrong -----------------------


def _hello(port: int) -> str | None:
    s, ct, b = call(port, "GET", "/hello/ada?greeting=hi&times=3")
    if not (s == 200 and "json" in ct and b == {"message": "hi ada hi ada hi ada"}):
        return f"got {(s, ct, b)}"
    s, ct, b = call(port, "GET", "/hello/ada")
    return None if s == 200 and b == {"message": "hello ada"} else f"defaults: got {(s, b)}"


def _create_pet(port: int) -> str | None:
    s, ct, b = call(port, "POST", "/pets", VALID_PET)
    return None if s == 201 and "json" in ct and b == {"id": PET_ID, **VALID_PET} else f"got {(s, ct, b)}"


OWNER_ROWS = 300  # benchapp/db.py's owners: the seeded pet with id i has owner (i - 1) % 300 + 1


def _owner(pet_id: int) -> dict:
    """The owner of the seeded pet ``pet_id``, as the x-resource answers it (benchapp/db.py)."""
    k = (pet_id - 1) % OWNER_ROWS + 1
    return {"id": k, "name": f"Owner {k}", "email": f"owner{k}@example.com"}


def _page(prefix: str, embed: bool = False) -> Callable[[int], str | None]:
    """20 rows from id 101. The hand-written peers (/db) answer ROW_KEYS exactly; the x-resource
    (/crud) answers its schema's owner_id too, and with ``embed`` (W8) the owner it references."""

    def check(port: int) -> str | None:
        path = f"{prefix}/pets?{'embed=owner&' if embed else ''}limit=20&offset=100"
        s, ct, b = call(port, "GET", path)
        keys = ROW_KEYS if prefix == "/db" else ROW_KEYS | {"owner_id"} | ({"owner"} if embed else set())
        ok = (
            s == 200
            and "json" in ct
            and isinstance(b, list)
            and len(b) == 20
            and all(isinstance(r, dict) and set(r) == keys for r in b)
            and b[0]["id"] == 101
        )
        if ok and prefix != "/db":
            ok = all(r["owner_id"] == _owner(r["id"])["id"] for r in b)
            if ok and embed:  # the owner inline is the row's owner_id's
                ok = all(r["owner"] == _owner(r["id"]) for r in b)
        return None if ok else f"got {(s, ct, b)}"

    return check


def _insert(prefix: str) -> Callable[[int], str | None]:
    def check(port: int) -> str | None:
        s, ct, b = call(port, "POST", f"{prefix}/pets", NEW_ROW)
        ok = s == 201 and "json" in ct and isinstance(b, dict) and b == {**NEW_ROW, "id": b.get("id")}
        return None if ok and isinstance(b["id"], int) else f"got {(s, ct, b)}"

    return check


def _refuse_pet(port: int) -> str | None:
    """W5 must be refused (the status is checked against the peer's, see check_peer)."""
    s, ct, b = call(port, "POST", "/pets", INVALID_PET)
    return None if 400 <= s < 500 and "json" in ct else f"got {(s, ct, b)}"


def _pet(change: dict) -> dict:
    return {**VALID_PET, **change}


def _row(change: dict) -> dict:
    return {**NEW_ROW, **change}


@dataclass(frozen=True)
class Workload:
    name: str
    title: str
    method: str
    path: str
    check: Callable[[int], str | None]
    body: dict | None = None
    random_offset: bool = False  # W3, W6, W8: offset = random 0..980, 20 rows
    # Invalid requests on the workload's route: a peer must refuse them (else it is reported)
    invalid: tuple[Invalid, ...] = ()
    # Its ratio is taken against raw aiohttp's run of ``baseline`` (the hand-written handler
    # doing the same work) in the same round; None: against raw aiohttp's run of itself.
    baseline: str | None = None
    refused: bool = False  # the answer is a 4xx: wrk's count of non-2xx answers is no error
    # The same peer's run of ``versus`` in the same round is its cost's yardstick (W8: W6, the
    # same list without embed=): the summary gives req/s of versus / req/s of this one, and the
    # ratio of their server CPU per request.
    versus: str | None = None


WORKLOADS = [
    Workload(
        "W1",
        "GET /hello/{name}",
        "GET",
        "/hello/ada?greeting=hi&times=3",
        _hello,
        invalid=(
            ("GET", "/hello/ada?times=11", None),
            ("GET", "/hello/ada?times=x", None),
            ("GET", "/hello/ada?greeting=yo", None),
        ),
    ),
    Workload(
        "W2",
        "POST /pets (valid)",
        "POST",
        "/pets",
        _create_pet,
        VALID_PET,
        invalid=(
            ("POST", "/pets", _pet({"microchip": "12"})),
            ("POST", "/pets", _pet({"registered": "yesterday"})),
            ("POST", "/pets", _pet({"birthday": "2021-13-01"})),
            ("POST", "/pets", _pet({"owner": {"name": "Ada", "email": "not an address"}})),
            ("POST", "/pets", _pet({"tags": ["a", "b", "c", "d", "e", "f"]})),
            ("POST", "/pets", _pet({"extra": 1})),
        ),
    ),
    Workload(
        "W3",
        "GET /db/pets (20 rows)",
        "GET",
        "/db/pets?limit=20&offset=",
        _page("/db"),
        random_offset=True,
        invalid=(("GET", "/db/pets?limit=1000", None),),
    ),
    Workload(
        "W4",
        "POST /db/pets (insert)",
        "POST",
        "/db/pets",
        _insert("/db"),
        NEW_ROW,
        invalid=(("POST", "/db/pets", _row({"age": -1})),),
    ),
    Workload("W5", "POST /pets (invalid)", "POST", "/pets", _refuse_pet, INVALID_PET, refused=True),
    # openapi_aio's x-resource (benchapp/crud.yaml, no handler code) over the same table, against
    # the hand-written asyncpg handlers of raw aiohttp (W3, W4)
    Workload(
        "W6",
        "GET /crud/pets (x-resource, 20 rows)",
        "GET",
        "/crud/pets?limit=20&offset=",
        _page("/crud"),
        random_offset=True,
        invalid=(("GET", "/crud/pets?limit=1000", None), ("GET", "/crud/pets?offset=-1", None)),
        baseline="W3",
    ),
    Workload(
        "W7",
        "POST /crud/pets (x-resource)",
        "POST",
        "/crud/pets",
        _insert("/crud"),
        NEW_ROW,
        invalid=(
            ("POST", "/crud/pets", _row({"age": -1})),
            ("POST", "/crud/pets", _row({"species": "lion"})),
            # a readOnly id sent is ignored by default now (read_only="ignore", as in Connexion 3),
            # not refused: no longer an invalid input here
        ),
        baseline="W4",
    ),
    # W6's list with each row's owner inline (x-resource embed: one more statement per page); its
    # cost is W6's, measured by the same peer in the same round (issue: at most 1.3x). Measured
    # next to W3 and W6; its "vs raw aiohttp" is against W3, which embeds nothing.
    Workload(
        "W8",
        "GET /crud/pets?embed=owner (x-resource, 20 rows + owners)",
        "GET",
        "/crud/pets?embed=owner&limit=20&offset=",
        _page("/crud", embed=True),
        random_offset=True,
        invalid=(("GET", "/crud/pets?embed=vet", None), ("GET", "/crud/pets?embed=owner&limit=1000", None)),
        baseline="W3",
        versus="W6",
    ),
]

LUA_DONE = """
done = function(summary, latency, requests)
  io.write(string.format(
    'BENCH {"requests": %d, "seconds": %.6f, "p50_us": %.1f, "p99_us": %.1f, "status_errors": %d, '
    .. '"socket_errors": %d}\\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50), latency:percentile(99),
    summary.errors.status, summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.timeout))
end
"""


def _lua_string(s: str) -> str:
    return "'" + s.replace("\\", "\\\\").replace("'", "\\'") + "'"


def lua_script(w: Workload) -> str:
    lines = [f"wrk.method = {_lua_string(w.method)}"]
    if w.body is not None:
        lines.append(f"wrk.body = {_lua_string(json.dumps(w.body))}")
        lines.append("wrk.headers['Content-Type'] = 'application/json'")
    if w.random_offset:
        lines.append("math.randomseed(os.time())")
        lines.append(f"request = function() return wrk.format(nil, {_lua_string(w.path)} .. math.random(0, 980)) end")
    else:
        lines.append(f"wrk.path = {_lua_string(w.path)}")
    return "\n".join(lines) + "\n" + LUA_DONE


@dataclass
class CheckResult:
    """What a peer answered before being measured."""

    wrong: dict[str, str]  # workload -> what was wrong: the workload is not measured
    accepted_invalid: list[str]  # invalid requests it let through: measured anyway, reported
    invalid_status: int | None  # what it answered to W5's body


def check_peer(port: int, workloads: list[Workload], invalid_status: tuple[int, ...]) -> CheckResult:
    """Check the peer's answers on every workload it serves, and that it refuses their invalid
    requests with one of ``invalid_status`` (400, or 422 where that is the peer's own answer)."""
    wrong = {w.name: bad for w in workloads if (bad := w.check(port))}
    w5 = call(port, "POST", "/pets", INVALID_PET)[0] if any(w.name == "W5" for w in workloads) else None
    if w5 is not None and "W5" not in wrong and w5 not in invalid_status:
        wrong["W5"] = f"answered {w5}, not {' or '.join(map(str, invalid_status))}"
    accepted = []
    for w in workloads:
        for method, path, body in w.invalid:
            status = call(port, method, path, body)[0]
            if status not in invalid_status:
                change = "" if body is None else " with " + json.dumps(_difference(body))
                accepted.append(f"{method} {path}{change} -> {status}")
    return CheckResult(wrong, accepted, w5)


def _difference(body: dict) -> dict:
    """What an invalid body changes from the valid one it is made from (for the report)."""
    base = VALID_PET if "owner" in body else NEW_ROW
    return {k: v for k, v in body.items() if base.get(k, object()) != v}
