"""Verifying OAuth 2 and OpenID Connect tokens, three ways.

- ``x-tokenInfoFunc``: a function of the token returning its info (Connexion's convention).
- ``x-tokenInfoUrl``: RFC 7662 token introspection (a ``POST`` of ``token=...``; Connexion sends
  a ``GET`` with the token as bearer, which is not RFC 7662). Answers are cached for the token's
  remaining lifetime (``exp``, at most an hour), and ``introspection_cache_seconds`` when it has
  none; concurrent requests with one token share one introspection call.
- openIdConnect JWTs: signature, ``iss``, ``aud`` and ``exp`` checked against the provider's keys,
  from ``x-jwks`` (a JWK set inline, then nothing is fetched) or from the discovery document at
  ``openIdConnectUrl`` (its ``jwks_uri``, and its ``issuer`` unless ``x-issuer`` is given), cached;
  an unknown key id refreshes the set, at most once every ``JWKS_REFRESH_SECONDS`` (requests
  arriving meanwhile wait for that one fetch).
"""

from __future__ import annotations

import asyncio
import base64
import functools
import hashlib
import logging
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

import aiohttp

from openapi_aio.errors import SpecError
from openapi_aio.security.checkers import InvalidCredentials, info_function, setting

__all__ = ["JWKS_REFRESH_SECONDS", "MAX_CACHED_TOKENS", "TokenVerifiers"]

log = logging.getLogger("openapi_aio")

Verify = Callable[[str, Sequence[str]], Awaitable[Any]]

MAX_CACHED_TOKENS = 10_000  # introspection answers kept per scheme (oldest dropped first)
MAX_CACHE_SECONDS = 3600.0  # however far away a token's exp is
JWKS_REFRESH_SECONDS = 30.0  # key sets are fetched at most this often

# The clocks, looked up at each use (tests move them): wall time for exp, monotonic for throttles.
_now = time.time
_monotonic = time.monotonic

# Which algorithms a key of each JWK type can verify (a key never meets another family's
# algorithm: that is an error, not a signature check, in PyJWT).
_FAMILIES = {"RSA": ("RS", "PS"), "EC": ("ES",), "OKP": ("EdDSA", "Ed25519", "Ed448"), "oct": ("HS",)}


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
        session, self._session = self._session, None
        if session is not None:
            await session.close()

    # x-tokenInfoFunc

    def function(self, name: str, scheme: Mapping[str, Any]) -> Verify | None:
        function = info_function(name, scheme, "x-tokenInfoFunc")
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
        # Tokens are keyed by digest, never kept in memory as they are.
        cache: dict[str, tuple[float, Any]] = {}  # digest -> (until, info or None), oldest first
        pending: dict[str, asyncio.Future[Any]] = {}  # digest -> the introspection under way

        headers = {"Accept": "application/json"}
        if self.introspection_auth is not None:  # aiohttp.BasicAuth is deprecated
            client_id, secret = self.introspection_auth
            headers["Authorization"] = "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()

        async def ask(token: str) -> Any:
            session = await self.session()
            try:
                async with session.post(url, data={"token": token}, headers=headers) as answer:
                    if answer.status != 200:
                        log.warning("security scheme %r: introspection answered %d", name, answer.status)
                        raise InvalidCredentials("the token could not be introspected")
                    info = await answer.json(content_type=None)
            except (TimeoutError, aiohttp.ClientError, ValueError) as error:  # ValueError: not JSON
                log.warning("security scheme %r: introspection failed: %s", name, type(error).__name__)
                raise InvalidCredentials("the token could not be introspected") from None
            if not isinstance(info, Mapping) or info.get("active") is not True:
                return None  # inactive: cached too, so a bad token does not cost a call each time
            return info

        def remember(key: str, answer: asyncio.Future[Any]) -> None:
            pending.pop(key, None)
            if answer.cancelled() or answer.exception() is not None:
                return  # failures are not cached (and their exception counts as retrieved)
            info = answer.result()
            now = _now()
            expires = info.get("exp") if info is not None else None
            if isinstance(expires, int | float) and not isinstance(expires, bool):
                until = min(float(expires), now + MAX_CACHE_SECONDS)
            else:
                until = now + self.cache_seconds
            if until <= now:
                return
            cache[key] = (until, info)
            if len(cache) > MAX_CACHED_TOKENS:  # bound memory: drop what has expired, then the oldest
                for stale in [k for k, (t, _) in cache.items() if t <= now]:
                    del cache[stale]
                excess = len(cache) - MAX_CACHED_TOKENS * 9 // 10  # room, so this runs rarely
                for oldest in list(cache)[: max(excess, 0)]:
                    del cache[oldest]

        async def verify(token: str, scopes: Sequence[str]) -> Any:
            key = hashlib.sha256(token.encode()).hexdigest()
            cached = cache.get(key)
            if cached is not None:
                if cached[0] > _now():
                    return cached[1]
                del cache[key]
            answer = pending.get(key)
            if answer is None:
                answer = pending[key] = asyncio.ensure_future(ask(token))
                answer.add_done_callback(functools.partial(remember, key))
            # shield: a client that goes away does not cancel the answer others wait for
            return await asyncio.shield(answer)

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
        if inline is not None and not (isinstance(inline, Mapping) and isinstance(inline.get("keys"), list)):
            raise SpecError(f"security scheme {name!r}: x-jwks must be a JWK set (an object with 'keys')")
        audience = scheme.get("x-audience")
        issuer = scheme.get("x-issuer")
        algorithms = [str(a) for a in scheme.get("x-algorithms") or ["RS256", "ES256", "PS256", "EdDSA"]]
        keys: dict[str, tuple[Any, list[str]]] = {}  # kid -> (key, the algorithms it may verify)
        state: dict[str, Any] = {"issuer": issuer, "fetched": None, "pending": None}

        def load(jwks: Any) -> bool:
            if not isinstance(jwks, Mapping) or not isinstance(jwks.get("keys"), list):
                return False
            fresh: dict[str, tuple[Any, list[str]]] = {}
            for jwk in jwks["keys"]:
                if not isinstance(jwk, Mapping) or jwk.get("use", "sig") != "sig":
                    continue  # an encryption key verifies nothing
                usable = _algorithms_for(jwk, algorithms)
                if not usable:
                    continue
                try:
                    fresh[str(jwk.get("kid", ""))] = (jwt.PyJWK(dict(jwk)).key, usable)
                except (jwt.PyJWTError, KeyError, TypeError, ValueError):
                    continue  # a key of an unsupported type: skip it, keep the others
            keys.clear()
            keys.update(fresh)
            return True

        if inline is not None:
            load(inline)

        async def fetch() -> None:
            session = await self.session()
            try:
                async with session.get(str(discovery)) as answer:
                    document = await answer.json(content_type=None) if answer.status == 200 else None
                if not isinstance(document, Mapping) or not isinstance(document.get("jwks_uri"), str):
                    log.warning("security scheme %r: %s is not an OpenID discovery document", name, discovery)
                    return
                if state["issuer"] is None and isinstance(document.get("issuer"), str):
                    state["issuer"] = document["issuer"]
                async with session.get(document["jwks_uri"]) as answer:
                    jwks = await answer.json(content_type=None) if answer.status == 200 else None
                if not load(jwks):
                    log.warning("security scheme %r: %s is not a JWK set", name, document["jwks_uri"])
            except (TimeoutError, aiohttp.ClientError, ValueError) as error:
                log.warning("security scheme %r: fetching its keys failed: %s", name, type(error).__name__)
                # keep the keys we have; the token fails if none fits

        def fetched(answer: asyncio.Future[None]) -> None:
            state["pending"] = None
            if not answer.cancelled():
                answer.exception()  # retrieved: fetch() handles what it expects

        async def refresh() -> None:
            if inline is not None or not discovery:
                return  # an inline key set is the whole truth: closed networks never reach out
            answer = state["pending"]
            if answer is None:
                last = state["fetched"]
                if last is not None and _monotonic() - last < JWKS_REFRESH_SECONDS:
                    return
                state["fetched"] = _monotonic()
                answer = state["pending"] = asyncio.ensure_future(fetch())
                answer.add_done_callback(fetched)
            await asyncio.shield(answer)  # a request arriving meanwhile waits for the same fetch

        async def verify(token: str, scopes: Sequence[str]) -> Any:
            try:
                kid = str(jwt.get_unverified_header(token).get("kid", ""))
            except jwt.PyJWTError:
                raise InvalidCredentials("malformed token") from None
            if kid not in keys:
                await refresh()
            found = keys.get(kid) or (next(iter(keys.values())) if len(keys) == 1 and not kid else None)
            if found is None:
                raise InvalidCredentials("token signed with an unknown key")
            key, usable = found
            options: Any = {"require": ["exp"], "verify_aud": audience is not None}
            try:
                return jwt.decode(
                    token, key, algorithms=usable, audience=audience, issuer=state["issuer"], options=options
                )
            except jwt.PyJWTError as error:
                raise InvalidCredentials(f"invalid token: {error}") from None
            except (TypeError, ValueError):  # a key PyJWT cannot use with the token's algorithm
                raise InvalidCredentials("invalid token: unusable key") from None

        return verify


def _algorithms_for(jwk: Mapping[str, Any], allowed: Sequence[str]) -> list[str]:
    """The allowed algorithms a JWK can verify: its own ``alg`` if it names one, else its family's."""
    alg = jwk.get("alg")
    if alg:
        return [alg] if alg in allowed else []
    prefixes = _FAMILIES.get(str(jwk.get("kty")), ())
    return [algorithm for algorithm in allowed if prefixes and algorithm.startswith(prefixes)]
