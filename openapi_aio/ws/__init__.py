"""Websocket RPC and publish/subscribe declared in the document (``x-websocket``).

- :mod:`.handshake`: the opening handshake's headers, checked and described in the served document;
- :mod:`.endpoint`: the websocket operation: RPC methods and channels, compiled from the document;
- :mod:`.peer`: one connection's loop: frames in, answers and pushed messages out;
- :mod:`.builtins`: the built-in methods subscribe, unsubscribe and publish (aio-openapi's frames);
- :mod:`.hub`: this process's subscriptions and :func:`publish`, the one call server code uses;
- :mod:`.brokers`: how messages reach every process (memory, PostgreSQL LISTEN/NOTIFY, Redis);
- :mod:`.client`: a small asyncio client for the protocol.
"""

from openapi_aio.keys import HUB
from openapi_aio.ws.hub import Hub, publish

__all__ = ["HUB", "Hub", "publish"]
