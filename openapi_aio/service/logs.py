"""Logging for the command line: ``-v`` shows openapi_aio's start-up lines, ``-vv`` everything."""

from __future__ import annotations

import logging

__all__ = ["configure_logging"]


def configure_logging(verbose: int) -> None:
    """Warnings only by default; openapi_aio's own INFO lines and the access log always show."""
    level = logging.WARNING if verbose == 0 else logging.INFO if verbose == 1 else logging.DEBUG
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("openapi_aio").setLevel(min(level, logging.INFO))
    logging.getLogger("aiohttp.access").setLevel(logging.INFO)
