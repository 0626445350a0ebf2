"""Views, handlers and documents for tests/db/test_resources_views.py."""
