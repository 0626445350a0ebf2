"""One checker per security scheme of the document, built at start-up.

A checker looks at a request and answers one of three things: no credentials for this scheme
(``None``), credentials that are valid (:class:`Credentials`), or credentials that are present but
wrong (it raises :class:`InvalidCredentials`). Which checker a scheme gets is decided by its type,
and users may register their own for any ``type`` (or ``http`` ``scheme``) in ``security_handlers``.

How credentials are verified follows Connexion, so Connexion documents run unchanged: each scheme
names a function (``x-apikeyInfoFunc``, ``x-basicInfoFunc``, ``x-bearerInfoFunc``,
``x-tokenInfoFunc``; or ``x-tokenInfoUrl`` for RFC 7662 introspection), with the same environment
variable fallbacks (``APIKEYINFO_FUNC``, ``BASICINFO_FUNC``, ``BEARERINFO_FUNC``, ``TOKENINFO_FUNC``,
``TOKENINFO_URL``). A scheme with no way to check it stops start-up: never a silently open door.

Credentials that are not text (bytes that are not UTF-8 in a header or cookie, which aiohttp
hands over as lone surrogates: see :mod:`openapi_aio.request.decoding`) are refused as invalid
(401) before any function sees them: a function comparing or hashing them would fail on them.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from aiohttp import web

from openapi_aio.errors import SpecError
from openapi_aio.request.decoding import is_text
from openapi_aio.resolver import import_function
from openapi_aio.security.functions import InfoFunction

__all__ = ["Checker", "CheckerFactory", "Credentials", "InvalidCredentials", "build_checker"]


@dataclass(frozen=True, slots=True)
class Credentials:
    """What a scheme learnt about the caller."""

    user: Any = None
    token_info: Any = None
    scopes: frozenset[str] | None = None  # None: the scheme has no notion of scopes


class InvalidCredentials(Exception):
    """Credentials were sent but are not accepted (a 401, whatever else the request carries)."""

    def __init__(self, reason: str = "invalid credentials") -> None:
        super().__init__(reason)
        self.reason = reason


class Checker(Protocol):
    #: the ``WWW-Authenticate`` challenge sent with a 401 for this scheme
    challenge: str

    async def __call__(self, request: web.Request, scopes: Sequence[str]) -> Credentials | None: ...


CheckerFactory = Callable[[str, Mapping[str, Any]], Checker]

_ENVIRONMENT = {
    "x-apikeyInfoFunc": "APIKEYINFO_FUNC",
    "x-basicInfoFunc": "BASICINFO_FUNC",
    "x-bearerInfoFunc": "BEARERINFO_FUNC",
    "x-tokenInfoFunc": "TOKENINFO_FUNC",
    "x-tokenInfoUrl": "TOKENINFO_URL",
    "x-scopeValidateFunc": "SCOPEVALIDATE_FUNC",
}


def setting(scheme: Mapping[str, Any], key: str) -> str | None:
    """A scheme's extension, or its Connexion environment-variable fallback."""
    value = scheme.get(key)
    if value is None and key in _ENVIRONMENT:
        value = os.environ.get(_ENVIRONMENT[key])
    return str(value) if value else None


def info_function(
    name: str, scheme: Mapping[str, Any], key: str, *, scopes_keyword: bool = True
) -> InfoFunction | None:
    """The function a scheme names under ``key`` (or its environment fallback), imported now."""
    dotted = setting(scheme, key)
    if dotted is None:
        return None
    try:
        return InfoFunction(import_function(dotted), scopes_keyword=scopes_keyword)
    except Exception as error:
        raise SpecError(f"security scheme {name!r}: {key} {dotted!r}: {error}") from error


def quoted(value: str) -> str:
    """``value`` as an HTTP quoted-string (RFC 9110 section 5.6.4): quotes and backslashes
    escaped, control characters (a newline in a document's title) dropped."""
    value = "".join(c for c in value if c == "\t" or (" " <= c != "\x7f"))
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def default_challenge(scheme: Mapping[str, Any], realm: str = "api") -> str:
    """The ``WWW-Authenticate`` challenge for a scheme whose checker does not name one."""
    kind = str(scheme.get("type", ""))
    http_scheme = str(scheme.get("scheme", "")).lower()
    if kind == "apiKey":
        return f"ApiKey in={quoted(str(scheme.get('in', 'header')))}, name={quoted(str(scheme.get('name', '')))}"
    if kind == "basic" or (kind == "http" and http_scheme == "basic"):
        return f"Basic realm={quoted(realm)}"
    if kind == "http" and http_scheme not in ("", "bearer") and http_scheme.isascii() and http_scheme.isalnum():
        return f"{http_scheme.capitalize()} realm={quoted(realm)}"
    return f"Bearer realm={quoted(realm)}"


def _scopes_of(token_info: Any) -> frozenset[str]:
    """Scopes from a token info mapping: OAuth's ``scope`` string or a ``scopes`` list."""
    if not isinstance(token_info, Mapping):
        return frozenset()
    scope = token_info.get("scope", token_info.get("scopes", token_info.get("scp")))
    if isinstance(scope, str):
        return frozenset(scope.split())
    if isinstance(scope, list | tuple | set | frozenset):
        return frozenset(str(item) for item in scope)
    return frozenset()


def credentials_from(info: Any, *, scoped: bool) -> Credentials:
    """Connexion's convention: the function returns token info (a mapping, whose ``sub`` is the
    user, else its ``uid`` as Connexion reads it) or ``None`` for "not valid". ``False`` is "not
    valid" too: a function answering "does the password match?" must never let a wrong password
    in."""
    if info is None or info is False:
        raise InvalidCredentials()
    user = (info["sub"] if "sub" in info else info.get("uid")) if isinstance(info, Mapping) else info
    return Credentials(user=user, token_info=info, scopes=_scopes_of(info) if scoped else None)


@dataclass(slots=True)
class ApiKeyChecker:
    name: str
    location: str  # header, query or cookie
    function: InfoFunction
    challenge: str = field(init=False)

    def __post_init__(self) -> None:
        self.challenge = default_challenge({"type": "apiKey", "in": self.location, "name": self.name})

    async def __call__(self, request: web.Request, scopes: Sequence[str]) -> Credentials | None:
        source: Mapping[str, str]
        if self.location == "header":
            source = request.headers
        elif self.location == "query":
            source = request.query
        else:
            source = request.cookies
        key = source.get(self.name)
        if key is None:
            return None
        if not is_text(key):
            raise InvalidCredentials(_NOT_TEXT)
        return credentials_from(await self.function(key, required_scopes=list(scopes)), scoped=False)


@dataclass(slots=True)
class BasicChecker:
    function: InfoFunction
    realm: str
    challenge: str = field(init=False)

    def __post_init__(self) -> None:
        self.challenge = f'Basic realm={quoted(self.realm)}, charset="UTF-8"'

    async def __call__(self, request: web.Request, scopes: Sequence[str]) -> Credentials | None:
        value = _authorization(request, "basic")
        if value is None:
            return None
        try:
            username, separator, password = base64.b64decode(value, validate=True).decode().partition(":")
        except ValueError:  # binascii.Error, UnicodeDecodeError, or not ASCII at all ("Basic dé")
            raise InvalidCredentials("malformed Basic credentials") from None
        if not separator:
            raise InvalidCredentials("malformed Basic credentials")
        info = await self.function(username, password, required_scopes=list(scopes))
        return credentials_from(info, scoped=False)


@dataclass(slots=True)
class BearerChecker:
    """``http`` ``bearer``, ``oauth2`` and ``openIdConnect``: a token in ``Authorization``."""

    verify: Callable[[str, Sequence[str]], Awaitable[Any]]
    scoped: bool
    challenge: str = 'Bearer realm="api"'

    async def __call__(self, request: web.Request, scopes: Sequence[str]) -> Credentials | None:
        token = _authorization(request, "bearer")
        if token is None:
            return None
        if not token:
            raise InvalidCredentials("empty bearer token")
        return credentials_from(await self.verify(token, scopes), scoped=self.scoped)


def _authorization(request: web.Request, kind: str) -> str | None:
    """The credentials of an ``Authorization: <kind> <credentials>`` header (``""`` when the
    header names the scheme alone), or ``None`` when it is absent or of another scheme. Scheme
    names are case-insensitive; spaces and tabs around the credentials are ignored."""
    header = request.headers.get("Authorization")
    if header is None:
        return None
    parts = header.strip(" \t").split(None, 1)
    if not parts or parts[0].lower() != kind:
        return None
    if not is_text(header):
        raise InvalidCredentials(_NOT_TEXT)
    return parts[1].strip(" \t") if len(parts) > 1 else ""


_NOT_TEXT = "the credentials are not valid UTF-8 text"


@dataclass(slots=True)
class PresenceChecker:
    """For stub and mock serving only: any credentials of the scheme's form pass. Front-end
    teams working against a mock still meet the 401 of a request without credentials."""

    kind: str
    http_scheme: str
    name: str
    location: str
    challenge: str

    async def __call__(self, request: web.Request, scopes: Sequence[str]) -> Credentials | None:
        if self.kind == "apiKey":
            source: Mapping[str, str] = {"query": request.query, "cookie": request.cookies}.get(
                self.location, request.headers
            )
            return Credentials() if self.name in source else None
        if self.kind == "mutualTLS":
            return Credentials()
        if self.kind == "basic":
            wanted = "basic"
        elif self.kind == "http" and self.http_scheme:
            wanted = self.http_scheme  # basic, bearer, digest...: its own Authorization scheme
        else:
            wanted = "bearer"  # oauth2, openIdConnect
        value = _authorization(request, wanted)
        return Credentials(user="anonymous", token_info={}, scopes=frozenset(scopes)) if value else None


def presence_checker(scheme: Mapping[str, Any]) -> PresenceChecker:
    kind = str(scheme.get("type", ""))
    http_scheme = str(scheme.get("scheme", "")).lower()
    name = str(scheme.get("name", ""))
    location = str(scheme.get("in", "header"))
    return PresenceChecker(kind, http_scheme, name, location, default_challenge(scheme))


def _custom_key(key: str) -> str:
    kind, colon, http_scheme = key.partition(":")
    return f"{kind}:{http_scheme.lower()}" if colon and kind == "http" else key


@dataclass(slots=True)
class _Challenged:
    """A custom checker without a ``challenge`` of its own, given the scheme's default one."""

    checker: Callable[[web.Request, Sequence[str]], Awaitable[Credentials | None]]
    challenge: str

    async def __call__(self, request: web.Request, scopes: Sequence[str]) -> Credentials | None:
        return await self.checker(request, scopes)


def _bearer_checker(name: str, scheme: Mapping[str, Any]) -> BearerChecker | None:
    """A bearer token checked by the scheme's ``x-bearerInfoFunc``. The operation's list is
    compared with the token info's scopes, as for oauth2: OpenAPI 3.1 calls it role names
    "required for the execution" (3.0 wants it empty), so ignoring it, as Connexion does, would
    let any valid token through an operation its document restricts."""
    function = info_function(name, scheme, "x-bearerInfoFunc")
    if function is None:
        return None

    async def bearer_info(token: str, scopes: Sequence[str]) -> Any:
        return await function(token, required_scopes=list(scopes))

    return BearerChecker(bearer_info, scoped=True)


def build_checker(
    name: str,
    scheme: Mapping[str, Any],
    *,
    custom: Mapping[str, CheckerFactory],
    token_verifiers: Mapping[
        str, Callable[[str, Mapping[str, Any]], Callable[[str, Sequence[str]], Awaitable[Any]] | None]
    ],
    title: str,
) -> Checker:
    """The checker for scheme ``name``; a :class:`SpecError` when nothing can check it."""
    kind = str(scheme.get("type", ""))
    http_scheme = str(scheme.get("scheme", "")).lower()
    # "http:<scheme>" keys match whatever the case of either side (HTTP scheme names are
    # case-insensitive); the type is matched exactly, as the specification spells it.
    registered = {_custom_key(key): factory for key, factory in custom.items()}
    for key in (f"http:{http_scheme}" if kind == "http" else None, kind):
        if key and key in registered:
            checker = registered[key](name, scheme)
            if not isinstance(getattr(checker, "challenge", None), str):
                return _Challenged(checker, default_challenge(scheme))
            return checker
    if kind == "apiKey" and str(scheme.get("x-authentication-scheme", "")).lower() == "bearer":
        # Swagger 2 has no bearer type: Connexion reads such an apiKey scheme as one.
        bearer = _bearer_checker(name, scheme)
        if bearer is not None:
            return bearer
        http_scheme = "bearer"
    elif kind == "apiKey":
        function = info_function(name, scheme, "x-apikeyInfoFunc")
        if function is not None:
            return ApiKeyChecker(str(scheme.get("name")), str(scheme.get("in", "header")), function)
    elif kind in ("http", "basic") and (http_scheme == "basic" or kind == "basic"):
        function = info_function(name, scheme, "x-basicInfoFunc")
        if function is not None:
            return BasicChecker(function, title or "api")
    elif kind == "http" and http_scheme == "bearer":
        bearer = _bearer_checker(name, scheme)
        if bearer is not None:
            return bearer
    elif kind in ("oauth2", "openIdConnect"):
        for verifier_factory in token_verifiers.values():
            verify = verifier_factory(name, scheme)
            if verify is not None:
                return BearerChecker(verify, scoped=True)
    how = {
        "apiKey": "x-apikeyInfoFunc (or APIKEYINFO_FUNC)",
        "basic": "x-basicInfoFunc (or BASICINFO_FUNC)",
        "http:basic": "x-basicInfoFunc (or BASICINFO_FUNC)",
        "http:bearer": "x-bearerInfoFunc (or BEARERINFO_FUNC)",
        "oauth2": "x-tokenInfoFunc or x-tokenInfoUrl (or TOKENINFO_FUNC / TOKENINFO_URL)",
        "openIdConnect": "x-tokenInfoFunc, x-tokenInfoUrl, or a key set (x-jwks / openIdConnectUrl)",
    }.get(
        f"http:{http_scheme}" if kind == "http" or http_scheme == "bearer" else kind,
        "a checker in Options.security_handlers",
    )
    raise SpecError(
        f"security scheme {name!r} ({kind}{' ' + http_scheme if http_scheme else ''}) has no way to check "
        f"credentials: give it {how}"
    )
