"""Parameter Objects read into :class:`~.model.ParameterSpec` (not to be confused with
:mod:`openapi_aio.request.parameters`, which reads them from requests).

The serialisation is always the OpenAPI 3 ``style``/``explode``: a Swagger 2 parameter gets the one
its ``collectionFormat`` means (see :mod:`.swagger2`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from openapi_aio.spec import swagger2
from openapi_aio.spec.files import Ref
from openapi_aio.spec.model import MISSING, ParameterSpec
from openapi_aio.spec.reader import Located, NodeReader

__all__ = ["parameter_list", "sort_parameters"]

_DEFAULT_STYLES = {"path": "simple", "query": "form", "header": "simple", "cookie": "form"}


def parameter_list(read: NodeReader, raw: Any, at: Ref) -> list[Located]:
    """The ``parameters`` of a path item or operation, each followed through its ``$ref``.

    One that cannot be identified by ``name`` and ``in``, or that repeats another, is reported
    and left out.
    """
    if raw is None:
        return []
    if not isinstance(raw, list):
        read.report(at, "'parameters' must be an array")
        return []
    found: list[Located] = []
    seen: set[tuple[str, str]] = set()
    for index, parameter in enumerate(raw):
        parameter, where = read.follow(parameter, at.child(index), "a parameter")
        if parameter is None:
            continue
        if not isinstance(parameter.get("name"), str) or not isinstance(parameter.get("in"), str):
            read.report(where, "a parameter needs 'name' and 'in' strings")
            continue
        key = (parameter["name"], parameter["in"])
        if key in seen:
            read.report(at.child(index), f"duplicate parameter {key[0]!r} in {key[1]}")
            continue
        seen.add(key)
        found.append((parameter, where))
    return found


def sort_parameters(
    read: NodeReader, shared: list[Located], own: list[Located]
) -> tuple[list[ParameterSpec], list[Located], list[Located]]:
    """An operation's parameters, then its Swagger 2 ``in: body`` and ``in: formData`` ones.

    The operation's own parameters replace the path item's of the same name and location; the
    body and form ones are left for :func:`.swagger2.request_body`, which makes them one body.
    """
    merged: dict[tuple[str, str], Located] = {(p["name"], p["in"]): (p, w) for p, w in shared}
    merged.update({(p["name"], p["in"]): (p, w) for p, w in own})
    parameters: list[ParameterSpec] = []
    body_params: list[Located] = []
    form_params: list[Located] = []
    for (_, location), (parameter, where) in merged.items():
        if location == "body" and read.version == "2.0":
            body_params.append((parameter, where))
        elif location == "formData" and read.version == "2.0":
            form_params.append((parameter, where))
        elif location in _DEFAULT_STYLES and (location != "cookie" or read.version != "2.0"):
            parameters.append(_parameter(read, parameter, location, where))
        else:
            read.report(where, f"unknown parameter location in: {location!r}")
    return parameters, body_params, form_params


def _parameter(read: NodeReader, raw: Mapping[str, Any], location: Any, at: Ref) -> ParameterSpec:
    """One path, query, header or cookie parameter, with its schema bundled."""
    content_type: str | None = None
    if read.version == "2.0":
        schema = swagger2.inline_schema(read, raw, at)
        style, explode = _swagger2_style(read, raw, location, schema, at)
    else:
        schema, content_type = _schema(read, raw, at)
        style, explode = _style(read, raw, location, at)
    return ParameterSpec(
        name=raw["name"],
        location=location,
        schema=schema,
        required=bool(raw.get("required", False)),
        style=style,
        explode=explode,
        allow_empty_value=bool(raw.get("allowEmptyValue", False)),
        allow_reserved=bool(raw.get("allowReserved", False)),
        default=schema.get("default", MISSING),
        deprecated=bool(raw.get("deprecated", False)),
        content_type=content_type,
        pointer=at.pointer,
    )


def _swagger2_style(
    read: NodeReader, raw: Mapping[str, Any], location: str, schema: Mapping[str, Any], at: Ref
) -> tuple[str, bool]:
    """Swagger 2 has no ``style``: its location's default, or for an array its ``collectionFormat``."""
    if schema.get("type") == "array":
        return swagger2.array_style(read, raw, location, at)
    return _DEFAULT_STYLES[location], location in ("query", "cookie")


def _schema(read: NodeReader, raw: Mapping[str, Any], at: Ref) -> tuple[Mapping[str, Any], str | None]:
    """The bundled schema, and the media type when ``content`` describes the value (JSON in a
    query, say) instead of ``schema``."""
    content = read.optional_mapping(raw, "content", at)
    if not content:
        return read.bundle(raw.get("schema"), at.child("schema")), None
    content_type, media = next(iter(content.items()))
    media_at = at.child("content", content_type)
    media = read.mapping(media, media_at, "a media type") if media is not None else {}
    return read.bundle((media or {}).get("schema"), media_at.child("schema")), content_type


def _style(read: NodeReader, raw: Mapping[str, Any], location: str, at: Ref) -> tuple[str, bool]:
    """``style`` (its location's default when absent) and ``explode`` (true for ``form`` unless given)."""
    style = raw.get("style", _DEFAULT_STYLES[location])
    if not isinstance(style, str):
        read.report(at.child("style"), "'style' must be a string")
        style = _DEFAULT_STYLES[location]
    return style, bool(raw.get("explode", style == "form"))
