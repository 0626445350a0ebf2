"""Handlers of tests/service/test_observability.py."""

from typing import Any

from openapi_aio.errors import ProblemException


async def hello() -> dict[str, str]:
    return {"hello": "world"}


async def fail() -> None:
    raise RuntimeError("internal detail")


async def refuse() -> None:
    raise ProblemException(409, detail="already there")


async def key_info(apikey: str) -> dict[str, Any] | None:
    return {"sub": "ada"} if apikey == "secret" else None


async def own_health() -> dict[str, str]:
    return {"mine": "yes"}


async def fail_private() -> None:
    raise RuntimeError("internal detail, signed in")
