"""The document loader on small documents written to tmp_path: references, recursion, versions,
YAML quirks, semantic checks, and error messages that always name the file and the location."""

from __future__ import annotations

import json
import socket
import textwrap
import urllib.request
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from aiohttp import web
from conftest import OK, document

import openapi_aio
from openapi_aio import InvalidSpecification, SpecError, load_spec
from openapi_aio.spec import BodySpec

PET = {"type": "object", "required": ["name"], "properties": {"name": {"type": "string"}}}


def write(folder: Path, name: str, content: str | dict[str, Any]) -> Path:
    """``content`` as written (a string), or dumped as JSON or YAML according to ``name``."""
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, str):
        path.write_text(textwrap.dedent(content))
    elif name.endswith(".json"):
        path.write_text(json.dumps(content, indent=2))
    else:
        path.write_text(yaml.safe_dump(content, sort_keys=False))
    return path


def refused(source: Any, **options: Any) -> InvalidSpecification:
    with pytest.raises(InvalidSpecification) as raised:
        load_spec(source, **options)
    return raised.value


def located(error: InvalidSpecification, file: Path | str, pointer: str, words: str) -> SpecError:
    """The one error at ``file#pointer`` saying ``words``; the message shows exactly that location."""
    name = str(file)
    found = [e for e in error.errors if e.file == name and e.pointer == pointer and words in e.message]
    assert found, f"no error at {name}#{pointer} saying {words!r} in:\n{error}"
    assert f"{name}#{pointer}: " in str(error)
    return found[0]


def operation_schema(spec: openapi_aio.ApiSpec, status: str = "200") -> Any:
    [operation] = spec.operations
    return operation.responses[status].content["application/json"].schema


async def serves_501(aiohttp_client: Any, source: Any, path: str, **options: Any) -> None:
    app = web.Application()
    openapi_aio.setup(app, source, stub=True, **options)
    client = await aiohttp_client(app)
    response = await client.get(path)
    assert response.status == 501, await response.text()
    assert response.content_type == "application/problem+json"


# --- references ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["openapi.yaml", "openapi.json"])
def test_local_ref_is_inlined(tmp_path, name):
    paths = {
        "/pets": {
            "get": {
                "parameters": [{"$ref": "#/components/parameters/limit"}],
                "responses": {"200": {"$ref": "#/components/responses/Pets"}},
            }
        }
    }
    components = {
        "parameters": {"limit": {"name": "limit", "in": "query", "schema": {"type": "integer", "default": 10}}},
        "responses": {
            "Pets": {
                "description": "pets",
                "content": {
                    "application/json": {"schema": {"type": "array", "items": {"$ref": "#/components/schemas/Pet"}}}
                },
            }
        },
        "schemas": {"Pet": PET},
    }
    spec = load_spec(write(tmp_path, name, document(paths, components=components)))
    [operation] = spec.operations
    assert operation.parameters[0].name == "limit"
    assert operation.parameters[0].default == 10
    assert operation_schema(spec) == {"type": "array", "items": PET}


def test_relative_file_refs_resolve_against_the_file_they_are_in(tmp_path):
    write(tmp_path, "common/errors.yaml", {"Error": {"type": "object", "properties": {"code": {"type": "integer"}}}})
    write(tmp_path, "api/schemas/pet.yaml", {"Pet": {**PET, "properties": {"tag": {"$ref": "./tag.yaml"}}}})
    write(tmp_path, "api/schemas/tag.yaml", {"type": "string", "enum": ["dog", "cat"]})
    write(tmp_path, "api/tag.yaml", {"type": "integer"})  # a decoy: refs are not relative to the root
    write(
        tmp_path,
        "api/paths/pets.yaml",
        {
            "get": {
                "responses": {
                    "200": {
                        "description": "ok",
                        "content": {"application/json": {"schema": {"$ref": "../schemas/pet.yaml#/Pet"}}},
                    },
                    "default": {
                        "description": "error",
                        "content": {"application/json": {"schema": {"$ref": "../../common/errors.yaml#/Error"}}},
                    },
                }
            }
        },
    )
    root = write(
        tmp_path,
        "api/openapi.yaml",
        document(
            {"/pets": {"$ref": "./paths/pets.yaml"}},
            components={
                "schemas": {
                    "Pet": {"$ref": "./schemas/pet.yaml#/Pet"},
                    "Error": {"$ref": "../common/errors.yaml#/Error"},
                }
            },
        ),
    )
    spec = load_spec(root, allowed_ref_dirs=[tmp_path / "common"])  # outside api/, where the root is
    assert operation_schema(spec)["properties"]["tag"] == {"type": "string", "enum": ["dog", "cat"]}
    assert operation_schema(spec, "default")["properties"] == {"code": {"type": "integer"}}
    assert spec.file_count == 5  # root, paths, pet, tag, errors: the decoy api/tag.yaml was never read


@pytest.mark.parametrize(
    ("schemas", "instance"),
    [
        (  # a tree: children are trees
            {
                "Node": {
                    "type": "object",
                    "properties": {
                        "value": {"type": "integer"},
                        "children": {"type": "array", "items": {"$ref": "#/components/schemas/Node"}},
                    },
                }
            },
            {"value": 1, "children": [{"value": 2, "children": [{"value": 3}]}]},
        ),
        (  # a person with parents, through a second schema
            {
                "Node": {
                    "type": "object",
                    "properties": {"name": {"type": "string"}, "parents": {"$ref": "#/components/schemas/Parents"}},
                },
                "Parents": {
                    "type": "object",
                    "properties": {
                        "mother": {"$ref": "#/components/schemas/Node"},
                        "father": {"$ref": "#/components/schemas/Node"},
                    },
                },
            },
            {"name": "ada", "parents": {"mother": {"name": "anne", "parents": {"father": {"name": "x"}}}}},
        ),
    ],
    ids=["tree", "person-with-parents"],
)
async def test_recursive_schema_bundles_into_defs_and_serves(aiohttp_client, tmp_path, schemas, instance):
    responses = {
        "200": {"description": "ok", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Node"}}}}
    }
    path = write(
        tmp_path,
        "openapi.yaml",
        document({"/nodes": {"get": {"responses": responses}}}, components={"schemas": schemas}),
    )
    schema = operation_schema(load_spec(path))
    assert "Node" in schema["$defs"]
    assert "#/$defs/Node" in json.dumps(schema)  # recursion points into $defs instead of inlining forever
    validator = jsonschema.Draft202012Validator(schema)  # self-contained: no document needed
    validator.validate(instance)
    assert not validator.is_valid({**instance, "name": 1} if "name" in instance else {"value": "x"})
    await serves_501(aiohttp_client, path, "/nodes")


def test_remote_ref_is_refused_without_touching_the_network(tmp_path, monkeypatch):
    def no_network(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("the loader tried to reach the network")

    monkeypatch.setattr(urllib.request, "urlopen", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    responses = {
        "200": {
            "description": "ok",
            "content": {"application/json": {"schema": {"$ref": "http://example.com/pet.yaml#/Pet"}}},
        }
    }
    path = write(tmp_path, "openapi.yaml", document({"/pets": {"get": {"responses": responses}}}))
    error = refused(path)
    found = located(error, path, "/paths/~1pets/get/responses/200/content/application~1json/schema", "remote $ref")
    assert "http://example.com/pet.yaml" in found.message
    assert "allow_remote_refs" in found.message


def test_unresolvable_refs_name_file_pointer_and_target(tmp_path):
    write(tmp_path, "schemas/pet.yaml", {"Pet": {**PET, "properties": {"owner": {"$ref": "./owner.yaml#/Owner"}}}})
    paths = {
        "/pets": {
            "get": {
                "parameters": [{"$ref": "#/components/parameters/missing"}],
                "responses": {
                    "200": {
                        "description": "ok",
                        "content": {"application/json": {"schema": {"$ref": "schemas/pet.yaml#/Pet"}}},
                    }
                },
            }
        }
    }
    root = write(tmp_path, "openapi.yaml", document(paths))
    error = refused(root)
    located(error, root, "/paths/~1pets/get/parameters/0", "unresolvable $ref '#/components/parameters/missing'")
    located(error, root, "/paths/~1pets/get/parameters/0", "no /components/parameters/missing in")
    # the broken reference inside the referenced file is reported where it is written
    missing_file = located(error, tmp_path / "schemas/pet.yaml", "/Pet/properties/owner", "'./owner.yaml#/Owner'")
    assert "file not found" in missing_file.message


def test_path_item_ref_must_point_at_a_path_item(tmp_path):
    path = write(
        tmp_path,
        "swagger.yaml",
        {
            "swagger": "2.0",
            "info": {"title": "t", "version": "1"},
            "paths": {"/products": {"$ref": "#/definitions/Product"}},
            "definitions": {"Product": {"type": "object", "properties": {"id": {"type": "number"}}}},
        },
    )
    located(refused(path), path, "/definitions/Product", "not a path item (unexpected 'type', 'properties')")


def test_properties_written_as_one_ref_are_resolved(tmp_path):
    """DigitalOcean writes ``properties: {$ref: attributes.yml#/ids}``: a reference to a whole map."""
    write(tmp_path, "attributes.yaml", {"ids": {"droplet_ids": {"type": "array", "items": {"type": "integer"}}}})
    write(tmp_path, "model.yaml", {"type": "object", "properties": {"$ref": "attributes.yaml#/ids"}})
    responses = {"200": {"description": "ok", "content": {"application/json": {"schema": {"$ref": "model.yaml"}}}}}
    spec = load_spec(write(tmp_path, "openapi.yaml", document({"/lb": {"get": {"responses": responses}}})))
    assert operation_schema(spec)["properties"] == {"droplet_ids": {"type": "array", "items": {"type": "integer"}}}


def test_schema_in_another_file_is_checked_like_the_root(tmp_path):
    write(tmp_path, "pet.yaml", {"type": "object", "properties": {"name": {"type": "strin"}}})
    responses = {"200": {"description": "ok", "content": {"application/json": {"schema": {"$ref": "pet.yaml"}}}}}
    root = write(tmp_path, "openapi.yaml", document({"/pets": {"get": {"responses": responses}}}))
    located(refused(root), tmp_path / "pet.yaml", "/properties/name/type", "'strin' is not one of")
    load_spec(root, validate=False)  # validate_document=False: structure is the author's business


def test_a_ref_cannot_stand_for_a_keyword_value(tmp_path):
    schema = {"type": {"$ref": "#/components/schemas/Kind"}}
    responses = {"200": {"description": "ok", "content": {"application/json": {"schema": schema}}}}
    path = write(
        tmp_path,
        "openapi.yaml",
        document({"/a": {"get": {"responses": responses}}}, components={"schemas": {"Kind": {"type": "string"}}}),
    )
    located(
        refused(path), path, "/paths/~1a/get/responses/200/content/application~1json/schema/type", "cannot be a $ref"
    )


# --- reading files ---------------------------------------------------------------------------


def test_yaml_syntax_error_reports_line_and_column(tmp_path):
    path = write(
        tmp_path,
        "openapi.yaml",
        """\
        openapi: 3.0.3
        info: {title: t, version: "1"}
        paths:
          /pets: [get
        """,
    )
    error = refused(path)
    [only] = error.errors
    assert only.file == str(path)
    assert "not valid YAML (line 5, column 1)" in only.message
    assert str(error).startswith(f"{path}: invalid OpenAPI document")


def test_broken_json_reports_json_line_and_column(tmp_path):
    path = tmp_path / "openapi.json"
    path.write_text('{\n  "openapi": "3.0.3",\n  "paths": {,}\n}\n')
    [only] = refused(path).errors
    assert only.file == str(path)
    assert only.message.startswith("not valid JSON (line 3, column 13)")


def test_unquoted_response_codes_and_dates_load_as_strings(tmp_path):
    path = write(
        tmp_path,
        "openapi.yaml",
        """\
        swagger: "2.0"
        info:
          title: dates
          version: 2017-01-01
        paths:
          /a:
            get:
              responses:
                200:
                  description: ok
                  schema: {type: string, default: 2020-02-29}
                404:
                  description: missing
        """,
    )
    spec = load_spec(path)
    assert spec.document["info"]["version"] == "2017-01-01"
    [operation] = spec.operations
    assert list(operation.responses) == ["200", "404"]
    assert operation.responses["200"].content["application/json"].schema["default"] == "2020-02-29"


def test_duplicate_yaml_key_is_refused_with_its_line(tmp_path):
    path = write(
        tmp_path,
        "openapi.yaml",
        """\
        openapi: 3.0.3
        info: {title: t, version: "1"}
        paths:
          /pets:
            get: {responses: {"200": {description: ok}}}
          /pets:
            post: {responses: {"201": {description: created}}}
        """,
    )
    [only] = refused(path).errors
    assert only.file == str(path)
    assert "not valid YAML (line 6, column 3): duplicate key '/pets'" in only.message


@pytest.mark.parametrize(("value", "kind"), [("!!binary aGVsbG8=", "binary"), ("!!set {a, b}", "set")])
def test_yaml_values_without_a_json_form_are_refused_with_their_line(tmp_path, value, kind):
    path = write(
        tmp_path,
        "openapi.yaml",
        f"""\
        openapi: 3.0.3
        info: {{title: t, version: "1"}}
        paths: {{}}
        components:
          schemas:
            Blob: {{type: string, example: {value}}}
        """,
    )
    [only] = refused(path).errors
    assert only.file == str(path)
    assert "not valid YAML (line 6, column 35)" in only.message
    assert f"a {kind} value has no JSON form" in only.message


def test_yaml_alias_inside_its_own_anchor_is_refused(tmp_path):
    path = write(
        tmp_path,
        "openapi.yaml",
        """\
        openapi: 3.0.3
        info: {title: t, version: "1"}
        paths: {}
        components:
          schemas:
            Node: &node
              type: object
              properties: {child: *node}
        """,
    )
    [only] = refused(path).errors
    assert only.file == str(path)
    assert "(line 6, column 11)" in only.message
    assert "alias refers to an anchor that contains it" in only.message


def test_yaml_aliases_and_merge_keys_still_work(tmp_path):
    path = write(
        tmp_path,
        "openapi.yaml",
        """\
        openapi: 3.0.3
        info: {title: t, version: "1"}
        paths:
          /a:
            get: &get
              responses: {"200": {description: ok}}
          /b:
            get:
              <<: *get
              summary: merged
        """,
    )
    spec = load_spec(path)
    assert [(op.path, op.summary) for op in spec.operations] == [("/a", ""), ("/b", "merged")]


def _nested(tmp_path: Path, depth: int) -> Path:
    schema = '{"type": "array", "items": ' * depth + '{"type": "string"}' + "}" * depth
    body = '{"content": {"application/json": {"schema": ' + schema + "}}}"
    head = '{"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {"/a": {"post": {"requestBody": '
    path = tmp_path / "openapi.json"
    path.write_text(head + body + ', "responses": {"200": {"description": "ok"}}}}}}')
    return path


def test_deeply_nested_document_is_an_error_not_a_crash(tmp_path):
    [only] = refused(_nested(tmp_path, 3000)).errors
    assert (only.file, only.message) == (str(_nested(tmp_path, 3000)), "nested too deeply to read")


def test_schema_too_deep_to_compile_is_a_located_startup_error(tmp_path):
    path = _nested(tmp_path, 400)
    assert load_spec(path).operations  # a valid document...
    with pytest.raises(InvalidSpecification) as raised:  # ...whose schema the validator cannot compile
        openapi_aio.setup(web.Application(), path, stub=True)
    [only] = raised.value.errors
    assert only.pointer == "/paths/~1a/post/requestBody/content/application~1json/schema"
    assert "schema cannot be compiled" in only.message


# --- versions --------------------------------------------------------------------------------


def test_swagger_1_2_is_refused(tmp_path):
    path = write(tmp_path, "api.yaml", {"swaggerVersion": "1.2", "apis": [{"path": "/pets"}]})
    located(refused(path), path, "/swaggerVersion", "Swagger 1.2 is not supported")


@pytest.mark.parametrize(
    ("head", "pointer", "words"),
    [
        ({"openapi": "4.0.0"}, "/openapi", "unsupported version openapi: '4.0.0'"),
        ({"openapi": 3.0}, "/openapi", "unsupported version openapi: 3.0"),
        ({"swagger": 2.0}, "/swagger", "expected the string '2.0'"),
        ({"swagger": "1.2"}, "/swagger", "unsupported version swagger: '1.2'"),
    ],
)
def test_unsupported_version_is_refused(tmp_path, head, pointer, words):
    path = write(tmp_path, "api.json", {**head, "info": {"title": "t", "version": "1"}, "paths": {}})
    located(refused(path), path, pointer, words)


def test_not_a_document_is_refused(tmp_path):
    path = write(tmp_path, "api.yaml", {"info": {"title": "t"}})
    [only] = refused(path).errors
    assert (only.file, only.message) == (str(path), "not an OpenAPI document: no 'openapi' or 'swagger' version field")


def test_openapi_3_1_schemas_are_checked(tmp_path):
    """The bare 3.1 meta-schema takes any object as a schema; ``type: {}`` used to crash setup."""
    parameters = [{"name": "q", "in": "query", "schema": {"type": {"kind": "integer"}}}]
    path = write(
        tmp_path, "openapi.yaml", document({"/a": {"get": {"parameters": parameters, "responses": OK}}}, "3.1.0")
    )
    located(refused(path), path, "/paths/~1a/get/parameters/0/schema/type", "is not one of ['array', 'boolean'")


def test_openapi_3_1_keeps_3_0_habits_it_can_read(tmp_path):
    schema = {"type": "integer", "exclusiveMaximum": True, "maximum": 5, "nullable": True}
    parameters = [{"name": "q", "in": "query", "schema": schema}]
    load_spec(
        write(tmp_path, "openapi.yaml", document({"/a": {"get": {"parameters": parameters, "responses": OK}}}, "3.1.0"))
    )


# --- semantic checks -------------------------------------------------------------------------


def test_duplicate_operation_ids(tmp_path):
    paths = {
        "/a": {"get": {"operationId": "same", "responses": OK}},
        "/b": {"get": {"operationId": "same", "responses": OK}},
    }
    path = write(tmp_path, "openapi.yaml", document(paths))
    located(refused(path), path, "/paths/~1b/get", "duplicate operationId 'same' (also at /paths/~1a/get)")


def test_path_placeholder_without_parameter_and_parameter_without_placeholder(tmp_path):
    paths = {
        "/pets/{petId}": {"get": {"responses": OK}},
        "/owners": {
            "get": {
                "parameters": [{"name": "ownerId", "in": "path", "required": True, "schema": {"type": "string"}}],
                "responses": OK,
            }
        },
    }
    path = write(tmp_path, "openapi.yaml", document(paths))
    error = refused(path)
    located(error, path, "/paths/~1pets~1{petId}/get", "path placeholder {petId} has no 'in: path' parameter")
    located(error, path, "/paths/~1owners/get", "path parameter 'ownerId' does not appear in '/owners'")


def test_servers_must_be_an_array(tmp_path):
    path = write(tmp_path, "openapi.yaml", document({}, "3.1.0", servers={"url": "/v1"}))
    for validate in (True, False):
        [only] = refused(path, validate=validate).errors
        assert (only.file, only.pointer, only.message) == (str(path), "/servers", "'servers' must be an array")


def test_server_variable_in_the_base_path_must_be_defined(tmp_path):
    path = write(tmp_path, "openapi.yaml", document({}, servers=[{"url": "https://example.com/{version}/api"}]))
    located(refused(path), path, "/servers/0/url", "server variable {version} is used in the path but not defined")


def test_undefined_security_scheme_is_reported_where_it_is_required(tmp_path):
    paths = {"/a": {"get": {"security": [{"petstore_auth": ["read"]}], "responses": OK}}}
    path = write(tmp_path, "openapi.yaml", document(paths))
    located(refused(path), path, "/paths/~1a/get/security/0/petstore_auth", "undefined scheme 'petstore_auth'")


def test_malformed_security_is_an_error_not_no_security(tmp_path):
    paths = {"/a": {"get": {"security": "api_key", "responses": OK}}}
    path = write(tmp_path, "openapi.yaml", document(paths))
    for validate in (True, False):
        located(refused(path, validate=validate), path, "/paths/~1a/get/security", "must be an array of requirements")


def test_swagger_2_parameter_errors_blame_the_parameter_not_ref(tmp_path):
    """The meta-schema's raw best match here is "'$ref' is a required property"."""
    parameters = [{"name": "q", "in": "cookie", "type": "string"}]
    path = write(
        tmp_path, "swagger.yaml", document({"/a": {"get": {"parameters": parameters, "responses": OK}}}, "2.0")
    )
    error = located(refused(path), path, "/paths/~1a/get/parameters/0/in", "'cookie' is not one of")
    assert "'query'" in error.message
    assert "$ref" not in str(error)


def test_missing_top_level_member_points_at_it(tmp_path):
    path = write(tmp_path, "openapi.yaml", {"openapi": "3.0.3", "paths": {}})
    located(refused(path), path, "/info", "'info' is a required property")


@pytest.mark.parametrize(
    ("where", "garbage"),
    [
        (("paths", "/a", "get", "parameters"), {"name": "q"}),
        (("paths", "/a", "get", "parameters", 0), ["q"]),
        (("paths", "/a", "get", "responses", "200", "content"), ["application/json"]),
        (("paths", "/a", "get", "responses", "200", "content", "application/json"), "text"),
        (("paths", "/a", "get", "responses", "200", "headers"), 1),
        (("paths", "/a", "get", "requestBody"), []),
        (("paths", "/a", "get", "requestBody", "content", "application/json", "examples"), [1]),
        (("paths", "/a", "get", "tags"), "pets"),
        (("paths", "/a", "get", "parameters", 0, "style"), {"form": 1}),
        (("servers", 0, "variables"), 3),
        (("components",), 7),
        (("info",), ["t"]),
    ],
)
def test_wrong_types_anywhere_are_errors_not_crashes(tmp_path, where, garbage):
    spec = document(
        {
            "/a": {
                "get": {
                    "tags": ["pets"],
                    "parameters": [{"name": "q", "in": "query", "schema": {"type": "string"}, "style": "form"}],
                    "requestBody": {
                        "content": {"application/json": {"schema": PET, "examples": {"one": {"value": {}}}}}
                    },
                    "responses": {
                        "200": {"description": "ok", "headers": {}, "content": {"application/json": {"schema": PET}}}
                    },
                }
            }
        },
        servers=[{"url": "/v1", "variables": {}}],
        components={},
    )
    node = spec
    for key in where[:-1]:
        node = node[key]
    node[where[-1]] = garbage
    path = write(tmp_path, "openapi.json", spec)
    assert errors_of(path)  # the meta-schema sees each of these
    for error in errors_of(path) + errors_of(path, validate=False):  # without it, nothing may crash
        assert error.file == str(path)
        assert error.pointer.startswith("/"), error


def errors_of(source: Any, **options: Any) -> list[SpecError]:
    try:
        load_spec(source, **options)
    except InvalidSpecification as error:
        return error.errors
    return []


# --- handlers and templates ------------------------------------------------------------------


async def test_operation_id_that_does_not_import(aiohttp_client, tmp_path):
    paths = {"/pets": {"get": {"operationId": "no_such_package.pets.list_pets", "responses": OK}}}
    path = write(tmp_path, "openapi.yaml", document(paths))
    with pytest.raises(InvalidSpecification) as raised:
        openapi_aio.setup(web.Application(), path)
    located(raised.value, path, "/paths/~1pets/get", "no_such_package.pets.list_pets")
    await serves_501(aiohttp_client, path, "/pets")


async def test_template_syntax_in_text_is_served_as_written(aiohttp_client, tmp_path):
    description = "Use {{ not a template }} and {% raw %} literally; {{name}} too."
    paths = {"/a": {"get": {"description": description, "responses": OK}}}
    path = write(
        tmp_path, "openapi.yaml", document(paths, info={"title": "t", "version": "1", "description": description})
    )
    assert load_spec(path).document["info"]["description"] == description
    spec = load_spec(path, arguments={"other": "x"})  # only the names given are ever replaced
    assert spec.document["info"]["description"] == description
    assert spec.operations[0].raw["description"] == description
    await serves_501(aiohttp_client, path, "/a")


async def test_arguments_substitute_named_placeholders(aiohttp_client, tmp_path):
    path = write(
        tmp_path,
        "openapi.yaml",
        """\
        openapi: 3.0.3
        info: {title: "{{ name }} API", version: "1", description: "{{ not a template }}"}
        servers: [{url: "https://example.com/{{name}}"}]
        paths:
          /pets:
            get: {responses: {"200": {description: ok}}}
        """,
    )
    spec = load_spec(path, arguments={"name": "petstore"})
    assert spec.title == "petstore API"
    assert spec.base_path == "/petstore"
    assert spec.document["info"]["description"] == "{{ not a template }}"
    await serves_501(aiohttp_client, path, "/petstore/pets", arguments={"name": "petstore"})


# --- one model for every version -------------------------------------------------------------

SWAGGER_2 = {
    "swagger": "2.0",
    "info": {"title": "pets", "version": "1"},
    "host": "example.com",
    "basePath": "/api/v1",
    "consumes": ["application/json", "application/xml"],
    "produces": ["application/json"],
    "paths": {
        "/pets/{petId}": {
            "parameters": [{"name": "petId", "in": "path", "required": True, "type": "integer"}],
            "put": {
                "operationId": "pets.update",
                "parameters": [
                    {
                        "name": "tags",
                        "in": "query",
                        "type": "array",
                        "items": {"type": "string"},
                        "collectionFormat": "pipes",
                    },
                    {"name": "pet", "in": "body", "required": True, "schema": {"$ref": "#/definitions/Pet"}},
                ],
                "responses": {"200": {"description": "ok", "schema": {"$ref": "#/definitions/Pet"}}},
            },
        }
    },
    "definitions": {"Pet": PET},
}
OPENAPI_3 = {
    "openapi": "3.0.3",
    "info": {"title": "pets", "version": "1"},
    "servers": [
        {
            "url": "https://{host}/api/{version}",
            "variables": {"host": {"default": "example.com"}, "version": {"default": "v1"}},
        }
    ],
    "paths": {
        "/pets/{petId}": {
            "parameters": [{"name": "petId", "in": "path", "required": True, "schema": {"type": "integer"}}],
            "put": {
                "operationId": "pets.update",
                "parameters": [
                    {
                        "name": "tags",
                        "in": "query",
                        "style": "pipeDelimited",
                        "explode": False,
                        "schema": {"type": "array", "items": {"type": "string"}},
                    },
                ],
                "requestBody": {
                    "required": True,
                    "x-body-name": "pet",
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/Pet"}},
                        "application/xml": {"schema": {"$ref": "#/components/schemas/Pet"}},
                    },
                },
                "responses": {
                    "200": {
                        "description": "ok",
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Pet"}}},
                    }
                },
            },
        }
    },
    "components": {"schemas": {"Pet": PET}},
}


def test_swagger_2_and_openapi_3_normalise_to_the_same_model(tmp_path):
    two = load_spec(write(tmp_path, "swagger.yaml", SWAGGER_2))
    three = load_spec(write(tmp_path, "openapi.json", OPENAPI_3))
    assert (two.version, three.version) == ("2.0", "3.0")
    assert two.base_path == three.base_path == "/api/v1"  # basePath vs servers[0].url with variables
    [put2], [put3] = two.operations, three.operations
    assert (put2.path, put2.method, put2.operation_id) == (put3.path, put3.method, put3.operation_id)
    assert [(p.name, p.location, p.style, p.explode, p.required) for p in put2.parameters] == [
        ("petId", "path", "simple", False, True),
        ("tags", "query", "pipeDelimited", False, False),
    ]
    assert [(p.name, p.location, p.style, p.explode, p.required) for p in put3.parameters] == [
        ("petId", "path", "simple", False, True),
        ("tags", "query", "pipeDelimited", False, False),
    ]
    assert [dict(p.schema) for p in put2.parameters] == [dict(p.schema) for p in put3.parameters]
    assert isinstance(put2.body, BodySpec)
    assert isinstance(put3.body, BodySpec)
    assert (put2.body.name, put2.body.required, put2.body.form) == (put3.body.name, put3.body.required, put3.body.form)
    assert list(put2.body.content) == list(put3.body.content) == ["application/json", "application/xml"]  # consumes
    assert all(media.schema == PET for media in [*put2.body.content.values(), *put3.body.content.values()])
    assert (
        list(put2.responses["200"].content) == list(put3.responses["200"].content) == ["application/json"]
    )  # produces
    assert (
        put2.responses["200"].content["application/json"].schema
        == put3.responses["200"].content["application/json"].schema
    )


def test_swagger_2_form_parameters_become_one_form_body(tmp_path):
    parameters = [
        {"name": "name", "in": "formData", "type": "string", "required": True},
        {"name": "photo", "in": "formData", "type": "file"},
    ]
    spec = document(
        {"/pets": {"post": {"consumes": ["multipart/form-data"], "parameters": parameters, "responses": OK}}}, "2.0"
    )
    [operation] = load_spec(spec).operations
    assert operation.body is not None
    assert operation.body.form
    [media] = operation.body.content.values()
    assert media.media_type == "multipart/form-data"
    assert media.schema == {
        "type": "object",
        "properties": {"name": {"type": "string"}, "photo": {"type": "string", "format": "binary"}},
        "required": ["name"],
    }
