"""aio-openapi's websocket test app, declared with x-websocket (tests/ws/test_aio_openapi_frames.py)."""
