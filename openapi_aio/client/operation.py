"""One operation of a client, compiled once: its parameter writers, body media types, security
plan and (when asked for) validators. ``await client.getPet(pet_id=1)`` calls :class:`ClientOperation`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import yarl
from multidict import CIMultiDict, CIMultiDictProxy

from openapi_aio.client.auth import SecurityPlan
from openapi_aio.client.serialize import ParameterWriter, choose_media_type
from openapi_aio.errors import RequestValidationError, ResponseValidationError, Violation
from openapi_aio.request.media_types import MULTIPART, essence, is_json
from openapi_aio.request.parameters import argument_name, sanitize
from openapi_aio.spec.model import MISSING, MediaTypeSpec, OperationSpec, ResponseSpec
from openapi_aio.validation import SchemaValidator

if TYPE_CHECKING:
    from openapi_aio.client.client import ApiClient

__all__ = ["ApiResponse", "ClientOperation", "snake_case"]

_BODY, _CONTENT_TYPE = object(), object()


def snake_case(name: str) -> str:
    """``getPetById`` -> ``get_pet_by_id``, ``X-Rate-Limit`` -> ``x_rate_limit``."""
    snake = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", name))
    return sanitize(re.sub(r"[^0-9a-zA-Z]+", "_", snake)).lower()


@dataclass(frozen=True, slots=True)
class ApiResponse:
    """What :meth:`ClientOperation.raw` returns: the status, headers and parsed body of a success."""

    status: int
    headers: CIMultiDictProxy[str]
    body: Any  # JSON -> Python, text/* -> str, anything else -> bytes, no content -> None
    content_type: str


class ClientOperation:
    """An operation as an awaitable method: keyword arguments are its parameters (by their name,
    their Python-safe name or their snake_case name), ``body=`` its request body and
    ``content_type=`` the media type to send it as (when several are accepted).

    >>> pet = await client.getPet(pet_id=1)            # the parsed body
    >>> response = await client.getPet.raw(pet_id=1)   # ApiResponse: status, headers, body
    """

    def __init__(self, client: ApiClient, spec: OperationSpec, name: str) -> None:
        self.client = client
        self.spec = spec
        self.name = name
        self.method = spec.method.upper()
        self.__doc__ = spec.summary or spec.label
        self.writers = tuple(ParameterWriter(parameter) for parameter in spec.parameters)
        self._arguments: dict[str, Any] = {}
        for writer in self.writers:
            for alias in (
                writer.name,
                sanitize(writer.name),
                argument_name(writer.name, True),
                snake_case(writer.name),
            ):
                self._arguments.setdefault(alias, writer)
        self._fields: dict[str, str] = {}
        if spec.body is not None:
            if spec.body.form:  # Swagger 2 formData: each field may be an argument of its own
                for media in spec.body.content.values():
                    for field in (media.schema or {}).get("properties") or ():
                        for alias in (field, sanitize(field), snake_case(field)):
                            self._fields.setdefault(alias, field)
            self._arguments["body"] = _BODY
            self._arguments.setdefault(spec.body.name, _BODY)
            self._arguments["content_type"] = _CONTENT_TYPE
        self.security = SecurityPlan(spec.security, client.spec.security_schemes, client.auth)
        version = client.spec.version
        self._parameter_validators: dict[str, SchemaValidator] = {}
        self._body_validators: dict[str, SchemaValidator] = {}
        if client.validate_requests:
            for writer in self.writers:
                self._parameter_validators[writer.name] = SchemaValidator.compile(
                    writer.spec.schema, version, "request"
                )
            for media_type, media in (spec.body.content if spec.body else {}).items():
                if media.schema is not None and (is_json(media_type) or essence(media_type) != MULTIPART):
                    self._body_validators[media_type] = SchemaValidator.compile(media.schema, version, "request")
        self._response_validators: dict[tuple[str, str], SchemaValidator] = {}

    def __repr__(self) -> str:
        return f"<ClientOperation {self.name}: {self.method} {self.spec.path}>"

    @property
    def arguments(self) -> list[str]:
        """The keyword arguments by their document names (and ``body``)."""
        names = [writer.name for writer in self.writers]
        return names + (["body"] if self.spec.body is not None else [])

    async def __call__(self, **arguments: Any) -> Any:
        return (await self.raw(**arguments)).body

    async def raw(self, **arguments: Any) -> ApiResponse:
        """Like calling the operation, but returns the whole :class:`ApiResponse`."""
        url, headers, media, body = self._request(arguments)
        credentials = await self.security.apply()
        headers.update(credentials.headers)
        if credentials.query:
            joined = "&".join(f"{k}={v}" for k, v in credentials.query)
            url += ("&" if "?" in url else "?") + joined
        cookies = headers.pop("Cookie", "")
        if credentials.cookies:
            added = "; ".join(f"{k}={v}" for k, v in credentials.cookies.items())
            cookies = f"{cookies}; {added}" if cookies else added
        if cookies:
            headers["Cookie"] = cookies
        response = await self.client.send(self, yarl.URL(url, encoded=True), headers, media, body)
        if self.client.validate_responses:
            self._check_response(response)
        return response

    # --- the request ---

    def _request(self, arguments: Mapping[str, Any]) -> tuple[str, CIMultiDict[str], MediaTypeSpec | None, Any]:
        values: dict[ParameterWriter, Any] = {}
        body: Any = MISSING
        content_type: str | None = None
        fields: dict[str, Any] = {}
        for key, value in arguments.items():
            target = self._arguments.get(key)
            if target is _BODY:
                body = value
            elif target is _CONTENT_TYPE:
                content_type = value
            elif isinstance(target, ParameterWriter):
                values[target] = value
            elif key in self._fields:
                fields[self._fields[key]] = value
            else:
                known = ", ".join(self.arguments) or "none"
                raise TypeError(f"{self.name}() got an unexpected keyword argument {key!r} (known: {known})")
        if fields:
            body = {**(body if isinstance(body, Mapping) else {}), **fields}
        missing = [w.name for w in self.writers if w.required and values.get(w) is None]
        if self.spec.body is not None and self.spec.body.required and body is MISSING:
            missing.append("body")
        if missing:
            raise TypeError(f"{self.name}() missing required argument(s): {', '.join(map(repr, missing))}")
        media = self._media(body, content_type)
        if self.client.validate_requests:
            self._check_request(values, media, body)
        path = self.spec.path
        query: list[tuple[str, str]] = []
        headers: CIMultiDict[str] = CIMultiDict()
        cookies: list[str] = []
        for writer, value in values.items():
            if value is None:  # None leaves an optional parameter out (the server's default applies)
                continue
            written = writer.write(value)
            if writer.location == "path":
                path = path.replace("{" + writer.name + "}", written)
            elif writer.location == "query":
                query += written
            elif writer.location == "header":
                headers[writer.name] = written
            else:
                cookies.append(f"{writer.name}={written}")
        if cookies:
            headers["Cookie"] = "; ".join(cookies)
        url = self.client.base_url.rstrip("/") + path
        if query:
            url += "?" + "&".join(f"{k}={v}" for k, v in query)
        return url, headers, media, body

    def _media(self, body: Any, content_type: str | None) -> MediaTypeSpec | None:
        if self.spec.body is None or body is MISSING:
            return None
        content = self.spec.body.content
        if content_type is None:
            return content[choose_media_type(content, body)]
        if content_type in content:
            return content[content_type]
        for media in content.values():  # a range in the document (image/*) sends the exact type
            pattern = re.escape(essence(media.media_type)).replace(r"\*", "[^/]+")
            if re.fullmatch(pattern, essence(content_type)):
                return MediaTypeSpec(content_type, media.schema, encoding=media.encoding)
        raise TypeError(f"{self.name}() accepts {', '.join(content)}, not {content_type!r}")

    def _check_request(self, values: Mapping[ParameterWriter, Any], media: MediaTypeSpec | None, body: Any) -> None:
        violations: list[Violation] = []
        for writer, value in values.items():
            if value is not None:
                violations += self._parameter_validators[writer.name].violations(value, writer.location, writer.name)
        validator = self._body_validators.get(media.media_type) if media is not None else None
        if validator is not None and not (isinstance(body, Mapping) and any(_binary(v) for v in body.values())):
            violations += validator.violations(body, "body")
        if violations:
            detail = f"{self.name}: the request breaks the document; it was not sent"
            raise RequestValidationError(detail=detail, violations=violations)

    # --- the response ---

    def _check_response(self, response: ApiResponse) -> None:
        spec = _response_spec(self.spec.responses, response.status)
        where = f"{self.name}: the response ({response.status}) breaks the document"
        if spec is None:
            raise ResponseValidationError(detail=f"{where}: status not declared")
        media = _media_spec(spec.content, response.content_type)
        if media is None or media.schema is None or not is_json(media.media_type):
            return
        key = (spec.status, media.media_type)
        validator = self._response_validators.get(key)
        if validator is None:
            validator = SchemaValidator.compile(media.schema, self.client.spec.version, "response")
            self._response_validators[key] = validator
        violations = validator.violations(response.body, "body")
        if violations:
            raise ResponseValidationError(detail=where, violations=violations)


def _binary(value: Any) -> bool:
    return isinstance(value, bytes | bytearray | tuple) or hasattr(value, "read")


def _response_spec(responses: Mapping[str, ResponseSpec], status: int) -> ResponseSpec | None:
    return responses.get(str(status)) or responses.get(f"{status // 100}XX") or responses.get("default")


def _media_spec(content: Mapping[str, MediaTypeSpec], content_type: str) -> MediaTypeSpec | None:
    kind = essence(content_type)
    for media_type, media in content.items():
        pattern = re.escape(essence(media_type)).replace(r"\*", "[^/]+")
        if re.fullmatch(pattern, kind):
            return media
    return None


def parse_body(raw: bytes, content_type: str, charset: str | None) -> Any:
    """JSON -> Python (``application/json``, ``*+json``), ``text/*`` -> str, else bytes."""
    if not raw:
        return None
    if is_json(content_type):
        try:
            return json.loads(raw)
        except ValueError:
            return raw.decode(charset or "utf-8", "replace")
    if content_type.startswith("text/") or charset:
        return raw.decode(charset or "utf-8", "replace")
    return raw
