"""Handlers and documents for tests/client/test_client.py."""
