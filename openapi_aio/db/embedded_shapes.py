"""What rows with embedded rows look like, for the stages that check answers and for the served
document: the same rule in both places.

A resource that may embed (``x-resource: {embed: ...}``) answers its GETs with rows of its schema
plus one optional member per relation: the related row (to-one; nullable where it may be absent,
see :class:`.embedding.Relation`) or an array of them (to-many, at most ``limit``). The document
as written says ``items: {$ref: Task}``, often with ``additionalProperties: false``, so:

- the response checks (``validate_responses``) get the operation's responses with those members
  added (:func:`embedded_responses`, on the self-contained schemas);
- the served document gets a component ``<Schema>With<Relations>`` (``TaskWithProject``) that
  is the schema with those members, referred to by the operation's answer in place of the
  schema; an inline answer is extended in place (:func:`with_embedded_shapes`). The ``embed``
  parameter's items and the ``fields`` names (``project``, ``project.name``) get their ``enum``
  where the author gave none.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from openapi_aio.db.ranges import NUL_FREE
from openapi_aio.errors import SpecError
from openapi_aio.request.media_types import is_json
from openapi_aio.spec.pointers import escape, unescape

if TYPE_CHECKING:
    from openapi_aio.db.embedding import Relation
    from openapi_aio.db.resources import ResourceOperation
    from openapi_aio.spec.model import OperationSpec, ResponseSpec, SpecVersion

__all__ = ["embedded_responses", "field_names", "with_embedded_shapes"]


def _member(relation: Relation, target: Mapping[str, Any], version: str) -> dict[str, Any]:
    """The schema of relation's member, ``target`` being the related schema (or a ``$ref`` to it)."""
    other = relation.model.schema_name
    if relation.many:
        return {
            "type": "array",
            "items": dict(target),
            "maxItems": relation.limit,
            "description": f"{relation.name}: the {other} rows referring to this one (embed={relation.name})",
        }
    description = f"{relation.name}: the {other} row {relation.ours} refers to (embed={relation.name})"
    if not relation.nullable:
        if "$ref" in target:  # a 3.0 reference takes no siblings
            return {"allOf": [dict(target)], "description": description}
        return {**target, "description": description}
    description += "; null when there is none or it may not be read"
    if version.startswith("3.1"):
        return {"anyOf": [dict(target), {"type": "null"}], "description": description}
    keyword = "x-nullable" if version == "2.0" else "nullable"
    return {"allOf": [dict(target)], keyword: True, "description": description}


def _extended(schema: Mapping[str, Any], members: Mapping[str, Any]) -> dict[str, Any]:
    return {**schema, "properties": {**schema.get("properties", {}), **members}}


def _rows_schema(schema: Any, kind: str) -> Mapping[str, Any] | None:
    """The schema of one row in an answer's schema: the items of a list's array, the item's own."""
    if not isinstance(schema, Mapping):
        return None
    if kind == "get_list":
        items = schema.get("items")
        return items if schema.get("type") == "array" and isinstance(items, Mapping) else None
    return schema


def embedded_responses(
    spec: OperationSpec, resource: ResourceOperation, version: SpecVersion, schemas: Mapping[str, Mapping[str, Any]]
) -> dict[str, ResponseSpec]:
    """The operation's responses as the resource answers them (self-contained schemas, as
    everything compiled here); a :class:`SpecError` when its answer is not recognisably rows."""
    members = {name: _member(rel, schemas[rel.model.schema_name], version) for name, rel in resource.embeds.items()}
    responses = dict(spec.responses)
    status = str(resource.status)
    response = responses.get(status) or responses.get(f"{status[0]}XX")
    if response is None:
        return responses
    content = dict(response.content)
    for media_type, media in response.content.items():
        if not is_json(media_type) or not media.schema:
            continue
        row = _rows_schema(media.schema, resource.kind)
        if row is None or not isinstance(row.get("properties", {}), Mapping) or row.get("type") not in (None, "object"):
            what = "an array of rows" if resource.kind == "get_list" else "a row (an object)"
            raise SpecError(
                f"x-resource embed: the {status} answer's schema must be {what} so that the embedded rows "
                f"can be described in it",
                pointer=f"{spec.pointer}/responses/{escape(response.status)}",
            )
        extended = _extended(row, members)
        schema = {**media.schema, "items": extended} if resource.kind == "get_list" else extended
        content[media_type] = replace(media, schema=schema)
    responses[response.status] = replace(response, content=content)
    return responses


def field_names(relations: Mapping[str, Relation]) -> list[str]:
    """What ``fields`` names of the relations: ``project``, ``project.name``..."""
    names: list[str] = []
    for name, relation in relations.items():
        model = relation.model
        names.append(name)
        names += [f"{name}.{member}" for member in dict.fromkeys((*model.readable, *model.computed))]
    return list(dict.fromkeys(names))


def with_embedded_shapes(document: Mapping[str, Any], resources: Iterable[ResourceOperation]) -> dict[str, Any]:
    """``document`` describing the embedded rows of ``resources`` (only what changes is copied)."""
    version = str(document.get("openapi") or document.get("swagger") or "")
    swagger = version.startswith("2")
    prefix = "#/definitions/" if swagger else "#/components/schemas/"
    result = dict(document)
    if swagger:
        schemas = dict(document.get("definitions") or {})
    else:
        result["components"] = dict(document.get("components") or {})
        schemas = dict(result["components"].get("schemas") or {})
    paths = dict(document.get("paths") or {})
    variants: dict[tuple[str, tuple[str, ...]], str] = {}
    changed = False
    for resource in resources:
        if not resource.embeds:
            continue
        members = {
            name: _member(rel, {"$ref": prefix + escape(rel.model.schema_name)}, "2.0" if swagger else version)
            for name, rel in resource.embeds.items()
        }
        path, method = resource.path, resource.method
        item = paths.get(path)
        operation = item.get(method) if isinstance(item, Mapping) else None
        if not isinstance(operation, Mapping):
            continue
        operation = dict(operation)
        operation["parameters"] = [_parameter(p, resource) for p in operation.get("parameters") or []]
        responses = dict(operation.get("responses") or {})
        status = str(resource.status)
        status = status if status in responses else f"{status[0]}XX"
        response = _resolved(responses.get(status), document)
        if isinstance(response, Mapping):
            response = dict(response)
            if swagger:
                response["schema"] = _answer(response.get("schema"), resource, members, schemas, prefix, variants)
            else:
                response["content"] = {
                    media_type: (
                        {**media, "schema": _answer(media.get("schema"), resource, members, schemas, prefix, variants)}
                        if is_json(media_type) and isinstance(media, Mapping)
                        else media
                    )
                    for media_type, media in (response.get("content") or {}).items()
                }
            responses[status] = response
        operation["responses"] = responses
        paths[path] = {**item, method: operation}  # type: ignore[dict-item]
        changed = True
    if not changed:
        return dict(document)
    result["paths"] = paths
    if swagger:
        result["definitions"] = schemas
    else:
        result["components"]["schemas"] = schemas
    return result


def _resolved(node: Any, document: Mapping[str, Any]) -> Any:
    """A local ``$ref`` (a shared response) followed, so the operation gets its own copy."""
    for _ in range(8):
        ref = node.get("$ref") if isinstance(node, Mapping) else None
        if not (isinstance(ref, str) and ref.startswith("#/")):
            break
        target: Any = document
        for part in ref[2:].split("/"):
            target = target.get(unescape(part)) if isinstance(target, Mapping) else None
        node = target
    return node


def _answer(
    schema: Any,
    resource: ResourceOperation,
    members: Mapping[str, Any],
    schemas: dict[str, Any],
    prefix: str,
    variants: dict[tuple[str, tuple[str, ...]], str],
) -> Any:
    if not isinstance(schema, Mapping):
        return schema
    if resource.kind == "get_list":
        items = schema.get("items")
        if schema.get("type") != "array" or not isinstance(items, Mapping):
            return schema
        return {**schema, "items": _row(items, resource, members, schemas, prefix, variants)}
    return _row(schema, resource, members, schemas, prefix, variants)


def _row(
    schema: Mapping[str, Any],
    resource: ResourceOperation,
    members: Mapping[str, Any],
    schemas: dict[str, Any],
    prefix: str,
    variants: dict[tuple[str, tuple[str, ...]], str],
) -> dict[str, Any]:
    ref = schema.get("$ref")
    if not (isinstance(ref, str) and ref.startswith(prefix)):
        return _extended(schema, members)
    name = unescape(ref[len(prefix) :])
    key = (name, tuple(members))
    variant = variants.get(key)
    if variant is None:
        base = name + "With" + "And".join(relation[:1].upper() + relation[1:] for relation in members)
        variant, number = base, 2
        while variant in schemas:
            variant, number = f"{base}{number}", number + 1
        target = schemas.get(name)
        target = (
            {key: value for key, value in target.items() if key != "x-table"} if isinstance(target, Mapping) else {}
        )
        schemas[variant] = _extended(target, members)  # a shape of answers, not another table
        variants[key] = variant
    return {"$ref": prefix + escape(variant)}


def _parameter(parameter: Any, resource: ResourceOperation) -> Any:
    """``embed``'s items and the ``fields`` names, where the author listed none."""
    if not isinstance(parameter, Mapping) or parameter.get("in") != "query":
        return parameter
    name = parameter.get("name")
    if name == "embed" and name in resource.roles:
        names = list(resource.embeds)
    elif name == "fields" and name in resource.roles:
        names = [*resource.model.readable, *resource.model.computed, *field_names(resource.embeds)]
    else:
        return parameter
    schema = parameter.get("schema") if "schema" in parameter else parameter  # 2.0: the parameter is the schema
    if not isinstance(schema, Mapping) or schema.get("type") != "array":
        return parameter
    items = schema.get("items")
    if not isinstance(items, Mapping) or "$ref" in items or "enum" in items:
        return parameter
    if items.get("pattern", NUL_FREE) != NUL_FREE:  # the author's own rule (NUL_FREE: column_limits')
        return parameter
    named = {key: value for key, value in items.items() if key != "pattern"}
    new_schema = {**schema, "items": {**named, "type": "string", "enum": names}}
    return {**parameter, "schema": new_schema} if "schema" in parameter else new_schema
