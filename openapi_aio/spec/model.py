"""One internal model for Swagger 2.0, OpenAPI 3.0 and 3.1.

Later stages (routing, parameters, validation, security, mocks, database resources) read only
these frozen objects, so none of them branches on the document's version. Every schema here is
self-contained (see :mod:`openapi_aio.spec.schemas`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

__all__ = [
    "ApiSpec",
    "BodySpec",
    "MediaTypeSpec",
    "OperationSpec",
    "ParameterSpec",
    "ResponseSpec",
    "SpecVersion",
    "StoredSchemaSpec",
]

SpecVersion = Literal["2.0", "3.0", "3.1"]
ParameterLocation = Literal["path", "query", "header", "cookie"]
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


class _Missing:
    """Marks "no default in the document" (``None`` is a valid default)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "MISSING"

    def __bool__(self) -> bool:
        return False


MISSING: Any = _Missing()


@dataclass(frozen=True, slots=True)
class ParameterSpec:
    """A path, query, header or cookie parameter, with its serialisation normalised to OpenAPI 3
    ``style``/``explode`` (Swagger 2 ``collectionFormat`` maps onto them; ``tsv`` becomes
    ``tabDelimited``)."""

    name: str
    location: ParameterLocation
    schema: Mapping[str, Any]
    required: bool = False
    style: str = "form"
    explode: bool = True
    allow_empty_value: bool = False
    allow_reserved: bool = False
    default: Any = MISSING
    deprecated: bool = False
    content_type: str | None = None  # a parameter described by ``content`` (e.g. JSON in a query)
    pointer: str = ""


@dataclass(frozen=True, slots=True)
class MediaTypeSpec:
    media_type: str
    schema: Mapping[str, Any] | None = None
    example: Any = MISSING
    examples: Mapping[str, Any] = field(default_factory=dict)
    encoding: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class BodySpec:
    """The request body; Swagger 2 ``in: body`` and ``in: formData`` parameters become one."""

    content: Mapping[str, MediaTypeSpec]
    required: bool = False
    name: str = "body"  # x-body-name (3.x) or the body parameter's name (2.0)
    form: bool = False  # fields are passed to the handler one by one (Swagger 2 formData)


@dataclass(frozen=True, slots=True)
class ResponseSpec:
    status: str  # "200", "2XX" or "default"
    description: str = ""
    content: Mapping[str, MediaTypeSpec] = field(default_factory=dict)
    headers: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class OperationSpec:
    path: str  # the template as written in the document, e.g. /pets/{petId}
    method: str  # lower case
    operation_id: str | None
    parameters: tuple[ParameterSpec, ...]
    body: BodySpec | None
    responses: Mapping[str, ResponseSpec]
    security: tuple[Mapping[str, tuple[str, ...]], ...] | None  # None: inherits nothing
    controller: str | None = None  # x-openapi-router-controller
    tags: tuple[str, ...] = ()
    summary: str = ""
    deprecated: bool = False
    pointer: str = ""  # JSON pointer of the operation in the root document
    raw: Mapping[str, Any] = field(default_factory=dict)
    # x-resource (from the operation or its path item): a database-backed CRUD operation
    resource: Mapping[str, Any] | None = None
    # x-websocket: the operation upgrades to a websocket (RPC methods and channels); its schemas
    # (rpc payload/response, channel messages) are bundled like every other schema
    websocket: Mapping[str, Any] | None = None

    @property
    def label(self) -> str:
        """How messages name this operation."""
        return self.operation_id or f"{self.method.upper()} {self.path}"


@dataclass(frozen=True, slots=True)
class StoredSchemaSpec:
    """A named schema with ``x-table``: it becomes a database table (see :mod:`openapi_aio.db`)."""

    name: str
    schema: Mapping[str, Any]  # self-contained, like every schema here
    pointer: str


@dataclass(frozen=True, slots=True)
class ApiSpec:
    version: SpecVersion
    source: str  # where the document came from, for messages
    base_path: str
    operations: tuple[OperationSpec, ...]
    security_schemes: Mapping[str, Mapping[str, Any]]
    document: Mapping[str, Any]  # the root document as written
    title: str = ""
    file_count: int = 1
    stored_schemas: tuple[StoredSchemaSpec, ...] = ()
    # The files as read (a SpecFiles): the served document is bundled from them, not read again.
    files: Any = field(default=None, repr=False, compare=False)
