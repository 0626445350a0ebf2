"""openapi_aio serving openapi.yaml + handlers.py on aiohttp (plain asyncio loop, one process)."""

from __future__ import annotations

from aiohttp import web

import openapi_aio
from benchapp.common import HOST, SPEC, parse_args


async def ready(request: web.Request) -> web.Response:
    return web.Response(text="ok")


def main() -> None:
    args = parse_args()
    app = web.Application()
    if args.spec:
        openapi_aio.setup(app, args.spec, stub=True)
        app.router.add_get("/_ready", ready)
    else:
        openapi_aio.setup(app, SPEC)
    web.run_app(app, host=HOST, port=args.port, access_log=None, print=None)


if __name__ == "__main__":
    main()
