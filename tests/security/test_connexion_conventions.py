"""Connexion's security conventions where the OpenAPI text allows them, over real HTTP: the user
from ``sub`` else ``uid``; HTTP errors raised in info functions answered with their status;
scopes only checked for oauth2/openIdConnect; Swagger 2 ``apiKey`` schemes that carry a bearer
token (``x-authentication-scheme: Bearer``)."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import OK, document, problem

C = "specs.security.connexion_auth."
H = "specs.security.handlers."


def op(security: Any, handler: str) -> dict[str, Any]:
    module = H if handler == "whoami" else C
    return {"get": {"operationId": module + handler, "security": security, "responses": OK}}


SCHEMES = {
    "key": {"type": "apiKey", "in": "header", "name": "X-Key", "x-apikeyInfoFunc": C + "key_info"},
    "jwt": {"type": "http", "scheme": "bearer", "x-bearerInfoFunc": C + "bearer_info"},
    "lenient": {
        "type": "http",
        "scheme": "bearer",
        "x-bearerInfoFunc": C + "bearer_info",
        "x-scopeValidateFunc": C + "roles_checked_elsewhere",
    },
}
SPEC = document(
    {
        "/key": op([{"key": []}], "whoami"),
        "/bearer": op([{"jwt": ["secret"]}], "who_bearer"),
        "/lenient": op([{"lenient": ["secret"]}], "who_lenient"),
    },
    "3.1.0",
    components={"securitySchemes": SCHEMES},
)


@pytest.fixture
async def client(serve):
    return await serve(SPEC)


@pytest.mark.parametrize(("key", "user"), [("uid", 100), ("both", "ada")])
async def test_the_user_is_sub_else_uid(client, key, user):
    response = await client.get("/key", headers={"X-Key": key})
    assert response.status == 200, await response.text()
    assert (await response.json())["user"] == user


@pytest.mark.parametrize(
    ("key", "status", "detail"),
    [
        ("werkzeug", 401, "token expired"),
        ("connexion", 401, "Invalid token"),
        ("forbidden", 403, "suspended"),
        ("status", 429, None),
    ],
)
async def test_http_errors_raised_by_info_functions_keep_their_status(client, key, status, detail):
    response = await client.get("/key", headers={"X-Key": key})
    body = await problem(response, status)
    assert body.get("detail") == detail
    if status == 401:  # RFC 9110: a 401 carries a challenge
        assert response.headers["WWW-Authenticate"] == 'ApiKey in="header", name="X-Key"'


@pytest.mark.parametrize("key", ["upstream", "crash"])
async def test_other_errors_of_info_functions_are_500(client, key):
    """A 401 an auth server gave the service (an aiohttp client error) is the service's failure."""
    await problem(await client.get("/key", headers={"X-Key": key}), 500)


async def test_a_list_on_http_bearer_is_still_required(client):
    """A deliberate difference: Connexion ignores the list of an ``http`` bearer requirement, but
    OpenAPI 3.1 names its entries roles "required for the execution" (3.0 wants it empty for
    such schemes): a token whose info lacks one is a 403, as for oauth2 scopes."""
    response = await client.get("/bearer", headers={"Authorization": "Bearer tok-ada"})
    assert (await problem(response, 403))["detail"] == "jwt: the credentials lack a required scope (secret)"
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="api", error="insufficient_scope", scope="secret"'
    await problem(await client.get("/bearer", headers={"Authorization": "Bearer nope"}), 401)
    # an x-scopeValidateFunc decides instead
    response = await client.get("/lenient", headers={"Authorization": "Bearer tok-ada"})
    assert response.status == 200, await response.text()


SWAGGER = document(
    {"/jwt": op([{"jwt": []}], "whoami")},
    "2.0",
    securityDefinitions={
        "jwt": {
            "type": "apiKey",
            "name": "Authorization",
            "in": "header",
            "x-authentication-scheme": "Bearer",
            "x-bearerInfoFunc": C + "bearer_info",
        }
    },
)


async def test_an_api_key_scheme_with_a_bearer_authentication_scheme(serve):
    client = await serve(SWAGGER)
    response = await client.get("/jwt", headers={"Authorization": "Bearer tok-ada"})
    assert response.status == 200, await response.text()
    assert (await response.json())["user"] == "tok-ada"
    refused = await client.get("/jwt", headers={"Authorization": "Bearer nope"})
    await problem(refused, 401)
    assert refused.headers["WWW-Authenticate"] == 'Bearer realm="api", error="invalid_token"'
    anonymous = await client.get("/jwt", headers={"Authorization": "tok-ada"})  # not a Bearer header
    await problem(anonymous, 401)
    assert anonymous.headers["WWW-Authenticate"] == 'Bearer realm="api"'
