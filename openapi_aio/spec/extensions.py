"""The ``x-`` extensions the package reads: its own ``x-resource``, ``x-websocket`` and
``x-table``, and Connexion's ``x-openapi-router-controller``.

Checked and bundled here like the standard fields, so that :mod:`openapi_aio.db` and
:mod:`openapi_aio.ws` start from located errors and self-contained schemas too.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from openapi_aio.spec.extension_schema import check_extension_values
from openapi_aio.spec.files import Ref
from openapi_aio.spec.model import StoredSchemaSpec
from openapi_aio.spec.reader import NodeReader

__all__ = ["controller", "resource", "stored_schemas", "websocket"]

# The schemas each kind of x-websocket entry holds
_WEBSOCKET_SCHEMAS = (("rpc", ("payload", "response")), ("channels", ("message",)))


def controller(read: NodeReader, operation: Mapping[str, Any], item: Mapping[str, Any], at: Ref) -> str | None:
    """``x-openapi-router-controller``: the module of the handler, from the operation or its path item."""
    name = operation.get("x-openapi-router-controller") or item.get("x-openapi-router-controller")
    if name is not None and not isinstance(name, str):
        read.report(at, "'x-openapi-router-controller' must be a string (a module path)")
        return None
    return name


def resource(read: NodeReader, raw: Any, at: Ref) -> Mapping[str, Any] | None:
    """``x-resource: Task`` or ``{schema: Task, ...}``; ``false`` on an operation opts out."""
    if raw is None or raw is False:
        return None
    if isinstance(raw, str):
        return {"schema": raw}
    if isinstance(raw, Mapping) and isinstance(raw.get("schema"), str):
        return raw
    read.report(at, "'x-resource' must be a schema name or an object with a 'schema' name")
    return None


def websocket(read: NodeReader, raw: Any, method: str, at: Ref) -> Mapping[str, Any] | None:
    """``x-websocket`` with its schemas bundled (see :mod:`openapi_aio.ws.endpoint`)."""
    if raw is None or raw is False:
        return None
    if method != "get" or not isinstance(raw, Mapping):
        read.report(at, "'x-websocket' belongs on a GET operation and must be an object")
        return None
    websocket = dict(raw)
    for section, keys in _WEBSOCKET_SCHEMAS:
        entries = raw.get(section) or {}
        if not isinstance(entries, Mapping):
            read.report(at.child(section), f"'{section}' must be an object (name -> definition)")
            continue
        websocket[section] = _bundled_entries(read, entries, keys, at.child(section))
    return websocket


def _bundled_entries(read: NodeReader, entries: Mapping[str, Any], keys: tuple[str, ...], at: Ref) -> dict[str, Any]:
    """The RPC methods or channels of one section, each with the schemas under ``keys`` bundled."""
    bundled: dict[str, Any] = {}
    for name, entry in entries.items():
        if not isinstance(entry, Mapping):
            read.report(at.child(name), "must be an object")
            continue
        bundled[name] = {
            **entry,
            **{key: read.bundle(entry[key], at.child(name, key)) for key in keys if key in entry},
        }
    return bundled


def stored_schemas(read: NodeReader) -> list[StoredSchemaSpec]:
    """Named schemas with ``x-table`` (components/schemas, or definitions in 2.0), bundled.

    Read once per document, after its operations: every extension value is then checked against
    the published schema too (:mod:`.extension_schema`)."""
    check_extension_values(read)
    if read.version == "2.0":
        container, pointer = read.root.get("definitions"), "/definitions"
    else:
        components = read.root.get("components")
        container = components.get("schemas") if isinstance(components, Mapping) else None
        pointer = "/components/schemas"
    stored: list[StoredSchemaSpec] = []
    if not isinstance(container, Mapping):
        return stored
    for name, raw in container.items():
        at = read.at_root(pointer).child(name)
        if not isinstance(raw, Mapping) or "x-table" not in raw:
            continue  # a table is declared where it is written, never through a $ref
        stored.append(StoredSchemaSpec(str(name), read.bundle(raw, at), at.pointer))
    return stored
