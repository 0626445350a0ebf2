"""Info functions and handlers for tests/security/test_security.py."""
