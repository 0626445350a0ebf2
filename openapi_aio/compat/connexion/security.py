"""``connexion.security``: openapi_aio checks the document's security schemes itself (the
``x-*InfoFunc`` extensions, docs/security.md); Connexion's security handler classes have no
equivalent. ``NO_VALUE`` is kept for info functions that compare with it."""

from __future__ import annotations

__all__ = ["NO_VALUE"]

NO_VALUE = object()
"""Connexion's marker for "no credentials found"."""
