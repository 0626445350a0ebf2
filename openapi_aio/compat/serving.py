"""What ``openapi-aio run`` adds for a document whose handler modules turned out to import
``connexion`` (the stand-in): the current-request middleware behind ``connexion.request`` and
werkzeug's HTTP exceptions answered with their status. Nothing is added otherwise, so services
that never import connexion pay nothing per request."""

from __future__ import annotations

import sys
from typing import Any

from openapi_aio.service.app import App

__all__ = ["uses_stand_in", "wire"]


def uses_stand_in() -> bool:
    """Whether ``connexion`` was imported, and is openapi_aio's stand-in."""
    module = sys.modules.get("connexion")
    return module is not None and module.__name__ == "openapi_aio.compat.connexion"


def wire(app: App, exception_handlers: dict[type[BaseException], Any]) -> None:
    """Add the request middleware to ``app`` and werkzeug's handlers to ``exception_handlers``
    (the live mapping the app's APIs were given), when the stand-in is in use."""
    if not uses_stand_in():
        return
    from openapi_aio.compat.connexion.context import request_context
    from openapi_aio.compat.werkzeug import werkzeug_handlers

    if request_context not in app.web_app.middlewares:
        app.web_app.middlewares.append(request_context)
    for kind, handler in werkzeug_handlers().items():
        exception_handlers.setdefault(kind, handler)
