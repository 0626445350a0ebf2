"""Read the request body by its media type: JSON, forms (urlencoded and multipart), text, bytes.

One :class:`BodyReader` per operation is built at start-up; it knows which media types the
operation accepts (a request with another one is a 415) and how to cast form fields. Media ranges
in the document (``application/*+json``, ``image/*``) match as patterns, the most specific first.
Whatever the client sends wrong (malformed JSON or multipart, text not in its charset) is a
violation reported in the 400, never a 500.
"""

from __future__ import annotations

import fnmatch
import io
import json
import re
from collections.abc import Mapping
from typing import Any

from aiohttp import web
from aiohttp.web_request import FileField
from multidict import MultiDict, MultiMapping

from .errors import UnsupportedMediaType, Violation
from .parameters import _DELIMITERS, Caster, CastError, _identity, _types, argument_name, caster_for, sanitize
from .spec.model import MISSING, BodySpec, MediaTypeSpec

__all__ = ["BodyReader", "is_json", "media_type_essence"]


def media_type_essence(value: str) -> str:
    """``application/json; charset=utf-8`` -> ``application/json``."""
    return value.split(";", 1)[0].strip().lower()


def is_json(media_type: str) -> bool:
    essence = media_type_essence(media_type)
    return essence == "application/json" or essence.endswith("+json")


_STANDARD_FORMS = ("application/x-www-form-urlencoded", "multipart/form-data")


class _FormDecoder:
    """Cast form fields like query parameters: by each property's schema; arrays from repeats.

    In ``application/x-www-form-urlencoded`` an ``encoding`` with ``explode: false`` packs an
    array into one field (``ids=1,2``); in ``multipart/form-data`` an object property is a JSON
    part (the OpenAPI 3 default ``contentType`` of objects). Required properties must be sent, as
    they become handler arguments.
    """

    def __init__(self, media: MediaTypeSpec | None, *, multipart: bool) -> None:
        schema = (media.schema if media is not None else None) or {}
        encoding = media.encoding if media is not None and not multipart else {}
        self.fields: dict[str, tuple[str, Caster, str | None]] = {}
        for name, sub in (schema.get("properties") or {}).items():
            sub = sub if isinstance(sub, Mapping) else {}
            types = _types(sub)
            if "array" in types:
                items = sub.get("items")
                cast = caster_for(items if isinstance(items, Mapping) else {})
                self.fields[name] = ("array", cast, _packed_delimiter(encoding.get(name)))
            elif "object" in types and multipart:
                self.fields[name] = ("json", _identity, None)
            else:
                self.fields[name] = ("primitive", caster_for(sub), None)
        required = schema.get("required")
        self.required = tuple(str(name) for name in required) if isinstance(required, list) else ()

    def decode(self, form: MultiMapping[Any]) -> tuple[dict[str, Any], list[Violation]]:
        values: dict[str, Any] = {}
        violations = []
        for name in dict.fromkeys(form.keys()):
            kind, cast, delimiter = self.fields.get(name, _UNKNOWN_FIELD)
            try:
                if kind == "array":
                    raw = form.getall(name)
                    if delimiter is not None and len(raw) == 1 and isinstance(raw[0], str):
                        raw = raw[0].split(delimiter) if raw[0] else []
                    values[name] = [cast(item) if isinstance(item, str) else item for item in raw]
                elif kind == "json":
                    values[name] = _json_part(form.getone(name))
                else:
                    raw = form.getone(name)
                    values[name] = cast(raw) if isinstance(raw, str) else raw
            except CastError as error:
                violations.append(Violation("body", _pointer(name), str(error)))
        violations += [
            Violation("body", _pointer(name), "required field is missing")
            for name in self.required
            if name not in values
        ]
        return values, violations


def _packed_delimiter(encoding: Any) -> str | None:
    """The delimiter of an array field sent as one value (``explode: false``), else ``None``."""
    if not isinstance(encoding, Mapping):
        return None
    style = encoding.get("style", "form")
    if encoding.get("explode", style == "form"):
        return None
    return _DELIMITERS.get(style, ",")


_UNKNOWN_FIELD: tuple[str, Caster, str | None] = ("primitive", _identity, None)


def _json_part(raw: Any) -> Any:
    if isinstance(raw, bytes | bytearray | str):
        try:
            return json.loads(raw)
        except (ValueError, RecursionError):
            raise CastError("not valid JSON") from None
    return raw  # an uploaded file


def _pointer(name: str) -> str:
    """The JSON pointer of a form field (RFC 6901): ``a/b`` -> ``/a~1b``."""
    return "/" + name.replace("~", "~0").replace("/", "~1")


class BodyReader:
    """Compiled body handling for one operation."""

    def __init__(self, spec: BodySpec, *, pythonic: bool = False) -> None:
        self.spec = spec
        self.name = sanitize(spec.name) or "body"
        self.pythonic = pythonic
        self.required = spec.required
        self._exact: dict[str, MediaTypeSpec] = {}
        self._wildcards: list[tuple[re.Pattern[str], MediaTypeSpec]] = []
        for media_type, media in spec.content.items():
            essence = media_type_essence(media_type)
            if "*" in essence:
                self._wildcards.append((re.compile(fnmatch.translate(essence)), media))
            else:
                self._exact[essence] = media
        # The most specific range first: application/*+json before application/* before */*.
        self._wildcards.sort(key=lambda item: -len(item[0].pattern.replace(".*", "")))
        self._forms = {
            essence: _FormDecoder(media, multipart=essence.endswith("form-data"))
            for essence, media in self._exact.items()
            if _is_form(essence)
        }
        self._absent: tuple[Any, dict[str, Any], list[Violation]] = (
            MISSING,
            {},
            [Violation("body", "", "request body is required")] if self.required else [],
        )

    def match(self, content_type: str) -> tuple[str, MediaTypeSpec] | None:
        essence = media_type_essence(content_type)
        media = self._exact.get(essence)
        if media is not None:
            return essence, media
        for pattern, candidate in self._wildcards:
            if pattern.match(essence):
                return essence, candidate
        return None

    async def read(self, request: web.Request) -> tuple[Any, dict[str, Any], list[Violation]]:
        """The body value (``MISSING`` when absent), form fields as arguments, and violations."""
        if not request.body_exists or (request.content_length == 0):
            return self._absent[0], {}, list(self._absent[2])
        content_type = request.headers.get("Content-Type", "")
        matched = self.match(content_type) if content_type else None
        if matched is None:
            accepted = ", ".join(self.spec.content) or "no body"
            given = content_type or "no Content-Type"
            raise UnsupportedMediaType(detail=f"{given} is not accepted here; send one of: {accepted}")
        essence, media = matched
        if _is_form(essence):
            return await self._read_form(request, essence, media)
        raw = await request.read()
        if not raw:  # a chunked request may carry an empty body without saying so up front
            return self._absent[0], {}, list(self._absent[2])
        if is_json(essence):
            try:
                return json.loads(raw), {}, []
            except UnicodeDecodeError:
                return MISSING, {}, [Violation("body", "", "the body is not valid UTF-8")]
            except json.JSONDecodeError as error:
                message = f"malformed JSON: {error.msg} at line {error.lineno} column {error.colno}"
                return MISSING, {}, [Violation("body", "", message)]
            except RecursionError:
                return MISSING, {}, [Violation("body", "", "the JSON is nested too deeply")]
        if essence.startswith("text/"):
            try:
                return raw.decode(request.charset or "utf-8"), {}, []
            except (UnicodeDecodeError, LookupError) as error:
                return MISSING, {}, [Violation("body", "", f"the body is not valid text ({error})")]
        return raw, {}, []

    async def _read_form(
        self, request: web.Request, essence: str, media: MediaTypeSpec
    ) -> tuple[Any, dict[str, Any], list[Violation]]:
        decoder = self._forms.get(essence) or _FormDecoder(media, multipart=essence.endswith("form-data"))
        if essence not in _STANDARD_FORMS:
            # aiohttp parses only the two registered form types; a vendor variant
            # (multipart/vnd.acme+form-data) is read as the standard type it extends.
            standard = _STANDARD_FORMS[1] if essence.endswith("form-data") else _STANDARD_FORMS[0]
            headers = request.headers.copy()
            _, separator, parameters = headers["Content-Type"].partition(";")
            headers["Content-Type"] = standard + separator + parameters
            request = request.clone(headers=headers)
        try:
            form: MultiMapping[Any] = await request.post()
        except (ValueError, LookupError) as error:  # a broken boundary, a nameless part, bad charset
            return MISSING, {}, [Violation("body", "", f"malformed {essence}: {error}")]
        if essence not in _STANDARD_FORMS and essence.endswith("form-data"):
            form = _in_memory(form)
        fields, violations = decoder.decode(form)
        arguments = {argument_name(name, self.pythonic): value for name, value in fields.items()}
        return fields, arguments, violations


def _in_memory(form: MultiMapping[Any]) -> MultiDict[Any]:
    """Uploads of a vendor multipart type, moved out of their temporary files.

    aiohttp closes the temporary files of ``multipart/form-data`` uploads after the response, but
    not those of a cloned request (a vendor type read as multipart/form-data).
    """
    result: MultiDict[Any] = MultiDict()
    for name, value in form.items():
        if isinstance(value, FileField):
            with value.file:
                value = FileField(
                    value.name, value.filename, io.BytesIO(value.file.read()), value.content_type, value.headers
                )
        result.add(name, value)
    return result


def _is_form(essence: str) -> bool:
    return essence in _STANDARD_FORMS or essence.endswith(("+form-data", "+x-www-form-urlencoded"))
