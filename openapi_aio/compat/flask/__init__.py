"""A stand-in for ``flask`` when Flask is not installed, holding only what Connexion
applications need without a Flask application: ``flask.views.MethodView`` for class-based views
(resolved by :class:`openapi_aio.resolver.MethodViewResolver`). Every other name is an error that
says what to use instead."""

from __future__ import annotations

from typing import Any

from openapi_aio.compat.flask import views

__all__ = ["views"]

_INSTEAD = {
    "request": "declare a 'request' argument in the handler, or use connexion.request",
    "g": "store values in the request (connexion.context)",
    "jsonify": "return the value itself: openapi_aio serialises it",
}


def __getattr__(name: str) -> Any:
    if name.startswith("__"):
        raise AttributeError(name)  # introspection (copy, pickle, inspect) asks for dunders
    hint = _INSTEAD.get(name, "openapi_aio's stand-in for flask has only flask.views.MethodView")
    raise ImportError(f"flask.{name} is not available: Flask is not installed and openapi_aio serves the app; {hint}")
