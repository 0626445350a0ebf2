"""Form bodies: ``application/x-www-form-urlencoded`` and ``multipart/form-data`` (and their vendor
``+x-www-form-urlencoded`` / ``+form-data`` variants).

Fields are cast like query parameters, by each property's schema; repeated fields make arrays. One
:class:`FormDecoder` per form media type is compiled at start-up. The ``encoding`` of a media type
says more: in urlencoded forms ``explode: false`` packs an array into one field (``ids=1,2``) and
``contentType: application/json`` makes a field a JSON document; in multipart forms
``contentType`` is the type of a property's parts (``application/json`` parts are parsed as JSON,
as object properties are by default; binary ones are files). JSON is strict (no NaN, no 1e400) and
a field or part name that is not text is refused (:mod:`openapi_aio.request.decoding`).

Multipart bodies are read part by part as they arrive (:func:`read_multipart`), never buffered
whole: file parts stream into spooled temporary files (:mod:`openapi_aio.request.uploads`), within
the body's :class:`~openapi_aio.request.limits.Limits` (sizes, number of parts, idle time).
"""

from __future__ import annotations

import asyncio
import re
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import hdrs, web
from aiohttp.http_exceptions import HttpProcessingError
from aiohttp.multipart import BodyPartReader, MultipartReader
from aiohttp.streams import StreamReader
from aiohttp.web_request import FileField

from openapi_aio.errors import Violation
from openapi_aio.request.casting import Caster, CastError, caster_for, identity, schema_types
from openapi_aio.request.decoding import NOT_TEXT, NotJsonNumber, has_lone_surrogate, is_text, strict_json
from openapi_aio.request.limits import Limits, arrival, too_large, too_many_parts
from openapi_aio.request.media_types import MULTIPART, URLENCODED, is_form, is_json
from openapi_aio.request.parameters import DELIMITERS, KnownNames, argument_name
from openapi_aio.request.uploads import SPOOL_SIZE, UploadedFile, spooled_file
from openapi_aio.spec.model import MediaTypeSpec
from openapi_aio.spec.pointers import pointer_join

__all__ = ["FormDecoder", "MalformedForm", "is_form", "read_multipart", "urlencoded_fields"]

_CHUNK = 64 * 1024


def is_multipart(essence: str) -> bool:
    return essence.endswith("form-data")


# --- decoding fields ---


@dataclass(frozen=True, slots=True)
class _Field:
    cast: Caster = identity
    array: bool = False
    file: bool | None = False  # multipart: parts are uploads; None: those with a filename are
    json: bool = False  # multipart: parts are JSON documents
    delimiter: str | None = None  # urlencoded arrays packed in one value (explode: false)

    def decode(self, items: list[Any]) -> Any:
        if not self.array:
            return self._one(items[0])  # a field sent twice: the first one counts
        if self.delimiter is not None and len(items) == 1 and isinstance(items[0], str):
            items = items[0].split(self.delimiter) if items[0] else []
        elif self.json and len(items) == 1 and not isinstance(items[0], FileField):
            whole = _json(items[0])  # the whole array in one JSON part
            return whole if isinstance(whole, list) else [whole]
        return [self._one(item) for item in items]

    def _one(self, item: Any) -> Any:
        if isinstance(item, FileField):
            return item
        return _json(item) if self.json else self.cast(item)


_UNDECLARED = _Field(file=None)


def _json(raw: str | bytes) -> Any:
    try:
        return strict_json(raw)
    except NotJsonNumber as error:
        raise CastError(f"not valid JSON: {error}") from None
    except (ValueError, RecursionError):
        raise CastError("not valid JSON") from None


def _part_kind(schema: Mapping[str, Any], part_type: str | None) -> tuple[bool | None, bool]:
    """(file, json) for the parts of a multipart property: by its ``encoding`` ``contentType``,
    else by its schema (the defaults of OpenAPI 3: objects are JSON, binary strings are files)."""
    if part_type:
        first = part_type.split(",", 1)[0].split(";", 1)[0].strip().lower()
        if is_json(first):
            return False, True
        return not (first.startswith("text/") or first == URLENCODED), False
    if schema.get("format") == "binary" or ("contentMediaType" in schema and "contentEncoding" not in schema):
        return True, False
    types = schema_types(schema)
    if not types:
        return None, False  # any value: a part with a filename is a file
    return False, "object" in types


def _is_json_type(part_type: Any) -> bool:
    """Whether an urlencoded field's ``contentType`` makes it a JSON document (its other types
    leave it text: an urlencoded body has no files)."""
    return isinstance(part_type, str) and is_json(part_type.split(",", 1)[0].split(";", 1)[0].strip().lower())


def _packed_delimiter(encoding: Any) -> str | None:
    """The delimiter of an array field sent as one value (``explode: false``), else ``None``."""
    if not isinstance(encoding, Mapping):
        return None
    style = encoding.get("style", "form")
    if encoding.get("explode", style == "form"):
        return None
    return DELIMITERS.get(style, ",")


def _known_fields(schema: Mapping[str, Any]) -> KnownNames | None:
    """The field names a form may send with ``strict_validation``; ``None``: any."""
    extra = schema.get("additionalProperties")
    if extra is True or isinstance(extra, Mapping):
        return None
    try:
        patterns = [re.compile(str(pattern)) for pattern in schema.get("patternProperties") or ()]
    except re.error:
        return None  # a pattern Python cannot read: do not refuse what it might allow
    return KnownNames(schema.get("properties") or (), patterns=patterns)


class FormDecoder:
    """Compiled decoding of one form media type: raw values by name -> the body's fields.

    Required properties must be sent, as they become handler arguments.
    """

    def __init__(self, media: MediaTypeSpec, *, multipart: bool, pythonic: bool) -> None:
        schema = media.schema or {}
        encoding = media.encoding or {}
        self.pythonic = pythonic
        self.fields: dict[str, _Field] = {}
        self.arguments: dict[str, str] = {}
        for name, sub in (schema.get("properties") or {}).items():
            sub = sub if isinstance(sub, Mapping) else {}
            part = encoding.get(name)
            part_type = part.get("contentType") if isinstance(part, Mapping) else None
            if "array" in schema_types(sub):
                items = sub.get("items")
                items = items if isinstance(items, Mapping) else {}
                file, as_json = _part_kind(items, part_type) if multipart else (False, _is_json_type(part_type))
                delimiter = None if multipart or as_json else _packed_delimiter(part)
                self.fields[name] = _Field(caster_for(items), array=True, file=file, json=as_json, delimiter=delimiter)
            else:
                file, as_json = _part_kind(sub, part_type) if multipart else (False, _is_json_type(part_type))
                self.fields[name] = _Field(caster_for(sub), file=file, json=as_json)
            self.arguments[name] = argument_name(name, pythonic)
        required = schema.get("required")
        self.required = tuple(str(name) for name in required) if isinstance(required, list) else ()
        self.known = _known_fields(schema)

    def field(self, name: str) -> _Field:
        return self.fields.get(name, _UNDECLARED)

    def argument(self, name: str) -> str:
        """The handler argument of field ``name``."""
        found = self.arguments.get(name)
        return found if found is not None else argument_name(name, self.pythonic)

    def decode(
        self, raw: Mapping[str, list[Any]], *, strict: bool = False, unreadable: Mapping[str, str] | None = None
    ) -> tuple[dict[str, Any], list[Violation]]:
        """The fields, cast, and a violation for each that does not cast (or is unknown, when
        ``strict``); ``unreadable`` are fields sent but not decodable as text (name -> why)."""
        values: dict[str, Any] = {}
        violations = [
            Violation("body", pointer_join("", name), message) for name, message in (unreadable or {}).items()
        ]
        known = self.known if strict else None
        for name, items in raw.items():
            if not is_text(name):  # the name would be a key of the body: no echo of it either
                violations.append(Violation("body", "", f"a field name is {NOT_TEXT}"))
                continue
            if known is not None and not known.knows(name):
                violations.append(Violation("body", pointer_join("", name), "not a declared form field"))
                continue
            try:
                value = self.field(name).decode(items)
            except CastError as error:
                violations.append(Violation("body", pointer_join("", name), str(error)))
                continue
            if has_lone_surrogate(value):
                violations.append(Violation("body", pointer_join("", name), NOT_TEXT))
                continue
            values[name] = value
        violations += [
            Violation("body", pointer_join("", name), "required field is missing")
            for name in self.required
            if name not in values and name not in raw and name not in (unreadable or ())
        ]
        return values, violations


# --- reading ---


def urlencoded_fields(raw: bytes, charset: str, max_fields: int = 0) -> dict[str, list[str]]:
    """``a=1&b=2&a=3`` -> ``{"a": ["1", "3"], "b": ["2"]}`` (raises ValueError, LookupError; a
    413 for more than ``max_fields`` fields, counted before any is parsed; 0: no limit)."""
    text = raw.rstrip().decode(charset)
    if max_fields and text.count("&") >= max_fields:
        raise too_many_parts(max_fields)
    fields: dict[str, list[str]] = {}
    for name, value in parse_qsl(text, keep_blank_values=True, encoding=charset):
        fields.setdefault(name, []).append(value)
    return fields


class MalformedForm(ValueError):
    """A multipart body that cannot be read (a broken boundary, a nameless part...)."""


# What aiohttp's multipart reader raises on a body it cannot parse.
_BROKEN = (ValueError, LookupError, RuntimeError, HttpProcessingError, zlib.error)


async def read_multipart(
    request: web.Request,
    essence: str,
    decoder: FormDecoder,
    limits: Limits,
    uploads: list[UploadedFile],
    *,
    strict: bool = False,
) -> tuple[dict[str, list[Any]], dict[str, str]]:
    """The raw values of a multipart body by name (text, JSON bytes or uploads), read part by part,
    and the names of parts that are not text in their charset (name -> why).

    Each upload is appended to ``uploads`` as soon as it is complete; the caller closes them.
    ``strict``: parts of undeclared fields are skipped, not stored (their name stays, for the 400);
    so are parts whose name is not text (the decoder refuses the name).
    Raises :class:`MalformedForm`, or :class:`RequestEntityTooLarge` past ``limits`` (sizes, number
    of parts), or a 408 problem when the body stops arriving.
    """
    raw: dict[str, list[Any]] = {}
    unreadable: dict[str, str] = {}
    budget = _Budget(request.content, limits)
    known = decoder.known if strict else None
    try:
        if essence == MULTIPART:
            reader = await request.multipart()
        else:  # a vendor type (multipart/vnd.acme+form-data) is read as the standard one it extends
            _, separator, parameters = request.headers.get(hdrs.CONTENT_TYPE, "").partition(";")
            reader = MultipartReader({hdrs.CONTENT_TYPE: MULTIPART + separator + parameters}, request.content)
        while (part := await budget.next_part(reader)) is not None:
            if not isinstance(part, BodyPartReader):
                raise MalformedForm("nested multipart bodies are not supported")
            name = part.name
            if name is None:
                raise MalformedForm("a part has no name")
            if not is_text(name) or (known is not None and not known.knows(name)):
                await budget.skip(part)
                raw.setdefault(name, [])
                continue
            field = decoder.field(name)
            if field.file if field.file is not None else bool(part.filename):
                if not (is_text(part.filename or "") and is_text(part.headers.get(hdrs.CONTENT_TYPE, ""))):
                    await budget.skip(part)  # a file name (or type) no handler could echo or store
                    unreadable.setdefault(name, f"the file name or type is {NOT_TEXT}")
                    continue
                upload = await budget.file(part, name)
                uploads.append(upload)
                raw.setdefault(name, []).append(upload)
                continue
            data = await budget.text(part)
            if field.json:
                raw.setdefault(name, []).append(bytes(data))
                continue
            try:
                text = data.decode(part.get_charset("utf-8"))
            except (UnicodeDecodeError, LookupError):  # the error would quote the bytes: say less
                unreadable.setdefault(name, f"not valid {part.get_charset('utf-8')} text")
                continue
            raw.setdefault(name, []).append(text)
    except MalformedForm:
        raise
    except _BROKEN as error:
        raise MalformedForm(str(error)) from None
    return raw, unreadable


class _Budget:
    """What one multipart body may still bring, checked as it arrives."""

    __slots__ = ("_content", "_fields", "_files", "_limits", "_parts")

    def __init__(self, content: StreamReader, limits: Limits) -> None:
        self._content = content
        self._limits = limits
        self._fields = 0
        self._files = 0
        self._parts = 0

    async def next_part(self, reader: MultipartReader) -> Any:
        """The next part (``None`` at the end), within the limits on parts and on the total."""
        part = await arrival(reader.next(), self._limits.idle)
        self.check_total()
        if part is not None:
            self._parts += 1
            if self._limits.parts and self._parts > self._limits.parts:
                raise too_many_parts(self._limits.parts)
        return part

    async def _chunk(self, part: BodyPartReader) -> bytes:
        return await arrival(part.read_chunk(_CHUNK), self._limits.idle)

    def check_total(self) -> None:
        limit = self._limits.multipart
        if limit and self._content.total_bytes > limit:
            raise too_large("the request body is", limit)

    async def skip(self, part: BodyPartReader) -> None:
        while await self._chunk(part):
            self.check_total()

    async def text(self, part: BodyPartReader) -> bytearray:
        data = bytearray()
        limit = self._limits.body
        while chunk := await self._chunk(part):
            async for piece in part.decode_iter(chunk):
                data += piece
                self._fields += len(piece)
                if limit and self._fields > limit:
                    raise too_large("the form fields are", limit)
            self.check_total()
        return data

    async def file(self, part: BodyPartReader, name: str) -> UploadedFile:
        limit = self._limits.uploads
        spool = spooled_file()
        size = 0
        try:
            while chunk := await self._chunk(part):
                async for piece in part.decode_iter(chunk):
                    size += len(piece)
                    self._files += len(piece)
                    if limit and self._files > limit:
                        raise too_large("the uploaded files are", limit)
                    if size > SPOOL_SIZE:  # on disk (from this write on): not in the event loop
                        await asyncio.to_thread(spool.write, piece)
                    else:
                        spool.write(piece)
                self.check_total()
            if size > SPOOL_SIZE:
                await asyncio.to_thread(spool.seek, 0)
            else:
                spool.seek(0)
        except BaseException:
            spool.close()
            raise
        content_type = part.headers.get(hdrs.CONTENT_TYPE, "application/octet-stream")
        return UploadedFile(name, part.filename or "", spool, content_type, part.headers, size)
