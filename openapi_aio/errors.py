"""The one exception tree of openapi_aio.

Two families share one base: start-up errors (the document or the handler modules are wrong; the
service must not start) and HTTP problems (a request cannot be served; the client gets an RFC 9457
``application/problem+json`` answer rendered by :mod:`openapi_aio.pipeline.problems`); the client adds one
class for problems received from other services::

    OpenAPIError
    ├── StartupError                    raised while loading a document or building an app
    │   ├── SpecError                   one located problem in a document (file, JSON pointer)
    │   ├── InvalidSpecification        all SpecErrors of a document at once
    │   └── ResolverError               an operation whose handler cannot be found or called
    ├── ProblemException                any HTTP problem; handlers may raise it with any status
    │   ├── BadRequest                  400, with one entry per violation in ``errors``
    │   │   └── RequestValidationError  the request breaks the document (parameters, body)
    │   ├── Unauthorized                401
    │   ├── Forbidden                   403
    │   ├── NotFound                    404
    │   ├── MethodNotAllowed            405, carries the ``Allow`` header
    │   ├── NotAcceptable               406
    │   ├── RequestEntityTooLarge       413
    │   ├── Conflict                    409, e.g. a unique value already taken
    │   ├── PreconditionFailed          412, an If-Match that no longer matches
    │   ├── UnsupportedMediaType        415
    │   ├── UnprocessableContent        422, well-formed input the database refuses
    │   ├── InternalServerError         500, never carries internals to the client
    │   │   └── ResponseValidationError the handler's response breaks the document
    │   ├── NotImplementedProblem       501, an operation with no handler yet
    │   ├── ServiceUnavailable          503, e.g. the database is unreachable
    │   └── GatewayTimeout              504, a handler ran past its operation's time limit
    └── ApiError                        raised by :class:`openapi_aio.client.ApiClient`: another
                                        service answered 4xx/5xx (its problem's fields)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

__all__ = [
    "ApiError",
    "BadRequest",
    "Conflict",
    "Forbidden",
    "GatewayTimeout",
    "InternalServerError",
    "InvalidSpecification",
    "MethodNotAllowed",
    "NotAcceptable",
    "NotFound",
    "NotImplementedProblem",
    "OpenAPIError",
    "PreconditionFailed",
    "ProblemException",
    "RequestEntityTooLarge",
    "RequestValidationError",
    "ResolverError",
    "ResponseValidationError",
    "ServiceUnavailable",
    "SpecError",
    "StartupError",
    "Unauthorized",
    "UnprocessableContent",
    "UnsupportedMediaType",
    "Violation",
]


class OpenAPIError(Exception):
    """Base of every exception openapi_aio raises on purpose."""


# --- start-up errors -------------------------------------------------------------------------


class StartupError(OpenAPIError):
    """The document or the code bound to it is wrong; the service must not start."""


class SpecError(StartupError):
    """One problem in a document, located by file and JSON pointer.

    >>> str(SpecError("duplicate operationId 'getPet'", "api.yaml", "/paths/~1pets/get"))
    "api.yaml#/paths/~1pets/get: duplicate operationId 'getPet'"
    """

    def __init__(self, message: str, file: str = "", pointer: str = "") -> None:
        self.message = message
        self.file = file
        self.pointer = pointer
        super().__init__(str(self))

    @property
    def location(self) -> str:
        return f"{self.file}#{self.pointer}" if self.pointer else self.file

    def __str__(self) -> str:
        location = self.location
        return f"{location}: {self.message}" if location else self.message


class InvalidSpecification(StartupError):
    """Every error found in a document, reported together so users fix them in one pass."""

    def __init__(self, errors: Sequence[SpecError], source: str = "") -> None:
        self.errors = list(errors)
        self.source = source
        super().__init__(str(self))

    def __str__(self) -> str:
        head = f"{self.source}: " if self.source else ""
        count = len(self.errors)
        lines = [f"{head}invalid OpenAPI document ({count} error{'s' if count != 1 else ''}):"]
        lines += [f"  - {error}" for error in self.errors]
        return "\n".join(lines)


class ResolverError(StartupError):
    """An operation's handler cannot be imported, or cannot receive what the operation sends."""


# --- HTTP problems ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Violation:
    """One reason a request (or response) breaks the contract.

    ``location`` is where: ``path``, ``query``, ``header``, ``cookie`` or ``body``; ``name`` the
    parameter name, or for the body a JSON pointer into it.
    """

    location: str
    name: str
    message: str

    def as_dict(self) -> dict[str, str]:
        key = "pointer" if self.location == "body" else "name"
        return {"in": self.location, key: self.name, "message": self.message}


class ProblemException(OpenAPIError):
    """An HTTP problem (RFC 9457); raise it from a handler to answer with any problem response.

    >>> raise ProblemException(409, detail="pet 'rex' exists", type="https://example.com/conflict")

    Extra keyword arguments become extension members of the problem object.
    """

    status: int = 500

    def __init__(
        self,
        status: int | None = None,
        title: str | None = None,
        detail: str | None = None,
        type: str = "about:blank",
        *,
        headers: Mapping[str, str] | None = None,
        violations: Iterable[Violation] = (),
        **extensions: Any,
    ) -> None:
        if status is not None:
            self.status = status
        self.title = title or _phrase(self.status)
        self.detail = detail
        self.type = type
        self.headers = dict(headers or {})
        self.violations = list(violations)
        self.extensions = extensions
        super().__init__(detail or self.title)

    def to_dict(self) -> dict[str, Any]:
        """The problem object as it is sent (members in RFC 9457 order)."""
        problem: dict[str, Any] = {"type": self.type, "title": self.title, "status": self.status}
        if self.detail is not None:
            problem["detail"] = self.detail
        if self.violations:
            problem["errors"] = [violation.as_dict() for violation in self.violations]
        problem.update(self.extensions)
        return problem


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


class BadRequest(ProblemException):
    status = 400


class RequestValidationError(BadRequest):
    """The request breaks the document; ``violations`` lists every reason.

    Register an exception handler for this class to answer bad input in your own format.
    """


class Unauthorized(ProblemException):
    status = 401


class Forbidden(ProblemException):
    status = 403


class NotFound(ProblemException):
    status = 404


class MethodNotAllowed(ProblemException):
    status = 405

    def __init__(self, allowed: Iterable[str], detail: str | None = None) -> None:
        self.allowed = sorted(allowed)
        super().__init__(detail=detail, headers={"Allow": ", ".join(self.allowed)})


class NotAcceptable(ProblemException):
    status = 406


class RequestEntityTooLarge(ProblemException):
    status = 413


class Conflict(ProblemException):
    status = 409


class PreconditionFailed(ProblemException):
    status = 412


class UnsupportedMediaType(ProblemException):
    status = 415


class UnprocessableContent(ProblemException):
    status = 422

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("title", "Unprocessable Content")  # RFC 9110's name (Python 3.11: "Entity")
        super().__init__(*args, **kwargs)


class InternalServerError(ProblemException):
    status = 500


class ResponseValidationError(InternalServerError):
    """A handler's response breaks the document (with ``validate_responses``). The client sees a
    plain 500; the violations are logged for the operator."""


class NotImplementedProblem(ProblemException):
    status = 501


class ServiceUnavailable(ProblemException):
    """503: a dependency (the database) is down; ``Retry-After`` tells clients when to try again."""

    status = 503


class GatewayTimeout(ProblemException):
    """504: the handler did not answer within its operation's time limit (``handler_timeout``
    option, ``x-timeout`` extension) and was cancelled."""

    status = 504


# --- problems received by the client ---------------------------------------------------------


class ApiError(OpenAPIError):
    """A called service answered with an error status (4xx/5xx), raised by the client.

    The problem object's members are attributes (``status``, ``title``, ``detail``, ``type``,
    ``errors``, ``request_id`` in ``extensions``); ``problem`` is the object as received (empty when
    the answer was not a JSON object), ``body`` the parsed body whatever it was, ``headers`` the
    response headers.

    >>> try:
    ...     await client.getPet(pet_id=7)
    ... except ApiError as error:
    ...     if error.status == 404: ...

    It is not a :class:`ProblemException`: a handler that lets it escape answers 500, not the
    other service's status (that status was about the handler's call, not about its client).
    """

    def __init__(
        self,
        status: int,
        problem: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        *,
        body: Any = None,
        operation: str = "",
    ) -> None:
        problem = dict(problem or {})
        self.status = status
        self.problem = problem
        self.headers = dict(headers or {})
        self.body = body if body is not None else (problem or None)
        self.operation = operation
        title = problem.get("title")
        self.title: str = title if isinstance(title, str) else _phrase(status)
        detail = problem.get("detail")
        self.detail: str | None = detail if isinstance(detail, str) else None
        kind = problem.get("type")
        self.type: str = kind if isinstance(kind, str) else "about:blank"
        errors = problem.get("errors")
        self.errors: list[Any] = list(errors) if isinstance(errors, list) else []
        known = ("type", "title", "status", "detail", "errors")
        self.extensions: dict[str, Any] = {key: value for key, value in problem.items() if key not in known}
        super().__init__(str(self))

    def __str__(self) -> str:
        head = f"{self.operation}: " if self.operation else ""
        tail = f": {self.detail}" if self.detail else ""
        return f"{head}{self.status} {self.title}{tail}"
