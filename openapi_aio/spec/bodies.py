"""What an operation's messages carry: its request body and its responses, with their content.

Read as OpenAPI 3 writes them; the Swagger 2 forms come from :mod:`.swagger2`. Every schema found
is bundled (see :mod:`.schemas`), so the model holds no ``$ref`` a later stage would have to follow.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from openapi_aio.errors import SpecError
from openapi_aio.request.media_types import is_form
from openapi_aio.spec import swagger2
from openapi_aio.spec.files import Ref
from openapi_aio.spec.model import MISSING, BodySpec, MediaTypeSpec, ResponseSpec
from openapi_aio.spec.reader import NodeReader

__all__ = ["media_types", "request_body", "responses"]


def request_body(read: NodeReader, operation: Mapping[str, Any], at: Ref) -> BodySpec | None:
    """An operation's ``requestBody``; a body of form media types only is passed field by field."""
    if "requestBody" not in operation:
        return None
    body, where = read.follow(operation["requestBody"], at.child("requestBody"), "requestBody")
    if body is None:
        return None
    content = media_types(read, body, where)
    name = body.get("x-body-name") or operation.get("x-body-name") or "body"
    form = bool(content) and all(is_form(media_type) for media_type in content)
    return BodySpec(content, required=bool(body.get("required")), name=str(name), form=form)


def media_types(read: NodeReader, owner: Mapping[str, Any], at: Ref) -> dict[str, MediaTypeSpec]:
    """The ``content`` of a request body or response found at ``at``, by media type."""
    content: dict[str, MediaTypeSpec] = {}
    for media_type, raw in read.optional_mapping(owner, "content", at).items():
        media, media_at = read.follow(raw if raw is not None else {}, at.child("content", media_type), "a media type")
        if media is None:
            continue
        schema = read.bundle(media.get("schema"), media_at.child("schema")) if "schema" in media else None
        content[str(media_type)] = MediaTypeSpec(
            str(media_type),
            schema,
            example=media.get("example", MISSING),
            examples=_examples(read, media, media_at),
            encoding=read.optional_mapping(media, "encoding", media_at),
        )
    return content


def _examples(read: NodeReader, media: Mapping[str, Any], at: Ref) -> dict[str, Any]:
    """Named examples, each with its ``$ref`` followed; a broken one is reported and left out."""
    examples = {}
    for name, example in read.optional_mapping(media, "examples", at).items():
        try:
            examples[name], _ = read.deref(example, at.child("examples", name))
        except SpecError as error:
            read.errors.append(error)
    return examples


def responses(read: NodeReader, raw: Any, operation: Mapping[str, Any], at: Ref) -> dict[str, ResponseSpec]:
    """An operation's responses by status code (``x-`` keys are extensions, not responses)."""
    found: dict[str, ResponseSpec] = {}
    if not isinstance(raw, Mapping):
        read.report(at, "'responses' must be an object")
        return found
    # read whatever the version, as it always has been: a malformed 'produces' is reported in 3.x too
    produced = swagger2.produces(read, operation, Ref(at.uri, at.pointer.rsplit("/", 1)[0]))
    for status, response in raw.items():
        status = str(status)
        if status.startswith("x-"):
            continue
        where = at.child(status)
        if not _valid_status(status):
            read.report(where, f"invalid response status code {status!r}")
            continue
        response, where = read.follow(response, where, "a response")
        if response is None:
            continue
        headers = _headers(read, response, where)
        if read.version == "2.0":
            content = swagger2.response_content(read, response, produced, where)
        else:
            content = media_types(read, response, where)
        found[status] = ResponseSpec(status, str(response.get("description") or ""), content, headers)
    return found


def _headers(read: NodeReader, response: Mapping[str, Any], at: Ref) -> dict[str, Mapping[str, Any]]:
    """A response's headers, each with its schema bundled: self-contained, like every other schema
    in the model (3.x headers may give it under ``content`` instead)."""
    headers: dict[str, Mapping[str, Any]] = {}
    for name, header in read.optional_mapping(response, "headers", at).items():
        header, header_at = read.follow(header, at.child("headers", name), "a header")
        if header is None:
            continue
        if read.version == "2.0":
            header = {**header, "schema": swagger2.inline_schema(read, header, header_at)}
        elif "schema" in header:
            header = {**header, "schema": read.bundle(header["schema"], header_at.child("schema"))}
        elif isinstance(header.get("content"), Mapping) and header["content"]:
            media_type, media = next(iter(header["content"].items()))
            schema = media.get("schema") if isinstance(media, Mapping) else None
            bundled = read.bundle(schema, header_at.child("content", media_type, "schema"))
            header = {**header, "content": {media_type: {**media, "schema": bundled}}}
        headers[str(name)] = header
    return headers


def _valid_status(status: str) -> bool:
    """``default``, a range like ``2XX``, or a code from 100 to 599."""
    if status == "default":
        return True
    if re.fullmatch(r"[1-5]XX", status, re.IGNORECASE):
        return True
    return status.isdigit() and 100 <= int(status) <= 599
