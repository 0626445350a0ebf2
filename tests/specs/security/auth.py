"""Credential checks named by the security documents of tests/security/test_security.py.

Every call is recorded in ``CALLS`` (name -> arguments) and, for the synchronous functions, the
thread it ran on in ``THREADS``, so tests can see what was called, how, and where.
"""

from __future__ import annotations

import functools
import hmac
import threading
from collections import defaultdict
from typing import Any

CALLS: defaultdict[str, list[tuple[Any, ...]]] = defaultdict(list)
THREADS: dict[str, int] = {}

API_KEYS = {"key-ada": "ada", "key-partner": "partner"}
USERS = {"ada": "lovelace", "bob": "pässwörd"}  # a non-ASCII password: Basic is UTF-8
TOKENS = {
    "tok-read": {"sub": "ada", "scope": "read"},
    "tok-write": {"sub": "ada", "scope": "read write"},
    "tok-admin": {"sub": "root", "scopes": ["admin"]},
    "tok-none": {"sub": "nobody"},
}


def _same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


def reset() -> None:
    CALLS.clear()
    THREADS.clear()


async def apikey_info(apikey: str, required_scopes: list[str] | None = None) -> dict[str, Any] | None:
    CALLS["apikey_info"].append((apikey, required_scopes))
    for known, user in API_KEYS.items():
        if _same(known, apikey):
            return {"sub": user}
    return None


def apikey_info_sync(apikey: str) -> dict[str, Any] | None:
    """No ``required_scopes`` parameter: it must not be passed."""
    CALLS["apikey_info_sync"].append((apikey,))
    THREADS["apikey_info_sync"] = threading.get_ident()
    user = next((user for known, user in API_KEYS.items() if _same(known, apikey)), None)
    return {"sub": user} if user else None


async def basic_info(username: str, password: str, required_scopes: list[str] | None = None) -> dict[str, Any] | None:
    CALLS["basic_info"].append((username, password, required_scopes))
    known = USERS.get(username)
    if known is not None and _same(known, password):
        return {"sub": username}
    return None


def basic_info_sync(username: str, password: str) -> dict[str, Any] | None:
    CALLS["basic_info_sync"].append((username, password))
    THREADS["basic_info_sync"] = threading.get_ident()
    known = USERS.get(username)
    return {"sub": username} if known is not None and _same(known, password) else None


async def bearer_info(token: str) -> dict[str, Any] | None:
    CALLS["bearer_info"].append((token,))
    return TOKENS.get(token)


async def token_info(token: str, required_scopes: list[str]) -> dict[str, Any] | None:
    CALLS["token_info"].append((token, required_scopes))
    return TOKENS.get(token)


def token_info_sync(token: str, **kwargs: Any) -> dict[str, Any] | None:
    """``**kwargs`` accepts ``required_scopes``."""
    CALLS["token_info_sync"].append((token, kwargs))
    THREADS["token_info_sync"] = threading.get_ident()
    return TOKENS.get(token)


def validate_scope(required_scopes: list[str], token_scopes: list[str]) -> bool:
    """Connexion's signature: "admin" may do anything."""
    CALLS["validate_scope"].append((required_scopes, token_scopes))
    return "admin" in token_scopes or set(required_scopes) <= set(token_scopes)


def password_matches(username: str, password: str) -> bool:
    """A common mistake: a boolean, not token info. ``False`` must never authenticate."""
    return _same(USERS.get(username, "\0"), password)


def _sync_wrapper(function: Any) -> Any:
    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        return function(*args, **kwargs)  # a coroutine, returned by a plain function

    return wrapper


@_sync_wrapper
async def wrapped_apikey_info(apikey: str) -> dict[str, Any] | None:
    """An async function behind a plain decorator: its result is a coroutine to await."""
    return {"sub": API_KEYS[apikey]} if apikey in API_KEYS else None


async def raises_unauthorized(apikey: str) -> None:
    from openapi_aio import ProblemException

    raise ProblemException(401, detail="revoked key", headers={"WWW-Authenticate": 'ApiKey error="revoked"'})
