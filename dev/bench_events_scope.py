"""Cost of filtering row events per subscriber (issue 19, item 4): N subscribers of a resource's
events channel, grouped into identities, and R row events per second through the real hub and
RowEvents on SQLite. Prints CPU seconds per wall second and delivery latency per event.

    .venv/bin/python dev/bench_events_scope.py [subscribers] [identities] [rate] [seconds]
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from pathlib import Path

from aiohttp import web
from aiohttp.test_utils import TestServer, make_mocked_request

import openapi_aio
from openapi_aio.db.events import row_channel
from openapi_aio.keys import HUB, TOKEN_INFO, USER
from openapi_aio.ws.hub import identity

SPEC = Path(__file__).resolve().parent.parent / "tests" / "specs" / "ws" / "scoped.yaml"
sys.path.insert(0, str(SPEC.parent.parent.parent))


class Sink:
    """A subscriber that counts what it is pushed (no socket: the hub's cost alone)."""

    def __init__(self, app: web.Application, user: str) -> None:
        self.request = make_mocked_request("GET", "/live", app=app)
        self.request[USER], self.request[TOKEN_INFO] = user, {"sub": user}
        self.identity = identity(user, {"sub": user})
        self.pushed = 0

    def push(self, text: str) -> None:
        self.pushed += 1


async def run(subscribers: int, identities: int, rate: int, seconds: float, channel: str, plain: bool = False) -> None:
    app = web.Application()
    with tempfile.TemporaryDirectory() as folder:
        openapi_aio.setup(app, SPEC, datastore=f"sqlite:///{folder}/b.db", broker="memory")
        server = TestServer(app)
        await server.start_server()
        hub = app[HUB]
        sinks = [Sink(app, f"user{n % identities}") for n in range(subscribers)]
        for sink in sinks:
            hub.subscribe(sink, channel)
        row = {"id": 1, "owner": "user0", "title": "t", "reader": "user0"}
        latencies = []
        cpu, wall = time.process_time(), time.perf_counter()
        for n in range(int(rate * seconds)):
            start = time.perf_counter()
            if plain:  # the unfiltered path, for comparison: one message for everyone
                await hub.deliver(channel, "created", {**row, "id": n})
            else:
                await hub.deliver(row_channel(channel), "created", {**row, "id": n})
            latencies.append(time.perf_counter() - start)
            await asyncio.sleep(max(0.0, (n + 1) / rate - (time.perf_counter() - wall)))
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        latencies.sort()
        pushed = sum(sink.pushed for sink in sinks)
        print(
            f"{'plain' if plain else channel:6} {subscribers} subscribers / {identities} identities,"
            f" {rate} events/s asked,"
            f" {len(latencies) / wall:.0f} delivered:"
            f" CPU {cpu / wall:.2f} s/s, latency p50 {latencies[len(latencies) // 2] * 1e3:.2f} ms"
            f" p99 {latencies[int(len(latencies) * 0.99)] * 1e3:.2f} ms, pushed {pushed}"
        )
        await server.close()


def main() -> None:
    subscribers, identities, rate, seconds = (int(arg) for arg in [*sys.argv[1:], "1000", "10", "100", "5"][:4])
    asyncio.run(run(subscribers, identities, rate, seconds, "notes", plain=True))
    for channel in ("notes", "shared"):  # a scope evaluated in Python; one the database evaluates
        asyncio.run(run(subscribers, identities, rate, seconds, channel))


if __name__ == "__main__":
    main()
