"""Cross-origin resource sharing (CORS), from the ``cors`` option, with no extra dependency.

``setup(app, spec, cors=Cors(allow_origins=["https://app.example"]))`` (or a mapping with the same
keys) makes the application

- answer preflight requests (``OPTIONS`` with ``Origin`` and ``Access-Control-Request-Method``)
  itself, with 204 and the allowed methods, headers and ``max_age``, before routing or security
  (a preflight carries no credentials); a preflight from an origin, or for a method or header,
  that is not allowed is a 403 problem;
- add ``Access-Control-Allow-Origin`` (and ``-Allow-Credentials``, ``-Expose-Headers``, ``Vary``)
  to every answer to an allowed origin, problem responses (4xx, 5xx) and streamed answers
  included: the headers are added as each response is prepared.

CORS is a property of the application: the first API set up with ``cors`` configures it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from aiohttp import hdrs, web

from openapi_aio.errors import ProblemException
from openapi_aio.pipeline.problems import problem_response
from openapi_aio.tracing import identified
from openapi_aio.types import Middleware

__all__ = ["Cors", "cors_middleware"]

_SIMPLE_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


@dataclass(frozen=True, slots=True)
class Cors:
    """What cross-origin callers may do.

    - ``allow_origins``: exact origins (``https://app.example``), or ``"*"`` for any.
    - ``allow_methods``: methods a preflight may ask for.
    - ``allow_headers``: request headers a preflight may ask for (case-insensitive); ``"*"`` for
      any (the requested ones are echoed back).
    - ``expose_headers``: response headers the browser shows to scripts (``X-Request-ID`` by
      default, so a front end can quote it).
    - ``allow_credentials``: cookies and ``Authorization`` may be sent; the origin is then always
      echoed, never ``*``.
    - ``max_age``: seconds a browser may cache a preflight answer (``None``: not said).
    """

    allow_origins: Sequence[str] | str = "*"
    allow_methods: Sequence[str] = _SIMPLE_METHODS
    allow_headers: Sequence[str] | str = "*"
    expose_headers: Sequence[str] = ("X-Request-ID",)
    allow_credentials: bool = False
    max_age: int | None = 600
    _origins: frozenset[str] = field(init=False, repr=False, compare=False)
    _methods: frozenset[str] = field(init=False, repr=False, compare=False)
    _headers: frozenset[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        origins = [self.allow_origins] if isinstance(self.allow_origins, str) else self.allow_origins
        headers = [self.allow_headers] if isinstance(self.allow_headers, str) else self.allow_headers
        object.__setattr__(self, "_origins", frozenset(origin.rstrip("/") for origin in origins))
        object.__setattr__(self, "_methods", frozenset(method.upper() for method in self.allow_methods))
        object.__setattr__(self, "_headers", frozenset(header.lower() for header in headers))

    @classmethod
    def of(cls, value: Cors | Mapping[str, Any] | Sequence[str] | str | bool) -> Cors:
        """The option as given: a :class:`Cors`, a mapping of its fields, origins, or ``True`` (any)."""
        if isinstance(value, Cors):
            return value
        if value is True:
            return cls()
        if isinstance(value, Mapping):
            return cls(**value)
        if isinstance(value, str | Sequence):
            return cls(allow_origins=value)
        raise TypeError(f"cors: expected Cors, a mapping, origins or True, not {value!r}")

    def allows_origin(self, origin: str) -> bool:
        return "*" in self._origins or origin in self._origins

    def origin_headers(self, origin: str) -> dict[str, str]:
        """The headers of every answer to an allowed ``origin``."""
        any_origin = "*" in self._origins and not self.allow_credentials
        headers: dict[str, str] = {hdrs.ACCESS_CONTROL_ALLOW_ORIGIN: "*" if any_origin else origin}
        if self.allow_credentials:
            headers[hdrs.ACCESS_CONTROL_ALLOW_CREDENTIALS] = "true"
        if self.expose_headers:
            headers[hdrs.ACCESS_CONTROL_EXPOSE_HEADERS] = ", ".join(self.expose_headers)
        return headers

    def preflight(self, request: web.Request) -> web.StreamResponse:
        origin = request.headers[hdrs.ORIGIN]
        method = request.headers[hdrs.ACCESS_CONTROL_REQUEST_METHOD].upper()
        requested = [
            name.strip().lower()
            for name in request.headers.get(hdrs.ACCESS_CONTROL_REQUEST_HEADERS, "").split(",")
            if name.strip()
        ]
        if not self.allows_origin(origin):
            return _forbidden(f"origin {origin!r} is not allowed")
        if method not in self._methods:
            return _forbidden(f"method {method} is not allowed for cross-origin requests")
        if "*" not in self._headers:
            refused = [name for name in requested if name not in self._headers]
            if refused:
                return _forbidden(f"header(s) {', '.join(refused)} not allowed for cross-origin requests")
        response = web.Response(status=204)
        response.headers.update(self.origin_headers(origin))
        response.headers[hdrs.ACCESS_CONTROL_ALLOW_METHODS] = ", ".join(sorted(self._methods))
        if requested:
            response.headers[hdrs.ACCESS_CONTROL_ALLOW_HEADERS] = ", ".join(requested)
        if self.max_age is not None:
            response.headers[hdrs.ACCESS_CONTROL_MAX_AGE] = str(self.max_age)
        response.headers[hdrs.VARY] = "Origin, Access-Control-Request-Method, Access-Control-Request-Headers"
        return response


def _forbidden(detail: str) -> web.StreamResponse:
    return problem_response(ProblemException(403, "Forbidden", detail))


def cors_middleware(app: web.Application, cors: Cors) -> Middleware:
    """The middleware answering preflights, and the hook adding the headers to every response of
    ``app`` (including problems). ``pipeline.install_app_tier`` asks once per application, so a
    second API keeps the first configuration."""

    async def answer_preflight(request: web.Request) -> web.StreamResponse:
        return cors.preflight(request)

    identified_preflight = identified(answer_preflight)  # a request id, as every answer has

    @web.middleware
    async def preflight(
        request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        if (
            request.method == hdrs.METH_OPTIONS
            and hdrs.ORIGIN in request.headers
            and hdrs.ACCESS_CONTROL_REQUEST_METHOD in request.headers
        ):
            return await identified_preflight(request)
        return await handler(request)

    async def add_headers(request: web.Request, response: web.StreamResponse) -> None:
        origin = request.headers.get(hdrs.ORIGIN)
        if origin is None or hdrs.ACCESS_CONTROL_ALLOW_ORIGIN in response.headers:
            return
        if cors.allows_origin(origin):
            response.headers.update(cors.origin_headers(origin))
        if not ("*" in cors._origins and not cors.allow_credentials):  # the answer depends on Origin
            vary = response.headers.get(hdrs.VARY)
            if vary is None:
                response.headers[hdrs.VARY] = "Origin"
            elif "origin" not in vary.lower():
                response.headers[hdrs.VARY] = f"{vary}, Origin"

    app.on_response_prepare.append(add_headers)
    return preflight
