"""What a media type is, in one place: its essence, and whether it is JSON or a form.

No imports from the package, so every stage (the loader included) can use it.
"""

from __future__ import annotations

__all__ = ["MULTIPART", "URLENCODED", "essence", "is_form", "is_json"]

URLENCODED = "application/x-www-form-urlencoded"
MULTIPART = "multipart/form-data"


def essence(media_type: str) -> str:
    """``application/json; charset=utf-8`` -> ``application/json``."""
    return media_type.split(";", 1)[0].strip().lower()


def is_json(media_type: str) -> bool:
    """``application/json`` and every ``application/*+json`` (RFC 6839)."""
    kind = essence(media_type)
    return kind == "application/json" or kind.endswith("+json")


def is_form(media_type: str) -> bool:
    """Form encodings, vendor variants included (``multipart/vnd.x+form-data;version=1``)."""
    kind = essence(media_type)
    return kind in (URLENCODED, MULTIPART) or kind.endswith(("+form-data", "+x-www-form-urlencoded"))
