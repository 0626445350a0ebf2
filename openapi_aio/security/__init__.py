"""Enforce the document's security requirements, before any body is read.

An operation's ``security`` is a list of alternatives (OR); each alternative names one or more
schemes that must all pass (AND), each with the scopes it needs. ``security: []`` makes an
operation public; an empty alternative (``- {}``) makes authentication optional: a request with no
credentials is served anonymously, but credentials that are sent and wrong are still a 401.

Answers: no or wrong credentials -> 401 with a ``WWW-Authenticate`` challenge per scheme; valid
credentials without a needed scope -> 403. Both are problem+json and never name a secret.

This stage is the outermost per operation, so an anonymous client can never make the server read
or parse a request body.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aiohttp import web

from ..errors import Forbidden, SpecError, Unauthorized
from ..keys import TOKEN_INFO, USER
from .checkers import (
    Checker,
    CheckerFactory,
    Credentials,
    InvalidCredentials,
    build_checker,
    info_function,
    presence_checker,
)
from .functions import InfoFunction
from .tokens import TokenVerifiers

if TYPE_CHECKING:
    from ..operation import Operation
    from ..pipeline import Handler

__all__ = ["Checker", "Credentials", "InvalidCredentials", "SecuritySchemes", "stage"]

log = logging.getLogger("openapi_aio")


class SecuritySchemes:
    """The checkers of one API's schemes, built lazily by name so unused schemes cost nothing
    (and may be incomplete) while a used scheme that cannot be checked stops start-up."""

    def __init__(
        self,
        schemes: Mapping[str, Mapping[str, Any]],
        *,
        custom: Mapping[str, CheckerFactory] | None = None,
        title: str = "",
        cache_seconds: float = 60.0,
        introspection_auth: tuple[str, str] | None = None,
        presence_only: bool = False,
    ) -> None:
        self.schemes = schemes
        # stub/mock serving: a scheme nothing can verify accepts any credentials of its form
        self.presence_only = presence_only
        self.custom = dict(custom or {})
        self.title = title
        self.tokens = TokenVerifiers(cache_seconds=cache_seconds, introspection_auth=introspection_auth)
        self._checkers: dict[str, Checker] = {}
        self._scope_validators: dict[str, InfoFunction | None] = {}

    def checker(self, name: str) -> Checker:
        if name not in self._checkers:
            scheme = self.schemes.get(name)
            if scheme is None:
                raise SpecError(f"security requirement names undefined scheme {name!r}")
            try:
                self._checkers[name] = build_checker(
                    name, scheme, custom=self.custom, token_verifiers=self.tokens.factories(), title=self.title
                )
            except SpecError as error:
                if not self.presence_only:
                    raise
                log.warning("%s; stub/mock serving accepts any credentials of its form", error.message)
                self._checkers[name] = presence_checker(scheme)
            self._scope_validators[name] = info_function(
                name, scheme, "x-scopeValidateFunc", ("required_scopes", "token_scopes")
            )
        return self._checkers[name]

    def scope_validator(self, name: str) -> InfoFunction | None:
        return self._scope_validators.get(name)


@dataclass(frozen=True, slots=True)
class _Requirement:
    """One alternative: every (scheme, checker, scopes) must pass."""

    parts: tuple[tuple[str, Checker, tuple[str, ...], InfoFunction | None], ...]


def stage(operation: Operation, call: Handler) -> Handler:
    requirements = operation.spec.security
    schemes = operation.security
    if not requirements or schemes is None:
        return call  # public: nothing to check, nothing to pay
    optional = any(not requirement for requirement in requirements)
    compiled = tuple(
        _Requirement(
            tuple(
                (name, schemes.checker(name), tuple(scopes), schemes.scope_validator(name))
                for name, scopes in requirement.items()
            )
        )
        for requirement in requirements
        if requirement
    )
    challenges = tuple(dict.fromkeys(part[1].challenge for requirement in compiled for part in requirement.parts))
    challenge = ", ".join(challenges)
    # Bearer challenges say why a token was refused (RFC 6750 section 3).
    refused = ", ".join(f'{c}, error="invalid_token"' if c.startswith("Bearer") else c for c in challenges)

    async def secure(request: web.Request) -> web.StreamResponse:
        invalid: str | None = None
        forbidden: str | None = None
        seen_credentials = False
        for requirement in compiled:
            outcome = await _check(requirement, request)
            if isinstance(outcome, Credentials):
                request[USER] = outcome.user
                request[TOKEN_INFO] = outcome.token_info
                return await call(request)
            kind, reason = outcome
            if kind == "invalid":
                invalid = invalid or reason
            elif kind == "forbidden":
                forbidden = forbidden or reason
            if kind != "missing":
                seen_credentials = True
        if invalid is not None:
            # Credentials were sent and are wrong: a 401 even where anonymous access is allowed.
            raise Unauthorized(detail=invalid, headers={"WWW-Authenticate": refused})
        if forbidden is not None:
            raise Forbidden(detail=forbidden)
        if optional and not seen_credentials:
            return await call(request)
        raise Unauthorized(detail="authentication is required", headers={"WWW-Authenticate": challenge})

    return secure


async def _check(requirement: _Requirement, request: web.Request) -> Credentials | tuple[str, str]:
    """The caller's credentials if every scheme of the alternative passes, else why not:
    ``("missing" | "invalid" | "forbidden", reason)``."""
    found: list[Credentials] = []
    for name, checker, scopes, validate_scopes in requirement.parts:
        try:
            credentials = await checker(request, scopes)
        except InvalidCredentials as error:
            return "invalid", f"{name}: {error.reason}"
        if credentials is None:
            return "missing", f"{name}: no credentials"
        if scopes and not await _has_scopes(credentials, scopes, validate_scopes):
            return "forbidden", f"{name}: the credentials lack a required scope ({', '.join(scopes)})"
        found.append(credentials)
    first = found[0]
    if len(found) == 1:
        return first
    # Several schemes together: the first names the user, token info is kept per scheme.
    infos = {name: credentials.token_info for (name, *_), credentials in zip(requirement.parts, found, strict=True)}
    return Credentials(user=first.user, token_info=infos, scopes=first.scopes)


async def _has_scopes(credentials: Credentials, required: Sequence[str], validate: InfoFunction | None) -> bool:
    if validate is not None:
        return bool(await validate(list(required), sorted(credentials.scopes or ())))
    if credentials.scopes is None:
        return True  # API keys and Basic have no scopes; their info function decides alone
    return set(required) <= credentials.scopes
