"""Info functions written the way Connexion applications write them, for
tests/security/test_connexion_conventions.py: users named by ``uid``, HTTP errors raised in the
styles of werkzeug (``code``), Connexion and Starlette (``status_code``) and others (``status``)."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

import aiohttp

from openapi_aio import Forbidden


class WerkzeugStyleUnauthorized(Exception):
    """Like ``werkzeug.exceptions.Unauthorized``: the status in ``code``, the text in ``description``."""

    code = 401
    description = "token expired"


class ConnexionStyleOAuthProblem(Exception):
    """Like ``connexion.exceptions.OAuthProblem``: ``status_code``, ``title`` and ``detail``."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.status_code = 401
        self.title = "Unauthorized"
        self.detail = detail


class TooManyAttempts(Exception):
    status = HTTPStatus.TOO_MANY_REQUESTS


async def key_info(key: str) -> dict[str, Any] | None:
    if key == "uid":
        return {"uid": 100}
    if key == "both":
        return {"sub": "ada", "uid": 100}
    if key == "werkzeug":
        raise WerkzeugStyleUnauthorized()
    if key == "connexion":
        raise ConnexionStyleOAuthProblem("Invalid token")
    if key == "forbidden":
        raise Forbidden(detail="suspended")
    if key == "status":
        raise TooManyAttempts("slow down")
    if key == "upstream":  # an auth server's 401 to the service is no answer to its client
        raise aiohttp.ClientResponseError(None, (), status=401)  # type: ignore[arg-type]
    if key == "crash":
        raise RuntimeError("a bug")
    return None


def bearer_info(token: str) -> dict[str, Any] | None:
    """Token info without the scope an operation names."""
    return {"sub": token, "scope": "other"} if token.startswith("tok-") else None


def roles_checked_elsewhere(required_scopes: list[str], token_scopes: list[str]) -> bool:
    """An ``x-scopeValidateFunc`` that leaves roles to the handlers."""
    return True


async def who(user: Any = None) -> dict[str, Any]:
    return {"user": user}


# one handler per operation (operationIds are unique)
who_bearer = who_lenient = who
