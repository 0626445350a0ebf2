"""Websocket fan-out: one channel, 1,000 subscribers, messages published at a fixed rate.

    python dev/bench_ws.py                                # memory (1 process), redis (2 processes)
    python dev/bench_ws.py --setups memory,redis,postgresql --rates 50,200 --seconds 5
    python dev/bench_ws.py --clients 1000 --client-processes 2

For each setup and rate: start the server process(es) (``openapi_aio.setup`` of a one-channel
document, ``web.run_app``, access log off), open ``--clients`` websockets from
``--client-processes`` processes (plain aiohttp, spread round-robin over the servers), subscribe
each to channel ``bench``, then publish ``rate x seconds`` messages from this process over
websockets (one publisher per server, messages alternating between them), each carrying its send
time. Every client process counts what arrives and the delivery latency (receive time minus the
message's timestamp, same machine clock). Reported: deliveries/s (messages delivered to all
clients over the time from the first publish to the last delivery), latency p50/p99/max and what
was not delivered (clients closed as slow consumers, 4008, count there).

Setups: ``memory`` (one process, the in-process broker), ``redis`` and ``postgresql`` (two
processes sharing the broker: REDIS_URL, DATASTORE or postgresql://postgres@127.0.0.1:5432/test).
The client processes share the machine with the servers: on a small machine they take a good part
of the CPU, so read the numbers as a floor.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import resource
import socket
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import aiohttp

CHANNEL = "bench"
WINDOW = 32  # publish calls in flight per publisher
OUT = Path(__file__).resolve().parent / ".bench-out" / "ws"  # the servers' logs
SERVER = """
import sys
from aiohttp import web
import openapi_aio
spec = {
    "openapi": "3.0.3",
    "info": {"title": "websocket fan-out", "version": "1"},
    "paths": {"/live": {"get": {
        "x-websocket": {"channels": {"bench": {"publish": True}}, "queue": %(queue)d},
        "responses": {"101": {"description": "websocket"}},
    }}},
}
app = web.Application()
openapi_aio.setup(app, spec, broker=sys.argv[2])
web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), access_log=None, print=None, backlog=1024)
"""


def raise_open_files(needed: int) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < needed:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(needed, hard), hard))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# --- a client process: many subscribers ------------------------------------------------------------


async def subscribers(urls: list[str], count: int, expect: int, wait: float) -> dict[str, Any]:
    """``count`` websockets subscribed to the channel; once all are, print ``ready`` and count
    messages until each has ``expect`` or ``wait`` seconds have passed."""
    raise_open_files(count + 100)
    latencies: Counter[float] = Counter()
    received = [0] * count
    last = [0.0]  # the time of the last message
    opening = asyncio.Semaphore(50)
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session:

        async def open_one(index: int) -> aiohttp.ClientWebSocketResponse:
            async with opening:
                ws = await session.ws_connect(urls[index % len(urls)], max_msg_size=0)
                await ws.send_str(json.dumps({"id": 1, "method": "subscribe", "payload": {"channel": CHANNEL}}))
                answer = json.loads((await ws.receive()).data)
                assert "response" in answer, answer
                return ws

        sockets = await asyncio.gather(*(open_one(index) for index in range(count)))
        print("ready", flush=True)

        async def read(index: int, ws: aiohttp.ClientWebSocketResponse) -> None:
            async for message in ws:
                now = time.time()
                if message.type != aiohttp.WSMsgType.TEXT:
                    continue
                data = json.loads(message.data)["data"]
                latencies[round((now - data["t"]) * 1000, 1)] += 1  # 0.1 ms buckets
                received[index] += 1
                last[0] = now
                if received[index] == expect:
                    return

        readers = [asyncio.create_task(read(index, ws)) for index, ws in enumerate(sockets)]
        await asyncio.wait(readers, timeout=wait)
        closed = sum(1 for ws in sockets if ws.closed and ws.close_code not in (None, 1000))
        for reader in readers:
            reader.cancel()
        await asyncio.gather(*(ws.close() for ws in sockets), return_exceptions=True)
    return {
        "received": sum(received),
        "closed": closed,
        "last": last[0],
        "latencies": {str(ms): n for ms, n in latencies.items()},
    }


# --- the run -----------------------------------------------------------------------------------------


async def start_server(broker: str, queue: int, log: Path) -> tuple[asyncio.subprocess.Process, str]:
    port = free_port()
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as output:  # slow consumers are logged there, one line each
        process = await asyncio.create_subprocess_exec(
            *(sys.executable, "-c", SERVER % {"queue": queue}, str(port), broker), stdout=output, stderr=output
        )
    deadline = time.monotonic() + 30
    while True:
        try:
            _reader, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            if process.returncode is not None or time.monotonic() > deadline:
                raise SystemExit(f"the server on {broker} did not start") from None
            await asyncio.sleep(0.05)
            continue
        writer.close()
        await writer.wait_closed()
        return process, f"ws://127.0.0.1:{port}/live"


async def publish(urls: list[str], rate: float, count: int) -> tuple[float, float]:
    """``count`` messages at ``rate`` per second, alternating over one publisher per server; the
    times of the first and the last. At most ``WINDOW`` calls per publisher wait for their answer
    (answers queue up like any message, so a publisher racing ahead of a busy server would be
    closed as a slow consumer): a saturated server slows the publishing down."""
    async with aiohttp.ClientSession() as session:
        publishers = [await session.ws_connect(url) for url in urls]
        windows = [asyncio.Semaphore(WINDOW) for _ in publishers]
        errors: Counter[str] = Counter()

        async def drain(ws: aiohttp.ClientWebSocketResponse, window: asyncio.Semaphore) -> None:
            async for message in ws:
                answer = json.loads(message.data)
                window.release()
                if "error" in answer:
                    errors[f"{answer['error'].get('status')} {answer['error'].get('detail')}"] += 1

        drains = [asyncio.create_task(drain(ws, window)) for ws, window in zip(publishers, windows, strict=True)]
        loop = asyncio.get_running_loop()
        start = loop.time() + 0.1
        first = time.time() + 0.1
        for index in range(count):
            delay = start + index / rate - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            await windows[index % len(publishers)].acquire()
            frame = {"channel": CHANNEL, "event": "tick", "data": {"t": time.time(), "i": index}}
            await publishers[index % len(publishers)].send_str(
                json.dumps({"id": index, "method": "publish", "payload": frame})
            )
        last = time.time()
        for window in windows:  # every answer back
            for _ in range(WINDOW):
                await asyncio.wait_for(window.acquire(), 60)
        for ws in publishers:
            await ws.close()
        await asyncio.gather(*drains, return_exceptions=True)
    for error, times in errors.items():
        print(f"  {times} publish calls answered {error}", file=sys.stderr)
    return first, last


def percentile(histogram: Counter[float], fraction: float) -> float:
    total = sum(histogram.values())
    seen = 0
    for value in sorted(histogram):
        seen += histogram[value]
        if seen >= fraction * total:
            return value
    return float("nan")


async def run(setup: str, broker: str, servers: int, rate: float, args: argparse.Namespace) -> dict[str, Any]:
    logs = [OUT / f"{setup.split(',')[0]}-{rate:g}-server{index + 1}.log" for index in range(servers)]
    started = [await start_server(broker, args.queue, log) for log in logs]
    urls = [url for _process, url in started]
    count = int(rate * args.seconds)
    wait = args.seconds + 30
    clients = []
    try:
        shares = [args.clients // args.client_processes] * args.client_processes
        shares[0] += args.clients - sum(shares)
        for share in shares:
            clients.append(
                await asyncio.create_subprocess_exec(
                    *(sys.executable, __file__, "--subscribers", str(share), "--expect", str(count)),
                    *("--wait", str(wait), "--urls", ",".join(urls)),
                    stdout=asyncio.subprocess.PIPE,
                )
            )
        for client in clients:
            assert client.stdout is not None
            line = await asyncio.wait_for(client.stdout.readline(), 120)
            if line.strip() != b"ready":
                raise SystemExit(f"a client process failed: {line!r}")
        first, last_sent = await publish(urls, rate, count)
        results = []
        for client in clients:
            output, _ = await client.communicate()
            results.append(json.loads(output))
    finally:
        for process, _url in started:
            process.terminate()
        for process, _url in started:
            await process.wait()
    histogram: Counter[float] = Counter()
    for result in results:
        histogram.update({float(ms): n for ms, n in result["latencies"].items()})
    delivered = sum(result["received"] for result in results)
    last = max(result["last"] for result in results)
    return {
        "setup": setup,
        "rate": rate,
        "published": count / (last_sent - first) if last_sent > first else 0.0,
        "messages": count,
        "expected": count * args.clients,
        "delivered": delivered,
        "per_second": delivered / (last - first) if last > first else 0.0,
        "p50": percentile(histogram, 0.50),
        "p99": percentile(histogram, 0.99),
        "max": max(histogram, default=float("nan")),
        "closed": sum(result["closed"] for result in results),
    }


SETUPS = {
    "memory": ("memory, 1 process", lambda: "memory", 1),
    "redis": ("redis, 2 processes", lambda: os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379", 2),
    "postgresql": (
        "postgresql, 2 processes",
        lambda: os.environ.get("DATASTORE") or "postgresql://postgres@127.0.0.1:5432/test",
        2,
    ),
}


def table(rows: list[dict[str, Any]], clients: int) -> str:
    lines = [
        f"| setup | msg/s asked | msg/s published | messages | delivered to {clients:,} clients | deliveries/s "
        "| p50 ms | p99 ms | max ms | disconnected |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for row in rows:
        share = row["delivered"] / row["expected"] if row["expected"] else 0
        lines.append(
            f"| {row['setup']} | {row['rate']:,.0f} | {row['published']:,.0f} | {row['messages']:,} "
            f"| {row['delivered']:,} ({share:.1%}) | {row['per_second']:,.0f} "
            f"| {row['p50']:.1f} | {row['p99']:.1f} | {row['max']:.1f} | {row['closed']} |"
        )
    return "\n".join(lines)


async def main(args: argparse.Namespace) -> None:
    raise_open_files(args.clients + 1000)
    rows = []
    for name in args.setups.split(","):
        setup, broker, servers = SETUPS[name]
        for rate in (float(rate) for rate in args.rates.split(",")):
            print(f"{setup}: {rate:g} messages/s for {args.seconds:g} s ...", file=sys.stderr, flush=True)
            rows.append(await run(setup, broker(), servers, rate, args))
    print(table(rows, args.clients))
    print(
        f"\n{args.clients:,} clients in {args.client_processes} client processes; queue {args.queue} per client; "
        f"Python {platform.python_version()}, aiohttp {aiohttp.__version__}, {os.cpu_count()} cores"
    )


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--setups", default="memory,redis", help="memory, redis, postgresql (comma-separated)")
    parser.add_argument("--rates", default="20,100", help="messages published per second (comma-separated)")
    parser.add_argument("--seconds", type=float, default=5, help="publishing time per run")
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--client-processes", type=int, default=2)
    parser.add_argument("--queue", type=int, default=256, help="x-websocket queue: messages buffered per client")
    # a client process (started by the run)
    parser.add_argument("--subscribers", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--expect", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--wait", type=float, help=argparse.SUPPRESS)
    parser.add_argument("--urls", help=argparse.SUPPRESS)
    return parser.parse_args()


if __name__ == "__main__":
    arguments_ = arguments()
    if arguments_.subscribers:
        result = asyncio.run(
            subscribers(arguments_.urls.split(","), arguments_.subscribers, arguments_.expect, arguments_.wait)
        )
        print(json.dumps(result))
    else:
        asyncio.run(main(arguments_))
