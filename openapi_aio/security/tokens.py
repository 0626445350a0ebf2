"""Verifying OAuth 2 and OpenID Connect tokens, three ways.

- ``x-tokenInfoFunc``: a function of the token returning its info (Connexion's convention).
- ``x-tokenInfoUrl``: RFC 7662 token introspection (a ``POST`` of ``token=...``; Connexion sends
  a ``GET`` with the token as bearer, which is not RFC 7662). Answers are cached for the token's
  remaining lifetime (``exp``), and at most ``introspection_cache_seconds`` when it has none.
- openIdConnect JWTs: signature, ``iss``, ``aud`` and ``exp`` checked against the provider's keys,
  from ``x-jwks`` (a JWK set inline) or fetched from the discovery document at
  ``openIdConnectUrl`` (its ``jwks_uri``) and cached; an unknown key id refreshes the set once.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

import aiohttp

from ..errors import SpecError
from .checkers import InvalidCredentials, info_function, setting

__all__ = ["TokenVerifiers"]

Verify = Callable[[str, Sequence[str]], Awaitable[Any]]


class TokenVerifiers:
    """Builds verifiers for one API and owns what they share: an HTTP session and caches."""

    def __init__(self, *, cache_seconds: float = 60.0, introspection_auth: tuple[str, str] | None = None) -> None:
        self.cache_seconds = cache_seconds
        self.introspection_auth = introspection_auth
        self._session: aiohttp.ClientSession | None = None

    def factories(self) -> dict[str, Callable[[str, Mapping[str, Any]], Verify | None]]:
        return {"function": self.function, "introspection": self.introspection, "jwt": self.jwt}

    async def session(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10))
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()

    # x-tokenInfoFunc

    def function(self, name: str, scheme: Mapping[str, Any]) -> Verify | None:
        function = info_function(name, scheme, "x-tokenInfoFunc", ("token", "required_scopes"))
        if function is None:
            return None

        async def verify(token: str, scopes: Sequence[str]) -> Any:
            return await function(token, required_scopes=list(scopes))

        return verify

    # x-tokenInfoUrl (RFC 7662)

    def introspection(self, name: str, scheme: Mapping[str, Any]) -> Verify | None:
        url = setting(scheme, "x-tokenInfoUrl")
        if url is None:
            return None
        cache: dict[str, tuple[float, Any]] = {}

        async def verify(token: str, scopes: Sequence[str]) -> Any:
            # Tokens are cached by digest, never kept in memory as they are.
            key = hashlib.sha256(token.encode()).hexdigest()
            now = time.time()
            cached = cache.get(key)
            if cached is not None and cached[0] > now:
                return cached[1]
            auth = aiohttp.BasicAuth(*self.introspection_auth) if self.introspection_auth else None
            session = await self.session()
            try:
                async with session.post(url, data={"token": token}, auth=auth) as answer:
                    if answer.status != 200:
                        raise InvalidCredentials("the token could not be introspected")
                    info = await answer.json(content_type=None)
            except (TimeoutError, aiohttp.ClientError, json.JSONDecodeError):
                raise InvalidCredentials("the token could not be introspected") from None
            if not isinstance(info, Mapping) or info.get("active") is not True:
                info = None
            expires = info.get("exp") if info else None
            until = float(expires) if isinstance(expires, int | float) else now + self.cache_seconds
            cache[key] = (min(until, now + 3600), info)
            if len(cache) > 10_000:  # bound memory: drop what has expired
                for stale in [k for k, (t, _) in cache.items() if t <= now]:
                    del cache[stale]
            return info

        return verify

    # openIdConnect: JWT against a key set

    def jwt(self, name: str, scheme: Mapping[str, Any]) -> Verify | None:
        if scheme.get("type") != "openIdConnect":
            return None
        inline = scheme.get("x-jwks")
        discovery = scheme.get("openIdConnectUrl")
        if inline is None and not discovery:
            return None
        try:
            import jwt  # PyJWT, the optional "oidc" extra
        except ImportError:
            raise SpecError(
                f"security scheme {name!r} verifies JWTs: install the extra 'openapi-aio[oidc]' (PyJWT)"
            ) from None
        audience = scheme.get("x-audience")
        issuer = scheme.get("x-issuer")
        algorithms = list(scheme.get("x-algorithms") or ["RS256", "ES256", "PS256", "EdDSA"])
        keys: dict[str, Any] = {}
        state: dict[str, Any] = {"issuer": issuer, "fetched": 0.0}

        def load(jwks: Mapping[str, Any]) -> None:
            keys.clear()
            for jwk in jwks.get("keys") or ():
                try:
                    keys[str(jwk.get("kid", ""))] = jwt.PyJWK(jwk).key
                except (jwt.PyJWKError, jwt.InvalidKeyError):
                    continue  # a key of an unsupported type: skip it, keep the others

        if isinstance(inline, Mapping):
            load(inline)

        async def refresh() -> None:
            if not discovery or time.time() - state["fetched"] < 30:  # at most twice a minute
                return
            state["fetched"] = time.time()
            session = await self.session()
            try:
                async with session.get(str(discovery)) as answer:
                    document = await answer.json(content_type=None)
                state["issuer"] = state["issuer"] or document.get("issuer")
                async with session.get(str(document["jwks_uri"])) as answer:
                    load(await answer.json(content_type=None))
            except (TimeoutError, aiohttp.ClientError, KeyError, TypeError, ValueError):
                return  # keep the keys we have; the token fails if none fits

        async def verify(token: str, scopes: Sequence[str]) -> Any:
            try:
                kid = str(jwt.get_unverified_header(token).get("kid", ""))
            except jwt.InvalidTokenError:
                raise InvalidCredentials("malformed token") from None
            if kid not in keys:
                await refresh()
            key = keys.get(kid) or (next(iter(keys.values())) if len(keys) == 1 and not kid else None)
            if key is None:
                raise InvalidCredentials("token signed with an unknown key")
            options: Any = {"require": ["exp"], "verify_aud": audience is not None}
            try:
                return jwt.decode(
                    token, key, algorithms=algorithms, audience=audience, issuer=state["issuer"], options=options
                )
            except jwt.InvalidTokenError as error:
                raise InvalidCredentials(f"invalid token: {error}") from None

        return verify
