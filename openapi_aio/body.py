"""Read the request body by its media type: JSON, forms (urlencoded and multipart), text, bytes.

One :class:`BodyReader` per operation is built at start-up; it knows which media types the
operation accepts (a request with another one is a 415) and how to cast form fields.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from aiohttp import web
from multidict import MultiMapping

from .errors import UnsupportedMediaType, Violation
from .parameters import CastError, _types, caster_for, sanitize
from .spec.model import MISSING, BodySpec, MediaTypeSpec

__all__ = ["BodyReader", "is_json", "media_type_essence"]


def media_type_essence(value: str) -> str:
    """``application/json; charset=utf-8`` -> ``application/json``."""
    return value.split(";", 1)[0].strip().lower()


def is_json(media_type: str) -> bool:
    essence = media_type_essence(media_type)
    return essence == "application/json" or essence.endswith("+json")


class _FormDecoder:
    """Cast form fields like query parameters: by each property's schema; arrays from repeats."""

    def __init__(self, schema: Mapping[str, Any] | None) -> None:
        properties = (schema or {}).get("properties") or {}
        self.fields = {}
        for name, sub in properties.items():
            sub = sub if isinstance(sub, Mapping) else {}
            if "array" in _types(sub):
                items = sub.get("items")
                self.fields[name] = (True, caster_for(items if isinstance(items, Mapping) else {}))
            else:
                self.fields[name] = (False, caster_for(sub))

    def decode(self, form: MultiMapping[Any]) -> tuple[dict[str, Any], list[Violation]]:
        values: dict[str, Any] = {}
        violations = []
        for name in dict.fromkeys(form.keys()):
            is_array, cast = self.fields.get(name, (False, None))
            raw = form.getall(name) if is_array else form.getone(name)
            try:
                if cast is None or not isinstance(raw, str | list):
                    values[name] = raw
                elif is_array:
                    values[name] = [cast(item) if isinstance(item, str) else item for item in raw]
                else:
                    values[name] = cast(raw)
            except CastError as error:
                violations.append(Violation("body", "/" + name, str(error)))
        return values, violations


class BodyReader:
    """Compiled body handling for one operation."""

    def __init__(self, spec: BodySpec) -> None:
        self.spec = spec
        self.name = sanitize(spec.name) or "body"
        self.required = spec.required
        self._exact: dict[str, MediaTypeSpec] = {}
        self._wildcards: list[tuple[str, MediaTypeSpec]] = []
        for media_type, media in spec.content.items():
            essence = media_type_essence(media_type)
            if "*" in essence:
                self._wildcards.append((essence, media))
            else:
                self._exact[essence] = media
        self._forms = {mt: _FormDecoder(media.schema) for mt, media in self._exact.items() if _is_form(mt)}

    def match(self, content_type: str) -> tuple[str, MediaTypeSpec] | None:
        essence = media_type_essence(content_type)
        media = self._exact.get(essence)
        if media is not None:
            return essence, media
        for pattern, candidate in self._wildcards:
            major = pattern.split("/", 1)[0]
            if pattern == "*/*" or essence.startswith(major + "/"):
                return essence, candidate
        return None

    async def read(self, request: web.Request) -> tuple[Any, dict[str, Any], list[Violation]]:
        """The body value (``MISSING`` when absent), form fields as arguments, and violations."""
        if not request.body_exists or (request.content_length == 0):
            if self.required:
                return MISSING, {}, [Violation("body", "", "request body is required")]
            return MISSING, {}, []
        content_type = request.headers.get("Content-Type", "")
        matched = self.match(content_type) if content_type else None
        if matched is None:
            accepted = ", ".join(self.spec.content) or "no body"
            given = content_type or "no Content-Type"
            raise UnsupportedMediaType(detail=f"{given} is not accepted here; send one of: {accepted}")
        essence, _ = matched
        if is_json(essence):
            raw = await request.read()
            try:
                return json.loads(raw), {}, []
            except UnicodeDecodeError:
                return MISSING, {}, [Violation("body", "", "the body is not valid UTF-8")]
            except json.JSONDecodeError as error:
                message = f"malformed JSON: {error.msg} at line {error.lineno} column {error.colno}"
                return MISSING, {}, [Violation("body", "", message)]
        form = self._forms.get(essence)
        if form is not None or _is_form(essence):
            decoder = form or _FormDecoder(None)
            fields, violations = decoder.decode(await request.post())
            arguments = {sanitize(name): value for name, value in fields.items()}
            return fields, arguments, violations
        if essence.startswith("text/"):
            return await request.text(), {}, []
        return await request.read(), {}, []


def _is_form(essence: str) -> bool:
    return essence in ("application/x-www-form-urlencoded", "multipart/form-data") or essence.endswith(
        ("+form-data", "+x-www-form-urlencoded")
    )
