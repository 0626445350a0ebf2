"""Shared fixtures: serve a document over real HTTP on loopback and talk to it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

import openapi_aio

SPECS = Path(__file__).parent / "specs"
CORPUS = Path(__file__).resolve().parents[2] / "shared" / "specs"

MakeClient = Callable[..., Awaitable[TestClient]]


@pytest.fixture
def serve(aiohttp_client: Any) -> MakeClient:
    """``client = await serve(spec, **options)``: an aiohttp test client for a fresh app serving
    ``spec`` (a dict, or a path relative to tests/specs/)."""

    async def make(spec: str | Path | Mapping[str, Any], **options: Any) -> TestClient:
        app = web.Application()
        if isinstance(spec, str | Path):
            spec = SPECS / spec
        openapi_aio.setup(app, spec, **options)
        return await aiohttp_client(app)

    return make


def document(paths: Mapping[str, Any], version: str = "3.0.3", **extra: Any) -> dict[str, Any]:
    """A minimal document around ``paths`` (swagger 2.0 when ``version == "2.0"``)."""
    head: dict[str, Any] = {"swagger": "2.0"} if version == "2.0" else {"openapi": version}
    return {**head, "info": {"title": "test", "version": "1"}, "paths": dict(paths), **extra}
