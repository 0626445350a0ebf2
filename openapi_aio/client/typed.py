"""What a generated typed client (``python main.py spec client``) runs on: the base class of its
``Client`` and :func:`bind_client`, which compiles the response decoders at import.

A typed method only names its operation and passes its arguments: building the request,
serialising, credentials, retries and errors stay :class:`~openapi_aio.client.ApiClient`'s, so a
typed call behaves exactly as the dynamic one. Arguments are written back to JSON by their Python
type (a model's ``to_dict``, ISO dates, UUID text); the answer is decoded as the models'
``from_dict`` does.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import TracebackType
from typing import Any, ClassVar, Self

from openapi_aio.client.client import ApiClient, Source
from openapi_aio.models.compile import Compiler
from openapi_aio.models.shapes import encode_value

__all__ = ["TypedClient", "bind_client"]

Decode = Callable[[Any], Any]


class TypedClient:
    """The base of a generated ``Client``: wraps an :class:`ApiClient` (``.api``), which does the
    calls; the generated subclass adds one typed method per operation."""

    _decoders: ClassVar[Mapping[str, Decode | None]] = {}
    _read_only: ClassVar[Mapping[str, frozenset[str]]] = {}  # the body's readOnly properties

    def __init__(self, api: ApiClient) -> None:
        missing = sorted(set(self._decoders) - set(api.operations))
        if missing:  # a document other than the one the module was generated from
            raise ValueError(f"the API's document has no operation {', '.join(missing)}: generate the client again")
        self.api = api

    @classmethod
    async def load(cls, source: Source, base_url: str | None = None, **options: Any) -> Self:
        """A client for ``source`` (a served document's URL, a file, a dict), as
        :meth:`ApiClient.load` with the same options (auth, retries, timeout...)."""
        return cls(await ApiClient.load(source, base_url, **options))

    async def close(self) -> None:
        await self.api.close()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        await self.close()

    async def _call(self, name: str, arguments: Mapping[str, Any], raw: Mapping[str, Any] | None = None) -> Any:
        """Call operation ``name``: ``arguments`` written as JSON (None: left out), ``raw`` sent
        as they are (a form or a file body); the parsed answer decoded by its schema."""
        sent = {key: encode_value(value) for key, value in arguments.items() if value is not None}
        dropped = self._read_only.get(name)
        if dropped and isinstance(sent.get("body"), Mapping):  # the request shape: the server sets them
            sent["body"] = {key: value for key, value in sent["body"].items() if key not in dropped}
        sent.update({key: value for key, value in (raw or {}).items() if value is not None})
        body = await getattr(self.api, name)(**sent)
        decode = self._decoders[name]
        return body if decode is None or body is None else decode(body)


def bind_client(
    cls: type[TypedClient],
    namespace: Mapping[str, Any],
    schemas: Mapping[str, Any],
    responses: Mapping[str, Any],
    version: str = "3.0",
    read_only: Mapping[str, list[str]] | None = None,
) -> None:
    """Give the generated ``cls`` a decoder per operation (``None``: the answer as parsed):
    ``responses`` maps each operation to its success schema (or None), whose references to
    ``schemas`` are the module's model classes in ``namespace``; ``read_only``: the body
    properties each operation leaves out of requests."""
    document = {"definitions": schemas} if version == "2.0" else {"components": {"schemas": schemas}}
    compiler = Compiler(document, version)
    for schema_name, class_name in compiler.class_names.items():
        compiler.classes[schema_name] = namespace[class_name]
    cls._read_only = {name: frozenset(names) for name, names in (read_only or {}).items()}
    cls._decoders = {
        name: None if schema is None else compiler.shapes.shape(schema).decode for name, schema in responses.items()
    }
