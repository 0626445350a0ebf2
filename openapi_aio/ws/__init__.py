"""Websocket RPC and publish/subscribe declared in the document (``x-websocket``).

- :mod:`.endpoint`: the websocket operation: RPC methods, channels, the connection loop;
- :mod:`.hub`: this process's subscriptions and :func:`publish`, the one call server code uses;
- :mod:`.brokers`: how messages reach every process (memory, PostgreSQL LISTEN/NOTIFY, Redis);
- :mod:`.client`: a small asyncio client for the protocol.
"""

from openapi_aio.keys import HUB
from openapi_aio.ws.hub import Hub, publish

__all__ = ["HUB", "Hub", "publish"]
