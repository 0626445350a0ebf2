"""Per-request framework overhead, in-process and without sockets: openapi_aio next to raw aiohttp.

    python dev/bench_micro.py                 # W1, W2, W5; best of 7 runs of 5,000 requests each
    python dev/bench_micro.py --profile W1    # cProfile of openapi_aio on one workload, top 25
    python dev/bench_micro.py --db            # W3, W4 and W6, W7, W8 (x-resource) on PostgreSQL: CPU time
    python dev/bench_micro.py --profile W6    # cProfile of the x-resource list
    python dev/bench_micro.py --profile W8    # ... of the same list with embed=owner

The database workloads (``--db``; the tables must exist: ``python -m benchapp.db``) run
the real queries on PostgreSQL (BENCH_DSN), 32 requests at a time, and count this process's CPU
time (``time.process_time``), not the wall clock: the database's own work and the wait for it are
left out, what remains is the framework, the driver and the handler. W6 and W7 are openapi_aio's
``x-resource`` (benchapp/crud.yaml, no handler code), compared with raw aiohttp's hand-written
W3 and W4; W8 is W6 with ``embed=owner`` (each row's owner inline), compared with W6 as well: the
cost of embed=.

Both applications serve the peer benchmark's routes (dev/benchapp: openapi.yaml + handlers.py for
openapi_aio, the hand-written serve_aiohttp for raw aiohttp). Each request is a fresh ``web.Request`` (parsed message
prebuilt, body fed into a new ``StreamReader``, mocked transport) handed to
``Application._handle``, the same entry the HTTP server calls after parsing: routing, middlewares,
parameter casting, validation, the handler and building the response object (JSON encoded), but
not writing it to a transport. Both sides pay the same harness cost, so the difference is what
openapi_aio adds per request. Run it with the dev virtualenv (openapi_aio installed).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import platform
import pstats
import sys
import time
from importlib import metadata
from pathlib import Path

from aiohttp import web
from aiohttp.http import HttpVersion11, RawRequestMessage
from aiohttp.streams import EMPTY_PAYLOAD, StreamReader
from aiohttp.test_utils import make_mocked_request
from multidict import CIMultiDict, CIMultiDictProxy
from yarl import URL

DEV = Path(__file__).resolve().parent
sys.path.insert(0, str(DEV))

from bench_workloads import INVALID_PET, NEW_ROW, VALID_PET  # noqa: E402
from benchapp import serve_aiohttp  # noqa: E402
from benchapp.common import CRUD_SPEC, SPEC  # noqa: E402

import openapi_aio  # noqa: E402

CASES = {
    "W1": ("GET", "/hello/ada?greeting=hi&times=3", None, 200),
    "W2": ("POST", "/pets", json.dumps(VALID_PET).encode(), 201),
    "W5": ("POST", "/pets", json.dumps(INVALID_PET).encode(), 400),
}
DB_CASES = {
    "W3": ("GET", "/db/pets?limit=20&offset=100", None, 200),
    "W4": ("POST", "/db/pets", json.dumps(NEW_ROW).encode(), 201),
    "W6": ("GET", "/crud/pets?limit=20&offset=100", None, 200),
    "W7": ("POST", "/crud/pets", json.dumps(NEW_ROW).encode(), 201),
    "W8": ("GET", "/crud/pets?embed=owner&limit=20&offset=100", None, 200),
}
# x-resource workload -> the hand-written one doing the same work (W8: W3 embeds no owners)
BASELINE = {"W6": "W3", "W7": "W4", "W8": "W3"}
VERSUS = {"W8": "W6"}  # also compared with openapi_aio's own run of: the cost of embed=
ALL_CASES = CASES | DB_CASES


def apps(db: bool = False) -> dict[str, web.Application]:
    oa = web.Application()
    openapi_aio.setup(oa, SPEC)
    if db:
        from benchapp.db import DSN

        openapi_aio.setup(oa, CRUD_SPEC, datastore=DSN, create_tables=False)
    raw = serve_aiohttp.make_app()
    for app in (oa, raw):
        app.freeze()
    return {"aiohttp": raw, "openapi_aio": oa}


class _Protocol:
    """What ``web.Request`` and ``StreamReader`` read from the connection (plain attributes, no mocks)."""

    ssl_context = None
    peername = ("127.0.0.1", 50000)
    sockname = ("127.0.0.1", 8080)
    _reading_paused = False

    def __init__(self, transport: object) -> None:
        self.transport = transport

    def pause_reading(self, **_: object) -> None:
        pass

    def resume_reading(self, **_: object) -> None:
        pass


class RequestFactory:
    """Builds fresh requests cheaply: the mocked protocol, writer and transport are made once.

    Per request only what the server's parser would produce is new: the parsed message and, for
    a body, a ``StreamReader`` fed with it.
    """

    def __init__(self) -> None:
        template = make_mocked_request("GET", "/")
        self.protocol = _Protocol(template.transport)
        self.writer = template._payload_writer
        self.task = template.task
        self.loop = asyncio.get_running_loop()
        self.messages = {}
        for case, (method, path, body, _) in ALL_CASES.items():
            headers = {"Host": "127.0.0.1"}
            if body is not None:
                headers |= {"Content-Type": "application/json", "Content-Length": str(len(body))}
            proxy = CIMultiDictProxy(CIMultiDict(headers))
            raw = tuple((k.encode(), v.encode()) for k, v in headers.items())
            self.messages[case] = (
                RawRequestMessage(method, path, HttpVersion11, proxy, raw, False, None, False, False, URL(path)),
                body,
            )

    def __call__(self, case: str) -> web.Request:
        message, body = self.messages[case]
        payload = EMPTY_PAYLOAD
        if body is not None:
            payload = StreamReader(self.protocol, 2**16, loop=self.loop)
            payload.feed_data(body)
            payload.feed_eof()
        return web.Request(message, payload, self.protocol, self.writer, self.task, self.loop)


async def handle(app: web.Application, request: web.Request) -> web.StreamResponse:
    try:
        return await app._handle(request)
    except web.HTTPException as exc:  # raw aiohttp raises its 400s; the server turns them into responses
        return exc


async def check(name: str, app: web.Application, make: RequestFactory, cases: dict = CASES) -> None:
    for case, (*_, status) in cases.items():
        if name != "openapi_aio" and case in BASELINE:
            continue
        response = await handle(app, make(case))
        if response.status != status:
            raise SystemExit(
                f"{name} {case}: expected {status}, got {response.status}: {getattr(response, 'text', '')}"
            )


async def per_request_us(app: web.Application, make: RequestFactory, case: str, number: int, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        for _ in range(number):
            await handle(app, make(case))
        best = min(best, time.perf_counter() - t0)
    return best / number * 1e6


async def harness_us(make: RequestFactory, case: str, number: int, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        for _ in range(number):
            make(case)
        best = min(best, time.perf_counter() - t0)
    return best / number * 1e6


async def cpu_per_request_us(app: web.Application, make: RequestFactory, case: str, number: int, repeat: int) -> float:
    """Best of ``repeat`` runs of ``number`` requests, 32 at a time: this process's CPU µs per request."""
    best = float("inf")
    batch = 32
    for _ in range(repeat):
        t0 = time.process_time()
        for _ in range(number // batch):
            await asyncio.gather(*(handle(app, make(case)) for _ in range(batch)))
        best = min(best, time.process_time() - t0)
    return best / (number // batch * batch) * 1e6


async def run_db(number: int, repeat: int) -> None:
    built = apps(db=True)
    for app in built.values():
        await app.startup()
    try:
        make = RequestFactory()
        for name, app in built.items():
            await check(name, app, make, DB_CASES)
        for name, app in built.items():  # warm up: pools filled, statements prepared on every connection
            for case in DB_CASES:
                if name == "openapi_aio" or case not in BASELINE:
                    await cpu_per_request_us(app, make, case, 640, 1)
        aiohttp_version = metadata.version("aiohttp")
        print(f"Python {platform.python_version()}, aiohttp {aiohttp_version}, openapi_aio {openapi_aio.__version__}")
        print(f"best of {repeat} x {number} requests (32 concurrent), CPU µs of this process per request\n")
        print("| workload | raw aiohttp µs | openapi_aio µs | openapi_aio overhead µs | ratio |")
        print("| --- | ---: | ---: | ---: | ---: |")
        measured: dict[str, float] = {}
        for case in DB_CASES:
            base = await harness_us(make, case, number, repeat)
            raw = await cpu_per_request_us(built["aiohttp"], make, BASELINE.get(case, case), number, repeat) - base
            oa = measured[case] = await cpu_per_request_us(built["openapi_aio"], make, case, number, repeat) - base
            label = f"{case} (vs {BASELINE[case]})" if case in BASELINE else case
            print(f"| {label} | {raw:.1f} | {oa:.1f} | {oa - raw:+.1f} | {oa / raw:.2f}x |")
        for case, other in VERSUS.items():
            this, that = measured[case], measured[other]
            print(f"\n{case} vs {other} (openapi_aio, CPU µs/req): {this:.1f} / {that:.1f} = {this / that:.2f}x")
    finally:
        for app in built.values():
            await app.cleanup()
        from benchapp import db

        if db._pool is not None:
            await db._pool.close()


async def run(number: int, repeat: int) -> None:
    built = apps()
    make = RequestFactory()
    for name, app in built.items():
        await check(name, app, make)
    aiohttp_version = metadata.version("aiohttp")
    print(f"Python {platform.python_version()}, aiohttp {aiohttp_version}, openapi_aio {openapi_aio.__version__}")
    print(f"best of {repeat} x {number} requests, µs per request (harness cost of building a request excluded)\n")
    print("| workload | raw aiohttp µs | openapi_aio µs | openapi_aio overhead µs | ratio |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for case in CASES:
        base = await harness_us(make, case, number, repeat)
        raw = await per_request_us(built["aiohttp"], make, case, number, repeat) - base
        oa = await per_request_us(built["openapi_aio"], make, case, number, repeat) - base
        print(f"| {case} | {raw:.1f} | {oa:.1f} | {oa - raw:+.1f} | {oa / raw:.2f}x |")


async def profile(case: str, number: int, peer: str = "openapi_aio") -> None:
    db = case in DB_CASES
    app = apps(db)[peer]
    if db:
        await app.startup()
    make = RequestFactory()
    await check(peer, app, make, DB_CASES if db else CASES)
    if db:
        await cpu_per_request_us(app, make, case, 640, 1)
    profiler = cProfile.Profile()
    profiler.enable()
    if db:
        await cpu_per_request_us(app, make, case, number, 1)
    else:
        for _ in range(number):
            await handle(app, make(case))
    profiler.disable()
    if db:
        await app.cleanup()
    stats = pstats.Stats(profiler)
    stats.sort_stats("tottime").print_stats(30)
    stats.sort_stats("cumulative").print_stats(40)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--number", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--profile", choices=sorted(ALL_CASES), help="cProfile openapi_aio on this workload instead")
    parser.add_argument("--peer", default="openapi_aio", choices=["openapi_aio", "aiohttp"], help="with --profile")
    parser.add_argument("--db", action="store_true", help="the database workloads (W3, W4, W6, W7, W8) instead")
    args = parser.parse_args()
    if args.profile:
        asyncio.run(profile(args.profile, args.number, args.peer))
    elif args.db:
        asyncio.run(run_db(args.number, args.repeat))
    else:
        asyncio.run(run(args.number, args.repeat))


if __name__ == "__main__":
    main()
