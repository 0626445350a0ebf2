"""Write parameters and bodies the way the server reads them (:mod:`openapi_aio.request.parameters`,
:mod:`openapi_aio.request.forms`): the mirror image, style by style.

Each parameter compiles once into a :class:`ParameterWriter`; a call only runs it. Path and query
values come out percent-encoded (delimiters stay literal, so an encoded delimiter inside an item
stays inside it, as RFC 6570 says); headers and cookies come out as text. Swagger 2
``collectionFormat`` arrives already mapped to styles (``multi`` is ``form`` exploded).
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import quote

from aiohttp import FormData

from openapi_aio.request.casting import schema_types
from openapi_aio.request.media_types import MULTIPART, URLENCODED, essence, is_json
from openapi_aio.request.parameters import DELIMITERS
from openapi_aio.spec.model import MediaTypeSpec, ParameterSpec

__all__ = ["ParameterWriter", "choose_media_type", "encode_body", "text"]

# RFC 3986 reserved characters a query value may carry unencoded with ``allowReserved`` (never
# "&", "=" or "#": they would end the value).
_RESERVED = ":/?[]@!$'()*+,;"


def text(value: Any) -> str:
    """One primitive as the server's casters read it: ``true``/``false``, numbers, ``""`` for null."""
    if value is True:
        return "true"
    if value is False:
        return "false"
    if value is None:
        return ""
    return str(value)


def _delimiter(style: str) -> str:
    """A query style's delimiter as written in the URL (commas and pipes stay readable)."""
    delimiter = DELIMITERS.get(style, ",")
    return delimiter if delimiter in ",|" else quote(delimiter, safe="")


def _pairs(value: Mapping[str, Any], exploded: bool, joiner: str) -> list[str]:
    """An object's members as ``k=v`` items (exploded) or ``k,v`` pairs flattened."""
    if exploded:
        return [f"{key}{joiner}{item}" for key, item in value.items()]
    return [part for key, item in value.items() for part in (key, item)]


class ParameterWriter:
    """Compiled writing of one parameter: ``write(value)`` gives what goes in its location.

    - path: the encoded segment text;
    - query: a list of encoded ``(name, value)`` pairs;
    - header and cookie: the text of the value.
    """

    __slots__ = ("_kind", "_write", "location", "name", "required", "spec")

    def __init__(self, spec: ParameterSpec) -> None:
        self.spec = spec
        self.name = spec.name
        self.location = spec.location
        self.required = spec.required
        types = schema_types(spec.schema)
        self._kind = "array" if "array" in types else "object" if "object" in types else "primitive"
        self._write = self._compile()

    def write(self, value: Any) -> Any:
        return self._write(value)

    def _kind_of(self, value: Any) -> str:
        # the value decides when the schema does not say (``{}``, anyOf of several types)
        if isinstance(value, Mapping):
            return "object"
        if isinstance(value, list | tuple | set | frozenset):
            return "array"
        return "primitive"

    def _compile(self) -> Callable[[Any], Any]:
        spec = self.spec
        if spec.content_type is not None:
            dump: Callable[[Any], str] = (
                (lambda value: json.dumps(value, separators=(",", ":"))) if is_json(spec.content_type) else text
            )
            if spec.location == "query":
                return lambda value: [(self._encode(spec.name), self._encode(dump(value)))]
            if spec.location == "path":
                return lambda value: self._encode(dump(value))
            return dump
        return {"path": self._path, "query": self._query}.get(spec.location, self._text)

    def _encode(self, value: str, safe: str = "") -> str:
        return quote(value, safe=_RESERVED + safe if self.spec.allow_reserved else safe)

    # --- path: simple, label, matrix ---

    def _path(self, value: Any) -> str:
        style, explode, name = self.spec.style, self.spec.explode, self.name
        kind = self._kind_of(value)
        enc = self._encode
        if kind == "primitive":
            item = enc(text(value))
            return {"label": "." + item, "matrix": f";{name}={item}"}.get(style, item)
        if kind == "array":
            items = [enc(text(item)) for item in value]
            if style == "label":
                return "." + ("." if explode else ",").join(items)
            if style == "matrix":
                return "".join(f";{name}={item}" for item in items) if explode else f";{name}=" + ",".join(items)
            return ",".join(items)
        members = {enc(str(key)): enc(text(item)) for key, item in value.items()}
        if style == "matrix":
            return (
                "".join(f";{k}={v}" for k, v in members.items())
                if explode
                else f";{name}=" + ",".join(_pairs(members, False, ""))
            )
        parts = _pairs(members, explode, "=")
        if style == "label":
            return "." + ("." if explode else ",").join(parts)
        return ",".join(parts)

    # --- query: form, spaceDelimited, pipeDelimited, tabDelimited, deepObject ---

    def _query(self, value: Any) -> list[tuple[str, str]]:
        style, explode = self.spec.style, self.spec.explode
        enc = self._encode
        name = enc(self.name)
        kind = self._kind_of(value)
        if kind == "primitive":
            return [(name, enc(text(value)))]
        if kind == "array":
            items = [enc(text(item)) for item in value]
            if explode and style != "deepObject":
                return [(name, item) for item in items] or [(name, "")]  # "?ids=": the empty array
            return [(name, _delimiter(style).join(items))]
        if style == "deepObject":
            return [(f"{name}%5B{enc(str(key))}%5D", enc(text(item))) for key, item in value.items()]
        if explode:  # ?R=1&G=2: the properties are the parameters
            return [(enc(str(key)), enc(text(item))) for key, item in value.items()]
        return [(name, _delimiter(style).join(enc(text(part)) for part in _pairs(value, False, "")))]

    # --- header and cookie: one text value ---

    def _text(self, value: Any) -> str:
        kind = self._kind_of(value)
        if kind == "primitive":
            return text(value)
        delimiter = "," if self.spec.style in ("simple", "form") else DELIMITERS.get(self.spec.style, ",")
        if kind == "array":
            return delimiter.join(text(item) for item in value)
        # only simple style explodes an object within one value ("R=100,G=200")
        exploded = self.spec.explode and self.spec.style == "simple"
        return delimiter.join(_pairs({k: text(v) for k, v in value.items()}, exploded, "="))


# --- bodies ---


def _is_file(value: Any) -> bool:
    return isinstance(value, bytes | bytearray | io.IOBase) or (
        isinstance(value, tuple) and len(value) in (2, 3) and isinstance(value[0], str)
    )


def choose_media_type(content: Mapping[str, MediaTypeSpec], body: Any) -> str:
    """The media type to send ``body`` as, among those the operation accepts (in document order):
    JSON for data, a form for a mapping with files (or when no JSON is accepted), raw types for
    bytes and text."""
    types = list(content)
    json_types = [t for t in types if is_json(t)]
    forms = [t for t in types if essence(t) in (URLENCODED, MULTIPART)]
    multipart = [t for t in forms if essence(t) == MULTIPART]
    raw = [t for t in types if t not in json_types and t not in forms]
    if isinstance(body, Mapping) and multipart and any(_is_file(v) for v in body.values()):
        return multipart[0]
    if isinstance(body, bytes | bytearray | io.IOBase):
        return (raw or types)[0]
    if isinstance(body, str):
        texts = [t for t in raw if essence(t).startswith("text/")]
        return (texts or raw or json_types or types)[0]
    return (json_types or forms or types)[0]


def encode_body(media: MediaTypeSpec, body: Any) -> tuple[Any, str | None]:
    """``(data, content type)`` for aiohttp: bytes, or a ``FormData`` for multipart (whose own
    boundary makes the content type, hence ``None``). Made anew for each attempt: aiohttp reads a
    ``FormData`` once."""
    media_type = media.media_type
    kind = essence(media_type)
    if is_json(media_type):
        return json.dumps(body).encode(), media_type
    if kind == URLENCODED:
        return _urlencoded(media, body), media_type
    if kind == MULTIPART:
        return _multipart(media, body), None
    if "*" in kind:  # a range in the document: send what the value is
        media_type = "text/plain; charset=utf-8" if isinstance(body, str) else "application/octet-stream"
    if isinstance(body, str):
        if "charset=" not in media_type and media_type.startswith("text/"):
            media_type += "; charset=utf-8"
        return body.encode(), media_type
    if isinstance(body, io.IOBase):
        return body, media_type
    if isinstance(body, bytes | bytearray):
        return bytes(body), media_type
    raise TypeError(f"a {media_type} body must be bytes, str or a binary file, not {type(body).__name__}")


def _fields(body: Any) -> Mapping[str, Any]:
    if not isinstance(body, Mapping):
        raise TypeError(f"a form body must be a mapping of field names to values, not {type(body).__name__}")
    return body


def _urlencoded(media: MediaTypeSpec, body: Any) -> bytes:
    pairs: list[str] = []
    for name, value in _fields(body).items():
        if value is None:
            continue
        encoding = media.encoding.get(name)
        key = quote(str(name), safe="")
        if isinstance(value, list | tuple):
            packed = _packed(encoding)
            if packed is not None:
                pairs.append(f"{key}={quote(packed.join(text(item) for item in value), safe='')}")
            else:
                pairs += [f"{key}={quote(text(item), safe='')}" for item in value]
        elif isinstance(value, Mapping):
            pairs.append(f"{key}={quote(json.dumps(value), safe='')}")
        else:
            pairs.append(f"{key}={quote(text(value), safe='')}")
    return "&".join(pairs).encode()


def _packed(encoding: Any) -> str | None:
    """The delimiter of an array sent as one field (``explode: false``), as the server reads it."""
    if not isinstance(encoding, Mapping):
        return None
    style = encoding.get("style", "form")
    return None if encoding.get("explode", style == "form") else DELIMITERS.get(style, ",")


def _multipart(media: MediaTypeSpec, body: Any) -> FormData:
    form = FormData(quote_fields=False, default_to_multipart=True)
    for name, value in _fields(body).items():
        if value is None:
            continue
        encoding = media.encoding.get(name)
        part_type = encoding.get("contentType") if isinstance(encoding, Mapping) else None
        values = value if isinstance(value, list) and not (part_type and is_json(part_type)) else [value]
        for item in values:
            _add_part(form, name, item, part_type)
    return form


def _add_part(form: FormData, name: str, value: Any, part_type: str | None) -> None:
    """A part: files (bytes, binary files, ``(filename, content[, content type])``), JSON for
    objects (and for any value whose encoding says JSON), text otherwise."""
    if isinstance(value, tuple) and len(value) in (2, 3) and isinstance(value[0], str):
        filename, content = value[0], value[1]
        content_type = value[2] if len(value) == 3 else part_type or "application/octet-stream"
        form.add_field(name, content, filename=filename, content_type=content_type)
    elif isinstance(value, bytes | bytearray | io.IOBase):
        given = getattr(value, "name", None)
        form.add_field(
            name,
            value,
            filename=given if isinstance(given, str) else name,
            content_type=part_type or "application/octet-stream",
        )
    elif isinstance(value, Mapping | list) or (part_type is not None and is_json(part_type)):
        form.add_field(name, json.dumps(value), content_type=part_type or "application/json")
    else:
        form.add_field(name, text(value), content_type=part_type)
