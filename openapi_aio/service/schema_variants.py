"""Request variants of schemas that require readOnly members, in the served document only.

One ``Task`` schema commonly serves both directions: ``id`` is ``readOnly`` and ``required``,
which OpenAPI 3 reads as "required in responses only". Client generators do not: they make
``id`` a required argument of the model a client sends, so creating a task needs an id the
server assigns (openapi-python-client 0.29 did this with the example app). So in the served
document a component schema that a request body refers to, directly, and whose ``required``
lists a ``readOnly`` member gets a request variant, ``<Name>Input``: the readOnly members
removed (a client must not send them; ``read_only="reject"`` answers them with a 400), and
``required`` without them. The request bodies refer to the variant; responses keep the schema.
Its ``writeOnly`` members stay required in the variant (they are sent); the response schema
loses them from ``required`` (they are never returned).

Only references written in an operation's ``requestBody`` (inline, not through
``components/requestBodies``) to a ``components/schemas`` entry are rewritten, and only at
that first level (items and ``oneOf``/``anyOf``/``allOf`` branches included, not schemas that
entry refers to in turn). Swagger 2.0 documents are served as written here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from openapi_aio.spec.pointers import escape, unescape

__all__ = ["with_request_variants"]

_PREFIX = "#/components/schemas/"
_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
_BRANCHES = ("oneOf", "anyOf", "allOf")


def with_request_variants(document: Mapping[str, Any]) -> dict[str, Any]:
    """``document`` with request variants added and request bodies pointed at them; copies
    only what changes."""
    result = dict(document)
    schemas = (document.get("components") or {}).get("schemas")
    if not isinstance(schemas, Mapping) or not isinstance(document.get("paths"), Mapping):
        return result
    variants = {name: _variant_name(name, schemas) for name, schema in schemas.items() if _needs_variant(schema)}
    if not variants:
        return result
    paths, used = _rewritten_paths(document["paths"], variants)
    if not used:
        return result
    new_schemas = dict(schemas)
    for name in sorted(used):
        new_schemas[variants[name]] = _request_schema(schemas[name])
        new_schemas[name] = _response_schema(schemas[name])
    result["paths"] = paths
    result["components"] = {**document["components"], "schemas": new_schemas}
    return result


def _properties(schema: Mapping[str, Any], flag: str) -> set[str]:
    properties = schema.get("properties")
    if not isinstance(properties, Mapping):
        return set()
    return {name for name, value in properties.items() if isinstance(value, Mapping) and value.get(flag) is True}


def _needs_variant(schema: Any) -> bool:
    if not isinstance(schema, Mapping) or not isinstance(schema.get("required"), list):
        return False
    return bool(_properties(schema, "readOnly") & set(schema["required"]))


def _variant_name(name: str, schemas: Mapping[str, Any]) -> str:
    candidate, number = f"{name}Input", 1
    while candidate in schemas:
        number += 1
        candidate = f"{name}Input{number}"
    return candidate


def _request_schema(schema: Mapping[str, Any]) -> dict[str, Any]:
    """What a client sends: no readOnly members at all."""
    read_only = _properties(schema, "readOnly")
    variant = dict(schema)
    variant["properties"] = {k: v for k, v in schema["properties"].items() if k not in read_only}
    variant["required"] = [name for name in schema["required"] if name not in read_only]
    if not variant["required"]:
        del variant["required"]
    variant.pop("x-table", None)  # the variant is a shape, not a second table
    return variant


def _response_schema(schema: Mapping[str, Any]) -> dict[str, Any]:
    """What a client receives: writeOnly members are never there, so never required."""
    write_only = _properties(schema, "writeOnly")
    if not write_only & set(schema["required"]):
        return dict(schema)
    return {**schema, "required": [name for name in schema["required"] if name not in write_only]}


def _rewritten_paths(paths: Mapping[str, Any], variants: Mapping[str, str]) -> tuple[dict[str, Any], set[str]]:
    """The paths with request bodies referring to the variants, and the schemas so replaced."""
    used: set[str] = set()
    result = dict(paths)
    for path, item in paths.items():
        if not isinstance(item, Mapping):
            continue
        new_item = dict(item)
        for method in _METHODS:
            operation = item.get(method)
            if not isinstance(operation, Mapping):
                continue
            body = operation.get("requestBody")
            if not isinstance(body, Mapping) or not isinstance(body.get("content"), Mapping):
                continue
            content = {media_type: _with_schema(media, variants, used) for media_type, media in body["content"].items()}
            new_item[method] = {**operation, "requestBody": {**body, "content": content}}
        result[path] = new_item
    return result, used


def _with_schema(media: Any, variants: Mapping[str, str], used: set[str]) -> Any:
    if not isinstance(media, Mapping) or "schema" not in media:
        return media
    return {**media, "schema": _pointed(media["schema"], variants, used)}


def _pointed(schema: Any, variants: Mapping[str, str], used: set[str]) -> Any:
    """``schema`` with references to schemas that have a variant pointed at the variant."""
    if not isinstance(schema, Mapping):
        return schema
    ref = schema.get("$ref")
    name = unescape(ref[len(_PREFIX) :]) if isinstance(ref, str) and ref.startswith(_PREFIX) else None
    if name is not None and name in variants:
        used.add(name)
        return {**schema, "$ref": _PREFIX + escape(variants[name])}
    result = dict(schema)
    if "items" in schema:
        result["items"] = _pointed(schema["items"], variants, used)
    for key in _BRANCHES:
        if isinstance(schema.get(key), list):
            result[key] = [_pointed(branch, variants, used) for branch in schema[key]]
    return result
