"""The peer benchmark's application: one OpenAPI document, one Connexion-style handler module.

``openapi.yaml`` + ``handlers.py`` are served unchanged by openapi_aio (``openapi-aio run`` and
``main.py``) and by Connexion 3 (``serve_connexion.py``); raw aiohttp, FastAPI and aio-openapi
(``serve_aiohttp.py``, ``serve_fastapi.py``, ``aio_openapi/``) are hand-written equivalents.
``crud.yaml`` is openapi_aio's x-resource over the same table. dev/bench starts each the way its
users do (dev/bench_env.py), each in its own virtualenv.
"""
