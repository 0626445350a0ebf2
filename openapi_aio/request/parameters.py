"""Read path, query, header and cookie parameters by their ``style``/``explode`` and cast them.

Each parameter compiles once into a :class:`ParameterReader`; a request only calls them. Values are
cast to the schema's type by :mod:`openapi_aio.request.casting` (integer, number, boolean, array, object);
a value that does not cast is a
:class:`~openapi_aio.errors.Violation`, and the caller reports every violation of a request at once.
Swagger 2 ``collectionFormat`` arrives here already mapped to styles (``tsv`` -> ``tabDelimited``).
"""

from __future__ import annotations

import builtins
import keyword
import re
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from multidict import MultiMapping

from openapi_aio.request.casting import CastError, caster_for, identity, nullable, object_caster, schema_types
from openapi_aio.request.decoding import NotJsonNumber, strict_json
from openapi_aio.request.media_types import is_json
from openapi_aio.spec.model import MISSING, ParameterSpec

if TYPE_CHECKING:
    from openapi_aio.validation import SchemaValidator

__all__ = ["CastError", "KnownNames", "ParameterReader", "argument_name", "caster_for", "known_query_names", "sanitize"]


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


# --- splitting by style ---

DELIMITERS = {"form": ",", "simple": ",", "spaceDelimited": " ", "pipeDelimited": "|", "tabDelimited": "\t"}
# Query styles whose exploded arrays are repeated parameters (?id=1&id=2), as swagger-js sends them.
_REPEATED = frozenset(("form", "spaceDelimited", "pipeDelimited", "tabDelimited"))


def _pairs_to_object(parts: list[str]) -> dict[str, str]:
    if len(parts) % 2:
        raise CastError("an object needs key,value pairs")
    return dict(zip(parts[::2], parts[1::2], strict=True))


def _exploded_object(parts: list[str]) -> dict[str, str]:
    result = {}
    for part in parts:
        key, sep, value = part.partition("=")
        if not sep:
            raise CastError("must be a list of key=value pairs")
        result[key] = value
    return result


# Header parameters named Accept, Content-Type or Authorization "SHALL be ignored" (OpenAPI 3):
# content negotiation and security own those headers.
IGNORED_HEADERS = frozenset(("accept", "content-type", "authorization"))


class _Empty:
    """How a reader treats an empty raw value (``?limit=``) other than by converting it."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


_CONVERT = _Empty("CONVERT")  # like any value: "" for strings, [] for arrays, None when nullable
_REJECT = _Empty("REJECT")  # a typed value that is empty and not allowed to be


class ParameterReader:
    """Compiled reading of one parameter.

    ``read(source)`` returns the cast value, ``MISSING`` (absent and no default), or raises
    :class:`CastError`; ``source`` is the match dict, query, headers or cookies.
    """

    __slots__ = (
        "_cast_item",
        "_cast_object",
        "_empty",
        "_kind",
        "_read",
        "_reserved",
        "argument",
        "default",
        "ignored",
        "location",
        "may_be_no_text",
        "name",
        "required",
        "spec",
        "validator",
    )  # fmt: skip

    def __init__(self, spec: ParameterSpec, *, pythonic: bool) -> None:
        self.spec = spec
        # Set by the operation when the schema says more than the cast already guarantees.
        self.validator: SchemaValidator | None = None
        self.name = spec.name
        self.location = spec.location
        # Whether a value can hold a lone surrogate (request/decoding.py): header and cookie bytes
        # that are not UTF-8, or a JSON "\ud800"; paths and queries are percent-decoded with
        # U+FFFD for such bytes. Decided here so that other parameters are not searched per request.
        self.may_be_no_text = spec.location in ("header", "cookie") or spec.content_type is not None
        self.argument = argument_name(spec.name, pythonic)
        self.required = spec.required
        self.default = spec.default
        self.ignored = spec.location == "header" and spec.name.lower() in IGNORED_HEADERS
        schema = spec.schema
        types = schema_types(schema)
        self._kind = "array" if "array" in types else "object" if "object" in types else "primitive"
        items = schema.get("items")
        self._cast_item = (
            caster_for(items if isinstance(items, Mapping) else {}) if self._kind == "array" else caster_for(schema)
        )
        self._cast_object = object_caster(schema)
        self._reserved: frozenset[str] = frozenset()
        self._empty = self._empty_value()
        self._read = self._compile()

    def read(self, source: Any) -> Any:
        return self._read(source)

    def reserve(self, names: Iterable[str]) -> None:
        """Name the query parameters the operation's other parameters own.

        A free-form exploded object (``style: form``, ``explode: true``, no fixed properties) is
        made of every query parameter of the request, except these.
        """
        self._reserved = frozenset(names) - {self.name}
        self._read = self._compile()

    def _empty_value(self) -> Any:
        """What ``?limit=`` reads as when the schema's type cannot be empty.

        ``allowEmptyValue`` lets the parameter be sent empty: an optional one is then as good as
        absent (its default applies), a required one is present without a value (``None``).
        """
        if self._kind != "primitive" or self._cast_item is identity or nullable(self.spec.schema):
            return _CONVERT
        if self.spec.allow_empty_value:
            return None if self.required and self.default is MISSING else MISSING
        return _REJECT

    def _compile(self) -> Callable[[Any], Any]:
        spec = self.spec
        if spec.content_type is not None:  # e.g. a JSON document in a query parameter
            return self._single(_json_value if is_json(spec.content_type) else identity)
        if spec.location == "path":
            return self._path_reader()
        if spec.location == "query" and self._kind == "object":
            if spec.style == "deepObject":
                return self._deep_object
            if spec.explode:
                return self._exploded_query_object()
        if spec.location == "query" and self._kind == "array" and spec.explode and spec.style in _REPEATED:
            return self._multi
        return self._single(self._converter())

    # one raw string: primitives, delimited arrays and objects

    def _single(self, convert: Callable[[str], Any]) -> Callable[[Any], Any]:
        get = self._getter()
        empty = self._empty

        def read(source: Any) -> Any:
            raw = get(source)
            if raw is None:
                return MISSING
            if raw == "" and empty is not _CONVERT:
                if empty is _REJECT:
                    raise CastError("empty value")
                return empty
            return convert(raw)

        return read

    def _getter(self) -> Callable[[Any], str | None]:
        name = self.name
        if self.location == "header" and self._kind != "primitive":

            def joined(headers: MultiMapping[str]) -> str | None:
                # Repeated header lines are one comma-separated list (RFC 9110 section 5.3).
                values = headers.getall(name, None)
                return None if values is None else ",".join(values)

            return joined
        if self.location == "query":
            return _single_query_value(name)
        return lambda source: source.get(name)

    def _converter(self) -> Callable[[str], Any]:
        if self._kind == "primitive":
            return self._cast_item
        delimiter = DELIMITERS.get(self.spec.style, ",")
        if self.location == "header":  # HTTP lists allow spaces around commas (RFC 9110 section 5.6.1)

            def split(raw: str) -> list[str]:
                return [part.strip() for part in raw.split(delimiter)]

        else:

            def split(raw: str) -> list[str]:
                return raw.split(delimiter)

        cast_item, cast_object = self._cast_item, self._cast_object
        if self._kind == "array":
            return lambda raw: [cast_item(part) for part in split(raw)] if raw else []
        # Only simple style (headers) explodes an object within one value: "R=100,G=200".
        to_object = _exploded_object if self.spec.explode and self.spec.style == "simple" else _pairs_to_object
        return lambda raw: cast_object(to_object(split(raw))) if raw else {}

    # several query parameters

    def _multi(self, source: MultiMapping[str]) -> Any:
        values = source.getall(self.name, None)
        if values is None:
            return MISSING
        if values == [""]:  # "?ids=": the empty array
            return []
        return [self._cast_item(value) for value in values]

    def _deep_object(self, source: MultiMapping[str]) -> Any:
        prefix = self.name + "["
        found = {
            key[len(prefix) : -1]: value
            for key, value in source.items()
            if key.startswith(prefix) and key.endswith("]")
        }
        return self._cast_object(found) if found else MISSING

    def _exploded_query_object(self) -> Callable[[MultiMapping[str]], Any]:
        schema = self.spec.schema
        properties = tuple(schema.get("properties") or ())
        cast = self._cast_object
        if properties and not schema.get("additionalProperties"):

            def read(source: MultiMapping[str]) -> Any:
                found = {key: source[key] for key in properties if key in source}
                return cast(found) if found else MISSING

            return read

        reserved = self._reserved

        def read_free_form(source: MultiMapping[str]) -> Any:
            found = {
                key: source[key] for key in source if key not in reserved and key.partition("[")[0] not in reserved
            }
            return cast(found) if found else MISSING

        return read_free_form

    # path styles: simple (default), label (".x"), matrix (";name=x")

    def _path_reader(self) -> Callable[[Any], Any]:
        style, explode, name, kind = self.spec.style, self.spec.explode, self.name, self._kind

        def unwrap(raw: str) -> str | list[str]:
            if style == "label":
                if not raw.startswith("."):
                    raise CastError("a label-style value starts with '.'")
                # Exploded arrays and objects are dot-separated; a primitive may hold dots (".2.5").
                return raw[1:].split(".") if explode and kind != "primitive" and raw != "." else raw[1:]
            if style == "matrix":
                if not raw.startswith(";"):
                    raise CastError("a matrix-style value starts with ';'")
                pairs = [part.partition("=") for part in raw[1:].split(";")]
                if kind == "object" and explode:
                    return [f"{k}={v}" for k, _, v in pairs]
                values = [v for k, _, v in pairs if k == name]
                if not values:
                    raise CastError(f"expected ;{name}=...")
                return values if explode and kind == "array" else values[0]
            return raw

        def read(source: Mapping[str, str]) -> Any:
            # Values arrive still percent-encoded: split by the style first, then decode, so an
            # encoded delimiter ("a%2Cb") stays inside its item (RFC 6570).
            raw = source.get(name)
            if raw is None:
                return MISSING
            value = unwrap(raw)
            if kind == "primitive":
                return self._cast_item(unquote(value if isinstance(value, str) else ",".join(value)))
            if value == "":
                return [] if kind == "array" else {}
            parts = value if isinstance(value, list) else value.split(",")
            if kind == "array":
                return [self._cast_item(unquote(part)) for part in parts]
            exploded = explode and (style != "matrix" or isinstance(value, list))
            pairs = _exploded_object(parts) if exploded else _pairs_to_object(parts)
            return self._cast_object({unquote(key): unquote(item) for key, item in pairs.items()})

        return read


def _single_query_value(name: str) -> Callable[[MultiMapping[str]], str | None]:
    """The one value of a query parameter that has one (a primitive, a non-exploded array or
    object): ``?ids=1&ids=2`` for ``explode: false`` is a 400 naming it, never silently the first
    value (which would drop the second without a word)."""

    def get(source: MultiMapping[str]) -> str | None:
        values = source.getall(name, None)
        if values is None:
            return None
        if len(values) > 1:
            raise CastError(f"given {len(values)} times: send it once (a list is one delimited value)")
        return values[0]

    return get


def _json_value(raw: str) -> Any:
    try:
        return strict_json(raw)
    except NotJsonNumber as error:  # NaN, Infinity, 1e400: not JSON, and no response could hold them
        raise CastError(f"not valid JSON: {error}") from None
    except (ValueError, RecursionError):  # RecursionError: "[[[[..." nested deeper than Python recurses
        raise CastError("not valid JSON") from None


# --- strict validation: which names a request may send ---


class KnownNames:
    """The query parameter or form field names an operation declares, compiled for
    ``strict_validation``: exact names, prefixes (a deepObject's ``name[``) and patterns (an object
    schema's ``patternProperties``). ``None`` stands for "anything goes" wherever one is built.
    """

    __slots__ = ("_exact", "_patterns", "_prefixes")

    def __init__(
        self, exact: Iterable[str], prefixes: Iterable[str] = (), patterns: Iterable[re.Pattern[str]] = ()
    ) -> None:
        self._exact = frozenset(exact)
        self._prefixes = tuple(prefixes)
        self._patterns = tuple(patterns)

    def knows(self, name: str) -> bool:
        return (
            name in self._exact
            or (bool(self._prefixes) and name.startswith(self._prefixes) and name.endswith("]"))
            or any(pattern.search(name) for pattern in self._patterns)
        )

    def unknown(self, names: Iterable[str]) -> list[str]:
        """The names not declared, each once, in the order given."""
        return [name for name in dict.fromkeys(names) if not self.knows(name)]


def known_query_names(readers: Iterable[ParameterReader], also: Iterable[str] = ()) -> KnownNames | None:
    """The query names ``readers`` own (and ``also``: e.g. API keys sent in the query); ``None``
    when a free-form exploded object takes any name."""
    exact: list[str] = list(also)
    prefixes: list[str] = []
    for reader in readers:
        if reader.location != "query":
            continue
        spec = reader.spec
        if reader._kind == "object" and spec.content_type is None:
            if spec.style == "deepObject":
                prefixes.append(reader.name + "[")
                continue
            if spec.explode:  # ?R=1&G=2: the properties are the parameters
                properties = tuple(spec.schema.get("properties") or ())
                if not properties or spec.schema.get("additionalProperties"):
                    return None
                exact += properties
                continue
        exact.append(reader.name)
    return KnownNames(exact, prefixes)
