"""Handlers and documents for tests/test_ws.py (websocket RPC and channels)."""
