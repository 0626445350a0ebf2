"""Mock answers from the document: the endpoint of an operation that has no handler.

Mock mode is only another endpoint (an operation's ``fallback``, see :mod:`openapi_aio.pipeline`):
a request to a mocked operation is still routed, secured and validated by the same stages, and
only the last step differs. The answer is:

- the response: the lowest documented 2xx (``2XX`` counts as 200; without one, ``default``, then
  the first documented), or the one a ``Prefer: code=404`` request header asks for (an exact code,
  then ``4XX``, then ``default``, then the framework's own answers the served document lists for
  the operation, as the problem it would get); a preference nothing documents is ignored;
- its media type: the one ``Accept`` prefers among the response's, JSON when there is a choice;
- its body: the media type's ``example``, or its first ``examples`` entry (``Prefer:
  example=name`` picks one by name), or the schema's own ``example``/``examples``/``default``, or
  a value built from the schema (:mod:`openapi_aio.endpoints.examples`), the same on every request;
- its headers: the documented response headers that have an example, or are ``required``.

``Preference-Applied`` tells which preferences were honoured (RFC 7240).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from aiohttp import web

from openapi_aio.endpoints.examples import CannotGenerate, example_for
from openapi_aio.endpoints.responses import encode, negotiate
from openapi_aio.errors import NotAcceptable, ProblemException
from openapi_aio.keys import OPERATION
from openapi_aio.pipeline.problems import problem_response
from openapi_aio.request.media_types import essence as media_type_essence
from openapi_aio.request.media_types import is_json
from openapi_aio.service.framework_answers import framework_statuses
from openapi_aio.spec.model import MISSING, MediaTypeSpec, ResponseSpec

if TYPE_CHECKING:
    from openapi_aio.operation import Operation
    from openapi_aio.types import Handler

__all__ = ["MockAnswers", "endpoint"]

log = logging.getLogger("openapi_aio")

_PREFER = re.compile(r"""(?:^|[,;])\s*(code|example)\s*=\s*("[^"]*"|[^\s,;]*)""", re.IGNORECASE)


def endpoint(operation: Operation) -> Handler:
    """The handler answering ``operation`` from its document."""
    return MockAnswers(operation).answer


class MockAnswers:
    """One operation's mock answers, built on first use and kept."""

    def __init__(self, operation: Operation) -> None:
        self.operation = operation
        self.responses = operation.spec.responses
        self.default = _default_status(self.responses)
        self._framework: frozenset[str] | None = None
        self._bodies: dict[tuple[str, str, str | None], tuple[bytes | None, str | None]] = {}
        self._headers: dict[str, dict[str, str]] = {}

    async def answer(self, request: web.Request) -> web.StreamResponse:
        preferences = _preferences(request.headers.getall("Prefer", []))
        applied = []
        key = self.default
        if key is None:  # no responses documented at all
            return web.Response(status=204)
        status = _status(key)
        wanted = preferences.get("code")
        # 1xx codes are protocol signals (a "101" without an upgrade would confuse the connection)
        if wanted is not None and wanted.isdigit() and len(wanted) == 3 and 200 <= int(wanted) <= 599:
            chosen = next((k for k in (wanted, wanted[0] + "XX", "default") if k in self.responses), None)
            if chosen is not None:
                key, status = chosen, int(wanted)
                applied.append(f"code={wanted}")
            elif wanted in self.framework(
                request.get(OPERATION, self.operation)
            ):  # documented in the served document: the problem it gets
                response = problem_response(ProblemException(int(wanted), detail="a mock answer (Prefer: code)"))
                if wanted == "401":
                    response.headers["WWW-Authenticate"] = 'Bearer realm="mock"'
                response.headers["Preference-Applied"] = f"code={wanted}"
                return response
        spec = self.responses[key]
        example_name = preferences.get("example")
        body, media_type = self.body(spec, request, example_name)
        if example_name is not None and self._has_named(spec, media_type, example_name):
            applied.append(f'example="{example_name}"')
        if body is None or status in (204, 304) or status < 200:
            response = web.Response(status=status)
        else:
            response = web.Response(status=status, body=body)
            essence = media_type_essence(media_type or "application/json")
            # a media range such as image/* is not a Content-Type: say only that it is bytes
            response.content_type = essence if "*" not in essence else "application/octet-stream"
            if response.content_type.startswith("text/"):
                response.charset = "utf-8"
        response.headers.update(self.headers(spec))
        if applied:
            response.headers["Preference-Applied"] = ", ".join(applied)
        return response

    def framework(self, compiled: Operation) -> frozenset[str]:
        """The answers the framework makes that the served document adds for this operation
        (:mod:`openapi_aio.service.framework_answers`), from the operation as compiled (the one
        the mock endpoint was made for is not complete yet: its security comes after it)."""
        if self._framework is None:
            listed = compiled.options.document_framework_answers
            self._framework = frozenset(framework_statuses(compiled)) if listed else frozenset()
        return self._framework

    # --- body ---

    def body(self, spec: ResponseSpec, request: web.Request, name: str | None) -> tuple[bytes | None, str | None]:
        if not spec.content:
            return None, None
        offered = list(spec.content)
        accept = request.headers.get("Accept")
        if accept and accept.strip() not in ("*/*", ""):
            chosen = negotiate(accept, offered)
            if chosen is None:
                raise NotAcceptable(detail=f"this response is {', '.join(offered)}")
        else:
            chosen = next((mt for mt in offered if is_json(mt)), offered[0])
        key = (spec.status, chosen, name if name and name in spec.content[chosen].examples else None)
        if key not in self._bodies:
            media = spec.content[chosen]
            value = self.value(media, key[2])
            if chosen.startswith("application/problem+") and isinstance(value, dict) and "status" in value:
                # A made-up problem says the status it is sent with (RFC 9457 section 3.1.2).
                value = {**value, "status": _status(spec.status)}
            self._bodies[key] = (
                None if value is MISSING else b"" if value is None else encode(value, chosen, structures_as_json=True),
                chosen,
            )
        return self._bodies[key]

    @staticmethod
    def _has_named(spec: ResponseSpec, media_type: str | None, name: str) -> bool:
        return media_type is not None and name in spec.content[media_type].examples

    def value(self, media: MediaTypeSpec, name: str | None) -> Any:
        if name is not None:
            return _example_value(media.examples[name])
        if media.example is not MISSING:
            return media.example
        for example in media.examples.values():
            value = _example_value(example)
            if value is not MISSING:
                return value
        if media.schema is None:
            return MISSING if not media.media_type.startswith("text/") else ""
        return self.generated(media.schema)

    def generated(self, schema: Mapping[str, Any]) -> Any:
        try:
            return example_for(schema, direction="response", version=self.operation.version)
        except (CannotGenerate, RecursionError) as error:
            log.warning("%s: no mock value for its response (%s)", self.operation.spec.label, error)
            return None

    # --- headers ---

    def headers(self, spec: ResponseSpec) -> dict[str, str]:
        if spec.status not in self._headers:
            headers: dict[str, str] = {}
            for name, header in spec.headers.items():
                if name.lower() in ("content-type", "content-length", "transfer-encoding"):
                    continue
                value = _header_value(header, self.operation.version)
                if value is not MISSING:
                    headers[name] = value
            self._headers[spec.status] = headers
        return self._headers[spec.status]


def _default_status(responses: Mapping[str, ResponseSpec]) -> str | None:
    success = sorted((code for code in responses if code.startswith("2")), key=lambda c: c.replace("X", "0"))
    if success:
        return success[0]
    if "default" in responses:
        return "default"
    return next(iter(responses), None)


def _status(key: str) -> int:
    if key == "default":
        return 200
    return int(key.replace("XX", "00")) if key.endswith("XX") else int(key)


def _preferences(values: list[str]) -> dict[str, str]:
    found: dict[str, str] = {}
    for value in values:
        for name, setting in _PREFER.findall(value):
            found.setdefault(name.lower(), setting.strip('"'))
    return found


def _example_value(example: Any) -> Any:
    """An Example Object's ``value`` (``externalValue`` is not fetched)."""
    if isinstance(example, Mapping) and "value" in example:
        return example["value"]
    return MISSING


def _header_value(header: Mapping[str, Any], version: str) -> Any:
    schema = header.get("schema")
    if schema is None and isinstance(header.get("content"), Mapping) and header["content"]:
        schema = next(iter(header["content"].values())).get("schema")
    if "example" in header:
        value = header["example"]
    elif isinstance(header.get("examples"), Mapping) and header["examples"]:
        value = _example_value(next(iter(header["examples"].values())))
    elif isinstance(schema, Mapping) and any(k in schema for k in ("example", "examples", "default", "enum", "const")):
        value = example_for(schema, version=version)
    elif header.get("required") and isinstance(schema, Mapping):
        try:
            value = example_for(schema, version=version)
        except CannotGenerate:
            return MISSING
    else:
        return MISSING
    if value is MISSING or value is None:
        return MISSING
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ",".join(str(item) for item in value)
    if isinstance(value, Mapping):
        return ",".join(f"{k},{v}" for k, v in value.items())
    return str(value)
