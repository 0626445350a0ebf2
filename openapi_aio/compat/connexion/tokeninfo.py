"""Connexion's ``x-tokenInfoUrl``: a ``GET`` of the URL with the token as a bearer credential,
whose JSON answer is the token info (any other status: the token is refused).

openapi_aio's own ``x-tokenInfoUrl`` is RFC 7662 introspection (``POST token=``, ``active``);
token info endpoints written for Connexion speak this older form, so a Connexion application
served through :mod:`openapi_aio.compat` gets it (``security_handlers={"oauth2": ...}``).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

import aiohttp

from openapi_aio.errors import SpecError
from openapi_aio.security.checkers import BearerChecker, info_function, setting

__all__ = ["oauth2_checker"]

log = logging.getLogger("openapi_aio.compat")


def oauth2_checker(name: str, scheme: Mapping[str, Any]) -> BearerChecker:
    """The checker of an ``oauth2`` scheme: its ``x-tokenInfoFunc`` if it names one, else its
    ``x-tokenInfoUrl`` asked as Connexion asks it."""
    function = info_function(name, scheme, "x-tokenInfoFunc")
    if function is not None:
        named = function

        async def verify_with_function(token: str, scopes: Sequence[str]) -> Any:
            return await named(token, required_scopes=list(scopes))

        return BearerChecker(verify_with_function, scoped=True)
    url = setting(scheme, "x-tokenInfoUrl")
    if url is None:
        raise SpecError(f"security scheme {name!r}: neither x-tokenInfoFunc nor x-tokenInfoUrl is set")
    token_info_url = url

    async def verify_with_url(token: str, scopes: Sequence[str]) -> Any:
        timeout = aiohttp.ClientTimeout(total=10)
        try:
            async with (
                aiohttp.ClientSession(timeout=timeout) as session,
                session.get(token_info_url, headers={"Authorization": f"Bearer {token}"}) as answer,
            ):
                if answer.status != 200:
                    return None
                return await answer.json(content_type=None)
        except (TimeoutError, aiohttp.ClientError, ValueError) as error:
            log.warning("security scheme %r: token info failed: %s", name, type(error).__name__)
            return None

    return BearerChecker(verify_with_url, scoped=True)
