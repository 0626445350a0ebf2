"""Who may change tasks: bearer tokens checked by the document's x-bearerInfoFunc.

A real service asks its identity provider (an openIdConnect scheme with the provider's keys, or
RFC 7662 introspection); the example keeps a small table of tokens so it runs anywhere. Tokens
come from TASKS_TOKENS (``token=user:scope scope,...``) or the demo token below.
"""

from __future__ import annotations

import hmac
import os
from typing import Any

DEMO_TOKENS = {"demo-token": ("ada", "tasks:write")}


def _tokens() -> dict[str, tuple[str, str]]:
    configured = os.environ.get("TASKS_TOKENS")
    if not configured:
        return DEMO_TOKENS
    tokens = {}
    for entry in configured.split(","):
        token, _, grant = entry.partition("=")
        user, _, scope = grant.partition(":")
        tokens[token.strip()] = (user.strip(), scope.strip())
    return tokens


async def bearer_info(token: str) -> dict[str, Any] | None:
    """Token info for a known token, ``None`` for any other (-> 401)."""
    for known, (user, scope) in _tokens().items():
        if hmac.compare_digest(known.encode(), token.encode()):  # constant time: no timing oracle
            return {"sub": user, "scope": scope}
    return None
