"""Credentials given once, applied to each operation whose security requirements name them.

``auth`` maps a security scheme's name, or its type, to a credential:

- ``apiKey``: the key (sent in the header, query parameter or cookie the scheme names);
- ``http`` ``basic`` (and Swagger 2 ``basic``): ``(user, password)`` (UTF-8, as RFC 7617 recommends);
- ``http`` ``bearer``, ``oauth2``, ``openIdConnect``: the token (sent as ``Bearer``);
- any other ``http`` scheme: the text after the scheme's name in ``Authorization``.

A credential may also be a function (sync or async) returning one: it is called on each request,
so a token can be refreshed. Keys by type are ``apiKey``, ``basic``, ``bearer``, ``http``,
``oauth2`` and ``openIdConnect``; a scheme's own name wins over its type.
"""

from __future__ import annotations

import base64
import inspect
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

__all__ = ["Credentials", "SecurityPlan"]


@dataclass(slots=True)
class Credentials:
    """Where one request's credentials go (filled by :meth:`SecurityPlan.apply`)."""

    headers: dict[str, str] = field(default_factory=dict)
    query: list[tuple[str, str]] = field(default_factory=list)
    cookies: dict[str, str] = field(default_factory=dict)


def _type_keys(scheme: Mapping[str, Any]) -> tuple[str, ...]:
    kind = str(scheme.get("type", ""))
    if kind == "http":
        return (str(scheme.get("scheme", "")).lower(), "http")
    if kind == "basic":  # Swagger 2
        return ("basic", "http")
    if kind in ("oauth2", "openIdConnect"):
        return (kind, "bearer")
    return (kind,)


async def _value(credential: Any) -> Any:
    if callable(credential):
        credential = credential()
        if inspect.isawaitable(credential):
            credential = await credential
    return credential


def _credential_for(name: str, scheme: Mapping[str, Any], auth: Mapping[str, Any]) -> Any:
    if name in auth:
        return auth[name]
    for key in _type_keys(scheme):
        if key in auth:
            return auth[key]
    return None


class SecurityPlan:
    """One operation's requirements, with the client's credentials resolved at start-up: the first
    alternative whose every scheme has a credential is used (none: the request goes without, and
    the service's 401 is raised as an :class:`~openapi_aio.errors.ApiError`)."""

    __slots__ = ("_alternative",)

    def __init__(
        self,
        requirements: tuple[Mapping[str, tuple[str, ...]], ...] | None,
        schemes: Mapping[str, Mapping[str, Any]],
        auth: Mapping[str, Any],
    ) -> None:
        self._alternative: tuple[tuple[Mapping[str, Any], Any], ...] = ()
        for requirement in requirements or ():
            found = [
                (schemes.get(name) or {}, _credential_for(name, schemes.get(name) or {}, auth)) for name in requirement
            ]
            if all(credential is not None for _, credential in found):
                self._alternative = tuple(found)
                break

    async def apply(self) -> Credentials:
        result = Credentials()
        for scheme, credential in self._alternative:
            _apply(scheme, await _value(credential), result)
        return result


def _apply(scheme: Mapping[str, Any], credential: Any, into: Credentials) -> None:
    kind = scheme.get("type")
    if kind == "apiKey":
        name, where = str(scheme.get("name", "")), scheme.get("in")
        if where == "query":
            into.query.append((quote(name, safe=""), quote(str(credential), safe="")))
        elif where == "cookie":
            into.cookies[name] = str(credential)
        else:
            into.headers[name] = str(credential)
        return
    http_scheme = "basic" if kind == "basic" else str(scheme.get("scheme", "bearer")).lower()
    if kind in ("oauth2", "openIdConnect"):
        http_scheme = "bearer"
    if http_scheme == "basic":
        user, password = credential
        token = base64.b64encode(f"{user}:{password}".encode()).decode("ascii")
        into.headers["Authorization"] = f"Basic {token}"
    elif http_scheme == "bearer":
        into.headers["Authorization"] = f"Bearer {credential}"
    else:
        into.headers["Authorization"] = f"{scheme.get('scheme')} {credential}"
