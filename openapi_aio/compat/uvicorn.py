"""``uvicorn.run(app)`` in a Connexion script, when ``app`` is (or names) an openapi_aio App.

Connexion applications are ASGI applications, and some scripts start them with uvicorn directly
(``uvicorn.run("app:create_app", factory=True, port=8080)``). openapi_aio's App is an aiohttp
application, which uvicorn cannot serve; under ``python -m openapi_aio.compat`` only, uvicorn's
``run`` serves such an App with ``App.run`` and hands anything else to uvicorn unchanged.
"""

from __future__ import annotations

import functools
import importlib.util
import logging
from collections.abc import Callable
from typing import Any

__all__ = ["serve_apps_with_aiohttp"]

log = logging.getLogger("openapi_aio.compat")


def _target(app: Any, factory: bool) -> Any:
    if isinstance(app, str):
        module_name, _, attribute = app.partition(":")
        try:
            app = getattr(importlib.import_module(module_name), attribute)
        except (ImportError, AttributeError):
            return None
    return app() if factory and callable(app) else app


def serve_apps_with_aiohttp() -> bool:
    """Wrap ``uvicorn.run`` if uvicorn is installed; whether it was."""
    if importlib.util.find_spec("uvicorn") is None:
        return False
    import uvicorn

    from openapi_aio.service.app import App

    original: Callable[..., Any] = uvicorn.run
    if getattr(original, "openapi_aio_wrapped", False):
        return True

    @functools.wraps(original)
    def run(app: Any, **options: Any) -> Any:
        target = _target(app, bool(options.get("factory")))
        if not isinstance(target, App):
            return original(app, **options)
        used = {"host": options.get("host", "127.0.0.1"), "port": int(options.get("port", 8000))}
        ignored = sorted(set(options) - {"host", "port", "factory"})
        if ignored:
            log.info("uvicorn options not used by openapi_aio: %s", ", ".join(ignored))
        return target.run(**used)

    run.openapi_aio_wrapped = True  # type: ignore[attr-defined]
    uvicorn.run = run
    return True
