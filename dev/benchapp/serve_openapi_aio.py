"""openapi_aio serving openapi.yaml + handlers.py on aiohttp (plain asyncio loop, one process).

Next to it, under /crud, crud.yaml: an ``x-resource`` over the same table ``bench_pets`` with no
handler code (W6, W7), on the bench database; the table is benchapp/db.py's, never created here.
"""

from __future__ import annotations

from aiohttp import web

import openapi_aio
from benchapp.common import CRUD_SPEC, HOST, SPEC, parse_args


async def ready(request: web.Request) -> web.Response:
    return web.Response(text="ok")


def main() -> None:
    args = parse_args()
    app = web.Application()
    if args.spec:
        openapi_aio.setup(app, args.spec, stub=True)
        app.router.add_get("/_ready", ready)
    else:
        from benchapp.db import DSN  # here: the start-up measurement (--spec) imports no asyncpg

        openapi_aio.setup(app, SPEC)
        openapi_aio.setup(app, CRUD_SPEC, datastore=DSN, create_tables=False)
    web.run_app(app, host=HOST, port=args.port, access_log=None, print=None)


if __name__ == "__main__":
    main()
