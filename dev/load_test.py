"""Hold a steady request rate against the example app on two workers; report throughput and latency.

    python dev/load_test.py [--rate 400] [--duration 60] [--workers 2] [--datastore URL]

Starts ``python example_app/main.py serve --workers N`` on a free loopback port (its own SQLite
file in a temporary folder unless ``--datastore``), seeds a project with tasks, then sends requests
open-loop: request i is due at ``start + i / rate`` whatever happened to the earlier ones, and its
latency is measured from that due time, so a server that falls behind shows it in the percentiles
instead of slowing the generator down (no coordinated omission; wrk2's approach, done here with
aiohttp since wrk2 is rarely installed).

The mix: 50% ``GET /projects/{id}`` (one row), 30% ``GET /tasks?limit=20`` (a page, with cursor),
10% ``GET /projects/{id}/tasks?done=false``, 10% ``POST /projects/{id}/tasks`` (a write, with
bearer auth). Prints throughput, status counts and p50/p90/p99/p99.9/max; exits 1 when the rate
was not held (fewer than 99% of the due requests completed in time) or a 5xx was seen.
On a 2-core machine the generator shares the cores with the workers: figures are a floor.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import os
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parents[1]
AUTH = {"Authorization": "Bearer demo-token"}


@dataclass
class Result:
    total: int = 0
    sent_in: float = 0.0
    elapsed: float = 0.0
    late: int = 0
    statuses: collections.Counter[str] = field(default_factory=collections.Counter)
    latencies: list[float] = field(default_factory=list)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(port: int, workers: int, datastore: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "DATASTORE": datastore, "SECRET_KEY": "load-test"}
    command = [sys.executable, str(ROOT / "example_app" / "main.py"), "serve"]
    command += ["--host", "127.0.0.1", "--port", str(port), "--workers", str(workers), "--no-access-log"]
    return subprocess.Popen(command, env=env)


async def wait_up(base: str, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    async with aiohttp.ClientSession() as session:
        while True:
            if server.poll() is not None:
                raise SystemExit(f"the server exited with {server.returncode}")
            try:
                async with session.get(f"{base}/health") as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            if time.monotonic() > deadline:
                raise SystemExit("the server did not start within 30 s")
            await asyncio.sleep(0.2)


async def seed(session: aiohttp.ClientSession, base: str) -> int:
    name = f"load-{os.getpid()}-{time.time_ns()}"
    async with session.post(f"{base}/projects", json={"name": name}, headers=AUTH) as response:
        assert response.status == 201, await response.text()
        project = (await response.json())["id"]
    for i in range(50):
        body = {"title": f"task {i}", "tags": ["load"], "done": i % 3 == 0}
        async with session.post(f"{base}/projects/{project}/tasks", json=body, headers=AUTH) as response:
            assert response.status == 201, await response.text()
    return int(project)


def request_for(i: int, base: str, project: int) -> tuple[str, str, dict[str, str], object]:
    slot = i % 10
    if slot < 5:
        return "GET", f"{base}/projects/{project}", {}, None
    if slot < 8:
        return "GET", f"{base}/tasks?limit=20", {}, None
    if slot < 9:
        return "GET", f"{base}/projects/{project}/tasks?done=false", {}, None
    return "POST", f"{base}/projects/{project}/tasks", AUTH, {"title": f"load {i}", "priority": "high"}


async def load(base: str, rate: float, duration: float, connections: int) -> Result:
    connector = aiohttp.TCPConnector(limit=connections)
    timeout = aiohttp.ClientTimeout(total=30)
    result = Result()
    latencies, statuses = result.latencies, result.statuses
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        project = await seed(session, base)
        for _ in range(int(rate)):  # warm-up: one second at the rate, not counted
            async with session.get(f"{base}/projects/{project}") as response:
                await response.read()

        async def one(i: int, due: float) -> None:
            method, url, headers, body = request_for(i, base, project)
            try:
                async with session.request(method, url, headers=headers, json=body) as response:
                    await response.read()
                    statuses[str(response.status)] += 1
            except (aiohttp.ClientError, TimeoutError) as error:
                statuses[type(error).__name__] += 1
                return
            latencies.append(time.perf_counter() - due)

        total = int(rate * duration)
        tasks: set[asyncio.Task[None]] = set()
        start = time.perf_counter()
        for i in range(total):
            due = start + i / rate
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            elif delay < -0.05:
                result.late += 1  # the generator itself fell behind by more than 50 ms
            task = asyncio.create_task(one(i, due))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
        result.sent_in = time.perf_counter() - start
        await asyncio.gather(*tasks)
        result.elapsed = time.perf_counter() - start
    result.total = total
    latencies.sort()
    return result


def percentile(values: list[float], fraction: float) -> float:
    if not values:
        return float("nan")
    return values[min(len(values) - 1, int(fraction * len(values)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rate", type=float, default=400, help="requests per second to hold")
    parser.add_argument("--duration", type=float, default=60, help="seconds")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--connections", type=int, default=256, help="client connection limit")
    parser.add_argument("--datastore", default=None, help="default: a fresh SQLite file")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        datastore = args.datastore or f"sqlite:///{folder}/load.sqlite"
        port = free_port()
        base = f"http://127.0.0.1:{port}/api/v1"
        server = start_server(port, args.workers, datastore)
        try:
            asyncio.run(wait_up(base, server))
            result = asyncio.run(load(base, args.rate, args.duration, args.connections))
        finally:
            server.terminate()
            server.wait(timeout=60)
    latencies, statuses, total, elapsed = result.latencies, result.statuses, result.total, result.elapsed
    completed = len(latencies)
    ms = {
        name: percentile(latencies, q) * 1000
        for name, q in (("p50", 0.5), ("p90", 0.9), ("p99", 0.99), ("p99.9", 0.999))
    }
    target = f"target {args.rate:g} req/s for {args.duration:g} s"
    print(f"workers {args.workers}, datastore {datastore.split(':')[0]}, {target}")
    print(f"sent {total} requests in {result.sent_in:.1f} s (generator late by >50 ms: {result.late})")
    print(f"completed {completed} in {elapsed:.1f} s: {completed / elapsed:,.0f} req/s")
    print(f"statuses {dict(sorted(statuses.items()))}")
    print(
        "latency from due time: "
        + ", ".join(f"{name} {value:.1f} ms" for name, value in ms.items())
        + f", max {(latencies[-1] * 1000 if latencies else float('nan')):.1f} ms"
    )
    server_errors = sum(count for status, count in statuses.items() if status.startswith("5") or not status.isdigit())
    held = completed >= 0.99 * total and result.late < 0.01 * total
    print(f"rate held: {'yes' if held else 'NO'}; 5xx or failed: {server_errors}")
    if not held or server_errors:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
