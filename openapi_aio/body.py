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
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from aiohttp import web
from aiohttp.web_request import FileField
from multidict import MultiDict, MultiMapping

from .errors import UnsupportedMediaType, Violation
from .parameters import _DELIMITERS, Caster, CastError, _identity, _types, argument_name, caster_for, sanitize
from .spec.model import MISSING, BodySpec, MediaTypeSpec
from .validation.dialects import read_only_paths

if TYPE_CHECKING:
    from .validation import SchemaValidator

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

    def __init__(
        self,
        spec: BodySpec,
        *,
        pythonic: bool = False,
        validator_for: Callable[[MediaTypeSpec], SchemaValidator | None] | None = None,
        strip_read_only: bool = False,
    ) -> None:
        self.spec = spec
        # With read_only="ignore": where readOnly properties sit, to drop them before the handler.
        self._read_only = {
            id(media): read_only_paths(media.schema) if strip_read_only and media.schema else []
            for media in spec.content.values()
        }
        # Compiled once per media type; None where the media type has no schema to check.
        self._validators = {
            id(media): validator_for(media) if validator_for is not None else None for media in spec.content.values()
        }
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
        """The body value (``MISSING`` when absent), form fields as arguments, and violations
        (parse errors, or else every schema violation)."""
        value, fields, violations, media = await self._parse(request)
        if violations or value is MISSING or media is None:
            return value, fields, violations
        for path in self._read_only.get(id(media), ()):
            _drop(value, path)
        validator = self._validators.get(id(media))
        if validator is not None:
            checked = _files_as_strings(value) if fields else value
            violations = validator.violations(checked, "body")
        return value, fields, violations

    async def _parse(self, request: web.Request) -> tuple[Any, dict[str, Any], list[Violation], MediaTypeSpec | None]:
        if not request.body_exists or (request.content_length == 0):
            return self._absent[0], {}, list(self._absent[2]), None
        content_type = request.headers.get("Content-Type", "")
        matched = self.match(content_type) if content_type else None
        if matched is None:
            accepted = ", ".join(self.spec.content) or "no body"
            given = content_type or "no Content-Type"
            raise UnsupportedMediaType(detail=f"{given} is not accepted here; send one of: {accepted}")
        essence, media = matched
        if _is_form(essence):
            return (*await self._read_form(request, essence, media), media)
        raw = await request.read()
        if not raw:  # a chunked request may carry an empty body without saying so up front
            return self._absent[0], {}, list(self._absent[2]), None
        if is_json(essence):
            try:
                return json.loads(raw, parse_constant=_reject_constant), {}, [], media
            except UnicodeDecodeError:
                return MISSING, {}, [Violation("body", "", "the body is not valid UTF-8")], media
            except json.JSONDecodeError as error:
                message = f"malformed JSON: {error.msg} at line {error.lineno} column {error.colno}"
                return MISSING, {}, [Violation("body", "", message)], media
            except RecursionError:
                return MISSING, {}, [Violation("body", "", "the JSON is nested too deeply")], media
            except ValueError as error:  # NaN / Infinity: not JSON (RFC 8259)
                return MISSING, {}, [Violation("body", "", str(error))], media
        if essence.startswith("text/"):
            try:
                return raw.decode(request.charset or "utf-8"), {}, [], media
            except (UnicodeDecodeError, LookupError) as error:
                return MISSING, {}, [Violation("body", "", f"the body is not valid text ({error})")], media
        return raw, {}, [], media

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


def _drop(value: Any, path: tuple[str, ...]) -> None:
    for name in path[:-1]:
        if not isinstance(value, dict):
            return
        value = value.get(name)
    if isinstance(value, dict):
        value.pop(path[-1], None)


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _files_as_strings(fields: Any) -> Any:
    """Uploaded files stand in as strings for validation (``type: string, format: binary``)."""
    if not isinstance(fields, dict):
        return fields
    return {
        name: (
            ""
            if isinstance(value, FileField)
            else [("" if isinstance(v, FileField) else v) for v in value]
            if isinstance(value, list)
            else value
        )
        for name, value in fields.items()
    }


def _is_form(essence: str) -> bool:
    return essence in _STANDARD_FORMS or essence.endswith(("+form-data", "+x-www-form-urlencoded"))
