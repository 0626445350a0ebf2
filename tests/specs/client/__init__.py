"""Handlers and documents for tests/test_client.py."""
