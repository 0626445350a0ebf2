"""``connexion.exceptions``: Connexion's exception names and signatures, each a subclass of the
matching openapi_aio problem, so that the pipeline renders them as ``application/problem+json``
with their status, wherever they are raised (a handler, a security info function)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from openapi_aio import errors

__all__ = [
    "BadRequestProblem",
    "ClientProblem",
    "ConnexionException",
    "ExtraParameterProblem",
    "Forbidden",
    "InternalServerError",
    "InvalidSpecification",
    "MissingMiddleware",
    "NonConformingResponse",
    "NonConformingResponseBody",
    "NonConformingResponseHeaders",
    "OAuthProblem",
    "OAuthResponseProblem",
    "OAuthScopeProblem",
    "ProblemException",
    "ResolverError",
    "ResolverProblem",
    "ServerError",
    "TypeValidationError",
    "Unauthorized",
    "UnsupportedMediaTypeProblem",
]


class ConnexionException(errors.OpenAPIError):
    """Base of the non-HTTP errors below, as in Connexion."""


class ResolverError(errors.ResolverError, LookupError):
    """An operation's function cannot be found."""


class InvalidSpecification(errors.StartupError):
    """Kept for ``except`` clauses; openapi_aio raises its own InvalidSpecification."""


class MissingMiddleware(ConnexionException):
    """Kept for ``except`` clauses; openapi_aio never raises it."""


def _problem_init(
    problem: errors.ProblemException,
    status: int | None,
    title: str | None,
    detail: str | None,
    type: str | None,
    instance: str | None,
    headers: Mapping[str, str] | None,
    ext: Mapping[str, Any] | None,
) -> None:
    """Connexion's keywords to openapi_aio's: ``instance`` and ``ext`` become members."""
    members = dict(ext or {})
    if instance is not None:
        members["instance"] = instance
    errors.ProblemException.__init__(problem, status, title, detail, type or "about:blank", headers=headers, **members)


class ProblemException(errors.ProblemException):
    """``ProblemException(status=..., title=..., detail=..., type=..., instance=..., headers=...,
    ext=...)``, Connexion's keyword-only signature."""

    def __init__(
        self,
        *,
        status: int = 500,
        title: str | None = None,
        detail: str | None = None,
        type: str | None = None,
        instance: str | None = None,
        headers: Mapping[str, str] | None = None,
        ext: Mapping[str, Any] | None = None,
    ) -> None:
        _problem_init(self, status, title, detail, type, instance, headers, ext)

    @property
    def instance(self) -> Any:
        return self.extensions.get("instance")

    @property
    def ext(self) -> dict[str, Any]:
        return {k: v for k, v in self.extensions.items() if k != "instance"}


class ClientProblem(ProblemException):
    def __init__(self, status: int = 400, title: str | None = None, *, detail: str | None = None) -> None:
        super().__init__(status=status, title=title, detail=detail)


class BadRequestProblem(ClientProblem, errors.BadRequest):
    def __init__(self, detail: str | None = None) -> None:
        super().__init__(status=400, title="Bad Request", detail=detail)


class ExtraParameterProblem(BadRequestProblem):
    def __init__(self, *, param_type: str, extra_params: Iterable[str]) -> None:
        names = ", ".join(extra_params)
        super().__init__(detail=f"Extra {param_type} parameter(s) {names} not in spec")


class TypeValidationError(BadRequestProblem):
    def __init__(self, schema_type: str, parameter_type: str, parameter_name: str) -> None:
        detail = f"Wrong type, expected '{schema_type}' for {parameter_type} parameter '{parameter_name}'"
        super().__init__(detail=detail)


class Unauthorized(ClientProblem, errors.Unauthorized):
    description = "The server could not verify that you are authorized to access the URL requested."

    def __init__(self, detail: str = description) -> None:
        super().__init__(status=401, title="Unauthorized", detail=detail)


class OAuthProblem(Unauthorized):
    """Raised by security info functions for credentials they refuse: a 401."""


class OAuthResponseProblem(OAuthProblem):
    """A token info endpoint answered with an error: a 401."""


class Forbidden(ProblemException, errors.Forbidden):
    description = "You don't have the permission to access the requested resource."

    def __init__(self, detail: str | None = None) -> None:
        super().__init__(status=403, title="Forbidden", detail=detail or self.description)


class OAuthScopeProblem(Forbidden):
    def __init__(self, token_scopes: list[str], required_scopes: list[str]) -> None:
        self.token_scopes = token_scopes
        self.required_scopes = required_scopes
        super().__init__(f"Provided token does not have the required scopes: {', '.join(required_scopes)}")


class UnsupportedMediaTypeProblem(ClientProblem, errors.UnsupportedMediaType):
    def __init__(self, detail: str | None = None) -> None:
        super().__init__(status=415, title="Unsupported Media Type", detail=detail)


class ServerError(ProblemException):
    def __init__(self, status: int = 500, title: str | None = None, *, detail: str | None = None) -> None:
        super().__init__(status=status, title=title, detail=detail)


class InternalServerError(ServerError, errors.InternalServerError):
    def __init__(self, detail: str | None = None) -> None:
        super().__init__(status=500, title="Internal Server Error", detail=detail)


class NonConformingResponse(InternalServerError):
    """Kept for ``except`` clauses: openapi_aio's response validation raises its own error."""


class NonConformingResponseBody(NonConformingResponse):
    pass


class NonConformingResponseHeaders(NonConformingResponse):
    pass


class ResolverProblem(ServerError):
    def __init__(self, status: int = 501, *, detail: str | None = None) -> None:
        super().__init__(status=status, detail=detail)
