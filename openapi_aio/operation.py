"""Everything one operation needs at request time, compiled once at start-up."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aiohttp import web

from openapi_aio.endpoints.responses import Responder
from openapi_aio.request.body import BodyReader
from openapi_aio.request.parameters import ParameterReader, argument_name
from openapi_aio.spec.model import MediaTypeSpec, OperationSpec, SpecVersion
from openapi_aio.spec.pointers import pointer_join
from openapi_aio.types import Authenticate, Endpoint, Handler
from openapi_aio.validation import SchemaValidator

if TYPE_CHECKING:
    from openapi_aio.options import Options
    from openapi_aio.security import SecuritySchemes

__all__ = ["Operation"]


async def _not_composed(request: web.Request) -> web.StreamResponse:
    raise RuntimeError("the operation's chain is composed by compile_operation")  # never served


@dataclass(frozen=True, slots=True, eq=False)
class Operation:
    """One operation of a served API, compiled once at start-up and immutable after.

    :func:`openapi_aio.pipeline.compile.compile_operation` makes it in one pass: the readers first
    (:meth:`readers`), then its :class:`~openapi_aio.types.Endpoint` (what answers it), then
    ``handle`` (the whole per-operation chain of :mod:`openapi_aio.pipeline`) and
    ``authenticate`` (its security check alone, for ``Expect: 100-continue``; ``None`` when
    public). A request that routes here only calls ``handle``.
    """

    spec: OperationSpec
    options: Options
    base_path: str
    parameters: tuple[ParameterReader, ...]
    body: BodyReader | None
    responder: Responder
    version: SpecVersion = "3.0"  # of the document: schemas compile in its dialect
    security: SecuritySchemes | None = None  # the API's scheme checkers
    endpoint: Endpoint | None = None  # None only while the compile pass is choosing it
    handle: Handler = field(default=_not_composed)
    authenticate: Authenticate | None = None

    @classmethod
    def readers(
        cls,
        spec: OperationSpec,
        options: Options,
        base_path: str,
        version: SpecVersion = "3.0",
        security: SecuritySchemes | None = None,
    ) -> Operation:
        """The first step of the compile pass: parameter and body readers, validators, the
        responder; nothing bound yet."""
        readers = tuple(
            reader
            for reader in (ParameterReader(p, pythonic=options.pythonic_params) for p in spec.parameters)
            if not reader.ignored  # Accept / Content-Type / Authorization header parameters
        )
        for reader in readers:
            if _says_more_than_its_type(reader.spec.schema):
                where = f"#{reader.spec.pointer or spec.pointer}/schema"
                reader.validator = SchemaValidator.compile(reader.spec.schema, version, "request", where=where)
        strip = options.read_only == "ignore"

        def validator_for(media: MediaTypeSpec) -> SchemaValidator | None:
            if not media.schema:
                return None
            where = f"#{pointer_join(spec.pointer, 'requestBody', 'content', media.media_type, 'schema')}"
            return SchemaValidator.compile(media.schema, version, "request", strip_read_only=strip, where=where)

        body = BodyReader(spec.body, options, validator_for=validator_for) if spec.body is not None else None
        return cls(spec, options, base_path, readers, body, Responder(spec), version=version, security=security)

    @property
    def operation_id(self) -> str | None:
        return self.spec.operation_id

    @property
    def bound_to(self) -> str:
        """What answers the operation, for listings: a handler's import path, a CRUD view's
        method, ``websocket``, ``mock`` or ``stub``."""
        return self.endpoint.bound_to if self.endpoint is not None else ""

    def supplied_arguments(self) -> set[str]:
        """The keyword arguments this operation can pass to a handler."""
        names = {reader.argument for reader in self.parameters}
        if self.body is not None:
            names.add(self.body.name)
            if self.spec.body is not None and self.spec.body.form:
                for media in self.spec.body.content.values():
                    names.update(_form_fields(media.schema, self.options.pythonic_params))
        return names


# Keywords that add nothing to check once a value has been cast to the schema's type.
_ANNOTATIONS = frozenset(
    {"type", "description", "title", "example", "examples", "default", "deprecated", "nullable", "xml",
     "externalDocs", "readOnly", "writeOnly", "$comment", "discriminator"}
)  # fmt: skip


def _says_more_than_its_type(schema: Mapping[str, Any]) -> bool:
    """Whether a parameter's schema constrains more than its type (which casting ensures)."""
    if isinstance(schema.get("type"), list):
        return True  # a union: casting picked one member, the schema still decides
    return any(key not in _ANNOTATIONS and not key.startswith("x-") for key in schema)


def _form_fields(schema: Any, pythonic: bool) -> list[str]:
    properties = (schema or {}).get("properties") or {}
    return [argument_name(name, pythonic) for name in properties]
