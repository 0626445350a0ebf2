"""Turn engine errors into :class:`~openapi_aio.errors.Violation` s a client can act on.

Messages are written from the failing keyword and its schema value, never from the instance:
the value a client sent is never echoed (it may be a password) and the schema is never dumped.
For properties marked ``x-sensitive`` even the allowed values and patterns are withheld.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from ..errors import Violation
from ..spec.files import escape
from .dialects import READ_ONLY, WRITE_ONLY

__all__ = ["pointer", "violations_from"]

_TYPE_NAMES = {"integer": "an integer", "number": "a number", "string": "a string", "boolean": "a boolean",
               "array": "an array", "object": "an object", "null": "null"}  # fmt: skip


def pointer(parts: Iterable[Any]) -> str:
    """An RFC 6901 JSON pointer from path parts."""
    return "".join("/" + escape(str(part)) for part in parts)


def violations_from(errors: Iterable[Any], schema: Mapping[str, Any], location: str, name: str = "") -> list[Violation]:
    """One violation per problem. For the body each is located by a JSON pointer; for a parameter
    by the parameter's name (with the position inside the value, if any, in the message)."""
    found: dict[tuple[str, str], Violation] = {}
    for error in errors:
        for where, message in _explain(error, schema):
            if location == "body":
                violation = Violation("body", where, message)
            else:
                violation = Violation(location, name, f"{where[1:]}: {message}" if where else message)
            found.setdefault((violation.name, violation.message), violation)
    return list(found.values())


def _explain(error: Any, root: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
    kind = error.kind.name
    details = error.kind.as_dict()
    path = pointer(error.instance_path)
    if kind in ("oneOf", "anyOf"):
        yield from _explain_choice(kind, details.get("context") or [], path, root)
        return
    if kind == "required":
        yield f"{path}/{escape(str(details['property']))}", "is required"
        return
    if kind in ("additionalProperties", "unevaluatedProperties"):
        for unexpected in details.get("unexpected") or ():
            yield f"{path}/{escape(str(unexpected))}", "is not a known property"
        return
    schema_path = list(error.schema_path)
    owner = _schema_at(root, schema_path[:-1]) if schema_path else root
    yield path, _message(kind, details, owner if isinstance(owner, Mapping) else {})


def _explain_choice(
    kind: str, branches: Sequence[Sequence[Any]], path: str, root: Mapping[str, Any]
) -> Iterator[tuple[str, str]]:
    """A value matching none of ``oneOf``/``anyOf``: if every branch only wanted another type,
    say which types; otherwise report the branch that came closest (fewest errors)."""
    if branches and all(len(b) == 1 and b[0].kind.name == "type" for b in branches):
        types: list[str] = []
        for branch in branches:
            types += [t for t in branch[0].kind.as_dict()["types"] if t not in types]
        yield path, "must be " + " or ".join(_TYPE_NAMES.get(t, t) for t in types)
        return
    closest = min((b for b in branches if b), key=len, default=None)
    if closest is None:  # oneOf: several branches matched
        yield path, "must match exactly one of the allowed schemas, but matches several"
        return
    for error in closest:
        yield from _explain(error, root)


def _schema_at(root: Any, parts: Sequence[Any]) -> Any:
    node = root
    for part in parts:
        if isinstance(node, Mapping):
            node = node.get(str(part))
        elif isinstance(node, list) and isinstance(part, int) and part < len(node):
            node = node[part]
        else:
            return {}
    return node


def _message(kind: str, details: Mapping[str, Any], schema: Mapping[str, Any]) -> str:
    sensitive = bool(schema.get("x-sensitive"))
    limit = details.get("limit")
    if kind == "type":
        return "must be " + " or ".join(_TYPE_NAMES.get(t, t) for t in details.get("types") or ())
    if kind == "enum":
        if sensitive:
            return "is not one of the allowed values"
        return "must be one of: " + ", ".join(_show(option) for option in details.get("options") or ())
    if kind == "const":
        return "is not the allowed value" if sensitive else f"must be {_show(details.get('expected_value'))}"
    if kind == "minimum":
        return f"must be >= {_show(limit)}"
    if kind == "maximum":
        return f"must be <= {_show(limit)}"
    if kind == "exclusiveMinimum":
        return f"must be > {_show(limit)}"
    if kind == "exclusiveMaximum":
        return f"must be < {_show(limit)}"
    if kind == "multipleOf":
        return f"must be a multiple of {_show(details.get('multiple_of'))}"
    if kind in ("minLength", "maxLength"):
        bound = "at least" if kind == "minLength" else "at most"
        return f"must be {bound} {limit} character{'s' if limit != 1 else ''} long"
    if kind == "pattern":
        return "does not have the expected form" if sensitive else f"must match the pattern {details.get('pattern')}"
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
    if kind == "backtrackLimitExceeded":
        return "could not be checked against its pattern"
    return f"does not satisfy '{kind}'"


def _show(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e16:
        return str(int(value))
    return str(value)
