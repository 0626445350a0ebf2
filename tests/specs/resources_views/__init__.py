"""Views, handlers and documents for tests/test_resources_views.py."""
