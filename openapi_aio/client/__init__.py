"""A spec-driven async client: one awaitable method per operation of a document.

>>> from openapi_aio.client import ApiClient
>>> async with await ApiClient.load("http://pets.internal/openapi.json", auth={"bearer": token}) as pets:
...     pet = await pets.getPet(pet_id=1)

See docs/client.md. Problems answered by the service raise :class:`~openapi_aio.errors.ApiError`.
"""

from openapi_aio.client.client import IDEMPOTENT, RETRY_STATUSES, ApiClient
from openapi_aio.client.operation import ApiResponse, ClientOperation
from openapi_aio.errors import ApiError

__all__ = ["IDEMPOTENT", "RETRY_STATUSES", "ApiClient", "ApiError", "ApiResponse", "ClientOperation"]
