"""The published schema of the x- extensions (openapi_aio/spec/metaschemas/
openapi-aio-extensions.schema.json): a valid JSON Schema, keyed exactly as the code reads, met by
every example of the docs and by the example app; and its start-up check, which reports located
errors without repeating what the specific checks say."""

from __future__ import annotations

import copy
import re
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from aiohttp import web
from conftest import ROOT

import openapi_aio
from openapi_aio import InvalidSpecification, load_spec
from openapi_aio.db.columns import COLUMN_KEYS
from openapi_aio.db.resources import _X_RESOURCE_KEYS
from openapi_aio.db.tables import _TABLE_KEYS
from openapi_aio.spec import extension_schema
from openapi_aio.spec.extension_schema import EXTENSIONS, extensions_schema
from openapi_aio.ws.endpoint import _KEYS as _WEBSOCKET_KEYS

SCHEMA = extensions_schema()


def definition(name: str) -> jsonschema.Draft202012Validator:
    """A validator of one extension's definition, built the way an external tool would."""
    return jsonschema.Draft202012Validator({"$ref": f"#/$defs/{name}", "$defs": SCHEMA["$defs"]})


def whole() -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(SCHEMA)


# --- the file ---


def test_the_file_is_a_valid_json_schema_2020_12():
    assert SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    assert extension_schema.schema_path().name == "openapi-aio-extensions.schema.json"


def test_every_extension_has_a_described_definition():
    for name in EXTENSIONS:
        described = SCHEMA["$defs"][name]
        assert described.get("title") == name
        assert described.get("description"), name
        for key, member in described.get("properties", {}).items():
            assert member.get("description"), f"{name} {key}"


@pytest.mark.parametrize(
    ("name", "keys"),
    [
        ("x-table", _TABLE_KEYS),
        ("x-column", COLUMN_KEYS),
        ("x-resource", _X_RESOURCE_KEYS),
        ("x-websocket", _WEBSOCKET_KEYS),
    ],
)
def test_the_keys_are_those_the_code_accepts(name, keys):
    described = SCHEMA["$defs"][name]
    assert set(described["properties"]) == set(keys)
    assert described["additionalProperties"] is False  # the code refuses any other key too


def test_the_schemas_own_examples_are_valid():
    for name in EXTENSIONS:
        for example in SCHEMA["$defs"][name].get("examples", []):
            definition(name).validate(example)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("x-table", False),
        ("x-table", {"name": "t", "primary": "id"}),
        ("x-table", {"unique": ["a"]}),
        ("x-column", True),
        ("x-column", {"default": "today"}),
        ("x-column", {"on_delete": "explode"}),
        ("x-resource", True),
        ("x-resource", {"view": "v.V"}),
        ("x-resource", {"schema": "Task", "limit": "20"}),
        ("x-resource", {"schema": "Task", "upsert": []}),
        ("x-websocket", {"heartbeat": "30s"}),
        ("x-websocket", {"rpc": {"subscribe": {"operationId": "m.f"}}}),
        ("x-websocket", {"rpc": {"add": {}}}),
        ("x-websocket", {"channels": {"c": {"publish": {"scopes": "write"}}}}),
        ("x-websocket", {"queue": 0}),
        ("x-timeout", 0),
        ("x-timeout", True),
        ("x-timeout", "5s"),
        ("x-body-name", 5),
    ],
)
def test_wrong_values_are_refused(name, value):
    assert not definition(name).is_valid(value)


def test_an_editor_checks_values_where_the_package_reads_them():
    document = {
        "paths": {
            "/a": {
                "x-resource": {"schema": "A", "limit": "20"},
                "get": {"x-websocket": {"heartbeat": "30s"}, "x-timeout": 0},
                "post": {"x-websocket": {}, "requestBody": {"x-body-name": 5}},
            }
        },
        "components": {
            "schemas": {
                "A": {"x-table": "a", "allOf": [{"properties": {"b": {"x-column": {"uniq": True}}}}]},
                "NotStored": {"properties": {"c": {"x-column": "ignored without x-table"}}},
            }
        },
    }
    found = {"/".join(str(step) for step in error.absolute_path) for error in whole().iter_errors(document)}
    assert found == {
        "paths//a/x-resource/limit",
        "paths//a/get/x-websocket/heartbeat",
        "paths//a/get/x-timeout",
        "paths//a/post/x-websocket",
        "paths//a/post/requestBody/x-body-name",
        "components/schemas/A/allOf/0/properties/b/x-column",
    }


# --- the examples ---


def _blocks() -> Iterator[tuple[str, int, Any]]:
    """(file, line, parsed value) of every ```yaml block of docs/*.md."""
    for page in sorted((ROOT / "docs").glob("*.md")):
        text = page.read_text("utf-8")
        for match in re.finditer(r"^([ \t]*)```ya?ml\n(.*?)^[ \t]*```", text, re.M | re.S):
            line = text.count("\n", 0, match.start()) + 1
            yield f"{page.name}:{line}", line, yaml.safe_load(textwrap.dedent(match.group(2)))


def _extension_values(node: Any) -> Iterator[tuple[str, Any]]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key in EXTENSIONS:
                yield key, value
            yield from _extension_values(value)
    elif isinstance(node, list):
        for item in node:
            yield from _extension_values(item)


DOC_EXAMPLES = [
    pytest.param(name, value, id=f"{where} {name}")
    for where, _, block in _blocks()
    for name, value in _extension_values(block)
]


def test_the_docs_have_examples_of_every_extension():
    assert {param.values[0] for param in DOC_EXAMPLES} >= set(EXTENSIONS)


@pytest.mark.parametrize(("name", "value"), DOC_EXAMPLES)
def test_every_example_in_the_docs_is_valid(name, value):
    errors = [error.message for error in definition(name).iter_errors(value)]
    assert not errors, errors


def test_every_document_in_the_docs_is_valid_as_a_whole():
    documents = [(where, block) for where, _, block in _blocks() if isinstance(block, dict) and "openapi" in block]
    assert len(documents) >= 3
    for where, block in documents:
        errors = [error.message for error in whole().iter_errors(block)]
        assert not errors, (where, errors)


def test_the_example_app_document_is_valid():
    path = ROOT / "example_app" / "openapi.yaml"
    document = yaml.safe_load(path.read_text("utf-8"))
    assert not [error.message for error in whole().iter_errors(document)]
    values = list(_extension_values(document))
    assert {name for name, _ in values} >= {"x-table", "x-column", "x-resource", "x-websocket"}
    for name, value in values:
        definition(name).validate(value)
    load_spec(path)  # and the start-up check agrees


# --- at start-up ---

ITEM = {
    "type": "object",
    "x-table": "extension_items",
    "properties": {
        "id": {"type": "integer", "readOnly": True},
        "name": {"type": "string", "x-column": {"unique": True}},
    },
}
OK = {"responses": {"200": {"description": "ok"}}}


def valid() -> dict[str, Any]:
    return {
        "openapi": "3.0.3",
        "info": {"title": "extensions", "version": "1"},
        "paths": {
            "/items": {
                "x-resource": "Item",
                "get": {"x-timeout": 5, **OK},
                "post": {
                    "requestBody": {
                        "x-body-name": "item",
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Item"}}},
                    },
                    "responses": {"201": {"description": "created"}},
                },
            },
            "/live": {"get": {"x-websocket": {"heartbeat": 30}, "responses": {"101": {"description": "ws"}}}},
        },
        "components": {"schemas": {"Item": copy.deepcopy(ITEM)}},
    }


def set_at(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    """Set ``value`` at ``a/b/c`` ('~1' is a '/' inside a key)."""

    def change(spec: dict[str, Any]) -> None:
        *parents, last = [key.replace("~1", "/") for key in path.split("/")]
        target = spec
        for key in parents:
            target = target[key]
        target[last] = value

    return change


def start(spec: dict[str, Any], folder: Path) -> None:
    path = folder / "api.yaml"
    path.write_text(yaml.safe_dump(spec), "utf-8")
    openapi_aio.setup(web.Application(), path, datastore=f"sqlite:///{folder / 'unused.sqlite'}")


def test_the_valid_document_starts(tmp_path):
    start(valid(), tmp_path)


# (change, pointer, words): each mistake is reported once, by the check that knows it best
MISTAKES: dict[str, tuple[Callable[[dict[str, Any]], None], str, str]] = {
    # the specific checks' own messages, the schema silent
    "misspelt x-resource key": (
        set_at("paths/~1items/get/x-resource", {"schema": "Item", "ordr_by": "name"}),
        "/paths/~1items/get",
        "x-resource: unknown key(s) ordr_by",
    ),
    "x-timeout as a string": (
        set_at("paths/~1items/get/x-timeout", "5s"),
        "/paths/~1items/get",
        "x-timeout must be a positive number of seconds (or false), not '5s'",
    ),
    "unknown x-websocket key": (
        set_at("paths/~1live/get/x-websocket", {"heartbeet": 30}),
        "/paths/~1live/get/x-websocket",
        "x-websocket: unknown key(s) heartbeet",
    ),
    "x-column default": (
        set_at("components/schemas/Item/properties/name/x-column", {"default": "today"}),
        "/components/schemas/Item/properties/name/x-column/default",
        "x-column default must be 'now' or 'uuid'",
    ),
    # what only the schema sees
    "x-resource limit as a string": (
        set_at("paths/~1items/x-resource", {"schema": "Item", "limit": "20"}),
        "/paths/~1items/x-resource/limit",
        "x-resource limit must be an integer or null, not a string (extensions schema)",
    ),
    "heartbeat as a string": (
        set_at("paths/~1live/get/x-websocket/heartbeat", "30s"),
        "/paths/~1live/get/x-websocket/heartbeat",
        "x-websocket heartbeat must be a number, null or false, not a string (extensions schema)",
    ),
    "x-column unique as a string": (
        set_at("components/schemas/Item/properties/name/x-column/unique", "yes"),
        "/components/schemas/Item/properties/name/x-column/unique",
        "x-column unique must be a boolean or null, not a string",
    ),
    "empty table name": (
        set_at("components/schemas/Item/x-table", {"name": ""}),
        "/components/schemas/Item/x-table/name",
        "x-table name must not be empty",
    ),
    "x-body-name not a string": (
        set_at("paths/~1items/post/requestBody/x-body-name", ["item"]),
        "/paths/~1items/post/requestBody/x-body-name",
        "x-body-name must be a string or null, not an array",
    ),
}


@pytest.mark.parametrize("mistake", MISTAKES)
def test_a_wrong_value_is_one_located_start_up_error(mistake, tmp_path):
    change, pointer, words = MISTAKES[mistake]
    spec = valid()
    change(spec)
    with pytest.raises(InvalidSpecification) as raised:
        start(spec, tmp_path)
    errors = raised.value.errors
    [error] = [error for error in errors if words in error.message]
    assert Path(error.file).resolve() == (tmp_path / "api.yaml").resolve()
    assert error.pointer == pointer, str(error)
    assert str(error).startswith(f"{error.file}#{pointer}: ")
    # said once: nothing else at that place, and the others (if any) are its consequences
    assert [other for other in errors if other.pointer.startswith(pointer)] == [error], str(raised.value)
    assert all(CONSEQUENCE in other.message for other in errors if other is not error), str(raised.value)


CONSEQUENCE = "x-resource: schema 'Item' cannot be served until the mistakes in its x-table are fixed"


def test_values_reached_through_refs_are_located_where_they_are(tmp_path):
    spec = valid()
    spec["components"]["schemas"]["Named"] = {"type": "string", "x-column": {"index": "yes"}}
    spec["components"]["schemas"]["Item"]["properties"]["name"] = {"$ref": "#/components/schemas/Named"}
    with pytest.raises(InvalidSpecification) as raised:
        start(spec, tmp_path)
    [error] = raised.value.errors
    assert error.pointer == "/components/schemas/Named/x-column/index"


def test_values_the_package_does_not_read_are_not_checked(tmp_path):
    spec = valid()
    spec["paths"]["/items"]["x-timeout"] = "not read on a path item"
    spec["components"]["schemas"]["Plain"] = {"type": "object", "properties": {"a": {"x-column": "no x-table"}}}
    start(spec, tmp_path)


def test_each_definition_is_compiled_once_and_only_when_used():
    extension_schema._fast.cache_clear()
    extension_schema._validator.cache_clear()
    load_spec({"openapi": "3.0.3", "info": {"title": "plain", "version": "1"}, "paths": {"/a": {"get": OK}}})
    assert extension_schema._fast.cache_info().currsize == 0
    load_spec(valid())
    load_spec(valid())
    compiled = extension_schema._fast.cache_info()
    assert compiled.currsize == compiled.misses == 6  # x-resource, -timeout, -body-name, -websocket, -table, -column
    # valid values are confirmed by jsonschema-rs: jsonschema, which explains refusals, is not needed
    assert extension_schema._validator.cache_info().currsize == 0
