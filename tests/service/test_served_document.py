"""The document served beside the API: where it says the API is, what it hides, its forms."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import MakeClient, document

from openapi_aio.errors import InvalidSpecification
from openapi_aio.service.served_spec import INFO_FUNCTIONS

PING = {"/ping": {"get": {"operationId": "x.ping", "responses": {"200": {"description": "ok"}}}}}

SECURED = document(
    PING,
    servers=[{"url": "https://prod.example.com/api/v1", "description": "production"}],
    components={
        "securitySchemes": {
            "bearer": {"type": "http", "scheme": "bearer", "x-bearerInfoFunc": "secret_pkg.auth.check_token"},
            "key": {"type": "apiKey", "in": "header", "name": "X-Key", "x-apikeyInfoFunc": "secret_pkg.auth.key"},
            "oauth": {
                "type": "oauth2",
                "x-tokenInfoFunc": "secret_pkg.auth.token_info",
                "x-tokenInfoUrl": "https://auth.example.com/introspect",
                "x-scopeValidateFunc": "secret_pkg.auth.scopes",
                "flows": {"clientCredentials": {"tokenUrl": "https://auth.example.com/token", "scopes": {}}},
            },
        }
    },
)


async def test_json_servers_point_at_this_server(serve: MakeClient) -> None:
    # without the stub's 501 the framework would list (tests/service/test_served_answers.py)
    client = await serve(SECURED, stub=True, document_framework_answers=False)
    response = await client.get("/api/v1/openapi.json")
    assert response.status == 200
    assert response.content_type == "application/json"
    served = await response.json()
    host = f"{client.server.host}:{client.server.port}"
    assert served["servers"] == [{"url": f"http://{host}/api/v1"}]
    assert list(served) == list(SECURED)  # the keys in the order written
    assert served["paths"] == SECURED["paths"]


async def test_forwarded_headers(serve: MakeClient) -> None:
    client = await serve(SECURED, stub=True)
    headers = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "api.example.org", "X-Forwarded-Prefix": "/edge/"}
    served = await (await client.get("/api/v1/openapi.json", headers=headers)).json()
    assert served["servers"] == [{"url": "https://api.example.org/edge/api/v1"}]


@pytest.mark.parametrize(
    ("headers", "path"),
    [
        ({"X-Forwarded-Path": "/banana/"}, "/banana/api/v1"),  # as Connexion's reverseproxy example sends it
        ({"X-Forwarded-Path": "proxied"}, "/proxied/api/v1"),
        ({"X-Forwarded-Prefix": "/edge", "X-Forwarded-Path": "/banana"}, "/edge/api/v1"),
        ({"X-Forwarded-Path": "/a b"}, "/api/v1"),
    ],
)
async def test_forwarded_path(serve: MakeClient, headers: dict[str, str], path: str) -> None:
    """``X-Forwarded-Path`` (Connexion's reverseproxy example) names the proxy's prefix as
    ``X-Forwarded-Prefix`` does; the latter wins when both are sent."""
    client = await serve(SECURED, stub=True)
    served = await (await client.get("/api/v1/openapi.json", headers=headers)).json()
    assert served["servers"] == [{"url": f"http://{client.server.host}:{client.server.port}{path}"}]


async def test_forwarded_values_that_are_not_locations_are_ignored(serve: MakeClient) -> None:
    client = await serve(SECURED, stub=True)
    headers = {"X-Forwarded-Proto": "javascript", "X-Forwarded-Host": 'evil"/><script>', "X-Forwarded-Prefix": "x y"}
    served = await (await client.get("/api/v1/openapi.json", headers=headers)).json()
    assert served["servers"] == [{"url": f"http://{client.server.host}:{client.server.port}/api/v1"}]


async def test_document_without_servers_gets_one(serve: MakeClient) -> None:
    client = await serve(document(PING), stub=True, base_path="/v2")
    served = await (await client.get("/v2/openapi.json")).json()
    assert served["servers"][0]["url"].endswith("/v2")


async def test_root_base_path(serve: MakeClient) -> None:
    client = await serve(document(PING), stub=True)
    served = await (await client.get("/openapi.json")).json()
    assert served["servers"][0]["url"] == f"http://{client.server.host}:{client.server.port}"


async def test_yaml_form(serve: MakeClient) -> None:
    client = await serve(SECURED, stub=True, document_framework_answers=False)
    headers = {"X-Forwarded-Host": "api.example.org"}
    response = await client.get("/api/v1/openapi.yaml", headers=headers)
    assert response.status == 200
    assert response.content_type == "application/yaml"
    served = yaml.safe_load(await response.text())
    assert served["servers"] == [{"url": "http://api.example.org/api/v1"}]
    assert served["paths"] == SECURED["paths"]
    again = yaml.safe_load(await (await client.get("/api/v1/openapi.yaml")).text())  # cached form
    assert again["servers"][0]["url"].startswith("http://127.0.0.1")


async def test_info_functions_are_not_revealed(serve: MakeClient) -> None:
    client = await serve(SECURED, stub=True)
    for name in ("openapi.json", "openapi.yaml"):
        text = await (await client.get(f"/api/v1/{name}")).text()
        assert "secret_pkg" not in text
        for key in INFO_FUNCTIONS:
            assert key not in text
        assert "https://auth.example.com/introspect" in text  # URLs stay
    served = await (await client.get("/api/v1/openapi.json")).json()
    assert served["components"]["securitySchemes"]["bearer"] == {"type": "http", "scheme": "bearer"}


async def test_swagger_2_host_base_path_and_schemes(serve: MakeClient) -> None:
    spec = document(
        PING,
        version="2.0",
        host="prod.example.com",
        basePath="/v1",
        schemes=["https"],
        securityDefinitions={"key": {"type": "apiKey", "in": "header", "name": "K", "x-apikeyInfoFunc": "pkg.f"}},
    )
    client = await serve(spec, stub=True)
    assert (await client.get("/v1/openapi.json")).status == 404
    headers = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "gw.example.org:8443", "X-Forwarded-Prefix": "/p"}
    served = await (await client.get("/v1/swagger.json", headers=headers)).json()
    assert served["host"] == "gw.example.org:8443"
    assert served["basePath"] == "/p/v1"
    assert served["schemes"] == ["https"]
    assert "x-apikeyInfoFunc" not in served["securityDefinitions"]["key"]
    served_yaml = yaml.safe_load(await (await client.get("/v1/swagger.yaml")).text())
    assert served_yaml["basePath"] == "/v1"
    assert served_yaml["host"] == f"{client.server.host}:{client.server.port}"


async def test_serve_spec_off(serve: MakeClient) -> None:
    client = await serve(SECURED, stub=True, serve_spec=False)
    assert (await client.get("/api/v1/openapi.json")).status == 404
    assert (await client.get("/api/v1/ui/")).status == 404


async def test_the_documents_own_operation_wins(serve: MakeClient) -> None:
    spec = document({"/openapi.json": {"get": {"responses": {"200": {"description": "mine"}}}}})
    client = await serve(spec, stub=True)
    assert (await client.get("/openapi.json")).status == 501  # the document's (stubbed) operation
    assert (await client.get("/openapi.yaml")).status == 200


def _split_document(folder: Path) -> Path:
    (folder / "schemas").mkdir()
    (folder / "schemas" / "pet.yaml").write_text(
        yaml.safe_dump(
            {
                "Pet": {
                    "type": "object",
                    "properties": {"name": {"type": "string"}, "owner": {"$ref": "#/Owner"}},
                },
                "Owner": {"type": "object", "properties": {"pets": {"type": "array", "items": {"$ref": "#/Pet"}}}},
            }
        )
    )
    root = document(
        {
            "/pets": {
                "get": {
                    "operationId": "x.pets",
                    "responses": {
                        "200": {
                            "description": "pets",
                            "content": {"application/json": {"schema": {"$ref": "schemas/pet.yaml#/Pet"}}},
                        }
                    },
                }
            }
        },
        components={"schemas": {"Local": {"type": "string"}}},
    )
    (folder / "openapi.yaml").write_text(yaml.safe_dump(root))
    return folder / "openapi.yaml"


async def test_split_document_served_as_written_on_request(serve: MakeClient, tmp_path: Path) -> None:
    client = await serve(_split_document(tmp_path), stub=True, serve_spec_bundled=False)
    served = await (await client.get("/openapi.json")).json()
    schema = served["paths"]["/pets"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert schema == {"$ref": "schemas/pet.yaml#/Pet"}


async def test_a_split_document_is_served_as_one_file_by_default(serve: MakeClient, tmp_path: Path) -> None:
    """Swagger UI and clients get only the served file: references into files that are not
    served could not be followed (Connexion serves such documents resolved too)."""
    client = await serve(_split_document(tmp_path), stub=True)
    text = await (await client.get("/openapi.json")).text()
    assert "pet.yaml" not in text
    served = json.loads(text)
    schema = served["paths"]["/pets"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    # the cycle Pet -> Owner -> Pet became a local component
    assert schema["properties"]["name"] == {"type": "string"}
    owner_pets = schema["properties"]["owner"]["properties"]["pets"]["items"]
    assert owner_pets["$ref"].startswith("#/components/schemas/")
    hoisted = _walk(served, owner_pets["$ref"])
    assert hoisted["properties"]["name"] == {"type": "string"}
    assert served["components"]["schemas"]["Local"] == {"type": "string"}
    # the bundled document loads on its own, without the other file
    from openapi_aio.spec import load_spec

    assert load_spec(served).operations[0].path == "/pets"


async def test_a_split_document_that_cannot_be_one_file_is_served_as_written(
    serve: MakeClient, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A ``$ref`` in an extension that names a missing file (Redocly's ``x-codeSamples``) does not
    stop a valid document from starting: it is served as written, and the log says why."""
    path = _split_document(tmp_path)
    root = yaml.safe_load(path.read_text())
    root["paths"]["/pets"]["get"]["x-codeSamples"] = [{"lang": "C#", "source": {"$ref": "samples/get.cs"}}]
    path.write_text(yaml.safe_dump(root))
    with caplog.at_level(logging.WARNING, logger="openapi_aio"):
        client = await serve(path, stub=True)
    served = await (await client.get("/openapi.json")).json()
    schema = served["paths"]["/pets"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert schema == {"$ref": "schemas/pet.yaml#/Pet"}
    assert any("served as written" in record.getMessage() for record in caplog.records)
    with pytest.raises(InvalidSpecification, match=r"samples/get\.cs"):
        await serve(path, stub=True, serve_spec_bundled=True)


def _walk(document: Any, ref: str) -> Any:
    node = document
    for token in ref[2:].split("/"):
        node = node[token]
    return node
