"""``flask.views.MethodView`` without Flask: a plain base class. openapi_aio's
``MethodViewResolver`` calls the method named after the HTTP method on an instance, through the
class's ``decorators``, as Flask's dispatch does."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

__all__ = ["MethodView", "View"]


class View:
    decorators: ClassVar[list[Callable[..., Any]]] = []
    init_every_request: ClassVar[bool] = True


class MethodView(View):
    """Subclass it and define ``get``, ``post``... as with Flask."""
