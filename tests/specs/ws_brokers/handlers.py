import os

from aiohttp import web

import openapi_aio.ws


async def publish(request: web.Request, body: dict) -> tuple[dict, int]:
    await openapi_aio.ws.publish(request.app, body["channel"], body["event"], body.get("data"))
    return {"published": body["event"]}, 202


async def pid() -> dict:
    return {"pid": os.getpid()}
