"""A schema that many operations use is compiled once per document (validation.shared_compiles)."""

from __future__ import annotations

import copy
from typing import Any

from openapi_aio import Api, Options

LIMIT = {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 10}}
OK = {"200": {"description": "ok"}}


def document() -> dict[str, Any]:
    return {
        "openapi": "3.0.3",
        "info": {"title": "shared", "version": "1"},
        "paths": {
            "/a": {"get": {"parameters": [{"$ref": "#/components/parameters/Limit"}], "responses": OK}},
            "/b": {"get": {"parameters": [{"$ref": "#/components/parameters/Limit"}], "responses": OK}},
            "/c": {"get": {"parameters": [copy.deepcopy(LIMIT)], "responses": OK}},
        },
        "components": {"parameters": {"Limit": LIMIT}},
    }


def validators(api: Api) -> list[Any]:
    return [operation.parameters[0].validator for operation in api.operations]


def test_operations_sharing_a_parameter_share_its_validator():
    a, b, c = validators(Api(document(), Options(stub=True)))
    assert a is b
    assert c is not a  # an equal schema written out again is another object: compiled on its own
    assert a.schema == c.schema


def test_each_document_compiles_its_own():
    spec = document()
    first = validators(Api(spec, Options(stub=True)))[0]
    spec["components"]["parameters"]["Limit"] = {**LIMIT, "schema": {"type": "integer", "maximum": 5}}
    second = validators(Api(spec, Options(stub=True)))[0]
    assert second is not first
    assert second.schema["maximum"] == 5
    assert first.violations(7, "query", "limit") == []
    assert second.violations(7, "query", "limit") != []
