"""Pooled PostgreSQL connections that wait for an answer that will never come, found and closed.

A network that drops packets without resetting connections (a firewall that lost its state, a
"blackhole") can leave a statement waiting on a pooled connection until its command timeout
(``DBPOOL_COMMAND_TIMEOUT``, 30 s by default: long, because it is also how long a slow query may
run). When every pooled connection waits so, the pool has nothing to give, and the service stays
down for that long after the network is back. From the client, a slow query and a lost one look
the same; the server tells them apart.

So when a request could not get a connection in time (the pool is exhausted), the watchdog opens
one connection of its own and asks the server (``pg_stat_activity``) which of the backends behind
our waiting connections are running something. A connection that has waited over a second on a
backend that is idle, or gone, waits for nothing: it is terminated, which answers its request
with a 503 at once and frees its place in the pool for a new connection. While the server cannot
be reached, nothing is closed and the question is asked again a second later, for as long as
statements wait (at most their command timeout): so the pool is freed within seconds of the
network's return. One probe runs at a time, and none at all while the pool has connections to
give.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg

__all__ = ["Watchdog"]

log = logging.getLogger("openapi_aio.db")

WAITED = 1.0  # seconds a statement waits before its connection may be judged
PROBE_INTERVAL = 1.0  # seconds between two probes at most

# The backends that are doing something: a state other than idle (NULL when we may not see it:
# then we do not judge), or one that changed within the last second (an answer on its way).
_BUSY = """
SELECT pid FROM pg_stat_activity
WHERE pid = ANY($1::int[])
  AND (state IS NULL OR state NOT LIKE 'idle%' OR state_change > now() - interval '1 second')
"""


class Watching:
    """Marks a connection as waiting for a statement's answer, for as long as the block lasts."""

    __slots__ = ("_raw", "_waiting")

    def __init__(self, waiting: dict[Any, float], raw: Any) -> None:
        self._waiting = waiting
        self._raw = raw

    def __enter__(self) -> None:
        self._waiting[self._raw] = time.monotonic()

    def __exit__(self, *exc_info: object) -> None:
        self._waiting.pop(self._raw, None)


class Watchdog:
    """The waiting statements of one pool, and the probe that closes the dead ones."""

    __slots__ = ("_connect", "_last", "_task", "waiting")

    def __init__(self, connect: Callable[[], Awaitable[asyncpg.Connection]]) -> None:
        self._connect = connect  # a connection of the probe's own, outside the pool
        self.waiting: dict[Any, float] = {}  # pooled connection -> when its statement was sent
        self._task: asyncio.Task[None] | None = None
        self._last = 0.0

    def watch(self, raw: Any) -> Watching:
        """``with watchdog.watch(raw): await raw.fetch(...)``."""
        return Watching(self.waiting, raw)

    def pool_exhausted(self) -> None:
        """A request got no connection in time: probe in the background (see the module docstring)."""
        now = time.monotonic()
        if (self._task is not None and not self._task.done()) or now - self._last < PROBE_INTERVAL:
            return
        self._last = now
        self._task = asyncio.get_running_loop().create_task(self._probe())

    async def close(self) -> None:
        """Stop a probe still running: the pool it watches is closing."""
        task, self._task = self._task, None
        if task is not None and not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _probe(self) -> None:
        while True:
            if await self._probe_once():
                return
            await asyncio.sleep(PROBE_INTERVAL)  # the server could not be asked: again, shortly

    async def _probe_once(self) -> bool:
        """Ask once; ``False`` when the server could not be asked (and statements still wait)."""
        now = time.monotonic()
        suspects = {raw: since for raw, since in list(self.waiting.items()) if now - since > WAITED}
        if not suspects:
            return True
        pids = {raw.get_server_pid(): raw for raw in suspects}
        try:
            busy = await self._busy(list(pids))
        except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as error:
            log.info("database watchdog: the server cannot be asked yet (%r)", error)
            return False
        for pid, raw in pids.items():
            # still the same wait: the statement did not end (and another begin) meanwhile
            if pid not in busy and self.waiting.get(raw) == suspects[raw]:
                log.warning("database connection to backend %s waits for an answer that will not come: closed", pid)
                raw.terminate()
        return True

    async def _busy(self, pids: list[int]) -> set[int]:
        connection = await self._connect()
        try:
            rows = await connection.fetch(_BUSY, pids)
        finally:
            connection.terminate()  # no goodbye round trip on a network that may be failing
        return {row["pid"] for row in rows}
