"""Info functions and handlers for tests/test_security.py."""
