"""Handlers for tests/security/test_security.py: they report who the security stage let in."""

from __future__ import annotations

import threading
from typing import Any


async def whoami(user: Any = None, token_info: Any = None, context_: dict[str, Any] | None = None) -> dict[str, Any]:
    context_ = context_ or {}
    return {
        "user": user,
        "token_info": token_info,
        "context_user": context_.get("user"),
        "context_token_info": context_.get("token_info"),
    }


def whoami_sync(user: Any = None, token_info: Any = None) -> dict[str, Any]:
    return {"user": user, "token_info": token_info, "thread": threading.get_ident()}


async def create(body: Any, user: Any = None) -> tuple[dict[str, Any], int]:
    return {"user": user, "body": body}, 201
