"""One property's schema -> its Python annotation and the pair of callables converting it.

Decoders check the JSON type (``from_dict`` refuses a string where an integer belongs) and
formats; they do not check constraints such as ``maxLength`` (requests are validated against
the document before a handler sees them). Encoders are ``None`` where the value is JSON as it is,
so ``to_dict`` of plain fields is a ``getattr`` and nothing more.
"""

from __future__ import annotations

import base64
import datetime
import decimal
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from openapi_aio.models.base import ModelError, json_type
from openapi_aio.models.formats import FORMATS, NUMBER_FORMATS

if TYPE_CHECKING:
    from openapi_aio.models.compile import Compiler

__all__ = ["Shape", "ShapeBuilder", "encode_value"]

Decode = Callable[[Any], Any]
Encode = Callable[[Any], Any]


@dataclass(frozen=True, slots=True)
class Shape:
    annotation: str
    decode: Decode
    encode: Encode | None = None
    nullable: bool = False


def _check(kind: type | tuple[type, ...], name: str, allow_bool: bool = False) -> Decode:
    def check(value: Any) -> Any:
        if isinstance(value, kind) and (allow_bool or not isinstance(value, bool)):
            return value
        raise ModelError(f"expected {name}, got {json_type(value)}")

    return check


def _any(value: Any) -> Any:
    return value


_PRIMITIVES: dict[str, Shape] = {
    "string": Shape("str", _check(str, "a string")),
    "integer": Shape("int", _check(int, "an integer")),
    "number": Shape("float", _check((int, float), "a number")),
    "boolean": Shape("bool", _check(bool, "a boolean", allow_bool=True)),
    "null": Shape("None", _check(type(None), "null")),
}


def encode_value(value: Any) -> Any:
    """Any Python value back to JSON, by its type (for unions, whose member is known only then)."""
    to_dict = getattr(value, "to_dict", None)
    if callable(to_dict):
        return to_dict()
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        text = value.isoformat()
        return text[:-6] + "Z" if text.endswith("+00:00") else text
    if isinstance(value, uuid.UUID | decimal.Decimal):
        return str(value)
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, list | tuple):
        return [encode_value(item) for item in value]
    if isinstance(value, Mapping):
        return {key: encode_value(item) for key, item in value.items()}
    return value


class ShapeBuilder:
    def __init__(self, compiler: Compiler) -> None:
        self.compiler = compiler

    def shape(self, schema: Any, seen: frozenset[str] = frozenset()) -> Shape:
        if not isinstance(schema, Mapping):
            return Shape("_t.Any", _any)
        compiler = self.compiler
        ref = schema.get("$ref")
        if isinstance(ref, str):
            name = compiler.class_of(schema)
            if name is not None:
                return self._model(name)
            if ref in seen:  # a recursive alias that is no class: left as JSON
                return Shape("_t.Any", _any)
            return self.shape(compiler.resolve(schema), seen | {ref})
        shape = self._inner(schema, seen)
        if _nullable(schema) and not shape.nullable:
            return _or_null(shape)
        return shape

    def _inner(self, schema: Mapping[str, Any], seen: frozenset[str]) -> Shape:
        for keyword in ("oneOf", "anyOf"):
            members = schema.get(keyword)
            if isinstance(members, list) and members:
                return self._union([self.shape(member, seen) for member in members])
        all_of = schema.get("allOf")
        if isinstance(all_of, list) and all_of:
            typed = [member for member in all_of if isinstance(member, Mapping) and _says_type(member)]
            if len(typed) == 1 and not schema.get("properties"):  # allOf: [$ref] to add a description
                return self.shape(typed[0], seen)
            if typed or schema.get("type") in (None, "object"):
                return Shape("dict[str, _t.Any]", _check(Mapping, "an object"))
            # members without a type beside the schema's own (a second pattern): constraints only
        types = schema.get("type")
        if isinstance(types, list):
            names = [t for t in types if t != "null"]
            shapes = [self._typed(schema, t, seen) for t in names]
            shape = shapes[0] if len(shapes) == 1 else self._union(shapes) if shapes else Shape("_t.Any", _any)
            return _or_null(shape) if "null" in types else shape
        if types is None:
            if "properties" in schema or "additionalProperties" in schema:
                types = "object"
            elif "items" in schema:
                types = "array"
            elif schema.get("format") in FORMATS:
                types = "string"
            else:
                return _enum(Shape("_t.Any", _any), schema)
        return self._typed(schema, str(types), seen)

    def _typed(self, schema: Mapping[str, Any], kind: str, seen: frozenset[str]) -> Shape:
        format_ = schema.get("format")
        if kind == "string" and format_ in FORMATS:
            fmt = FORMATS[format_]
            return Shape(fmt.annotation, fmt.decode, fmt.encode)
        if kind == "number" and format_ in NUMBER_FORMATS:
            fmt = NUMBER_FORMATS[format_]
            return Shape(fmt.annotation, fmt.decode, fmt.encode)
        if kind == "array":
            return _array(self.shape(schema.get("items"), seen))
        if kind == "object":
            additional = schema.get("additionalProperties")
            if isinstance(additional, Mapping) and not schema.get("properties"):
                return _map(self.shape(additional, seen))
            return Shape("dict[str, _t.Any]", _check(Mapping, "an object"))
        primitive = _PRIMITIVES.get(kind)
        return _enum(primitive, schema) if primitive is not None else Shape("_t.Any", _any)

    def _model(self, name: str) -> Shape:
        compiler = self.compiler
        classes = compiler.classes

        def decode(value: Any) -> Any:  # the class is looked up on use: it may not exist yet
            return classes[name].from_dict(value)

        if name in compiler.unions:
            plan_members = compiler._union_members(compiler.schemas[name], compiler.objects) or []
            annotation = " | ".join(compiler.class_names[member] for member in plan_members)
            return Shape(annotation, decode, encode_value)
        return Shape(compiler.class_names[name], decode, _to_dict)

    def _union(self, shapes: list[Shape]) -> Shape:
        if len(shapes) == 1:
            return shapes[0]
        annotations = list(dict.fromkeys(part for shape in shapes for part in shape.annotation.split(" | ")))
        decoders = [shape.decode for shape in shapes]

        def decode(value: Any) -> Any:
            reasons = []
            for member in decoders:
                try:
                    return member(value)
                except ModelError as error:
                    reasons.append(str(error))
            raise ModelError(f"matches none of its members ({'; '.join(reasons)})")

        if "_t.Any" in annotations:
            annotations = ["_t.Any"]
        any_encoding = any(shape.encode is not None for shape in shapes)
        return Shape(" | ".join(annotations), decode, encode_value if any_encoding else None, "None" in annotations)


def _to_dict(value: Any) -> Any:
    return value.to_dict()


def _says_type(schema: Mapping[str, Any]) -> bool:
    return any(key in schema for key in ("$ref", "type", "properties", "items", "oneOf", "anyOf", "allOf", "format"))


def _nullable(schema: Mapping[str, Any]) -> bool:
    return bool(schema.get("nullable") or schema.get("x-nullable"))


def _or_null(shape: Shape) -> Shape:
    inner = shape.decode
    encode = shape.encode

    def decode(value: Any) -> Any:
        return None if value is None else inner(value)

    annotation = shape.annotation if shape.annotation == "_t.Any" else f"{shape.annotation} | None"
    return Shape(annotation, decode, encode, nullable=True)


def _array(items: Shape) -> Shape:
    decode_item, encode_item = items.decode, items.encode

    def decode(value: Any) -> Any:
        if not isinstance(value, list | tuple):
            raise ModelError(f"expected an array, got {json_type(value)}")
        result = []
        for index, item in enumerate(value):
            try:
                result.append(decode_item(item))
            except ModelError as error:
                raise error.at(str(index)) from None
        return result

    def encode(value: Any) -> Any:
        return [None if item is None else encode_item(item) for item in value]  # type: ignore[misc]

    return Shape(f"list[{items.annotation}]", decode, encode if encode_item is not None else list)


def _map(values: Shape) -> Shape:
    decode_value, encode_value_ = values.decode, values.encode

    def decode(value: Any) -> Any:
        if not isinstance(value, Mapping):
            raise ModelError(f"expected an object, got {json_type(value)}")
        result = {}
        for key, item in value.items():
            try:
                result[key] = decode_value(item)
            except ModelError as error:
                raise error.at(str(key)) from None
        return result

    def encode(value: Any) -> Any:
        return {key: None if item is None else encode_value_(item) for key, item in value.items()}  # type: ignore[misc]

    return Shape(f"dict[str, {values.annotation}]", decode, encode if encode_value_ is not None else dict)


def _enum(shape: Shape, schema: Mapping[str, Any]) -> Shape:
    values = schema.get("enum")
    if not isinstance(values, list) or not values:
        return shape
    check = shape.decode
    allowed = [value for value in values if value is not None]

    def decode(value: Any) -> Any:
        value = check(value)
        if any(value == v and type(value) is type(v) for v in allowed):
            return value
        raise ModelError(f"{value!r} is not one of {', '.join(map(repr, allowed))}")

    literal = all(isinstance(v, str) for v in allowed) or all(
        isinstance(v, int) and not isinstance(v, bool) for v in allowed
    )
    annotation = f"_t.Literal[{', '.join(map(repr, allowed))}]" if literal and allowed else shape.annotation
    return Shape(annotation, decode, shape.encode, shape.nullable)
