"""Does W1 throughput scale with worker processes? (issue target: 2 workers >= 1.6x one)

    python dev/bench_workers.py [--rounds 5] [--duration 5]

Starts N openapi_aio processes of dev/benchapp sharing one port (SO_REUSEPORT), loads
GET /hello with wrk on loopback, alternating 1 and 2 workers each round, and prints the median
ratio. On a 2-core machine wrk shares the cores with the servers, so this is a floor; run it on a
quiet machine (other jobs skew it badly).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
PORT = 18555
URL = f"http://127.0.0.1:{PORT}/hello/ada?greeting=hi&times=2"
SERVER = f"""
import sys
sys.path.insert(0, {str(HERE)!r})
from aiohttp import web
import openapi_aio
from benchapp.common import SPEC
app = web.Application()
openapi_aio.setup(app, SPEC)
web.run_app(app, host="127.0.0.1", port={PORT}, access_log=None, print=None, reuse_port=True)
"""


def measure(workers: int, duration: int) -> float:
    servers = [subprocess.Popen([sys.executable, "-c", SERVER]) for _ in range(workers)]
    try:
        time.sleep(3)
        subprocess.run(["wrk", "-t2", "-c64", "-d1s", URL], capture_output=True, check=True)  # warm-up
        out = subprocess.run(["wrk", "-t2", "-c64", f"-d{duration}s", URL], capture_output=True, text=True, check=True)
        return float(next(line.split()[1] for line in out.stdout.splitlines() if line.startswith("Requests/sec")))
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            server.wait()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--duration", type=int, default=5)
    args = parser.parse_args()
    ratios = []
    for round_ in range(args.rounds):
        one, two = measure(1, args.duration), measure(2, args.duration)
        ratios.append(two / one)
        print(f"round {round_ + 1}: 1 worker {one:,.0f} req/s, 2 workers {two:,.0f} req/s, {two / one:.2f}x")
    print(f"median scaling with 2 workers: {statistics.median(ratios):.2f}x (target >= 1.6x)")


if __name__ == "__main__":
    main()
