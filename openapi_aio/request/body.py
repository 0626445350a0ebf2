"""Read the request body by its media type: JSON, forms (urlencoded and multipart), text, bytes.

One :class:`BodyReader` per operation is built at start-up; it knows which media types the
operation accepts (a request with another one is a 415) and how to cast form fields. Media ranges
in the document (``application/*+json``, ``image/*``) match as patterns, the most specific first.
Whatever the client sends wrong (malformed JSON or multipart, text not in its charset, a lone
surrogate: see :mod:`openapi_aio.request.decoding`) is a violation reported in the 400, never a
500; a body larger than the API's limits is a 413, refused from its ``Content-Length`` before it is
read, or as soon as it grows too large while it streams; a body that stops arriving is a 408 (see
:mod:`openapi_aio.request.limits`).
"""

from __future__ import annotations

import fnmatch
import json
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from aiohttp import web
from aiohttp.web_request import FileField

from openapi_aio.endpoints.serialization import parse_body
from openapi_aio.errors import UnsupportedMediaType, Violation
from openapi_aio.options import Options
from openapi_aio.request.decoding import has_lone_surrogate, is_text, strict_json
from openapi_aio.request.defaults import Defaults
from openapi_aio.request.forms import FormDecoder, MalformedForm, is_multipart, read_multipart, urlencoded_fields
from openapi_aio.request.limits import Limits, read_body, too_large
from openapi_aio.request.media_types import essence as media_type_essence
from openapi_aio.request.media_types import is_form, is_json
from openapi_aio.request.parameters import argument_name
from openapi_aio.spec.model import MISSING, BodySpec, MediaTypeSpec
from openapi_aio.validation.read_only import read_only_drop

if TYPE_CHECKING:
    from openapi_aio.request.uploads import UploadedFile
    from openapi_aio.validation import SchemaValidator

__all__ = ["BodyReader", "has_lone_surrogate", "is_json", "media_type_essence", "read_body"]


# The body as parsed (MISSING when absent), the decoder of a form, violations.
_Parsed = tuple[Any, FormDecoder | None, list[Violation], MediaTypeSpec | None]


class BodyReader:
    """Compiled body handling for one operation."""

    def __init__(
        self,
        spec: BodySpec,
        options: Options | None = None,
        *,
        validator_for: Callable[[MediaTypeSpec], SchemaValidator | None] | None = None,
    ) -> None:
        options = options or Options()
        pythonic = options.pythonic_params
        strip_read_only = options.read_only == "ignore"
        self.spec = spec
        # With read_only="ignore": where readOnly properties sit, to drop them before the handler.
        self._read_only = {
            id(media): plan
            for media in spec.content.values()
            if strip_read_only and media.schema and (plan := read_only_drop(media.schema)) is not None
        }
        # Compiled once per media type; None where the media type has no schema to check.
        self._validators = {
            id(media): validator_for(media) if validator_for is not None else None for media in spec.content.values()
        }
        # The body's argument is named as parameters are (Connexion does so too: a Swagger 2 body
        # parameter ``SomeOtherId`` arrives as ``some_other_id`` with pythonic_params).
        self.name = argument_name(spec.name, pythonic) or "body"
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
        # Form decoders by (media, multipart): those of form types now, those a range matches later.
        self._forms: dict[tuple[int, bool], FormDecoder] = {}
        for essence, media in self._exact.items():
            if is_form(essence):
                self._decoder(essence, media)
        self._absent = [Violation("body", "", "request body is required")] if self.required else []
        # The API's limits, strict_validation and fill_defaults.
        self._limits = Limits(
            options.client_max_size, options.max_upload_size, options.max_form_parts, options.body_timeout
        )
        self._strict = options.strict_validation
        self._defaults: dict[int, Defaults] = {}
        if options.fill_defaults:
            for media in self.spec.content.values():
                defaults = Defaults.compile(media.schema)
                if defaults is not None:
                    self._defaults[id(media)] = defaults

    def match(self, content_type: str) -> tuple[str, MediaTypeSpec] | None:
        essence = media_type_essence(content_type)
        media = self._exact.get(essence)
        if media is not None:
            return essence, media
        for pattern, candidate in self._wildcards:
            if pattern.match(essence):
                return essence, candidate
        return None

    async def read(
        self, request: web.Request, uploads: list[UploadedFile]
    ) -> tuple[Any, dict[str, Any], list[Violation]]:
        """The body value (``MISSING`` when absent), form fields as arguments, and violations
        (parse errors, or else every schema violation). Uploaded files are added to ``uploads``,
        for the caller to close once the handler is done with them."""
        value, form, violations, media = await self._parse(request, uploads)
        if violations or value is MISSING or media is None:
            return value, {}, violations
        read_only = self._read_only.get(id(media))
        if read_only is not None:
            read_only.apply(value)
        defaults = self._defaults.get(id(media))
        if defaults is not None:
            defaults.fill(value)
        validator = self._validators.get(id(media))
        if validator is not None:
            violations = validator.violations(_files_as_strings(value) if form else value, "body")
        if form is None or not self.spec.form:
            return value, {}, violations  # fields become arguments only where every type is a form
        declared = form.arguments  # never an undeclared field: it could pose as another argument
        return value, {declared[name]: field for name, field in value.items() if name in declared}, violations

    def check_length(self, request: web.Request) -> None:
        """Refuse (413) a body whose ``Content-Length`` is over the limit of its media type, before
        reading any of it: also run for ``Expect: 100-continue``, before the body is invited."""
        length = request.content_length
        if not length:
            return
        multipart = is_multipart(media_type_essence(request.headers.get("Content-Type", "")))
        limit = self._limits.multipart if multipart else self._limits.body
        if limit and length > limit:
            raise too_large("the request body is", limit)

    async def _parse(self, request: web.Request, uploads: list[UploadedFile]) -> _Parsed:
        if not request.body_exists or (request.content_length == 0):
            return MISSING, None, list(self._absent), None
        content_type = request.headers.get("Content-Type", "")
        matched = self.match(content_type) if content_type else None
        if matched is None:
            accepted = ", ".join(self.spec.content) or "no body"
            given = content_type or "no Content-Type"
            raise UnsupportedMediaType(detail=f"{given} is not accepted here; send one of: {accepted}")
        essence, media = matched
        self.check_length(request)
        if is_form(essence):
            return await self._read_form(request, essence, media, is_multipart(essence), uploads)
        raw = await read_body(request, self._limits.body, self._limits.idle)
        if not raw:  # a chunked request may carry an empty body without saying so up front
            return MISSING, None, list(self._absent), None
        if is_json(essence):
            try:
                value = parse_body(raw, strict_json)
                if _SURROGATE_ESCAPE.search(raw) and has_lone_surrogate(value):
                    return MISSING, None, [Violation("body", "", _LONE_SURROGATE)], media
                return value, None, [], media
            except UnicodeDecodeError:
                return MISSING, None, [Violation("body", "", "the body is not valid UTF-8")], media
            except json.JSONDecodeError as error:
                message = f"malformed JSON: {error.msg} at line {error.lineno} column {error.colno}"
                return MISSING, None, [Violation("body", "", message)], media
            except RecursionError:
                return MISSING, None, [Violation("body", "", "the JSON is nested too deeply")], media
            except ValueError as error:  # NaN / Infinity: not JSON (RFC 8259)
                return MISSING, None, [Violation("body", "", str(error))], media
        if essence.startswith("text/"):
            charset = request.charset or "utf-8"
            try:
                text = raw.decode(charset)
            except (UnicodeDecodeError, LookupError):  # the error would quote the bytes: say less
                return MISSING, None, [Violation("body", "", f"the body is not valid {charset} text")], media
            if not is_text(text):  # a charset such as unicode_escape can make lone surrogates
                return MISSING, None, [Violation("body", "", f"the body is not valid {charset} text")], media
            return text, None, [], media
        return raw, None, [], media

    def _decoder(self, essence: str, media: MediaTypeSpec) -> FormDecoder:
        multipart = is_multipart(essence)
        decoder = self._forms.get((id(media), multipart))
        if decoder is None:  # a form type matched by a range: compiled once, on first use
            decoder = FormDecoder(media, multipart=multipart, pythonic=self.pythonic)
            self._forms[id(media), multipart] = decoder
        return decoder

    async def _read_form(
        self, request: web.Request, essence: str, media: MediaTypeSpec, multipart: bool, uploads: list[UploadedFile]
    ) -> _Parsed:
        decoder = self._decoder(essence, media)
        unreadable: dict[str, str] = {}
        try:
            if multipart:
                raw, unreadable = await read_multipart(
                    request, essence, decoder, self._limits, uploads, strict=self._strict
                )
            else:
                body = await read_body(request, self._limits.body, self._limits.idle)
                raw = urlencoded_fields(body, request.charset or "utf-8", self._limits.parts)
        except (MalformedForm, ValueError, LookupError) as error:  # a broken boundary, a bad charset
            return MISSING, decoder, [Violation("body", "", f"malformed {essence}: {error}")], media
        fields, violations = decoder.decode(raw, strict=self._strict, unreadable=unreadable)
        return fields, decoder, violations, media


# A \\u escape of a UTF-16 surrogate: only then may a parsed JSON value hold one.
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")
_LONE_SURROGATE = "the JSON has a lone surrogate (\\ud800 to \\udfff): not a character"


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
