"""The peer benchmark's workloads: the requests wrk sends (as Lua) and the answers every peer must give.

Standard library only: dev/bench imports it with the system Python, outside the peers' venvs.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
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


@dataclass(frozen=True)
class Workload:
    name: str
    title: str
    method: str
    path: str
    body: dict | None = None
    random_offset: bool = False  # W3: offset = random 0..980, 20 rows
    # Only these peers serve it (None: every peer); its ratio is taken against raw aiohttp's
    # run of ``baseline`` (the hand-written handler doing the same work) in the same round.
    peers: tuple[str, ...] | None = None
    baseline: str | None = None

    def serves(self, peer: str) -> bool:
        return self.peers is None or peer in self.peers


WORKLOADS = [
    Workload("W1", "GET /hello/{name}", "GET", "/hello/ada?greeting=hi&times=3"),
    Workload("W2", "POST /pets (valid)", "POST", "/pets", VALID_PET),
    Workload("W3", "GET /db/pets (20 rows)", "GET", "/db/pets?limit=20&offset=", random_offset=True),
    Workload("W4", "POST /db/pets (insert)", "POST", "/db/pets", NEW_ROW),
    Workload("W5", "POST /pets (invalid, 400)", "POST", "/pets", INVALID_PET),
    # openapi_aio's x-resource (benchapp/crud.yaml, no handler code) over the same table, against
    # the hand-written asyncpg handlers of raw aiohttp (W3, W4)
    Workload(
        "W6",
        "GET /crud/pets (x-resource, 20 rows)",
        "GET",
        "/crud/pets?limit=20&offset=",
        random_offset=True,
        peers=("openapi_aio",),
        baseline="W3",
    ),
    Workload(
        "W7", "POST /crud/pets (x-resource)", "POST", "/crud/pets", NEW_ROW, peers=("openapi_aio",), baseline="W4"
    ),
]
CRUD_PEERS = ("openapi_aio",)

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


def call(port: int, method: str, path: str, body: dict | None = None) -> tuple[int, str, object]:
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


def _bad_status(peer: str) -> tuple[int, ...]:
    return (400, 422) if peer == "fastapi" else (400,)


def check_peer(peer: str, port: int) -> dict[str, str]:
    """What is wrong with the peer's answers, per workload (and ``extra`` for the negative checks)."""
    problems: dict[str, str] = {}

    def expect(key: str, ok: bool, got: object) -> None:
        if not ok and key not in problems:
            problems[key] = f"got {str(got)[:160]}"

    s, ct, b = call(port, "GET", "/hello/ada?greeting=hi&times=3")
    expect("W1", s == 200 and "json" in ct and b == {"message": "hi ada hi ada hi ada"}, (s, b))
    s, ct, b = call(port, "GET", "/hello/ada")
    expect("W1", s == 200 and b == {"message": "hello ada"}, ("defaults", s, b))
    s, ct, b = call(port, "POST", "/pets", VALID_PET)
    expect("W2", s == 201 and "json" in ct and b == {"id": PET_ID, **VALID_PET}, (s, b))
    s, ct, b = call(port, "GET", "/db/pets?limit=20&offset=100")
    expect(
        "W3",
        s == 200
        and isinstance(b, list)
        and len(b) == 20
        and all(isinstance(r, dict) and set(r) == ROW_KEYS for r in b)
        and b[0]["id"] == 101,
        (s, b),
    )
    s, ct, b = call(port, "POST", "/db/pets", NEW_ROW)
    expect(
        "W4", s == 201 and isinstance(b, dict) and isinstance(b.get("id"), int) and b.get("name") == "Bench Pet", (s, b)
    )
    s, ct, b = call(port, "POST", "/pets", INVALID_PET)
    expect("W5", s in _bad_status(peer) and "json" in ct, (s, ct, b))
    if peer in CRUD_PEERS:
        s, ct, b = call(port, "GET", "/crud/pets?limit=20&offset=100")
        expect(
            "W6",
            s == 200
            and "json" in ct
            and isinstance(b, list)
            and len(b) == 20
            and all(isinstance(r, dict) and set(r) == ROW_KEYS for r in b)
            and b[0]["id"] == 101,
            (s, b),
        )
        s, ct, b = call(port, "POST", "/crud/pets", NEW_ROW)
        expect(
            "W7",
            s == 201
            and "json" in ct
            and isinstance(b, dict)
            and isinstance(b.get("id"), int)
            and b == {**NEW_ROW, "id": b["id"]},
            (s, b),
        )

    # Validation must really happen: each of these is a client error for every peer.
    negatives: list[tuple[str, str, dict | None, dict | None]] = [
        ("GET", "/hello/ada?times=11", None, None),
        ("GET", "/hello/ada?times=x", None, None),
        ("GET", "/hello/ada?greeting=yo", None, None),
        ("POST", "/pets", VALID_PET, {"microchip": "12"}),
        ("POST", "/pets", VALID_PET, {"registered": "yesterday"}),
        ("POST", "/pets", VALID_PET, {"birthday": "2021-13-01"}),
        ("POST", "/pets", VALID_PET, {"owner": {"name": "Ada", "email": "not an address"}}),
        ("POST", "/pets", VALID_PET, {"tags": ["a", "b", "c", "d", "e", "f"]}),
        ("POST", "/pets", VALID_PET, {"extra": 1}),
        ("POST", "/db/pets", NEW_ROW, {"age": -1}),
        ("GET", "/db/pets?limit=1000", None, None),
    ]
    if peer in CRUD_PEERS:
        negatives += [
            ("POST", "/crud/pets", NEW_ROW, {"age": -1}),
            ("POST", "/crud/pets", NEW_ROW, {"species": "lion"}),
            ("POST", "/crud/pets", NEW_ROW, {"id": 5}),
            ("GET", "/crud/pets?limit=1000", None, None),
            ("GET", "/crud/pets?offset=-1", None, None),
        ]
    missed = []
    for method, path, base, change in negatives:
        s, _, b = call(port, method, path, None if base is None else {**base, **(change or {})})
        if s not in _bad_status(peer):
            missed.append(f"{method} {path}{'' if change is None else ' with ' + json.dumps(change)} -> {s}")
    if missed:
        problems["extra"] = "accepted invalid input: " + " | ".join(missed)
    return problems
