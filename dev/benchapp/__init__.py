"""The peer benchmark's application: one OpenAPI document, one Connexion-style handler module.

``openapi.yaml`` + ``handlers.py`` are served unchanged by openapi_aio and Connexion 3; the raw
aiohttp and FastAPI peers (``serve_aiohttp.py``, ``serve_fastapi.py``) are hand-written
equivalents. ``dev/bench`` starts each ``serve_*`` module in its own virtualenv.
"""
