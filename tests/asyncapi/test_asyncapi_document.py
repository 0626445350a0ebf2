"""The AsyncAPI 3.0 document of the websocket endpoints (openapi_aio.service.asyncapi), over real
HTTP: valid against the official schema (asyncapi-3.0.0.schema.json, see README.md here), every
``$ref`` resolving inside it, and describing the frames the server really sends."""

from __future__ import annotations

import asyncio
import copy
import json
from pathlib import Path
from typing import Any

import aiohttp
import jsonschema
import pytest
import requests
import yaml
from aiohttp import web
from aiohttp.test_utils import TestClient
from conftest import SPECS, MakeClient
from example_server import example_server

from openapi_aio.service.asyncapi_parts import SchemaCopier, security_scheme
from openapi_aio.service.framework_answers import PROBLEM_SCHEMA

HERE = Path(__file__).parent
ASYNCAPI_SCHEMA = json.loads((HERE / "asyncapi-3.0.0.schema.json").read_text())
LIVE = yaml.safe_load((SPECS / "ws" / "live.yaml").read_text())


def valid(document: dict[str, Any]) -> dict[str, Any]:
    """``document`` after checking it against the official schema (draft-07) and its references."""
    assert ASYNCAPI_SCHEMA["$schema"] == "http://json-schema.org/draft-07/schema"
    jsonschema.Draft7Validator(ASYNCAPI_SCHEMA).validate(document)
    for ref in references(document):
        assert resolve(document, ref) is not None, f"{ref} does not resolve"
    return document


def references(node: Any) -> list[str]:
    if isinstance(node, list):
        return [ref for item in node for ref in references(item)]
    if not isinstance(node, dict):
        return []
    own = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
    return own + [ref for value in node.values() for ref in references(value)]


def resolve(document: dict[str, Any], ref: str) -> Any:
    assert ref.startswith("#/"), f"{ref} leaves the document"
    node: Any = document
    for token in ref[2:].split("/"):
        node = node.get(token.replace("~1", "/").replace("~0", "~")) if isinstance(node, dict) else None
    return node


def frame_validator(document: dict[str, Any], channel: str, message: str) -> jsonschema.Validator:
    """Checks a frame against a message's payload, references resolved in ``document``."""
    at = f"#/channels/{channel}/messages/{message}"
    at = resolve(document, at).get("$ref", at)  # a message shared through components
    root = {"$ref": f"{at}/payload", **document}
    return jsonschema.Draft202012Validator(root)


def operation_messages(document: dict[str, Any], name: str) -> tuple[str, list[str], list[str]]:
    """(action, its messages, its reply's messages) of operation ``name``, as message keys."""
    operation = document["operations"][name]
    reply = [ref["$ref"].rsplit("/", 1)[1] for ref in operation.get("reply", {}).get("messages", [])]
    return operation["action"], [ref["$ref"].rsplit("/", 1)[1] for ref in operation["messages"]], reply


# --- the example app ------------------------------------------------------------------------------


def test_example_app_describes_channel_tasks_and_rpc_count_open_tasks(tmp_path: Path) -> None:
    with example_server(tmp_path) as server:
        document = valid(requests.get(server.url + "/api/v1/asyncapi.json", timeout=10).json())
        served = requests.get(server.url + "/api/v1/openapi.json", timeout=10).json()
        as_yaml = requests.get(server.url + "/api/v1/asyncapi.yaml", timeout=10)
    assert as_yaml.headers["Content-Type"].startswith("application/yaml")
    assert yaml.safe_load(as_yaml.text) == document
    assert document["asyncapi"] == "3.0.0"
    assert document["info"]["title"] == "Task tracker"
    assert document["info"]["version"] == "1.0"
    assert document["servers"] == {
        "live": {
            "host": f"{server.host}:{server.port}",
            "pathname": "/api/v1/live",
            "summary": served["paths"]["/live"]["get"]["summary"],
            "description": served["paths"]["/live"]["get"]["description"],
            "protocol": "ws",
        }
    }
    tasks = document["channels"]["tasks"]
    assert tasks["address"] == "tasks"
    event = tasks["messages"]["event"]["payload"]
    assert event["required"] == ["channel", "event", "data"]
    assert event["properties"]["channel"] == {"const": "tasks"}
    assert event["properties"]["event"]["examples"] == ["created", "updated", "deleted"]
    assert event["properties"]["data"] == {"$ref": "#/components/schemas/Task"}
    task = document["components"]["schemas"]["Task"]
    assert task["properties"]["title"] == served["components"]["schemas"]["Task"]["properties"]["title"]
    assert task["properties"]["notes"]["type"] == ["string", "null"]  # OpenAPI 3.0's nullable, said in JSON Schema
    assert operation_messages(document, "tasks.receive") == ("receive", ["event"], [])
    assert operation_messages(document, "tasks.subscribe") == (
        "send", ["subscribe.request"], ["subscribe.response", "error"]
    )  # fmt: skip
    assert "tasks.publish" not in document["operations"]  # publish: false
    assert "publish.request" not in tasks["messages"]
    # the RPC method: a request/reply operation on the endpoint's RPC channel
    assert operation_messages(document, "count_open_tasks") == (
        "send", ["count_open_tasks.request"], ["count_open_tasks.response", "error"]
    )  # fmt: skip
    rpc = document["channels"]["live"]
    assert rpc["address"] is None
    request = rpc["messages"]["count_open_tasks.request"]["payload"]
    declared = served["paths"]["/live"]["get"]["x-websocket"]["rpc"]["count_open_tasks"]
    assert request["properties"]["payload"] == declared["payload"]
    assert request["properties"]["method"] == {"const": "count_open_tasks"}
    reply = rpc["messages"]["count_open_tasks.response"]["payload"]
    assert reply["properties"]["response"] == declared["response"]
    problem = resolve(
        document, resolve(document, "#/components/messages/error")["payload"]["properties"]["error"]["$ref"]
    )
    assert problem == PROBLEM_SCHEMA
    assert "securitySchemes" not in document["components"]  # the websocket is public


def test_example_app_frames_match_the_document(tmp_path: Path) -> None:
    """What the server sends is what the document says it sends: an RPC answer, an error answer,
    a subscribe answer and a pushed task (with a null member: OpenAPI 3.0's ``nullable``)."""
    with example_server(tmp_path) as server:
        document = valid(requests.get(server.url + "/api/v1/asyncapi.json", timeout=10).json())
        frames = asyncio.run(_example_frames(server.url))
    checks = [
        ("live", "count_open_tasks.response", frames[0]),
        ("live", "error", frames[1]),
        ("tasks", "subscribe.response", frames[2]),
        ("tasks", "event", frames[3]),
    ]
    for channel, message, frame in checks:
        frame_validator(document, channel, message).validate(frame)
    assert frames[3]["data"]["notes"] is None
    assert frames[1]["error"]["status"] == 400
    # and the checks can fail: the answer is not a pushed message, a string is no Task
    assert not frame_validator(document, "tasks", "event").is_valid(frames[0])
    assert not frame_validator(document, "tasks", "event").is_valid({**frames[3], "data": {"title": 7}})


async def _example_frames(url: str) -> list[Any]:
    async with aiohttp.ClientSession() as session, session.ws_connect(url + "/api/v1/live") as ws:
        frames = []
        for call in (
            {"id": 1, "method": "count_open_tasks", "payload": {}},
            {"id": 2, "method": "count_open_tasks", "payload": {"project_id": "one"}},
            {"id": 3, "method": "subscribe", "payload": {"channel": "tasks"}},
        ):
            await ws.send_str(json.dumps(call))
            frames.append(json.loads(await ws.receive_str(timeout=10)))
        headers = {"Authorization": "Bearer demo-token"}
        async with session.post(url + "/api/v1/projects", json={"name": "docs"}, headers=headers) as response:
            assert response.status == 201, await response.text()
            project = await response.json()
        task = {"title": "write docs", "notes": None}
        async with session.post(f"{url}/api/v1/projects/{project['id']}/tasks", json=task, headers=headers) as response:
            assert response.status == 201, await response.text()
        frames.append(json.loads(await ws.receive_str(timeout=10)))
        return frames


def test_location_follows_the_request_and_its_proxy(tmp_path: Path) -> None:
    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "api.example.com", "X-Forwarded-Prefix": "/edge"}
    with example_server(tmp_path) as server:
        behind = requests.get(server.url + "/api/v1/asyncapi.json", headers=forwarded, timeout=10).json()
        as_yaml = requests.get(server.url + "/api/v1/asyncapi.yaml", headers=forwarded, timeout=10).text
    live = valid(behind)["servers"]["live"]
    assert (live["protocol"], live["host"], live["pathname"]) == ("wss", "api.example.com", "/edge/api/v1/live")
    assert yaml.safe_load(as_yaml)["servers"]["live"] == live


# --- two endpoints, security, rules ---------------------------------------------------------------


def two_endpoints() -> dict[str, Any]:
    """tests/specs/ws/live.yaml (bearer security, scoped channels) with a second, OAuth 2 endpoint
    whose schemas refer to components that refer to others."""
    document = copy.deepcopy(LIVE)
    document["info"] = {
        "title": "websocket tests",
        "version": "1",
        "termsOfService": "https://example.com/terms",
        "contact": {"name": "Ada", "email": "ada@example.com", "x-team": "core"},
        "license": {"name": "MIT", "url": "https://opensource.org/licenses/MIT", "x-spdx": "MIT"},
    }
    components = document["components"]
    components["securitySchemes"]["oauth"] = {
        "type": "oauth2",
        "description": "OAuth 2",
        "x-tokenInfoFunc": "specs.ws.handlers.bearer_info",
        "flows": {
            "clientCredentials": {
                "tokenUrl": "https://auth.example.com/token",
                "scopes": {"news:read": "read the news"},
            }
        },
    }
    components["schemas"]["Headline"] = {
        "type": "object",
        "properties": {"title": {"type": "string"}, "by": {"$ref": "#/components/schemas/Author"}},
    }
    components["schemas"]["Author"] = {"type": "object", "properties": {"name": {"type": "string", "nullable": True}}}
    components["schemas"]["Unused"] = {"type": "string"}
    document["paths"]["/feeds/{region}"] = {
        "get": {
            "summary": "Regional news",
            "parameters": [{"name": "region", "in": "path", "required": True, "schema": {"type": "string"}}],
            "security": [{"oauth": ["news:read"]}, {"bearer": []}],
            "x-websocket": {
                "rpc": {
                    "add": {
                        "operationId": "specs.ws.handlers.add",
                        "payload": {"$ref": "#/components/schemas/Operands"},
                    }
                },
                "channels": {
                    "tasks": {
                        "events": ["posted"],
                        "message": {"$ref": "#/components/schemas/Headline"},
                        "publish": True,
                    }
                },
            },
            "responses": {"101": {"description": "switched"}},
        }
    }
    return document


async def test_two_endpoints_with_security_and_rules(serve: MakeClient) -> None:
    client = await serve(two_endpoints(), broker="memory")
    document = valid(await (await client.get("/asyncapi.json")).json())
    host = f"{client.server.host}:{client.server.port}"
    assert document["info"] == {
        "title": "websocket tests",
        "version": "1",
        "termsOfService": "https://example.com/terms",
        "contact": {"name": "Ada", "email": "ada@example.com"},
        "license": {"name": "MIT", "url": "https://opensource.org/licenses/MIT"},  # extensions dropped
    }
    servers = document["servers"]
    assert set(servers) == {"live", "feeds_region"}
    assert (servers["live"]["host"], servers["live"]["pathname"], servers["live"]["protocol"]) == (host, "/live", "ws")
    assert servers["feeds_region"]["pathname"] == "/feeds/{region}"
    assert set(servers["feeds_region"]["variables"]) == {"region"}
    # security: the document's (live) and the operation's own (feeds), translated
    assert servers["live"]["security"] == [{"$ref": "#/components/securitySchemes/bearer"}]
    oauth = {
        "type": "oauth2",
        "flows": {
            "clientCredentials": {
                "tokenUrl": "https://auth.example.com/token",
                "availableScopes": {"news:read": "read the news"},
            }
        },
        "description": "OAuth 2",
    }
    assert servers["feeds_region"]["security"] == [
        {**oauth, "scopes": ["news:read"]},
        {"$ref": "#/components/securitySchemes/bearer"},
    ]
    assert document["components"]["securitySchemes"] == {"bearer": {"type": "http", "scheme": "bearer"}, "oauth": oauth}
    # channels of both endpoints, apart; each on its own server
    channels = document["channels"]
    assert {key: channel["address"] for key, channel in channels.items()} == {
        "live": None,
        "live.tasks": "tasks",
        "live.feed": "feed",
        "live.news": "news",
        "live.chat": "chat",
        "live.private": "private",
        "feeds_region": None,
        "feeds_region.tasks": "tasks",
    }
    assert channels["feeds_region.tasks"]["servers"] == [{"$ref": "#/servers/feeds_region"}]
    assert operation_messages(document, "feeds_region.add")[0] == "send"
    assert operation_messages(document, "live.add")[0] == "send"
    # rules: scopes named, publish only where allowed, its events and data schema
    operations = document["operations"]
    assert operations["live.tasks.subscribe"]["x-scopes"] == ["tasks:read"]
    assert operations["live.tasks.receive"]["x-scopes"] == ["tasks:read"]
    assert operations["live.tasks.publish"]["x-scopes"] == ["tasks:write"]
    assert "x-scopes" not in operations["live.feed.publish"]  # publish: true
    assert "`authorize` function" in operations["live.tasks.publish"]["description"]  # live has one
    assert "`authorize` function" in operations["live.tasks.subscribe"]["description"]
    assert "description" not in operations["live.tasks.unsubscribe"]
    assert "description" not in operations["feeds_region.tasks.publish"]  # no authorize there
    assert "live.news.publish" not in operations  # publish left at false
    assert "live.news.receive" in operations  # subscribe left at true
    publish = channels["live.tasks"]["messages"]["publish.request"]["payload"]["properties"]["payload"]
    assert publish["properties"]["event"] == {"enum": ["created", "updated", "deleted"]}
    assert publish["properties"]["data"] == LIVE["paths"]["/live"]["get"]["x-websocket"]["channels"]["tasks"]["message"]
    # schemas reached by $ref, and only those, copied; nullable said in JSON Schema
    schemas = document["components"]["schemas"]
    assert set(schemas) == {"Operands", "Headline", "Author", "Problem"}
    assert schemas["Author"]["properties"]["name"] == {"type": ["string", "null"]}
    frame_validator(document, "feeds_region.tasks", "event").validate(
        {"channel": "tasks", "event": "posted", "data": {"title": "t", "by": {"name": None}}}
    )


async def test_an_invalid_document_is_refused_by_the_schema(serve: MakeClient) -> None:
    """The check is not vacuous: the served document, with an operation's action changed or a
    server's protocol removed, fails it."""
    client = await serve(LIVE, broker="memory")
    document = valid(await (await client.get("/asyncapi.json")).json())
    broken = copy.deepcopy(document)
    broken["operations"]["add"]["action"] = "call"
    with pytest.raises(jsonschema.ValidationError):
        valid(broken)
    broken = copy.deepcopy(document)
    del broken["servers"]["live"]["protocol"]
    with pytest.raises(jsonschema.ValidationError):
        valid(broken)


# --- when it is not served ------------------------------------------------------------------------


async def test_option_off_serves_no_asyncapi_document(serve: MakeClient) -> None:
    client = await serve(LIVE, broker="memory", serve_asyncapi=False)
    assert (await client.get("/openapi.json")).status == 200
    assert (await client.get("/asyncapi.json")).status == 404
    assert (await client.get("/asyncapi.yaml")).status == 404


async def test_without_the_served_openapi_document_none_is_served(serve: MakeClient) -> None:
    client = await serve(LIVE, broker="memory", serve_spec=False)
    assert (await client.get("/openapi.json")).status == 404
    assert (await client.get("/asyncapi.json")).status == 404


async def test_optional_credentials_and_schemes_used_together(serve: MakeClient) -> None:
    """Where no credentials are needed (``{}`` among the alternatives) no security is listed;
    schemes required together are each listed (AsyncAPI 3.0 lists alternatives only)."""
    document = copy.deepcopy(LIVE)
    document["components"]["securitySchemes"]["key"] = {
        "type": "apiKey", "in": "query", "name": "key", "x-apikeyInfoFunc": "specs.ws.handlers.bearer_info"
    }  # fmt: skip
    document["paths"]["/live"]["get"]["security"] = [{}, {"bearer": []}]
    optional = valid(await (await (await serve(document, broker="memory")).get("/asyncapi.json")).json())
    assert "security" not in optional["servers"]["live"]
    document["paths"]["/live"]["get"]["security"] = [{"bearer": [], "key": []}]
    together = valid(await (await (await serve(document, broker="memory")).get("/asyncapi.json")).json())
    assert together["servers"]["live"]["security"] == [
        {"$ref": "#/components/securitySchemes/bearer"},
        {"$ref": "#/components/securitySchemes/key"},
    ]
    assert together["components"]["securitySchemes"]["key"] == {"type": "httpApiKey", "name": "key", "in": "query"}


async def test_api_without_websockets_has_no_asyncapi_route(aiohttp_client: Any) -> None:
    import openapi_aio

    app = web.Application()
    openapi_aio.setup(app, _plain(), stub=True)
    client: TestClient = await aiohttp_client(app)
    paths = {getattr(resource, "canonical", "") for resource in app.router.resources()}
    assert not any(path.endswith(("/asyncapi.json", "/asyncapi.yaml")) for path in paths)
    assert any(path.endswith("/openapi.json") for path in paths)
    assert (await client.get("/asyncapi.json")).status == 404


def _plain() -> dict[str, Any]:
    return {
        "openapi": "3.0.3",
        "info": {"title": "plain", "version": "1"},
        "paths": {"/ping": {"get": {"operationId": "nowhere.ping", "responses": {"200": {"description": "ok"}}}}},
    }


async def test_swagger_2_definitions_and_schemes_are_translated(serve: MakeClient) -> None:
    document = {
        "swagger": "2.0",
        "info": {"title": "two", "version": "2"},
        "basePath": "/v2",
        "securityDefinitions": {
            "key": {
                "type": "apiKey",
                "in": "header",
                "name": "X-Key",
                "x-apikeyInfoFunc": "specs.ws.handlers.bearer_info",
            }
        },
        "definitions": {
            "Operands": {"type": "object", "properties": {"a": {"$ref": "#/definitions/Number"}}},
            "Number": {"type": "number", "x-nullable": True},
        },
        "paths": {
            "/ws": {
                "get": {
                    "security": [{"key": []}],
                    "x-websocket": {
                        "rpc": {
                            "add": {
                                "operationId": "specs.ws.handlers.add",
                                "payload": {"$ref": "#/definitions/Operands"},
                            }
                        }
                    },
                    "responses": {"101": {"description": "switched"}},
                }
            }
        },
    }
    client = await serve(document, broker="memory")
    served = valid(await (await client.get("/v2/asyncapi.json")).json())
    assert served["servers"]["ws"]["pathname"] == "/v2/ws"
    assert served["servers"]["ws"]["security"] == [{"$ref": "#/components/securitySchemes/key"}]
    assert served["components"]["securitySchemes"] == {"key": {"type": "httpApiKey", "name": "X-Key", "in": "header"}}
    request = served["channels"]["ws"]["messages"]["add.request"]["payload"]["properties"]["payload"]
    assert request == {"$ref": "#/components/schemas/Operands"}
    schemas = served["components"]["schemas"]
    assert schemas["Operands"]["properties"]["a"] == {"$ref": "#/components/schemas/Number"}
    assert schemas["Number"] == {"type": ["number", "null"]}


def test_translations_of_schemes_and_nullable_schemas() -> None:
    """What the HTTP tests do not reach: OpenID Connect, Swagger 2.0's basic and OAuth 2 flow, a
    nullable enum and a nullable reference."""
    assert security_scheme({"type": "openIdConnect", "openIdConnectUrl": "https://id.example.com/.well-known"}) == {
        "type": "openIdConnect", "openIdConnectUrl": "https://id.example.com/.well-known"
    }  # fmt: skip
    assert security_scheme({"type": "basic", "description": "d"}) == {
        "type": "http",
        "scheme": "basic",
        "description": "d",
    }
    flow = {"type": "oauth2", "flow": "application", "tokenUrl": "https://a.example.com/t", "scopes": {"r": "read"}}
    assert security_scheme(flow) == {
        "type": "oauth2",
        "flows": {"clientCredentials": {"tokenUrl": "https://a.example.com/t", "availableScopes": {"r": "read"}}},
    }
    assert security_scheme({"type": "mutualTLS"}) is None
    copier = SchemaCopier({"openapi": "3.0.3", "components": {"schemas": {"A": {"type": "string"}}}})
    schema = {
        "properties": {
            "e": {"type": "string", "enum": ["x"], "nullable": True},
            "r": {"$ref": "#/components/schemas/A", "nullable": True},
        }
    }
    assert copier.copy(schema) == {
        "properties": {
            "e": {"type": ["string", "null"], "enum": ["x", None]},
            "r": {"anyOf": [{"$ref": "#/components/schemas/A"}, {"type": "null"}]},
        }
    }
    assert copier.schemas == {"A": {"type": "string"}}
    # 3.1 schemas are JSON Schema already: nullable is not theirs to translate
    assert SchemaCopier({"openapi": "3.1.0"}).copy({"type": "string", "nullable": True}) == {
        "type": "string",
        "nullable": True,
    }
