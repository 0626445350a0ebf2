"""The answers openapi_aio itself makes, added to the served document (never to the file).

A client generator or a contract tester believes the served document. The framework answers
some requests itself, before or around the handler: a 400 for a parameter or body that breaks
the document, a 401/403 from the security check, a 409 from a database resource... When the
document does not list those statuses, every one of them is an "undocumented status" to the
client. So the served document lists, for each operation, the statuses the framework may send
there and the author did not declare already (an explicit code or its ``4XX``/``5XX`` range;
``default`` does not count: it is the author's catch-all, not a description of ours), each an
``application/problem+json`` answer referring to one shared ``Problem`` schema: exactly the
members :mod:`openapi_aio.pipeline.problems` sends (RFC 9457's, ``errors[]`` of
:class:`~openapi_aio.errors.Violation`, ``request_id`` on server errors).

Which statuses an operation gets is decided from what was compiled for it, so the list says
only what can happen there (:func:`framework_statuses`). 405 is not listed: it answers a method
the path does not have, which is no operation of the document. A websocket operation (3.x) also
gets the handshake's headers as required header parameters
(:data:`~openapi_aio.ws.handshake.HANDSHAKE_PARAMETERS`): without them it refuses the GET. The option
``document_framework_answers=False`` serves the document without them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from openapi_aio.pipeline.problems import PROBLEM_MEDIA_TYPE
from openapi_aio.pipeline.timeouts import limit

if TYPE_CHECKING:
    from openapi_aio.operation import Operation

__all__ = ["PROBLEM_SCHEMA", "framework_statuses", "with_framework_answers"]

# Why the framework sends each status, as the added responses describe it.
DESCRIPTIONS = {
    "400": "The request breaks the document (its parameters or body); `errors` lists every reason.",
    "401": "No valid credentials; `WWW-Authenticate` names the schemes accepted.",
    "403": "The credentials do not allow this operation (e.g. a missing scope).",
    "404": "Nothing at this path (no row with this key, or no parent row), or no page at this `cursor`.",
    "406": "None of the media types this operation produces is acceptable (`Accept`).",
    "408": "The request body stopped arriving (body_timeout).",
    "409": "A conflict with the stored rows (a unique value taken, a row still referenced).",
    "412": "`If-Match` does not match the row's current version.",
    "413": "The body is larger than this API accepts (client_max_size, max_upload_size, max_form_parts).",
    "414": "The request line (the URL and its query) is longer than the server reads (8190 bytes).",
    "415": "The body's `Content-Type` is not one this operation accepts.",
    "422": "Well-formed values the database refuses (e.g. a reference to a row that does not exist).",
    "426": "A websocket version this service does not speak; `Sec-WebSocket-Version` names the one it does.",
    "431": "A header is longer than the server reads (8190 bytes).",
    "501": "The operation has no handler yet (stub).",
    "503": "A service this operation needs (database or message broker) is unavailable; see `Retry-After`.",
    "504": "The operation ran past its time limit (handler_timeout, x-timeout) and was cancelled.",
}

# The problem object as openapi_aio.pipeline.problems renders it (ProblemException.to_dict).
PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "An RFC 9457 problem, as openapi_aio answers every error it makes itself.",
    "required": ["type", "title", "status"],
    "properties": {
        "type": {"type": "string", "description": "A URI reference naming the kind of problem (about:blank)."},
        "title": {"type": "string", "description": "The status's phrase, or the problem's title."},
        "status": {"type": "integer", "description": "The HTTP status code."},
        "detail": {"type": "string", "description": "What went wrong, for a person."},
        "instance": {"type": "string", "description": "A URI reference naming this occurrence."},
        "errors": {
            "type": "array",
            "description": "Every violation found, one entry each.",
            "items": {
                "type": "object",
                "required": ["in", "message"],
                "properties": {
                    "in": {"type": "string", "description": "path, query, header, cookie or body"},
                    "name": {"type": "string", "description": "The parameter's name."},
                    "pointer": {"type": "string", "description": "A JSON pointer into the body."},
                    "message": {"type": "string"},
                },
            },
        },
        "request_id": {"type": "string", "description": "On server errors: finds the request in the log."},
    },
}

_WRITES = frozenset({"post", "put", "patch", "delete"})
_PLACEHOLDER = re.compile(r"\{[^{}]+\}")


def framework_statuses(operation: Operation) -> list[str]:
    """The statuses the framework may answer ``operation`` with, decided from what was compiled:
    readers and websockets (400), security (401/403), the path's placeholders and cursors (404),
    negotiation (406), a body (408/413/415), query and path values (414), header values (431), a
    database resource (409/412/422/503), a websocket's version (426), a time limit (504)."""
    spec = operation.spec
    options = operation.options
    has_body = operation.body is not None
    resource = bool(spec.resource)
    statuses = set()
    websocket = spec.websocket is not None  # a plain GET there is a 400 (no Upgrade)
    if operation.parameters or has_body or resource or websocket or options.strict_validation:
        statuses.add("400")
    if operation.authenticate is not None:
        statuses |= {"401", "403"}
    if _PLACEHOLDER.search(spec.path) or (
        resource and any(r.name == "cursor" and r.location == "query" for r in operation.parameters)
    ):
        statuses.add("404")  # no row at this key; no page at this cursor
    if operation.responder.negotiates:
        statuses.add("406")
    locations = {reader.location for reader in operation.parameters}
    if locations & {"query", "path"}:  # values long enough to pass the server's line limit
        statuses.add("414")
    if "header" in locations or websocket:
        statuses.add("431")
    if has_body:
        statuses |= {"413", "415"} | ({"408"} if options.body_timeout else set())
    if resource and spec.method in _WRITES:
        statuses |= {"409"} | ({"412"} if spec.method != "post" else set())
        statuses |= {"422"} if spec.method != "delete" else set()
    if resource or websocket:
        statuses.add("503")
    if websocket:
        statuses.add("426")
    if operation.bound_to == "stub":
        statuses.add("501")
    if limit(operation) is not None:  # a bad x-timeout stopped start-up already
        statuses.add("504")
    return sorted(statuses)


def with_framework_answers(document: Mapping[str, Any], operations: Iterable[Operation]) -> dict[str, Any]:
    """``document`` with each operation's undeclared framework statuses added and the
    ``Problem`` schema in its components (``definitions`` in Swagger 2). Only what changes is
    copied: the loaded document (shared with the rest of the service) is never modified."""
    swagger2 = str(document.get("swagger", "")).startswith("2")
    result = dict(document)
    name = _schema_name(document, swagger2)
    ref = ("#/definitions/" if swagger2 else "#/components/schemas/") + name
    paths = document.get("paths")
    if not isinstance(paths, Mapping):
        return result
    new_paths = dict(paths)
    added = rewritten = False
    for operation in operations:
        path_item = new_paths.get(operation.spec.path)
        if not isinstance(path_item, Mapping) or "$ref" in path_item:
            continue  # a path item in another file (not bundled) is served as written
        target = path_item.get(operation.spec.method)
        if not isinstance(target, Mapping):
            continue
        declared = target.get("responses")
        responses: Mapping[str, Any] = declared if isinstance(declared, Mapping) else {}
        extra = {s: _response(s, ref, swagger2) for s in framework_statuses(operation) if not _declared(s, responses)}
        changed = {**target, "responses": {**responses, **extra}} if extra else dict(target)
        if operation.spec.websocket is not None and not swagger2:
            changed["parameters"] = _with_handshake(target.get("parameters"))
        if changed != target:
            new_paths[operation.spec.path] = {**path_item, operation.spec.method: changed}
            added = added or bool(extra)
            rewritten = True
    if rewritten:
        result["paths"] = new_paths
    if added:
        _add_schema(result, name, swagger2)
    return result


def _with_handshake(declared: Any) -> list[Any]:
    """A websocket operation's parameters with the handshake's headers the author did not list:
    without them the GET is refused, so the contract says they are required."""
    from openapi_aio.ws.handshake import HANDSHAKE_PARAMETERS  # services without websockets never load ws

    parameters = list(declared) if isinstance(declared, list) else []
    named = {str(p.get("name", "")).lower() for p in parameters if isinstance(p, Mapping) and p.get("in") == "header"}
    return parameters + [p for p in HANDSHAKE_PARAMETERS if p["name"].lower() not in named]


def _declared(status: str, responses: Mapping[str, Any]) -> bool:
    return status in responses or f"{status[0]}XX" in responses or f"{status[0]}xx" in responses


def _response(status: str, ref: str, swagger2: bool) -> dict[str, Any]:
    """One added response, in the document's own shape."""
    response: dict[str, Any] = {"description": DESCRIPTIONS[status]}
    if swagger2:
        response["schema"] = {"$ref": ref}
    else:
        response["content"] = {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": ref}}}
    if status == "401":
        header = "The authentication schemes accepted (RFC 9110)."
        if swagger2:
            response["headers"] = {"WWW-Authenticate": {"type": "string", "description": header}}
        else:
            response["headers"] = {"WWW-Authenticate": {"description": header, "schema": {"type": "string"}}}
    return response


def _schema_name(document: Mapping[str, Any], swagger2: bool) -> str:
    """``Problem``, unless the author's document has a schema of that name already (the
    example app does, for its own answers): then the first free ``Problem<n>``."""
    section = document.get("definitions") if swagger2 else (document.get("components") or {}).get("schemas")
    taken = set(section) if isinstance(section, Mapping) else set()
    name, number = "Problem", 1
    while name in taken and (section or {}).get(name) != PROBLEM_SCHEMA:
        number += 1
        name = f"Problem{number}"
    return name


def _add_schema(document: dict[str, Any], name: str, swagger2: bool) -> None:
    if swagger2:
        document["definitions"] = {**(document.get("definitions") or {}), name: PROBLEM_SCHEMA}
        return
    components = dict(document.get("components") or {})
    components["schemas"] = {**(components.get("schemas") or {}), name: PROBLEM_SCHEMA}
    document["components"] = components
