"""Connexion-style handlers (``operationId: benchapp.handlers.<function>``), shared unchanged by
openapi_aio and Connexion 3: arguments by parameter name, the body as ``body``, ``(body, status)``.
"""

from __future__ import annotations

import uuid

from benchapp import db

PET_ID = str(uuid.UUID(int=1))


async def hello(name: str, greeting: str = "hello", times: int = 1) -> dict:
    return {"message": " ".join([f"{greeting} {name}"] * times)}


async def create_pet(body: dict) -> tuple[dict, int]:
    return {"id": PET_ID, **body}, 201


async def list_rows(limit: int = 20, offset: int = 0) -> list[dict]:
    return await db.list_rows(limit, offset)


async def insert_row(body: dict) -> tuple[dict, int]:
    return await db.insert_row(body), 201
