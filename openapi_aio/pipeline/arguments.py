"""The stage that turns the request into the handler's keyword arguments.

Parameters and body are read together, so a request with a bad path value *and* a bad body hears
about both in one 400. A parameter value that is not text (a header or cookie with bytes that are
not UTF-8, a JSON ``"\\ud800"``: see :mod:`openapi_aio.request.decoding`) is a violation too: no
handler ever receives a string it could not encode. Parameters with a document default get it when
absent (a copy, so a handler changing a default list changes it for that request only); optional
ones without a default are simply not passed, so the function's own default applies. Header
parameters the specification says to ignore (``Accept``, ``Content-Type``, ``Authorization``) are
neither read nor required. With ``strict_validation``, query parameters the operation does not
declare are a 400 too.

Files uploaded with the request are closed once the handler has returned (see
:mod:`openapi_aio.request.uploads`).
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

from aiohttp import web

from openapi_aio.errors import RequestValidationError, Violation
from openapi_aio.keys import ARGUMENTS, PATH_VALUES
from openapi_aio.request.decoding import NOT_TEXT, has_lone_surrogate
from openapi_aio.request.parameters import CastError, ParameterReader, known_query_names
from openapi_aio.request.uploads import UploadedFile
from openapi_aio.spec.model import MISSING

if TYPE_CHECKING:
    from openapi_aio.operation import Operation
    from openapi_aio.types import Handler

__all__ = ["read_parameters", "stage"]


def _source(request: web.Request, location: str) -> Any:
    if location == "path":
        return request[PATH_VALUES]
    if location == "query":
        return request.query
    if location == "header":
        return request.headers
    return request.cookies


def read_parameters(
    readers: tuple[ParameterReader, ...], request: web.Request, arguments: dict[str, Any], violations: list[Violation]
) -> None:
    for reader in readers:
        try:
            value = reader.read(_source(request, reader.location))
        except CastError as error:
            violations.append(Violation(reader.location, reader.name, str(error)))
            continue
        if reader.may_be_no_text and has_lone_surrogate(value):
            violations.append(Violation(reader.location, reader.name, NOT_TEXT))
            continue
        if value is MISSING:
            if reader.default is not MISSING:
                default = reader.default
                arguments[reader.argument] = copy.deepcopy(default) if isinstance(default, list | dict) else default
            elif reader.required:
                violations.append(
                    Violation(reader.location, reader.name, f"required {reader.location} parameter is missing")
                )
            continue
        if reader.validator is not None:
            problems = reader.validator.violations(value, reader.location, reader.name)
            if problems:
                violations += problems
                continue
        arguments[reader.argument] = value


_FRAMEWORK_ARGUMENTS = frozenset({"request", "context_", "user", "token_info"})


def _query_api_keys(operation: Operation) -> list[str]:
    """Names of API keys the operation's security takes from the query: declared, not unknown."""
    schemes = operation.security.schemes if operation.security is not None else {}
    names = {name for requirement in operation.spec.security or () for name in requirement}
    return [
        str(schemes[name].get("name"))
        for name in names
        if name in schemes and schemes[name].get("type") == "apiKey" and schemes[name].get("in") == "query"
    ]


def stage(operation: Operation, call: Handler) -> Handler:
    readers = tuple(reader for reader in operation.parameters if not reader.ignored)
    query_names = [reader.name for reader in readers if reader.location == "query"]
    for reader in readers:
        if reader.location == "query":
            reader.reserve(query_names)
    options = operation.options
    # strict_validation: the query names the operation declares (None: any name goes). Resource
    # operations are always strict: a misspelt filter must not silently list every row.
    strict = options.strict_validation or operation.spec.resource is not None
    known_query = known_query_names(readers, _query_api_keys(operation)) if strict else None
    body = operation.body
    if not readers and body is None and known_query is None:

        async def no_arguments(request: web.Request) -> web.StreamResponse:
            request[ARGUMENTS] = {}
            return await call(request)

        return no_arguments

    async def read_arguments(request: web.Request) -> web.StreamResponse:
        arguments: dict[str, Any] = {}
        violations: list[Violation] = []
        if readers:
            read_parameters(readers, request, arguments, violations)
        if known_query is not None:
            violations += [
                Violation("query", name, "not a declared query parameter")
                for name in known_query.unknown(request.query)
            ]
        uploads: list[UploadedFile] = []
        try:
            if body is not None:
                value, fields, body_violations = await body.read(request, uploads)
                violations += body_violations
                if value is not MISSING:
                    for name, field in fields.items():
                        # A form field never replaces a parameter or what the framework passes.
                        if name not in arguments and name not in _FRAMEWORK_ARGUMENTS:
                            arguments[name] = field
                    arguments[body.name] = value
            if violations:
                raise RequestValidationError(detail=_summary(violations), violations=violations)
            request[ARGUMENTS] = arguments
            return await call(request)
        finally:
            for upload in uploads:  # the handler is done with them (or never ran)
                upload.close()

    return read_arguments


def _summary(violations: list[Violation]) -> str:
    first = violations[0]
    where = f"{first.location} parameter {first.name!r}" if first.location != "body" else "body"
    more = f" (and {len(violations) - 1} more)" if len(violations) > 1 else ""
    return f"invalid {where}: {first.message}{more}"
