"""Turn engine errors into :class:`~openapi_aio.errors.Violation` s a client can act on.

Messages are written from the failing keyword and its schema value, never from the instance:
the value a client sent is never echoed (it may be a password) and the schema is never dumped.
For properties marked ``x-sensitive`` (and everything inside them) even the allowed values and
patterns are withheld.

A value that matches none of the branches of ``oneOf``/``anyOf`` is explained by one branch: the
one its ``discriminator`` names, else the one it came closest to (see :func:`_distance`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

import jsonschema_rs

from openapi_aio.errors import Violation
from openapi_aio.spec.pointers import escape
from openapi_aio.validation.dialects import DISCRIMINATOR, PATTERN, READ_ONLY, WRITE_ONLY

__all__ = ["pointer", "violations_from"]

_TYPE_NAMES = {"integer": "an integer", "number": "a number", "string": "a string", "boolean": "a boolean",
               "array": "an array", "object": "an object", "null": "null"}  # fmt: skip


def pointer(parts: Iterable[Any]) -> str:
    """An RFC 6901 JSON pointer from path parts."""
    return "".join("/" + escape(str(part)) for part in parts)


Messages = dict[tuple[str, tuple[Any, ...]], str]


def violations_from(
    errors: Iterable[Any], schema: Mapping[str, Any], location: str, name: str = "", messages: Messages | None = None
) -> list[Violation]:
    """One violation per problem. For the body each is located by a JSON pointer; for a parameter
    by the parameter's name (with the position inside the value, if any, in the message).

    ``messages`` keeps the messages that depend only on the schema (see ``_SCHEMA_ONLY``) by
    keyword and schema location, so a schema's second ``maximum`` failure is a lookup: building
    them measured ~3 us per error (dev/bench_micro.py, W5). Its keys come from the schema, never
    from the value, so it stays as small as the schema."""
    found: dict[tuple[str, str], Violation] = {}
    for error in errors:
        for where, message in _explain(error, schema, messages):
            if location == "body":
                violation = Violation("body", where, message)
            else:
                violation = Violation(location, name, f"{where[1:]}: {message}" if where else message)
            found.setdefault((violation.name, violation.message), violation)
    return list(found.values())


# Kinds the engine names after the keyword they failed on (``pattern``), though nothing was
# learnt about the value: the regex engine gave up.
_UNCHECKED = (
    jsonschema_rs.ValidationErrorKind.BacktrackLimitExceeded,
    jsonschema_rs.ValidationErrorKind.RegexEngineFailure,
)


# Keywords whose message is made from the schema alone (not from the value or which member failed).
_SCHEMA_ONLY = frozenset(
    {"type", "enum", "const", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf",
     "minLength", "maxLength", "pattern", "format", "minItems", "maxItems", "uniqueItems", "minProperties",
     "maxProperties", "not", "falseSchema", "additionalItems", "unchecked"}
)  # fmt: skip


def _explain(error: Any, root: Mapping[str, Any], messages: Messages | None = None) -> Iterator[tuple[str, str]]:
    kind = "unchecked" if isinstance(error.kind, _UNCHECKED) else error.kind.name
    if messages is not None and kind in _SCHEMA_ONLY:
        key = (kind, tuple(error.schema_path))
        message = messages.get(key)
        if message is None:
            owner, sensitive = _schema_at(root, key[1][:-1])
            message = messages[key] = _message(kind, error.kind.as_dict(), owner, sensitive)
        yield pointer(error.instance_path), message
        return
    details = error.kind.as_dict()
    path = pointer(error.instance_path)
    schema_path = list(error.schema_path)
    owner, sensitive = _schema_at(root, schema_path[:-1])
    if kind in ("oneOf", "anyOf"):
        yield from _explain_choice(kind, error, details.get("context") or [], owner, root)
        return
    if kind == "required":
        yield f"{path}/{escape(str(details['property']))}", "is required"
        return
    if kind in ("additionalProperties", "unevaluatedProperties"):
        for unexpected in details.get("unexpected") or ():
            yield f"{path}/{escape(str(unexpected))}", "is not a known property"
        return
    if kind == "propertyNames" and details.get("error") is not None:
        inner = details["error"]  # the first name that failed; the message never names it
        yield path, "property names " + _message(inner.kind.name, inner.kind.as_dict(), owner, sensitive)
        return
    if kind == "contains" and schema_path and schema_path[-1] in ("minContains", "maxContains"):
        kind, details = schema_path[-1], {"limit": owner.get(schema_path[-1])}
    yield path, _message(kind, details, owner, sensitive)


def _explain_choice(
    kind: str, error: Any, branches: Sequence[Sequence[Any]], owner: Mapping[str, Any], root: Mapping[str, Any]
) -> Iterator[tuple[str, str]]:
    """A value matching none of ``oneOf``/``anyOf``: report the branch the discriminator names;
    if every branch wants another type for the value, say which types; otherwise report the
    branch the value came closest to."""
    path = pointer(error.instance_path)
    depth = len(error.instance_path)
    rule = owner.get(DISCRIMINATOR)
    if isinstance(rule, Mapping) and rule["keyword"] == kind and isinstance(error.instance, Mapping):
        where = f"{path}/{escape(rule['property'])}"
        if rule["property"] not in error.instance:
            yield where, "is required"
            return
        value = error.instance[rule["property"]]
        index = rule["names"].get(value) if isinstance(value, str) else None
        if index is None and rule["complete"]:
            yield where, "must be one of: " + ", ".join(rule["names"])
            return
        if index is not None and index < len(branches) and branches[index]:
            for branch_error in branches[index]:
                yield from _explain(branch_error, root)
            return
    if any(not branch for branch in branches):  # a failing oneOf with a branch that matched
        yield path, "must match exactly one of the allowed schemas, but matches several"
        return
    if branches and all(any(_wrong_type(e, depth) for e in branch) for branch in branches):
        types: list[str] = []  # the value's type fits no branch: say which types would
        for branch in branches:
            for wrong in (e for e in branch if _wrong_type(e, depth)):
                types += [t for t in wrong.kind.as_dict()["types"] if t not in types]
        yield path, _must_be(types)
        return
    closest = min(branches, key=lambda branch: _distance(branch, depth), default=())
    for branch_error in closest:
        yield from _explain(branch_error, root)


def _distance(branch: Sequence[Any], depth: int) -> tuple[bool, int, int]:
    """How far a value is from a branch: a branch wanting another type for the value itself is
    farthest (``null`` for an object), then the one with more errors; among equals, the one
    whose errors lie deeper, which got further into the value (a too-long ``phone`` is closer to
    the phone branch than a missing ``email`` is to the email branch)."""
    wrong_type = any(_wrong_type(error, depth) for error in branch)
    return wrong_type, len(branch), -max(len(error.instance_path) for error in branch)


def _wrong_type(error: Any, depth: int) -> bool:
    return bool(error.kind.name == "type" and len(error.instance_path) == depth)


def _schema_at(root: Any, parts: Sequence[Any]) -> tuple[Mapping[str, Any], bool]:
    """The schema at ``parts`` below ``root``, and whether it or any schema above it on the way
    is ``x-sensitive`` (the mark covers everything inside a property)."""
    node = root
    sensitive = False
    for part in parts:
        if isinstance(node, Mapping):
            sensitive = sensitive or node.get("x-sensitive") is True
            node = node.get(str(part))
        elif isinstance(node, list) and isinstance(part, int) and part < len(node):
            node = node[part]
        else:
            return {}, sensitive
    if not isinstance(node, Mapping):
        return {}, sensitive
    return node, sensitive or node.get("x-sensitive") is True


_COMPARISONS = {"minimum": ">=", "maximum": "<=", "exclusiveMinimum": ">", "exclusiveMaximum": "<"}


def _message(kind: str, details: Mapping[str, Any], schema: Mapping[str, Any], sensitive: bool) -> str:
    limit = details.get("limit")
    if kind == "type":
        return _must_be(details.get("types") or ())
    if kind == "enum":
        if sensitive:
            return "is not one of the allowed values"
        return "must be one of: " + ", ".join(_show(option) for option in details.get("options") or ())
    if kind == "const":
        return "is not the allowed value" if sensitive else f"must be {_show(details.get('expected_value'))}"
    if kind in _COMPARISONS:
        return f"must be {_COMPARISONS[kind]} {_show(limit)}"
    if kind == "multipleOf":
        return f"must be a multiple of {_show(details.get('multiple_of'))}"
    if kind in ("minLength", "maxLength"):
        bound = "at least" if kind == "minLength" else "at most"
        return f"must be {bound} {limit} character{'s' if limit != 1 else ''} long"
    if kind == "pattern":
        if sensitive:
            return "does not have the expected form"
        return f"must match the pattern {schema.get(PATTERN, details.get('pattern'))}"
    if kind == "format":
        return f"must be a valid {details.get('format')}"
    if kind in ("minItems", "maxItems"):
        bound = "at least" if kind == "minItems" else "at most"
        return f"must have {bound} {limit} item{'s' if limit != 1 else ''}"
    if kind == "uniqueItems":
        return "must not contain duplicate items"
    if kind in ("minProperties", "maxProperties"):
        bound = "at least" if kind == "minProperties" else "at most"
        return f"must have {bound} {limit} propert{'ies' if limit != 1 else 'y'}"
    if kind == "not":
        if schema.get(READ_ONLY):
            return "is read-only and cannot be sent"
        if schema.get(WRITE_ONLY):
            return "is write-only and must not be returned"
        return "matches a schema it must not match"
    if kind == "falseSchema":
        return "is not allowed here"
    if kind == "contains":
        return "must contain at least one matching item"
    if kind in ("minContains", "maxContains"):
        bound = "at least" if kind == "minContains" else "at most"
        return f"must contain {bound} {_show(limit)} matching item{'s' if limit != 1 else ''}"
    if kind == "additionalItems":
        return f"must have at most {limit} item{'s' if limit != 1 else ''}"
    if kind == "unchecked":
        return "could not be checked against its pattern"
    return f"does not satisfy '{kind}'"


def _must_be(types: Iterable[str]) -> str:
    """``must be a string or null``: the types in the order given, ``null`` last."""
    ordered = sorted(types, key=lambda kind: kind == "null")
    return "must be " + " or ".join(_TYPE_NAMES.get(kind, kind) for kind in ordered)


def _show(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e16:
        return str(int(value))
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)
