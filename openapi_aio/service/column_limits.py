"""What the tables cannot hold, said in the served document (never in the file).

A stored schema may allow values its columns cannot keep: ``type: integer`` has no bounds in JSON
Schema, but its column is a 32-bit ``integer`` (64-bit with ``format: int64``), and PostgreSQL's
text cannot hold a NUL character. The resources refuse such values with a 400 on both databases
(:mod:`openapi_aio.db.ranges`), so by the document as written a valid request is refused; a
contract tester (schemathesis' "valid request rejected") and a client generator's validation
both see that as the service breaking its contract. So the served document says the limits:

- an integer property of an ``x-table`` schema gets its column's ``minimum``/``maximum`` where the
  author's bounds are absent or wider;
- a text property (and each string item of an array property, stored as JSON) gets the pattern
  ``^[^\\u0000]*$`` when it has none, or that pattern beside the author's one (``allOf``);
- a string query parameter (or array of strings) of a database resource's operation, written
  inline, gets the same pattern: filters and ``search`` refuse a NUL too; an integer filter on
  an integer column (``pages__lt``) gets the column's bounds, as its values are refused the same;
- the items of a resource's ``fields`` and ``order_by`` array parameters, when the author gave
  them no ``enum``, get the names the resource accepts (readable and computed members; sortable
  columns and their ``-`` forms);
- a resource operation's request body that is not the stored schema itself (``ProjectChanges``
  for a PATCH, inline or a component) gets the same limits for its members named like columns.

JSON columns get the pattern in each string they may hold (nested ``items``, ``properties``,
``additionalProperties``), and in 3.1 documents ``propertyNames`` for their objects' keys; OpenAPI
3.0's schema object has no ``propertyNames``, so a 3.0 document cannot say that a key may not hold
a NUL (the resource still refuses one). Properties written as a ``$ref`` are left as written.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from openapi_aio.db.ranges import NUL_FREE, integer_bounds
from openapi_aio.db.resources import filter_name
from openapi_aio.spec.pointers import unescape

if TYPE_CHECKING:
    from openapi_aio.db.resources import ResourceOperation
    from openapi_aio.db.tables import TableModel
    from openapi_aio.operation import Operation

__all__ = ["with_column_limits"]

_PREFIX = "#/components/schemas/"


def with_column_limits(
    document: Mapping[str, Any],
    tables: Mapping[str, TableModel],
    operations: Iterable[Operation],
    compiled: Iterable[ResourceOperation] = (),
) -> dict[str, Any]:
    """``document`` with the limits of ``tables`` and of the resources among ``operations``
    (``compiled``: the resources as compiled, whose embedded relations' tables filters reach);
    only what changes is copied."""
    result = dict(document)
    keys = str(document.get("openapi", "")).startswith("3.1")  # propertyNames is JSON Schema 2020-12's
    components = document.get("components")
    schemas = components.get("schemas") if isinstance(components, Mapping) else None
    schemas = schemas if isinstance(schemas, Mapping) else {}
    limited = {name: model for name, model in tables.items() if _has_properties(schemas.get(name))}
    paths = document.get("paths")
    if isinstance(paths, Mapping):
        resources = [op for op in operations if op.spec.resource and str(op.spec.resource["schema"]) in tables]
        related = {
            (resource.path, resource.method): {name: relation.model for name, relation in resource.embeds.items()}
            for resource in compiled
        }
        result["paths"] = _limited_operations(paths, resources, tables, related, schemas, limited, keys)
    if limited:
        assert isinstance(components, Mapping)
        new_schemas = dict(schemas)
        for name, model in limited.items():
            new_schemas[name] = _limited_schema(schemas[name], model, keys)
        result["components"] = {**components, "schemas": new_schemas}
    return result


def _has_properties(schema: Any) -> bool:
    return isinstance(schema, Mapping) and isinstance(schema.get("properties"), Mapping)


def _limited_schema(schema: Mapping[str, Any], model: TableModel, keys: bool) -> dict[str, Any]:
    """``schema``'s members named like ``model``'s columns, limited as the columns are."""
    properties = dict(schema["properties"])
    for name, column in model.columns.items():
        prop = properties.get(name)
        if not isinstance(prop, Mapping) or "$ref" in prop:
            continue
        bounds = integer_bounds(column.column.type)
        if bounds is not None and prop.get("type") == "integer":
            properties[name] = _bounded(prop, *bounds)
        elif column.is_json:
            properties[name] = _nul_free_json(prop, keys)
        else:
            properties[name] = _nul_free(prop)
    return {**schema, "properties": properties}


def _nul_free_json(schema: Mapping[str, Any], keys: bool, depth: int = 0) -> Mapping[str, Any]:
    """A JSON column's schema with no NUL in its strings, and (``keys``: 3.1, where
    ``propertyNames`` exists) none in its object keys either."""
    if depth > 8 or "$ref" in schema:
        return schema
    result = dict(_nul_free(schema))
    for key in ("items", "additionalProperties"):
        if isinstance(schema.get(key), Mapping):
            result[key] = _nul_free_json(schema[key], keys, depth + 1)
    if isinstance(schema.get("properties"), Mapping):
        result["properties"] = {
            name: _nul_free_json(value, keys, depth + 1) if isinstance(value, Mapping) else value
            for name, value in schema["properties"].items()
        }
    kinds = schema.get("type")
    is_object = kinds == "object" or (isinstance(kinds, list) and "object" in kinds)
    if keys and is_object and schema.get("additionalProperties") is not False and "propertyNames" not in schema:
        result["propertyNames"] = {"pattern": NUL_FREE}
    return result


def _bounded(schema: Mapping[str, Any], low: int, high: int) -> dict[str, Any]:
    result = dict(schema)
    minimum, maximum = schema.get("minimum"), schema.get("maximum")
    if not isinstance(minimum, int | float) or isinstance(minimum, bool) or minimum < low:
        result["minimum"] = low
    if not isinstance(maximum, int | float) or isinstance(maximum, bool) or maximum > high:
        result["maximum"] = high
    return result


def _nul_free(schema: Mapping[str, Any]) -> Mapping[str, Any]:
    """A string schema that also refuses NUL; any other schema as it is."""
    if schema.get("type") != "string" or "$ref" in schema or schema.get("enum") is not None:
        return schema
    if schema.get("format") in ("date", "date-time", "uuid", "binary", "byte"):
        return schema  # these formats have no NUL in any valid value already
    if "pattern" not in schema:
        return {**schema, "pattern": NUL_FREE}
    if schema["pattern"] == NUL_FREE:
        return schema
    declared = schema.get("allOf")
    branches: list[Any] = declared if isinstance(declared, list) else []
    if {"pattern": NUL_FREE} in branches:
        return schema
    return {**schema, "allOf": [*branches, {"pattern": NUL_FREE}]}


def _limited_operations(
    paths: Mapping[str, Any],
    resources: list[Operation],
    tables: Mapping[str, TableModel],
    related_of: Mapping[tuple[str, str], Mapping[str, TableModel]],
    schemas: Mapping[str, Any],
    limited: dict[str, TableModel],
    keys: bool,
) -> dict[str, Any]:
    """The resource operations with limited query parameters and inline bodies; the component
    schemas their bodies refer to are added to ``limited`` (with their table)."""
    result = dict(paths)
    for operation in resources:
        item = result.get(operation.spec.path)
        target = item.get(operation.spec.method) if isinstance(item, Mapping) else None
        if not isinstance(target, Mapping):
            continue
        assert isinstance(item, Mapping)
        model = tables[str(operation.spec.resource["schema"])]  # type: ignore[index]
        changed = dict(target)
        if isinstance(target.get("parameters"), list):
            related = related_of.get((operation.spec.path, operation.spec.method), {})
            changed["parameters"] = [_described_parameter(p, model, related) for p in target["parameters"]]
        body = target.get("requestBody")
        if isinstance(body, Mapping) and isinstance(body.get("content"), Mapping):
            content = {
                media_type: _limited_media(media, model, schemas, limited, keys)
                for media_type, media in body["content"].items()
            }
            changed["requestBody"] = {**body, "content": content}
        result[operation.spec.path] = {**item, operation.spec.method: changed}
    return result


def _limited_media(
    media: Any, model: TableModel, schemas: Mapping[str, Any], limited: dict[str, TableModel], keys: bool
) -> Any:
    if not isinstance(media, Mapping) or not isinstance(media.get("schema"), Mapping):
        return media
    schema = media["schema"]
    if schema.get("type") == "array" and isinstance(schema.get("items"), Mapping):  # many rows at once
        return {**media, "schema": {**schema, "items": _limited_body(schema["items"], model, schemas, limited, keys)}}
    return {**media, "schema": _limited_body(schema, model, schemas, limited, keys)}


def _limited_body(
    schema: Mapping[str, Any],
    model: TableModel,
    schemas: Mapping[str, Any],
    limited: dict[str, TableModel],
    keys: bool,
) -> Mapping[str, Any]:
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref.startswith(_PREFIX):
        name = unescape(ref[len(_PREFIX) :])
        if _has_properties(schemas.get(name)):
            limited.setdefault(name, model)  # a table's own schema keeps its own table
        return schema
    return _limited_schema(schema, model, keys) if _has_properties(schema) else schema


def _described_parameter(parameter: Any, model: TableModel, related: Mapping[str, TableModel]) -> Any:
    """A resource's inline query parameter with what the resource accepts: no NUL in strings,
    and the names ``fields`` and ``order_by`` take when the author listed none (those of a
    resource that embeds rows are :mod:`openapi_aio.db.embedded_shapes`' to give)."""
    if not isinstance(parameter, Mapping) or parameter.get("in") != "query":
        return parameter
    schema = parameter.get("schema")
    if not isinstance(schema, Mapping):
        return parameter
    name = parameter.get("name")
    if name in ("fields", "order_by") and name not in model.columns and not (name == "fields" and related):
        schema = _named(schema, _field_names(model) if name == "fields" else _order_names(model))
    relation, dot, member = str(name).partition(".")
    if dot and relation in related:  # project.id__lt: a filter on a related row's column
        bounds = _filter_bounds(member, related[relation])
    else:
        bounds = _filter_bounds(str(name), model)
    if bounds is not None:  # a filter on an integer column: its values are refused as in bodies
        if schema.get("type") == "integer":
            schema = _bounded(schema, *bounds)
        elif (
            schema.get("type") == "array"
            and isinstance(schema.get("items"), Mapping)
            and (schema["items"].get("type") == "integer")
        ):
            schema = {**schema, "items": _bounded(schema["items"], *bounds)}
    if schema.get("type") == "array" and isinstance(schema.get("items"), Mapping):
        return {**parameter, "schema": {**schema, "items": _nul_free(schema["items"])}}
    return {**parameter, "schema": _nul_free(schema)}


def _filter_bounds(name: str, model: TableModel) -> tuple[int, int] | None:
    """The bounds of the integer column a filter parameter compares (``pages``, ``pages__lt``)."""
    column_name, op = filter_name(name, model)
    column = model.columns.get(column_name) if op != "isnull" else None
    return integer_bounds(column.column.type) if column is not None else None


def _field_names(model: TableModel) -> list[str]:
    return [*model.readable, *(name for name in model.computed if name not in model.readable)]


def _order_names(model: TableModel) -> list[str]:
    sortable = [name for name, column in model.columns.items() if column.sortable]
    return [item for name in sortable for item in (name, f"-{name}")]


def _named(schema: Mapping[str, Any], names: list[str]) -> Mapping[str, Any]:
    """An array of strings without an ``enum``: its items are one of ``names``."""
    items = schema.get("items")
    if schema.get("type") != "array" or not isinstance(items, Mapping) or "$ref" in items:
        return schema
    if items.get("type") not in (None, "string") or "enum" in items or "pattern" in items:
        return schema
    return {**schema, "items": {**items, "type": "string", "enum": names}}
