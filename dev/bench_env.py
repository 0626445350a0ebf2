"""The peers of dev/bench: how each is installed, how its users start it, and what its server costs.

Every peer is started the way its own documentation tells users to (its command line, its
defaults: event loop, HTTP parser, access log), in its own virtualenv under dev/.bench-venvs
(git-ignored), filled from PyPI with pip (openapi_aio from this checkout, editable). A
virtualenv is reused while its requirement list is unchanged (a stamp file records it).

Standard library only: dev/bench and dev/bench_workers.py run it with the system Python.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

DEV = Path(__file__).resolve().parent
REPO = DEV.parent
CACHE = DEV / ".bench-venvs"
DSN = os.environ.get("BENCH_DSN", "postgresql://postgres@127.0.0.1:5432/test")
CORES = os.cpu_count() or 1
TASKSET = shutil.which("taskset")
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")

# `benchapp` (the shared handlers and db.py) is this repository's code, not an installed package:
# a peer started from a main.py beside it finds it through PYTHONPATH, as a project's own package.
ON_PATH = ("PYTHONPATH", str(DEV))


@dataclass(frozen=True)
class Peer:
    """One server of the benchmark and the command line its users start it with.

    ``argv[0]`` is a program of the peer's virtualenv (``python``, ``uvicorn``, ``openapi-aio``);
    ``{port}`` in ``argv`` is replaced by the port. ``cwd`` is relative to dev/.
    """

    id: str  # --peers
    label: str  # the tables
    venv_name: str  # peers with the same requirements share one virtualenv
    requirements: tuple[str, ...]
    argv: tuple[str, ...]
    cwd: str = "."
    env: tuple[tuple[str, str], ...] = ()
    packages: tuple[str, ...] = ()  # whose installed versions the report gives
    ready: str = "/hello/x"  # answers 200 once the server is up
    invalid_status: tuple[int, ...] = (400,)  # what it answers to invalid input
    workloads: tuple[str, ...] = ("W1", "W2", "W3", "W4", "W5")  # those it serves
    optional: bool = False  # a failed install is reported and the peer skipped

    @property
    def venv(self) -> Path:
        return CACHE / self.venv_name

    @property
    def python(self) -> Path:
        return self.venv / "bin" / "python"

    def command(self, port: int) -> list[str]:
        program, *rest = self.argv
        return [str(self.venv / "bin" / program), *(a.replace("{port}", str(port)) for a in rest)]

    def environ(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
        env.update(self.env)
        return env

    def shown(self) -> str:
        """The command line as the report shows it (the folder, the variables we set, then argv)."""
        where = f"cd dev/{self.cwd} && " if self.cwd != "." else "cd dev && "
        env = "".join(f"{k}={v.replace(str(DEV), 'dev')} " for k, v in self.env)
        return where + env + " ".join(self.argv).replace("{port}", "P")


OPENAPI_AIO = ("-e", str(REPO))
OPENAPI_AIO_PACKAGES = ("openapi-aio", "aiohttp", "uvloop", "asyncpg", "sqlalchemy", "jsonschema-rs")
UVICORN_PACKAGES = ("starlette", "uvicorn", "uvloop", "httptools", "asyncpg")

PEERS = [
    # The baseline: hand-written routes and checks, on uvloop (as aiohttp users who care about
    # speed run it), no access log (aiohttp logs none unless logging is configured).
    Peer(
        "aiohttp",
        "raw aiohttp",
        "aiohttp",
        ("aiohttp", "asyncpg", "uvloop"),
        ("python", "-m", "benchapp.serve_aiohttp", "--uvloop", "--port", "{port}"),
        packages=("aiohttp", "uvloop", "asyncpg"),
    ),
    # README: `openapi-aio run openapi.yaml`, its defaults (uvloop, no access log).
    Peer(
        "openapi-aio-run",
        "openapi_aio (openapi-aio run)",
        "openapi_aio",
        OPENAPI_AIO,
        ("openapi-aio", "run", "benchapp/openapi.yaml", "--port", "{port}"),
        packages=OPENAPI_AIO_PACKAGES,
    ),
    # README / docs/cli.md: a main.py with openapi_aio.App, `python main.py serve`.
    Peer(
        "openapi-aio-main",
        "openapi_aio (main.py serve)",
        "openapi_aio",
        OPENAPI_AIO,
        ("python", "main.py", "serve", "--port", "{port}"),
        cwd="benchapp",
        env=(ON_PATH,),
        packages=OPENAPI_AIO_PACKAGES,
    ),
    # W6/W7/W8: crud.yaml's x-resource, no handler code; the database named by DATASTORE, as
    # docs/resources.md tells users (`openapi-aio run` has no option for it).
    Peer(
        "openapi-aio-crud",
        "openapi_aio x-resource (openapi-aio run)",
        "openapi_aio",
        OPENAPI_AIO,
        ("openapi-aio", "run", "benchapp/crud.yaml", "--port", "{port}"),
        env=(("DATASTORE", DSN),),
        packages=OPENAPI_AIO_PACKAGES,
        ready="/crud/pets?limit=1",
        workloads=("W6", "W7", "W8"),
    ),
    # FastAPI's docs: `pip install "fastapi[standard]"`, then uvicorn with its defaults (it picks
    # uvloop and httptools itself, and logs every request).
    Peer(
        "fastapi",
        "FastAPI (uvicorn)",
        "fastapi",
        ("fastapi[standard]", "asyncpg"),
        ("uvicorn", "benchapp.serve_fastapi:app", "--port", "{port}"),
        packages=("fastapi", "pydantic", *UVICORN_PACKAGES),
        invalid_status=(400, 422),
    ),
    # Connexion 3's docs: `pip install connexion[uvicorn]` (uvicorn[standard]), `uvicorn run:app`.
    Peer(
        "connexion",
        "Connexion 3 (uvicorn)",
        "connexion",
        ("connexion[uvicorn]>=3", "asyncpg"),
        ("uvicorn", "benchapp.serve_connexion:app", "--port", "{port}"),
        packages=("connexion", "jsonschema", *UVICORN_PACKAGES),
    ),
    # aio-openapi's tutorial: a main.py whose rest(...) client gives `python main.py serve`; the
    # database from DATASTORE (its docs/env.rst). Code-first: ApiPath views, dataclass schemas.
    Peer(
        "aio-openapi",
        "aio-openapi (main.py serve)",
        "aio_openapi",
        ("aio-openapi",),
        ("python", "main.py", "serve", "--port", "{port}"),
        cwd="benchapp/aio_openapi",
        env=(ON_PATH, ("DATASTORE", DSN.replace("postgresql://", "postgresql+asyncpg://", 1))),
        packages=("aio-openapi", "aiohttp", "sqlalchemy", "asyncpg"),
        invalid_status=(400, 422),
        optional=True,
    ),
]


def ensure(peer: Peer, log=print) -> str | None:
    """Create/refresh the peer's venv; returns None when ready, else the reason it failed."""
    stamp = peer.venv / "bench-stamp.json"
    wanted = json.dumps(list(peer.requirements))
    if stamp.exists() and stamp.read_text() == wanted and peer.python.exists():
        return None
    CACHE.mkdir(parents=True, exist_ok=True)
    log(f"[env] creating {peer.venv}: pip install {' '.join(peer.requirements)}")
    subprocess.run([sys.executable, "-m", "venv", "--clear", str(peer.venv)], check=True)
    result = subprocess.run(
        [str(peer.python), "-m", "pip", "install", "-q", *peer.requirements], capture_output=True, text=True
    )
    if result.returncode != 0:
        out = (result.stderr or result.stdout).strip()
        return out.splitlines()[-1] if out else f"pip exited with {result.returncode}"
    stamp.write_text(wanted)
    return None


def versions(peer: Peer) -> dict[str, str]:
    """The installed versions of the peer's ``packages`` (those missing are left out)."""
    code = (
        "import json, sys, importlib.metadata as m\n"
        "out = {}\n"
        "for n in sys.argv[1:]:\n"
        "    try: out[n] = m.version(n)\n"
        "    except m.PackageNotFoundError: pass\n"
        "print(json.dumps(out))"
    )
    try:
        run = subprocess.run(
            [str(peer.python), "-c", code, *peer.packages], capture_output=True, text=True, check=True, cwd="/tmp"
        )
        return json.loads(run.stdout)
    except (subprocess.CalledProcessError, OSError, ValueError):
        return {}


# --- running a peer ---------------------------------------------------------------------------


def pinned(cpu: str | None, cmd: list[str]) -> list[str]:
    """``cmd`` bound to one CPU (taskset execs it: the process keeps the same pid)."""
    return [TASKSET, "-c", cpu, *cmd] if cpu is not None and TASKSET and CORES > 1 else cmd


def start(peer: Peer, port: int, log_file: Path, cpu: str | None = None) -> subprocess.Popen:
    """Start the peer's server; its output (an access log, where the peer writes one) goes to
    ``log_file``, as it would go to a container's log."""
    out = open(log_file, "w")  # noqa: SIM115 - closed with the process (stop)
    return subprocess.Popen(
        pinned(cpu, peer.command(port)),
        cwd=DEV / peer.cwd,
        env=peer.environ(),
        stdout=out,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # a Ctrl-C of dev/bench reaches the servers only through stop()
    )


def wait_for(url: str, proc: subprocess.Popen, timeout: float) -> float | None:
    """Seconds until ``url`` answers 200 (None: the process died or the timeout passed)."""
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < timeout:
        if proc.poll() is not None:
            return None
        try:
            with urllib.request.urlopen(url, timeout=5) as r:
                if r.status == 200:
                    return time.perf_counter() - t0
        except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
            pass
        time.sleep(0.005)
    return None


def stop(proc: subprocess.Popen) -> None:
    """SIGTERM (each peer's own graceful stop, workers included), SIGKILL after 15 s."""
    proc.terminate()
    try:
        proc.wait(15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def port_free(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) != 0


def rss_mib(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def _stat(pid: str) -> list[str] | None:
    """/proc/PID/stat's fields after the command name (state is [0], ppid [1], utime [11])."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None


def tree_cpu(pid: int) -> tuple[float, int]:
    """CPU seconds (user + system) used so far by ``pid`` and every process under it, and how many
    processes that is. Forked workers are live children, so they are summed one by one; children
    already reaped count through their parent's cutime/cstime."""
    stats = {p: s for p in os.listdir("/proc") if p.isdigit() and (s := _stat(p)) is not None}
    children: dict[str, list[str]] = {}
    for p, s in stats.items():
        children.setdefault(s[1], []).append(p)
    ticks, count, todo = 0, 0, [str(pid)]
    while todo:
        p = todo.pop()
        if p in stats:
            ticks += sum(int(x) for x in stats[p][11:15])  # utime, stime, cutime, cstime
            count += 1
        todo.extend(children.get(p, []))
    return ticks / CLOCK_TICKS, count


def run_wrk(port: int, script: Path, seconds: float, connections: int, cpu: str | None, pid: int | None = None) -> dict:
    """wrk's result (the JSON line of the Lua ``done`` hook); with ``pid``, also the server's CPU
    time per request (``cpu_us``, whole process tree) and its process count (``processes``).
    Unlike req/s the CPU time hardly moves when other jobs share the machine, and it leaves out
    PostgreSQL's and wrk's share."""
    cmd = pinned(
        cpu,
        [
            "wrk",
            "-t1",
            f"-c{connections}",
            f"-d{max(1, round(seconds))}s",
            "-s",
            str(script),
            f"http://127.0.0.1:{port}",
        ],
    )
    before = tree_cpu(pid) if pid else None
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    after = tree_cpu(pid) if pid else None
    for line in out.splitlines():
        if line.startswith("BENCH "):
            result = json.loads(line[6:])
            if before and after and result["requests"]:
                result["cpu_us"] = (after[0] - before[0]) / result["requests"] * 1e6
                result["processes"] = after[1]
            return result
    raise RuntimeError(f"wrk gave no result:\n{out}")


if __name__ == "__main__":
    for p in PEERS:
        print(p.id, ensure(p) or "ok", versions(p))
