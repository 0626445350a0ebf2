"""Read path, query, header and cookie parameters by their ``style``/``explode`` and cast them.

Each parameter compiles once into a :class:`ParameterReader`; a request only calls them. Values are
cast to the schema's type (integer, number, boolean, array, object); a value that does not cast is a
:class:`~openapi_aio.errors.Violation`, and the caller reports every violation of a request at once.
Swagger 2 ``collectionFormat`` arrives here already mapped to styles (``tsv`` -> ``tabDelimited``).
"""

from __future__ import annotations

import builtins
import json
import keyword
import re
from collections.abc import Callable, Mapping
from typing import Any

from multidict import MultiMapping

from .errors import Violation
from .spec.model import MISSING, ParameterSpec

__all__ = ["CastError", "ParameterReader", "argument_name", "caster_for", "sanitize"]


class CastError(ValueError):
    """A raw value that is not of the schema's type."""


# --- argument names ---


def sanitize(name: str) -> str:
    """A Python identifier from a parameter name: ``$top`` -> ``top``, ``x-id`` -> ``xid``."""
    return re.sub(r"^[^a-zA-Z_]+", "", re.sub(r"[^0-9a-zA-Z_]", "", name))


def argument_name(name: str, pythonic: bool) -> str:
    """How a handler receives parameter ``name`` (``pythonic``: ``FilterOption`` -> ``filter_option``,
    ``filter`` -> ``filter_``)."""
    if not pythonic:
        return sanitize(name)
    snake = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", name))
    snake = sanitize(snake.replace("-", "_")).lower()
    if keyword.iskeyword(snake) or hasattr(builtins, snake):
        snake += "_"
    return snake


# --- casting ---

Caster = Callable[[Any], Any]


def _types(schema: Mapping[str, Any]) -> list[str]:
    kind = schema.get("type")
    if isinstance(kind, list):
        return [k for k in kind if k != "null"]
    if kind:
        return [kind]
    for keyword_ in ("allOf", "oneOf", "anyOf"):  # a parameter schema composed of one type
        for member in schema.get(keyword_) or ():
            if isinstance(member, Mapping) and _types(member):
                return _types(member)
    if "properties" in schema:
        return ["object"]
    if "items" in schema:
        return ["array"]
    return []


def _cast_integer(value: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise CastError(f"{value!r} is not an integer") from None


def _cast_number(value: str) -> float | int:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise CastError(f"{value!r} is not a number") from None
    if number != number or number in (float("inf"), float("-inf")):
        raise CastError(f"{value!r} is not a finite number")
    return int(number) if re.fullmatch(r"[+-]?\d+", value.strip()) else number


_BOOLEANS = {"true": True, "false": False, "1": True, "0": False}


def _cast_boolean(value: str) -> bool:
    try:
        return _BOOLEANS[value.lower()]
    except (KeyError, AttributeError):
        raise CastError(f"{value!r} is not a boolean (true or false)") from None


def caster_for(schema: Mapping[str, Any]) -> Caster:
    """A function turning one raw string into the schema's primitive type."""
    types = _types(schema)
    nullable = schema.get("nullable") or "null" in (schema.get("type") or [])
    if not types or "string" in types:
        return _identity
    casters = [c for c in (_PRIMITIVES.get(t) for t in types) if c is not None]
    if not casters:
        return _identity

    def cast(value: Any) -> Any:
        if nullable and value in ("", "null"):
            return None
        error: CastError | None = None
        for caster in casters:
            try:
                return caster(value)
            except CastError as failed:
                error = error or failed
        raise error  # type: ignore[misc]

    return cast


def _identity(value: Any) -> Any:
    return value


_PRIMITIVES: dict[str, Caster] = {"integer": _cast_integer, "number": _cast_number, "boolean": _cast_boolean}


def object_caster(schema: Mapping[str, Any]) -> Callable[[Mapping[str, Any]], dict[str, Any]]:
    """Cast each property of a flat object by its own schema (for objects in query strings and forms)."""
    properties = {
        name: caster_for(sub) for name, sub in (schema.get("properties") or {}).items() if isinstance(sub, Mapping)
    }
    extra = schema.get("additionalProperties")
    fallback = caster_for(extra) if isinstance(extra, Mapping) else _identity

    def cast(values: Mapping[str, Any]) -> dict[str, Any]:
        return {key: properties.get(key, fallback)(value) for key, value in values.items()}

    return cast


# --- splitting by style ---

_DELIMITERS = {"form": ",", "simple": ",", "spaceDelimited": " ", "pipeDelimited": "|", "tabDelimited": "\t"}


def _pairs_to_object(parts: list[str]) -> dict[str, str]:
    if len(parts) % 2:
        raise CastError("an object needs key,value pairs")
    return dict(zip(parts[::2], parts[1::2], strict=True))


def _exploded_object(parts: list[str]) -> dict[str, str]:
    result = {}
    for part in parts:
        key, sep, value = part.partition("=")
        if not sep:
            raise CastError(f"{part!r} is not key=value")
        result[key] = value
    return result


class ParameterReader:
    """Compiled reading of one parameter.

    ``read(source)`` returns the cast value, ``MISSING`` (absent and no default), or raises
    :class:`CastError`; ``source`` is the match dict, query, headers or cookies.
    """

    __slots__ = (
        "_cast_item",
        "_cast_object",
        "_kind",
        "_read",
        "argument",
        "default",
        "location",
        "name",
        "required",
        "spec",
    )  # fmt: skip

    def __init__(self, spec: ParameterSpec, *, pythonic: bool) -> None:
        self.spec = spec
        self.name = spec.name
        self.location = spec.location
        self.argument = argument_name(spec.name, pythonic)
        self.required = spec.required
        self.default = spec.default
        schema = spec.schema
        types = _types(schema)
        self._kind = "array" if "array" in types else "object" if "object" in types else "primitive"
        items = schema.get("items")
        self._cast_item = (
            caster_for(items if isinstance(items, Mapping) else {}) if self._kind == "array" else caster_for(schema)
        )
        self._cast_object = object_caster(schema)
        self._read = self._compile()

    def read(self, source: Any) -> Any:
        return self._read(source)

    def _compile(self) -> Callable[[Any], Any]:
        spec = self.spec
        if spec.content_type is not None:  # e.g. a JSON document in a query parameter
            return self._single(lambda raw: _json_value(raw))
        if spec.location == "path":
            return self._path_reader()
        if spec.location == "query" and self._kind == "object":
            if spec.style == "deepObject":
                return self._deep_object
            if spec.explode:
                return self._exploded_query_object
        if spec.location == "query" and self._kind == "array" and spec.explode and spec.style == "form":
            return self._multi
        if spec.location == "header" and self._kind == "object":
            return self._single(self._simple_object)
        return self._single(self._split_value)

    # primitives and arrays from one raw string

    def _single(self, convert: Callable[[str], Any]) -> Callable[[Any], Any]:
        name = self.name
        allow_empty = self.spec.allow_empty_value
        kind = self._kind

        def read(source: Any) -> Any:
            raw = source.get(name)
            if raw is None:
                return MISSING
            if raw == "" and kind == "primitive" and self._cast_item is not _identity:
                if allow_empty:
                    return MISSING
                raise CastError("empty value")
            return convert(raw)

        return read

    def _split_value(self, raw: str) -> Any:
        if self._kind == "array":
            if raw == "":
                return []
            delimiter = _DELIMITERS.get(self.spec.style, ",")
            return [self._cast_item(part) for part in raw.split(delimiter)]
        if self._kind == "object":
            return self._cast_object(_pairs_to_object(raw.split(",")))
        return self._cast_item(raw)

    def _simple_object(self, raw: str) -> Any:
        parts = raw.split(",")
        return self._cast_object(_exploded_object(parts) if self.spec.explode else _pairs_to_object(parts))

    def _multi(self, source: MultiMapping[str]) -> Any:
        values = source.getall(self.name, None)
        if values is None:
            return MISSING
        return [self._cast_item(value) for value in values]

    def _deep_object(self, source: MultiMapping[str]) -> Any:
        prefix = self.name + "["
        found = {
            key[len(prefix) : -1]: value
            for key, value in source.items()
            if key.startswith(prefix) and key.endswith("]")
        }
        return self._cast_object(found) if found else MISSING

    def _exploded_query_object(self, source: MultiMapping[str]) -> Any:
        properties = self.spec.schema.get("properties") or {}
        if properties and not self.spec.schema.get("additionalProperties"):
            found = {key: source[key] for key in properties if key in source}
        else:
            found = dict(source)  # free-form: every query parameter belongs to it
        return self._cast_object(found) if found else MISSING

    # path styles: simple (default), label (".x"), matrix (";name=x")

    def _path_reader(self) -> Callable[[Any], Any]:
        style, explode, name = self.spec.style, self.spec.explode, self.name

        def unwrap(raw: str) -> str | list[str]:
            if style == "label":
                if not raw.startswith("."):
                    raise CastError("a label-style value starts with '.'")
                return raw[1:].split(".") if explode else raw[1:]
            if style == "matrix":
                if not raw.startswith(";"):
                    raise CastError("a matrix-style value starts with ';'")
                pairs = [part.partition("=") for part in raw[1:].split(";")]
                if self._kind == "object" and explode:
                    return [f"{k}={v}" for k, _, v in pairs]
                values = [v for k, _, v in pairs if k == name]
                if not values:
                    raise CastError(f"expected ;{name}=...")
                return values if explode and self._kind == "array" else values[0]
            return raw

        def read(source: Mapping[str, str]) -> Any:
            raw = source.get(name)
            if raw is None:
                return MISSING
            value = unwrap(raw)
            parts = value if isinstance(value, list) else value.split(",")
            if self._kind == "array":
                return [self._cast_item(part) for part in parts]
            if self._kind == "object":
                exploded = explode and (style != "matrix" or isinstance(value, list))
                return self._cast_object(_exploded_object(parts) if exploded else _pairs_to_object(parts))
            return self._cast_item(value if isinstance(value, str) else ",".join(value))

        return read


def _json_value(raw: str) -> Any:
    try:
        return json.loads(raw)
    except ValueError:
        raise CastError("not valid JSON") from None


def violation_for(reader: ParameterReader, message: str) -> Violation:
    return Violation(reader.location, reader.name, message)
