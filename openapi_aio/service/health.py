"""Liveness and readiness endpoints for load balancers and orchestrators (opt-in: ``health=True``).

- ``GET /health``: the process is alive and its event loop answers: 200 ``{"status": "ok"}``.
- ``GET /ready``: the service can do its work: the database answers ``SELECT 1`` and the
  websocket broker (if any) is connected. 200 ``{"status": "ready", "checks": {...}}``, else a 503
  problem with ``Retry-After`` naming what failed (``checks``), so a load balancer sends traffic
  elsewhere until it is back.

The paths are at the application's root (``health_paths`` to change them), not in the served
document; a document that declares an operation at the same path answers it instead.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from aiohttp import web

from openapi_aio.endpoints.serialization import dumps
from openapi_aio.errors import ProblemException
from openapi_aio.keys import DATABASE, HEALTH_MOUNTED
from openapi_aio.pipeline.problems import problem_response
from openapi_aio.tracing import identified

if TYPE_CHECKING:
    from openapi_aio.api import Api

__all__ = ["check_readiness", "mount_health", "mount_service_endpoints"]

CHECK_TIMEOUT = 5.0


async def _health(request: web.Request) -> web.StreamResponse:
    return web.Response(body=dumps({"status": "ok"}), content_type="application/json")


async def check_readiness(app: web.Application) -> dict[str, str]:
    """``{"database": "ok" | why, "broker": ...}`` for what the application has."""
    checks: dict[str, str] = {}
    database = app.get(DATABASE)
    if database is not None:
        checks["database"] = await _check(_select_one(database))
    from openapi_aio.keys import HUB

    hub = app.get(HUB)
    if hub is not None:
        checks["broker"] = await _check(_broker_ready(hub.broker))
    return checks


async def _select_one(database: Any) -> None:
    import sqlalchemy as sa  # only services with a database import it

    await database.fetch_value(sa.text("SELECT 1"))


async def _broker_ready(broker: Any) -> None:
    connected = getattr(broker, "_connected", None)  # a listening broker (Redis, PostgreSQL)
    if connected is not None and not connected.is_set():
        raise ConnectionError("not listening")
    client = getattr(broker, "_client", None)  # Redis: the connection that publishes
    if client is not None:
        await client.ping()


async def _check(check: Any) -> str:
    try:
        await asyncio.wait_for(check, CHECK_TIMEOUT)
    except TimeoutError:
        return f"no answer within {CHECK_TIMEOUT:g} s"
    except ProblemException as problem:
        return str(problem.detail or problem.title)
    except Exception as error:  # noqa: BLE001 - whatever fails, the service is not ready
        return f"{type(error).__name__}: {error}"[:200]
    return "ok"


async def _ready(request: web.Request) -> web.StreamResponse:
    checks = await check_readiness(request.app)
    if all(result == "ok" for result in checks.values()):
        return web.Response(body=dumps({"status": "ready", "checks": checks}), content_type="application/json")
    failed = ", ".join(name for name, result in checks.items() if result != "ok")
    problem = ProblemException(
        503, "Service Unavailable", f"not ready: {failed}", headers={"Retry-After": "1"}, checks=checks
    )
    return problem_response(problem)


def mount_health(app: web.Application, paths: tuple[str, str], documented: Any = None) -> None:
    """Add ``GET`` (and ``HEAD``) ``paths[0]`` (alive) and ``paths[1]`` (ready) to ``app``, once;
    ``documented(path)`` says whether a document already answers ``path``."""
    if app.get(HEALTH_MOUNTED):
        return
    app[HEALTH_MOUNTED] = True
    for path, handler in zip(paths, (_health, _ready), strict=True):
        if documented is not None and documented(path):
            continue
        app.router.add_get(path, identified(handler))


def mount_service_endpoints(app: web.Application, api: Api) -> None:
    """The health, readiness and metrics endpoints of ``api``'s options, where its document has
    no operation of its own."""
    from openapi_aio.pipeline import metrics_on

    options = api.options

    def documented(path: str) -> bool:  # the document's own operation answers there
        base = api.base_path
        return (path == base or path.startswith(base + "/")) and api._documented(path[len(base) :] or "/")

    if options.health:
        mount_health(app, options.health_paths, documented=documented)
    if metrics_on(options):  # GET /metrics: prometheus_client is imported only then
        from openapi_aio.service.metrics import mount_metrics

        mount_metrics(app, documented=documented)
