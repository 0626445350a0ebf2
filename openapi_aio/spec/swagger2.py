"""Swagger 2.0 read as the OpenAPI 3 concepts the model is written in.

``basePath``, ``consumes``/``produces``, ``in: body``/``formData`` parameters, ``collectionFormat``,
the schema fields written inline on parameters and headers, and the rules on ``definitions`` are
converted here; the walk (:mod:`.normalize`) calls in for a 2.0 document and otherwise reads
OpenAPI 3 shapes only.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from openapi_aio.request.media_types import MULTIPART, URLENCODED, is_form
from openapi_aio.spec.files import Ref
from openapi_aio.spec.model import MISSING, BodySpec, MediaTypeSpec
from openapi_aio.spec.reader import Located, NodeReader

__all__ = [
    "array_style",
    "base_path",
    "check_definitions",
    "check_schema",
    "inline_schema",
    "produces",
    "request_body",
    "response_content",
    "security_definitions",
]

# collectionFormat -> the OpenAPI 3 (style, explode) that writes an array the same way
_COLLECTION_FORMATS = {
    "csv": ("form", False),
    "ssv": ("spaceDelimited", False),
    "tsv": ("tabDelimited", False),
    "pipes": ("pipeDelimited", False),
    "multi": ("form", True),
}
# What a non-body parameter, a header or an Items object writes inline that is a schema field in 3.x
_SCHEMA_FIELDS = (
    "format", "items", "enum", "default", "maximum", "exclusiveMaximum", "minimum",
    "exclusiveMinimum", "maxLength", "minLength", "pattern", "maxItems", "minItems",
    "uniqueItems", "multipleOf", "x-nullable", "x-sensitive",
)  # fmt: skip


def base_path(read: NodeReader) -> str:
    """``basePath`` as written: 3.x puts the same path in its first server's URL."""
    path = read.root.get("basePath") or ""
    if not isinstance(path, str):
        read.report(read.at_root("/basePath"), "'basePath' must be a string")
        path = ""
    return path


def inline_schema(read: NodeReader, raw: Mapping[str, Any], at: Ref) -> Mapping[str, Any]:
    """The JSON schema a non-body parameter, a header or an Items object spells out inline.

    ``type: file`` (form fields only) is the binary string that OpenAPI 3 uses for an upload.
    """
    kind = raw.get("type")
    if kind == "file":
        return {"type": "string", "format": "binary"}
    schema: dict[str, Any] = {"type": kind} if kind else {}
    for field in _SCHEMA_FIELDS:
        if field in raw:
            schema[field] = raw[field]
    if kind == "array":
        if not isinstance(raw.get("items"), Mapping):
            read.report(at, "an array parameter needs 'items'")
            schema["items"] = {}
        else:
            schema["items"] = inline_schema(read, raw["items"], at.child("items"))
    return schema


def array_style(read: NodeReader, raw: Mapping[str, Any], location: str, at: Ref) -> tuple[str, bool]:
    """The ``(style, explode)`` of an array parameter, from its ``collectionFormat``.

    ``csv`` is ``form`` in a query, but OpenAPI 3 names the same comma-separated value ``simple``
    in a path or a header.
    """
    style, explode = _collection_format(read, raw, at)
    if location in ("path", "header") and style == "form":
        style = "simple"
    return style, explode


def _collection_format(read: NodeReader, raw: Mapping[str, Any], at: Ref) -> tuple[str, bool]:
    """An unknown format is reported and read as the default ``csv``, so the walk goes on."""
    written = raw.get("collectionFormat", "csv")
    if isinstance(written, str) and written in _COLLECTION_FORMATS:
        return _COLLECTION_FORMATS[written]
    known = ", ".join(_COLLECTION_FORMATS)
    read.report(at.child("collectionFormat"), f"unknown collectionFormat {written!r} (one of {known})")
    return _COLLECTION_FORMATS["csv"]


def request_body(
    read: NodeReader, operation: Mapping[str, Any], body_params: list[Located], form_params: list[Located], at: Ref
) -> BodySpec | None:
    """The one request body that an operation's ``in: body`` or ``in: formData`` parameters describe."""
    if len(body_params) > 1:
        read.report(at, "an operation can have only one 'in: body' parameter")
    if body_params and form_params:
        read.report(at, "'in: body' and 'in: formData' parameters cannot be mixed")
    if body_params:
        parameter, where = body_params[0]
        return _body_parameter(read, operation, parameter, where, at)
    if form_params:
        return _form_body(read, operation, form_params, at)
    return None


def _body_parameter(
    read: NodeReader, operation: Mapping[str, Any], parameter: Mapping[str, Any], where: Ref, at: Ref
) -> BodySpec:
    """One schema, offered under every media type the operation consumes (3.x lists them in ``content``)."""
    schema = read.bundle(parameter.get("schema"), where.child("schema"))
    check_schema(read, schema, where.child("schema"))
    content = {
        media_type: MediaTypeSpec(media_type, schema, example=parameter.get("x-example", MISSING))
        for media_type in _consumes(read, operation, at)
    }
    return BodySpec(content, required=bool(parameter.get("required")), name=parameter["name"])


def _form_body(read: NodeReader, operation: Mapping[str, Any], form_params: list[Located], at: Ref) -> BodySpec:
    """An object schema with one property per ``formData`` parameter: how 3.x writes the same form."""
    properties: dict[str, Any] = {}
    required: list[str] = []
    has_file = False
    for parameter, where in form_params:
        properties[parameter["name"]] = inline_schema(read, parameter, where)
        has_file = has_file or parameter.get("type") == "file"
        if parameter.get("required"):
            required.append(parameter["name"])
    form_types = [media_type for media_type in _consumes(read, operation, at) if is_form(media_type)]
    if has_file and not form_types:
        read.report(
            at, "'type: file' parameters need consumes multipart/form-data or application/x-www-form-urlencoded"
        )
    if not form_types:
        form_types = [MULTIPART if has_file else URLENCODED]
    schema: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        schema["required"] = required
    content = {media_type: MediaTypeSpec(media_type, schema) for media_type in form_types}
    return BodySpec(content, required=bool(required), form=True)


def _consumes(read: NodeReader, operation: Mapping[str, Any], at: Ref) -> list[str]:
    """The media types a body may have: the operation's ``consumes``, else the document's."""
    return (
        read.strings(operation, "consumes", at)
        or read.strings(read.root, "consumes", read.at_root())
        or ["application/json"]
    )


def produces(read: NodeReader, operation: Mapping[str, Any], at: Ref) -> list[str]:
    """The media types a response may have: the operation's ``produces``, else the document's."""
    return (
        read.strings(operation, "produces", at)
        or read.strings(read.root, "produces", read.at_root())
        or ["application/json"]
    )


def response_content(
    read: NodeReader, response: Mapping[str, Any], media_types: list[str], at: Ref
) -> dict[str, MediaTypeSpec]:
    """A response's one ``schema`` under each media type produced; ``examples`` are keyed by media type."""
    content: dict[str, MediaTypeSpec] = {}
    if "schema" in response:
        schema = read.bundle(response["schema"], at.child("schema"))
        check_schema(read, schema, at.child("schema"))
        examples = read.optional_mapping(response, "examples", at)
        for media_type in media_types:
            content[media_type] = MediaTypeSpec(media_type, schema, example=examples.get(media_type, MISSING))
    return content


def check_schema(read: NodeReader, schema: Mapping[str, Any], at: Ref) -> None:
    """Swagger 2 rules a meta-schema cannot express, on a body or response schema."""
    if not isinstance(schema, Mapping):
        return
    if schema.get("type") == "array" and "items" not in schema:
        read.report(at, "an array schema needs 'items'")
    _check_required(read, schema, at)


def _check_required(read: NodeReader, schema: Mapping[str, Any], at: Ref) -> None:
    """Every ``required`` name is a defined property, unless composition or
    ``additionalProperties`` may supply it."""
    properties = schema.get("properties")
    required = schema.get("required")
    if not isinstance(properties, Mapping) or not isinstance(required, list):
        return
    if any(key in schema for key in ("allOf", "anyOf", "oneOf", "additionalProperties")):
        return
    for name in required:
        if isinstance(name, str) and name not in properties:
            read.report(at, f"required property {name!r} is not defined in 'properties'")


def check_definitions(read: NodeReader) -> None:
    """Check the shared schemas themselves, even those no operation uses."""
    definitions = read.root.get("definitions") or {}
    if isinstance(definitions, Mapping):
        for name, schema in definitions.items():
            if isinstance(schema, Mapping):
                _check_required(read, schema, read.at_root("/definitions").child(name))


def security_definitions(read: NodeReader) -> tuple[Mapping[str, Any], Ref]:
    """The security schemes and where they live (3.x: ``components/securitySchemes``)."""
    return read.optional_mapping(read.root, "securityDefinitions", read.at_root()), read.at_root("/securityDefinitions")
