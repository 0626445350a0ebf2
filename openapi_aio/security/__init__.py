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

from openapi_aio.errors import Forbidden, ProblemException, SpecError, Unauthorized
from openapi_aio.keys import TOKEN_INFO, USER
from openapi_aio.security.checkers import (
    Checker,
    CheckerFactory,
    Credentials,
    InvalidCredentials,
    build_checker,
    info_function,
    presence_checker,
    quoted,
)
from openapi_aio.security.functions import InfoFunction
from openapi_aio.security.tokens import TokenVerifiers
from openapi_aio.types import Authenticate, Handler

if TYPE_CHECKING:
    from openapi_aio.operation import Operation

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
                checker = build_checker(
                    name, scheme, custom=self.custom, token_verifiers=self.tokens.factories(), title=self.title
                )
                validator = info_function(name, scheme, "x-scopeValidateFunc", scopes_keyword=False)
            except SpecError as error:
                if not self.presence_only:
                    raise
                log.warning("%s; stub/mock serving accepts any credentials of its form", error.message)
                checker, validator = presence_checker(scheme), None
            self._checkers[name] = checker
            self._scope_validators[name] = validator
        return self._checkers[name]

    def scope_validator(self, name: str) -> InfoFunction | None:
        return self._scope_validators.get(name)


@dataclass(frozen=True, slots=True)
class _Part:
    """One scheme of an alternative, with the scopes the operation requires of it."""

    name: str
    checker: Checker
    scopes: tuple[str, ...]
    validate_scopes: InfoFunction | None

    @property
    def key(self) -> tuple[str, tuple[str, ...]]:
        return self.name, self.scopes


@dataclass(frozen=True, slots=True)
class _Failure:
    """Why an alternative did not authenticate: ``kind`` is ``missing``, ``invalid`` or
    ``forbidden``; ``part`` the scheme that said so; ``presented``: whether any of its schemes
    found credentials at all."""

    kind: str
    reason: str
    part: _Part
    presented: bool


# What a checker said about one request: credentials, none (None), or why they are refused.
_Outcome = Credentials | InvalidCredentials | None


def stage(operation: Operation, call: Handler) -> Handler:
    """The pipeline stage: the operation's check, then the rest of the chain."""
    check = authenticator(operation)
    if check is None:
        return call  # public: nothing to check, nothing to pay

    async def secured(request: web.Request) -> web.StreamResponse:
        await check(request)
        return await call(request)

    return secured


def authenticator(operation: Operation) -> Authenticate | None:
    """The operation's security check (raises its 401/403; on success the request carries the
    user and token info), or ``None`` when the operation is public. Also run on its own for
    ``Expect: 100-continue``, before the body is invited."""
    requirements = operation.spec.security
    schemes = operation.security
    if not requirements or schemes is None:
        return None
    optional = any(not requirement for requirement in requirements)
    compiled = tuple(
        tuple(
            _Part(name, schemes.checker(name), tuple(scopes), schemes.scope_validator(name))
            for name, scopes in requirement.items()
        )
        for requirement in requirements
        if requirement
    )
    challenges = tuple(dict.fromkeys(part.checker.challenge for parts in compiled for part in parts))
    challenge = ", ".join(challenges)

    async def check(request: web.Request) -> None:
        # A scheme named by several alternatives is asked once per request (and scopes).
        outcomes: dict[tuple[str, tuple[str, ...]], _Outcome] = {}
        failures: list[_Failure] = []
        for parts in compiled:
            try:
                outcome = await _check(parts, request, outcomes)
            except ProblemException as problem:  # raised by an info function
                if problem.status == 401 and not any(name.lower() == "www-authenticate" for name in problem.headers):
                    problem.headers["WWW-Authenticate"] = challenge  # RFC 9110: a 401 carries a challenge
                raise
            if isinstance(outcome, Credentials):
                request[USER] = outcome.user
                request[TOKEN_INFO] = outcome.token_info
                return
            failures.append(outcome)
        invalid = [failure for failure in failures if failure.kind == "invalid"]
        if invalid:
            # Credentials were sent and are wrong: a 401 even where anonymous access is allowed.
            # Bearer challenges say a token was refused (RFC 6750 section 3), only where one was.
            refused = {failure.part.checker.challenge for failure in invalid}
            header = ", ".join(
                f'{c}, error="invalid_token"' if c in refused and _is_bearer(c) else c for c in challenges
            )
            raise Unauthorized(detail=invalid[0].reason, headers={"WWW-Authenticate": header})
        forbidden = next((failure for failure in failures if failure.kind == "forbidden"), None)
        if forbidden is not None:
            headers = {}
            if _is_bearer(forbidden.part.checker.challenge):  # RFC 6750 section 3.1
                scope = quoted(" ".join(forbidden.part.scopes))
                headers["WWW-Authenticate"] = (
                    f'{forbidden.part.checker.challenge}, error="insufficient_scope", scope={scope}'
                )
            raise Forbidden(detail=forbidden.reason, headers=headers)
        presented = next((failure for failure in failures if failure.presented), None)
        if presented is None:
            if optional:
                return  # anonymous: no scheme found any credentials
            detail = "authentication is required"
        else:
            detail = f"incomplete credentials: {presented.reason}"  # part of an AND was sent
        raise Unauthorized(detail=detail, headers={"WWW-Authenticate": challenge})

    return check


def _is_bearer(challenge: str) -> bool:
    return challenge[:7].lower() == "bearer "


async def _outcome(
    part: _Part, request: web.Request, outcomes: dict[tuple[str, tuple[str, ...]], _Outcome]
) -> _Outcome:
    if part.key not in outcomes:
        try:
            outcomes[part.key] = await part.checker(request, part.scopes)
        except InvalidCredentials as error:
            outcomes[part.key] = error
    return outcomes[part.key]


async def _check(
    parts: tuple[_Part, ...], request: web.Request, outcomes: dict[tuple[str, tuple[str, ...]], _Outcome]
) -> Credentials | _Failure:
    """The caller's credentials if every scheme of the alternative passes, else why not.

    Every scheme is looked at even after one found no credentials, so that wrong credentials
    sent for another are a 401 (and never served anonymously where ``- {}`` allows it).
    """
    found: list[Credentials] = []
    missing: _Failure | None = None
    forbidden: _Failure | None = None
    presented = False
    for part in parts:
        outcome = await _outcome(part, request, outcomes)
        if isinstance(outcome, InvalidCredentials):
            return _Failure("invalid", f"{part.name}: {outcome.reason}", part, presented=True)
        if outcome is None:
            missing = missing or _Failure("missing", f"{part.name}: no credentials", part, presented=False)
            continue
        presented = True
        if (
            missing is None
            and forbidden is None
            and part.scopes
            and not await _has_scopes(outcome, part.scopes, part.validate_scopes)
        ):
            reason = f"{part.name}: the credentials lack a required scope ({', '.join(part.scopes)})"
            forbidden = _Failure("forbidden", reason, part, presented=True)
        found.append(outcome)
    if missing is not None:
        return _Failure("missing", missing.reason, missing.part, presented)
    if forbidden is not None:
        return forbidden
    first = found[0]
    if len(found) == 1:
        return first
    # Several schemes together: the first names the user, token info is kept per scheme.
    infos = {part.name: credentials.token_info for part, credentials in zip(parts, found, strict=True)}
    return Credentials(user=first.user, token_info=infos, scopes=first.scopes)


async def _has_scopes(credentials: Credentials, required: Sequence[str], validate: InfoFunction | None) -> bool:
    if validate is not None:
        return bool(await validate(list(required), sorted(credentials.scopes or ())))
    if credentials.scopes is None:
        return True  # API keys and Basic have no scopes; their info function decides alone
    return set(required) <= credentials.scopes
