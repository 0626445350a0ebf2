"""Handlers and documents for tests/ws/test_ws.py (websocket RPC and channels)."""
