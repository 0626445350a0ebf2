"""Handlers of tests/specs/models/openapi.yaml, annotated with runtime model classes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from openapi_aio import load_spec
from openapi_aio.models import Models

models = Models.from_spec(load_spec(Path(__file__).with_name("openapi.yaml")))
Event = models.Event
Pet = models.Pet

SEEN: list[Any] = []


async def create_event(body: Event) -> tuple[Any, int]:  # type: ignore[valid-type]
    SEEN.append(body)
    body.title = body.title.upper()
    return body, 201


async def list_events() -> list[Any]:
    return SEEN


async def adopt(body: Pet) -> dict[str, Any]:  # type: ignore[valid-type]
    return {"class": type(body).__name__, "pet": body}
