"""The package's ``x-`` extension values checked against their published JSON Schema.

``metaschemas/openapi-aio-extensions.schema.json`` is the file editors are pointed at
(docs/extensions.md); checking documents against the same definitions at start-up keeps the two
from drifting apart, and catches values the code would otherwise ignore, misread or crash on
(``heartbeat: "30s"``, ``limit: "20"``, ``x-column: {unique: "yes"}``).

Values are taken from where the package reads them, not from wherever an editor looks: named
schemas with ``x-table`` and the properties their tables are made of, path items and operations.

The specific checks stay the authority on what they check, in their own words: those of the walk
(:mod:`.extensions`), and the later ones run when the API is compiled (``db.tables``,
``db.resources``, ``ws.endpoint``, ``pipeline.timeouts``). A schema violation is reported only
when neither says anything about it:

- the walk's errors are known here: one at or inside the value's place silences the schema there;
- the later checks only run if loading succeeds, so what each of them reports is listed in
  :data:`_CHECKED_LATER` and left to it; reporting it here would replace its message and hide
  every other mistake those checks find.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterator, Mapping
from importlib import resources
from importlib.resources.abc import Traversable
from typing import TYPE_CHECKING, Any, TypeAlias

import jsonschema_rs

from openapi_aio.errors import SpecError
from openapi_aio.spec.files import Ref
from openapi_aio.spec.model import HTTP_METHODS
from openapi_aio.spec.reader import NodeReader

if TYPE_CHECKING:  # jsonschema loads only to explain a value jsonschema-rs refused
    import jsonschema
    from jsonschema.exceptions import ValidationError

__all__ = ["EXTENSIONS", "SCHEMA_FILE", "check_extension_values", "extensions_schema", "schema_path"]

SCHEMA_FILE = "openapi-aio-extensions.schema.json"
# The extensions checked at start-up: each is a definition of the schema's $defs, by its name
EXTENSIONS = (
    "x-table",
    "x-column",
    "x-resource",
    "x-websocket",
    "x-timeout",
    "x-openapi-router-controller",
    "x-body-name",
)
_MAX_SHOWN = 40  # longer values are not repeated in messages: the pointer says where they are
_TYPES = {
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "boolean": "a boolean",
    "object": "an object",
    "array": "an array",
    "null": "null",
}

Steps: TypeAlias = tuple[str | int, ...]  # a place inside one value
# (path inside the value, failed keyword, the whole value) -> a later check reports it
Owned: TypeAlias = Callable[[Steps, str, Any], bool]


def schema_path() -> Traversable:
    """Where the installed schema file is, for pointing an editor at it."""
    return resources.files(__package__).joinpath("metaschemas", SCHEMA_FILE)


@functools.cache
def extensions_schema() -> Mapping[str, Any]:
    """The published schema, read once per process."""
    schema: Mapping[str, Any] = json.loads(schema_path().read_text("utf-8"))
    return schema


def _definition(name: str) -> dict[str, Any]:
    root = extensions_schema()
    return {"$schema": root["$schema"], "$ref": f"#/$defs/{name}", "$defs": root["$defs"]}


@functools.cache
def _fast(name: str) -> Any:
    """One definition's jsonschema-rs validator, compiled the first time a document uses that
    extension: it confirms valid values (nearly all) without loading ``jsonschema``."""
    return jsonschema_rs.Draft202012Validator(_definition(name))


@functools.cache
def _validator(name: str) -> jsonschema.Draft202012Validator:
    """The same definition in ``jsonschema``, whose errors say what is wrong: only for a value
    jsonschema-rs refused."""
    import jsonschema

    return jsonschema.Draft202012Validator(_definition(name))


def _errors(name: str, value: Any) -> Iterator[ValidationError]:
    try:
        if _fast(name).is_valid(value):
            return iter(())
    except ValueError:  # not JSON-shaped (a YAML date, a set): let jsonschema decide
        pass
    return _validator(name).iter_errors(value)  # type: ignore[no-any-return]


def check_extension_values(read: NodeReader) -> None:
    """Note a located error for every extension value of the document its definition refuses and
    no specific check reports. Call it once per document, after the walk of its operations."""
    walked = list(read.errors)
    for name, value, at in _extension_values(read):
        for error in _errors(name, value):
            path: Steps = tuple(error.absolute_path)
            if _CHECKED_LATER[name](path, str(error.validator), value):
                continue
            where = at.child(*path)
            if any(_within(noted, at, where) for noted in walked):
                continue
            read.report(where, f"{_describe(name, error, path)} (extensions schema)")


def _within(noted: SpecError, value: Ref, where: Ref) -> bool:
    """``noted`` is at the value's place or inside it, and ``where`` is at or under ``noted``."""
    if noted.file != value.file:
        return False
    inside = noted.pointer == value.pointer or noted.pointer.startswith(value.pointer + "/")
    under = where.pointer == noted.pointer or where.pointer.startswith(noted.pointer + "/")
    return inside and under


# --- where the package reads each extension ---


def _extension_values(read: NodeReader) -> Iterator[tuple[str, Any, Ref]]:
    yield from _operation_values(read)
    yield from _stored_values(read)


def _quiet(read: NodeReader, node: Any, at: Ref) -> tuple[Any, Ref]:
    """``node`` with its ``$ref`` chain followed; a broken one is the walk's to report."""
    try:
        return read.deref(node, at)
    except SpecError:
        return None, at


def _operation_values(read: NodeReader) -> Iterator[tuple[str, Any, Ref]]:
    """Those of path items and operations, as :mod:`.normalize` and :mod:`.bodies` read them."""
    paths = read.root.get("paths")
    if not isinstance(paths, Mapping):
        return
    seen: set[str] = set()  # a path item or operation reached twice through $ref is checked once
    for template, raw in paths.items():
        if not str(template).startswith("/"):
            continue
        item, item_at = _quiet(read, raw, read.at_root("/paths").child(str(template)))
        if not isinstance(item, Mapping):
            continue
        falls_back = False  # an operation without its own x-resource reads its path item's
        for method in HTTP_METHODS:
            if method not in item:
                continue
            operation, at = _quiet(read, item[method], item_at.child(method))
            if not isinstance(operation, Mapping):
                continue
            falls_back = falls_back or "x-resource" not in operation
            if at.absolute in seen:
                continue
            seen.add(at.absolute)
            names = ["x-resource", "x-timeout", "x-openapi-router-controller"]
            if method == "get":
                names.append("x-websocket")  # elsewhere the walk itself refuses it
            if read.version != "2.0":
                names.append("x-body-name")
            yield from ((name, operation[name], at.child(name)) for name in names if name in operation)
            if read.version != "2.0" and "requestBody" in operation:
                body, body_at = _quiet(read, operation["requestBody"], at.child("requestBody"))
                if isinstance(body, Mapping) and "x-body-name" in body:
                    yield "x-body-name", body["x-body-name"], body_at.child("x-body-name")
        if item_at.absolute in seen:
            continue
        seen.add(item_at.absolute)
        if falls_back and "x-resource" in item:
            yield "x-resource", item["x-resource"], item_at.child("x-resource")
        if "x-openapi-router-controller" in item:
            yield (
                "x-openapi-router-controller",
                item["x-openapi-router-controller"],
                item_at.child("x-openapi-router-controller"),
            )


def _stored_values(read: NodeReader) -> Iterator[tuple[str, Any, Ref]]:
    """``x-table`` where a named schema is written, and the ``x-column`` of each property its
    table is made of (``allOf`` members merged in, as :mod:`openapi_aio.db.tables` merges them)."""
    if read.version == "2.0":
        container, at = read.root.get("definitions"), read.at_root("/definitions")
    else:
        components = read.root.get("components")
        container = components.get("schemas") if isinstance(components, Mapping) else None
        at = read.at_root("/components/schemas")
    if not isinstance(container, Mapping):
        return
    for name, schema in container.items():
        if not isinstance(schema, Mapping) or "x-table" not in schema:
            continue
        schema_at = at.child(str(name))
        yield "x-table", schema["x-table"], schema_at.child("x-table")
        for value, column_at in _columns(read, schema, schema_at, set()).values():
            yield "x-column", value, column_at


def _columns(read: NodeReader, schema: Mapping[str, Any], at: Ref, seen: set[str]) -> dict[str, tuple[Any, Ref]]:
    """Each property's ``x-column`` and its place: ``allOf`` members first, then the schema's own
    properties, which replace theirs; a ``$ref`` property's own ``x-column`` wins over its target's."""
    seen = seen | {at.absolute}
    columns: dict[str, tuple[Any, Ref]] = {}
    members = schema.get("allOf")
    for index, member in enumerate(members if isinstance(members, list) else ()):
        member, member_at = _quiet(read, member, at.child("allOf", index))
        if isinstance(member, Mapping) and member_at.absolute not in seen:
            columns.update(_columns(read, member, member_at, seen))
    properties = schema.get("properties")
    for name, prop in (properties if isinstance(properties, Mapping) else {}).items():
        if not isinstance(prop, Mapping):
            continue
        prop_at = at.child("properties", str(name))
        if "x-column" not in prop and "$ref" in prop:
            prop, prop_at = _quiet(read, prop, prop_at)
        if isinstance(prop, Mapping) and "x-column" in prop:
            columns[str(name)] = (prop["x-column"], prop_at.child("x-column"))
        else:
            columns.pop(str(name), None)
    return columns


# --- what the later checks report, left to them ---


def _iterated(node: Any) -> bool:
    """A non-empty string or object where a list is expected: the code walks its members as if
    it were one, and reports the first that is not what it wants."""
    return isinstance(node, str | Mapping) and len(node) > 0


def _table(path: Steps, keyword: str, value: Any) -> bool:
    """``db.tables``: the value's type and keys (not an empty name), ``version``, and each group
    of ``unique`` and ``indexes``."""
    if not path:
        return keyword != "minLength"
    if path[0] in ("unique", "indexes") and isinstance(value, Mapping):
        return len(path) > 1 or _iterated(value.get(path[0]))
    return path[0] == "version"


def _column(path: Steps, keyword: str, value: Any) -> bool:
    """``db.tables``: the value's type and keys, ``default``, ``on_update``, ``references``, and
    ``on_delete`` when there is a reference to delete from."""
    if not path:
        return True
    if path[0] == "on_delete":
        return isinstance(value, Mapping) and "references" in value
    return path[0] in ("default", "on_update", "references")


def _resource(path: Steps, keyword: str, value: Any) -> bool:
    """The walk (the value's type, its ``schema``) and ``db.resources``/``db.storage`` (unknown
    keys, ``view``, ``upsert``, ``events``, each ``order_by`` column, ``embed`` in db.embedding)."""
    if not path:
        return True
    if path[0] == "order_by" and isinstance(value, Mapping):
        return len(path) > 1 or _iterated(value.get("order_by"))
    return path[0] in ("schema", "view", "upsert", "events", "embed")


# x-websocket keys ws.endpoint checks itself, in its own words
_WEBSOCKET_CHECKED = frozenset(
    {"queue", "max_message_size", "max_subscriptions", "max_pattern_length", "send_timeout", "authorize"}
)


def _websocket(path: Steps, keyword: str, value: Any) -> bool:
    """The walk (the value's, sections' and entries' types, their schemas) and
    ``ws.endpoint`` (unknown keys, sizes and counts, ``send_timeout``, ``authorize``, built-in
    method names, ``operationId``, channel rules and their ``scopes`` lists)."""
    if not path:
        return True
    if path[0] in _WEBSOCKET_CHECKED:
        return True
    if path[0] not in ("rpc", "channels"):
        return False  # heartbeat, idle_timeout: read as numbers without a check
    if len(path) <= 2:
        return True
    member = path[2]
    if path[0] == "rpc":
        return member in ("operationId", "payload", "response")
    if member in ("subscribe", "publish"):
        return len(path) <= 4  # the rule and its scopes list; not the scopes themselves
    return member == "message"


def _everything(path: Steps, keyword: str, value: Any) -> bool:
    """Checked in full: ``x-timeout`` by ``pipeline.timeouts``, the controller by the walk."""
    return True


def _nothing(path: Steps, keyword: str, value: Any) -> bool:
    """Read as it is (``x-body-name`` becomes an argument name with ``str()``)."""
    return False


_CHECKED_LATER: dict[str, Owned] = {
    "x-table": _table,
    "x-column": _column,
    "x-resource": _resource,
    "x-websocket": _websocket,
    "x-timeout": _everything,
    "x-openapi-router-controller": _everything,
    "x-body-name": _nothing,
}


# --- saying it ---


def _kind(value: Any) -> str:
    """A value's JSON type, as messages name it."""
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, Mapping):
        return "an object"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "null" if value is None else type(value).__name__


def _shown(value: Any) -> str:
    text = json.dumps(value, default=str)
    return text if len(text) <= _MAX_SHOWN else f"this {_kind(value).split()[-1]}"


def _types(error: ValidationError) -> str:
    """What ``type`` allows; a boolean that may only be one of the two is named as that value."""
    expected = error.validator_value
    names = [_TYPES.get(name, name) for name in ([expected] if isinstance(expected, str) else expected)]
    then = error.schema.get("then") if isinstance(error.schema, Mapping) else None
    if isinstance(then, Mapping) and "const" in then and _TYPES["boolean"] in names:
        names[names.index(_TYPES["boolean"])] = json.dumps(then["const"])
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"


def _describe(name: str, error: ValidationError, path: Steps) -> str:
    """The violation in the package's words: ``x-column default must be ...``."""
    subject = f"{name} {'/'.join(str(token) for token in path)} " if path else f"{name} "
    value, expected = error.instance, error.validator_value
    if error.validator == "type":
        return f"{subject}must be {_types(error)}, not {_kind(value)}"
    if error.validator == "const":
        return f"{subject}may only be {json.dumps(expected)}, not {_shown(value)}"
    if error.validator == "enum":
        allowed = ", ".join(json.dumps(choice) for choice in expected)
        return f"{subject}must be one of {allowed}, not {_shown(value)}"
    if error.validator == "pattern":
        examples = error.schema.get("examples") if isinstance(error.schema, Mapping) else None
        allowed = ", ".join(json.dumps(choice) for choice in examples or [expected])
        return f"{subject}must be one of {allowed} (in any case), not {_shown(value)}"
    if error.validator == "minimum":
        return f"{subject}must be at least {expected}, not {_shown(value)}"
    if error.validator == "exclusiveMinimum":
        return f"{subject}must be more than {expected}, not {_shown(value)}"
    if error.validator in ("minLength", "minItems"):
        return f"{subject}must not be empty"
    if error.validator == "required":
        return f"{subject}needs {', '.join(repr(name) for name in expected if name not in value)}"
    if error.validator == "additionalProperties":
        declared = error.schema.get("properties", {}) if isinstance(error.schema, Mapping) else {}
        unknown = ", ".join(sorted(str(name) for name in value if name not in declared))
        return f"{subject}unknown key(s) {unknown}"
    message = str(error.message)
    return f"{subject}{message[:200]}"
