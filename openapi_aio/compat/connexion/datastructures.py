"""``connexion.datastructures``: ``NoContent`` is openapi_aio's own marker."""

from openapi_aio.endpoints.responses import NoContent

__all__ = ["NoContent"]
