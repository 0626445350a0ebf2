"""The stage that checks what a handler answers against the document (``validate_responses``).

Everything is compiled once per operation: for each declared status (``200``, a ``2XX`` range,
``default``) the body validators per media type and the checks of its declared headers. A request
then only looks up its response's status (exact, then the range, then ``default``) and checks:

- the status is declared (or there is a ``default`` response);
- a ``web.Response`` body: its ``Content-Type`` is one the status declares; a JSON body is parsed
  and validated in the ``response`` direction (``writeOnly`` properties must not be returned,
  ``readOnly`` ones are required as written). A status without content: in Swagger 2 it sends no
  body ("no content is returned"); in OpenAPI 3 its payload is not described, so not checked (as
  Connexion). An empty body is always accepted (a document cannot say a response body is required);
- declared headers: required ones are present, values cast by their schema's type and validated.

A ``StreamResponse`` (or a response the handler already prepared) is never buffered: only its
status and headers are checked, and if it has already been sent the violations can only be logged.

Any violation is one error entry in the ``openapi_aio`` log (operation, method, path, status and
every violation) and a plain 500 (:class:`~openapi_aio.errors.ResponseValidationError`) for the
client, which learns nothing of the violations or of the body the handler produced.

The stage sits inside the arguments stage, so a request that fails validation (a 400) never gets
here; problems raised below it (a handler's ``ProblemException``, a 406, a 501 stub) are exceptions,
not responses, and pass through unchecked to the problem renderer.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from aiohttp import hdrs, web

from openapi_aio.errors import ResponseValidationError, Violation
from openapi_aio.request.media_types import essence as media_type_essence
from openapi_aio.request.media_types import is_json
from openapi_aio.request.parameters import CastError, ParameterReader
from openapi_aio.spec.model import MISSING, ParameterSpec, ResponseSpec, SpecVersion
from openapi_aio.spec.pointers import escape
from openapi_aio.validation import SchemaValidator

if TYPE_CHECKING:
    from openapi_aio.operation import Operation
    from openapi_aio.types import Handler

__all__ = ["ResponseChecker", "stage"]

log = logging.getLogger("openapi_aio")

# What the client is told: the same sentence as any other internal error.
_DETAIL = "The server could not complete the request."

# Headers the server itself adds when it sends a response: checked when present, never required.
_SET_ON_SEND = frozenset(("content-length", "date", "server", "transfer-encoding", "connection"))


class _HeaderCheck:
    """One declared response header: presence, then its value cast and validated."""

    __slots__ = ("name", "reader", "required", "validator")

    def __init__(self, name: str, header: Mapping[str, Any], version: SpecVersion, where: str) -> None:
        self.name = name
        self.required = header.get("required") is True and name.lower() not in _SET_ON_SEND
        schema = header.get("schema")
        content_type = None
        content = header.get("content")
        if not isinstance(schema, Mapping) and isinstance(content, Mapping) and content:
            content_type, media = next(iter(content.items()))
            schema = media.get("schema") if isinstance(media, Mapping) else None
            where += f"/content/{escape(str(content_type))}"
        schema = schema if isinstance(schema, Mapping) else {}
        spec = ParameterSpec(
            name,
            "header",
            schema,
            required=self.required,
            style="simple",
            explode=header.get("explode") is True,
            content_type=content_type,
        )
        self.reader = ParameterReader(spec, pythonic=False)
        self.validator = (
            SchemaValidator.compile(schema, version, "response", where=f"{where}/schema") if schema else None
        )

    def check(self, headers: Any, violations: list[Violation]) -> None:
        try:
            value = self.reader.read(headers)
        except CastError as error:
            violations.append(Violation("header", self.name, str(error)))
            return
        if value is MISSING:
            if self.required:
                violations.append(Violation("header", self.name, "required header is missing"))
            return
        if self.validator is not None:
            violations += self.validator.violations(value, "header", self.name)


class _Media:
    """One declared media type of a response: how it matches and its body validator."""

    __slots__ = ("essence", "validator")

    def __init__(self, essence: str, validator: SchemaValidator | None) -> None:
        self.essence = essence
        self.validator = validator


class _Expected:
    """What one declared status (``200``, ``2XX``, ``default``) allows."""

    __slots__ = ("declared", "exact", "headers", "no_body", "ranges", "status")

    def __init__(self, response: ResponseSpec, version: SpecVersion, pointer: str) -> None:
        self.status = response.status
        where = f"#{pointer}/responses/{escape(response.status)}"
        self.exact: dict[str, _Media] = {}
        ranges: list[tuple[str, _Media]] = []  # "text/*" -> "text/", "*/*" -> ""
        for media_type, media in response.content.items():
            essence = media_type_essence(media_type)
            validator = (
                SchemaValidator.compile(
                    media.schema, version, "response", where=f"{where}/content/{escape(media_type)}/schema"
                )
                if media.schema
                else None
            )
            entry = _Media(essence, validator)
            if essence.endswith("/*"):
                ranges.append((essence[:-1] if essence != "*/*" else "", entry))
            else:
                self.exact.setdefault(essence, entry)
        self.ranges = tuple(sorted(ranges, key=lambda item: -len(item[0])))  # most specific first
        # Without content, Swagger 2 says "no content is returned" (Response Object, ``schema``);
        # OpenAPI 3's content describes "potential response payloads": none described, none checked.
        self.no_body = not response.content and version == "2.0"
        self.declared = ", ".join(dict.fromkeys(media_type_essence(mt) for mt in response.content))
        self.headers = tuple(
            _HeaderCheck(str(name), header, version, f"{where}/headers/{escape(str(name))}")
            for name, header in response.headers.items()
            if str(name).lower() != "content-type"  # "SHALL be ignored" (OpenAPI 3)
        )

    def media(self, essence: str) -> _Media | None:
        found = self.exact.get(essence)
        if found is not None:
            return found
        for prefix, entry in self.ranges:
            if essence.startswith(prefix):
                return entry
        return None


class ResponseChecker:
    """Compiled response checks of one operation; :meth:`check` lists a response's violations."""

    __slots__ = ("by_range", "by_status", "default")

    def __init__(self, operation: Operation, version: SpecVersion) -> None:
        spec = operation.spec
        self.by_status: dict[int, _Expected] = {}
        self.by_range: dict[int, _Expected] = {}
        self.default: _Expected | None = None
        for status, response in spec.responses.items():
            expected = _Expected(response, version, spec.pointer)
            if status == "default":
                self.default = expected
            elif status.isdigit():
                self.by_status[int(status)] = expected
            else:  # "2XX"
                self.by_range[int(status[0])] = expected

    def expected(self, status: int) -> _Expected | None:
        return self.by_status.get(status) or self.by_range.get(status // 100) or self.default

    def check(self, response: web.StreamResponse) -> list[Violation]:
        violations: list[Violation] = []
        expected = self.expected(response.status)
        if expected is None:
            message = "is not a declared response of this operation, and there is no default response"
            return [Violation("status", str(response.status), message)]
        if isinstance(response, web.Response) and not response.prepared:
            self._check_body(expected, response, violations)
        headers = response.headers
        for header in expected.headers:
            header.check(headers, violations)
        return violations

    @staticmethod
    def _check_body(expected: _Expected, response: web.Response, violations: list[Violation]) -> None:
        body = response.body
        if body is None or body == b"":
            return
        if not expected.exact and not expected.ranges:
            if expected.no_body:
                message = f"response {expected.status} declares no content, but a body was sent"
                violations.append(Violation("body", "", message))
            return
        essence = media_type_essence(response.headers.get(hdrs.CONTENT_TYPE) or "application/octet-stream")
        media = expected.media(essence)
        if media is None:
            message = f"{essence!r} is not a declared media type of response {expected.status} ({expected.declared})"
            violations.append(Violation("header", "Content-Type", message))
            return
        if not is_json(essence) or not isinstance(body, bytes | bytearray):
            return  # other media types: the content type is all that is checked; a payload is not read
        try:
            value = json.loads(body)
        except (ValueError, RecursionError):
            violations.append(Violation("body", "", "is not valid JSON"))
            return
        if media.validator is not None:
            violations += media.validator.violations(value, "body")


def stage(operation: Operation, call: Handler) -> Handler:
    """Check the response of ``call`` against the operation's declared responses."""
    if not operation.options.validate_responses:
        return call
    label = operation.spec.label
    checker = ResponseChecker(operation, operation.version)

    async def validate_response(request: web.Request) -> web.StreamResponse:
        response = await call(request)
        violations = checker.check(response)
        if not violations:
            return response
        sent = response.prepared
        log.error(
            "invalid response from %s (%s %s), status %d%s:%s",
            label,
            request.method,
            request.path,
            response.status,
            " (already sent, so passed on)" if sent else "",
            "".join(f"\n  - {_describe(violation)}" for violation in violations),
            extra={"violations": [violation.as_dict() for violation in violations]},
        )
        if sent:
            return response  # its status and headers are on the wire: nothing else can be answered
        raise ResponseValidationError(detail=_DETAIL)

    return validate_response


def _describe(violation: Violation) -> str:
    if violation.location == "body":
        return f"body {violation.name or '/'}: {violation.message}"
    if violation.location == "status":
        return f"status {violation.name}: {violation.message}"
    return f"{violation.location} {violation.name!r}: {violation.message}"
