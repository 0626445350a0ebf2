"""Does W1 throughput scale with worker processes? `openapi-aio run --workers 2` against one worker.

    python3 dev/bench_workers.py [--rounds 3] [--duration 5] [--workers 2]

Serves dev/benchapp/openapi.yaml as README tells users, ``openapi-aio run benchapp/openapi.yaml``
(its defaults: uvloop, no access log), once with one worker and once with ``--workers N``
(forked processes sharing the port with SO_REUSEPORT), alternating within each round, and loads
W1 with wrk (one thread, 64 connections, as dev/bench). Reports req/s, the server's CPU time per
request (its whole process tree) and the median ratio of N workers to one.

Nothing is pinned: N workers need N cores, and pinning wrk to a core of its own would leave a
2-core machine one core for the servers. So wrk shares the cores with the workers (at 15,000+
req/s it takes a good part of one), and on a 2-core machine the ratio is a floor of what two
cores give two workers, not a measure of it: that needs the load generator on another host.
Standard library only (system Python); the virtualenv is dev/bench's (dev/bench_env.py).
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import shlex
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_env import CORES, DEV, PEERS, Peer, ensure, port_free, run_wrk, start, stop, versions, wait_for
from bench_workloads import WORKLOADS, check_peer, lua_script

OUT = DEV / ".bench-out"
RESULTS = DEV / "results"
PORT = 18555
W1 = next(w for w in WORKLOADS if w.name == "W1")
RUN = next(p for p in PEERS if p.id == "openapi-aio-run")


def with_workers(workers: int) -> Peer:
    """`openapi-aio run`, with ``--workers N`` when N > 1 (one worker is the default: no option)."""
    extra = ("--workers", str(workers)) if workers > 1 else ()
    return dataclasses.replace(RUN, argv=RUN.argv + extra)


def measure(workers: int, args: argparse.Namespace) -> dict:
    """One wrk run of W1 against ``workers`` processes (after a warm-up and an answer check)."""
    peer = with_workers(workers)
    if not port_free(PORT):
        raise SystemExit(f"port {PORT} is busy")
    proc = start(peer, PORT, OUT / f"workers-{workers}.log")
    try:
        if wait_for(f"http://127.0.0.1:{PORT}{peer.ready}", proc, 60) is None:
            raise SystemExit(f"{peer.shown()} did not start; see {OUT}/workers-{workers}.log")
        wrong = check_peer(PORT, [W1], peer.invalid_status).wrong
        if wrong:
            raise SystemExit(f"W1 answered wrongly with {workers} workers: {wrong}")
        script = OUT / "W1.lua"
        run_wrk(PORT, script, args.warmup, args.connections, None)
        return run_wrk(PORT, script, args.duration, args.connections, None, proc.pid)
    finally:
        stop(proc)


def rps(run: dict) -> float:
    return run["requests"] / run["seconds"]


def render(runs: dict[int, list[dict]], args: argparse.Namespace, info: dict) -> str:
    n = args.workers
    ratios = [rps(many) / rps(one) for one, many in zip(runs[1], runs[n], strict=True)]
    lines = [
        f"dev/bench_workers.py, {info['date']}. Command: `{info['command']}`",
        "",
        f"Machine: {info['machine']}. Nothing pinned. wrk: W1, 1 thread, {args.connections} connections, "
        f"{args.warmup} s warm-up then {args.duration} s; {args.rounds} rounds, 1 and {n} workers alternating.",
        "",
        "| server | req/s (median) | server CPU µs/req | processes | per round |",
        "| --- | ---: | ---: | ---: | --- |",
    ]
    for workers, measured in runs.items():
        cpu = statistics.median(x["cpu_us"] for x in measured)
        rounds = ", ".join(f"{rps(x):,.0f}" for x in measured)
        lines.append(
            f"| `{with_workers(workers).shown()}` | {statistics.median(map(rps, measured)):,.0f} | {cpu:.0f} | "
            f"{measured[0]['processes']} | {rounds} |"
        )
    lines += [
        "",
        f"{n} workers / 1 worker: **{statistics.median(ratios):.2f}x** (median of the per-round ratios: "
        + ", ".join(f"{r:.2f}x" for r in ratios)
        + ").",
        "",
        "Versions: " + ", ".join(f"{k} {v}" for k, v in info["versions"].items()) + ".",
    ]
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--workers", type=int, default=2, help="compared with one worker")
    args = parser.parse_args()
    failure = ensure(RUN, print)
    if failure:
        print(f"installing openapi_aio failed: {failure}", file=sys.stderr)
        return 2
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "W1.lua").write_text(lua_script(W1))
    now = dt.datetime.now(dt.UTC)
    info = {
        "date": now.strftime("%Y-%m-%d %H:%M UTC"),
        "command": shlex.join(["python3", "dev/bench_workers.py", *sys.argv[1:]]),
        "machine": f"{CORES} cores, Python {sys.version.split()[0]}",
        "versions": versions(RUN),
    }
    runs: dict[int, list[dict]] = {1: [], args.workers: []}
    for rnd in range(args.rounds):
        order = (1, args.workers) if rnd % 2 == 0 else (args.workers, 1)  # neither always goes first
        for workers in order:
            r = measure(workers, args)
            runs[workers].append(r)
            print(f"[round {rnd + 1}] {workers} worker(s): {rps(r):,.0f} req/s, {r['cpu_us']:.0f} µs/req", flush=True)
    text = render(runs, args, info)
    RESULTS.mkdir(exist_ok=True)
    stem = RESULTS / f"workers-{now.strftime('%Y%m%dT%H%M%SZ')}"
    stem.with_suffix(".md").write_text(text)
    stem.with_suffix(".json").write_text(json.dumps({"runs": runs, "info": info, "args": vars(args)}, indent=1))
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
