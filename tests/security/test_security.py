"""Security schemes enforced over real HTTP: every scheme and location, their combinations, the
401/403 answers, token introspection and OpenID Connect JWTs against local servers on 127.0.0.1.

Nothing here touches the network beyond loopback: introspection endpoints, discovery documents and
key sets are aiohttp servers started by the tests.
"""

from __future__ import annotations

import asyncio
import base64
import io
import json
import logging
import threading
import time
from typing import Any

import jwt
import pytest
from aiohttp import web
from conftest import OK, document, problem
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from specs.security import auth, handlers

import openapi_aio
from openapi_aio.request.body import BodyReader
from openapi_aio.security import Credentials, InvalidCredentials, tokens

A = "specs.security.auth."


@pytest.fixture(autouse=True)
def _fresh_calls():
    auth.reset()
    yield
    auth.reset()


def resolve(spec: Any) -> Any:
    """Handlers by ``x-handler`` (operationIds must be unique; many operations share one)."""
    return getattr(handlers, spec.raw.get("x-handler", ""), None)


@pytest.fixture
def serve(serve):
    """conftest's ``serve``, finding handlers by ``x-handler``."""

    async def make(spec: Any, **options: Any) -> Any:
        return await serve(spec, **{"resolver": resolve, **options})

    return make


def op(security: Any = None, handler: str = "whoami", **extra: Any) -> dict[str, Any]:
    operation: dict[str, Any] = {"x-handler": handler, "responses": OK, **extra}
    if security is not None:
        operation["security"] = security
    return {"get": operation}


def basic(username: str, password: str) -> dict[str, str]:
    raw = f"{username}:{password}".encode()
    return {"Authorization": "Basic " + base64.b64encode(raw).decode()}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


# --- OpenAPI 3.0: every scheme and location ---------------------------------------------------

FLOWS = {"clientCredentials": {"tokenUrl": "https://auth.invalid/token", "scopes": {"read": "", "write": ""}}}
SCHEMES_3 = {
    "headerKey": {"type": "apiKey", "in": "header", "name": "X-API-Key", "x-apikeyInfoFunc": A + "apikey_info"},
    "queryKey": {"type": "apiKey", "in": "query", "name": "api_key", "x-apikeyInfoFunc": A + "apikey_info_sync"},
    "cookieKey": {"type": "apiKey", "in": "cookie", "name": "session", "x-apikeyInfoFunc": A + "apikey_info"},
    "partner": {"type": "apiKey", "in": "header", "name": "X-Partner", "x-apikeyInfoFunc": A + "apikey_info"},
    "basic": {"type": "http", "scheme": "basic", "x-basicInfoFunc": A + "basic_info"},
    "basicSync": {"type": "http", "scheme": "Basic", "x-basicInfoFunc": A + "basic_info_sync"},
    "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "opaque", "x-bearerInfoFunc": A + "bearer_info"},
    "oauth": {"type": "oauth2", "flows": FLOWS, "x-tokenInfoFunc": A + "token_info"},
    "oauthSync": {"type": "oauth2", "flows": FLOWS, "x-tokenInfoFunc": A + "token_info_sync"},
    "oauthValidated": {
        "type": "oauth2",
        "flows": FLOWS,
        "x-tokenInfoFunc": A + "token_info",
        "x-scopeValidateFunc": A + "validate_scope",
    },
    "booleanBasic": {"type": "http", "scheme": "basic", "x-basicInfoFunc": A + "password_matches"},
    "wrappedKey": {
        "type": "apiKey",
        "in": "header",
        "name": "X-Wrapped",
        "x-apikeyInfoFunc": A + "wrapped_apikey_info",
    },
    "raisingKey": {
        "type": "apiKey",
        "in": "header",
        "name": "X-Raising",
        "x-apikeyInfoFunc": A + "raises_unauthorized",
    },
}
PATHS_3 = {
    "/header": op([{"headerKey": []}]),
    "/query": op([{"queryKey": []}]),
    "/cookie": op([{"cookieKey": []}]),
    "/basic": op([{"basic": []}]),
    "/basic-sync": op([{"basicSync": []}]),
    "/bearer": op([{"bearer": []}]),
    "/bearer-sync-handler": op([{"bearer": []}], "whoami_sync"),
    "/oauth-read": op([{"oauth": ["read"]}]),
    "/oauth-write": op([{"oauth": ["read", "write"]}]),
    "/oauth-sync": op([{"oauthSync": ["write"]}]),
    "/validated": op([{"oauthValidated": ["write"]}]),
    "/and": op([{"headerKey": [], "partner": []}]),
    "/and-oauth": op([{"oauth": ["read"], "oauthSync": ["write"]}]),
    "/or": op([{"bearer": []}, {"headerKey": []}]),
    "/or-and": op([{"oauth": ["write"]}, {"headerKey": [], "partner": []}]),
    "/inherited": op(),
    "/override": op([{"headerKey": []}]),
    "/public": op([]),
    "/optional": op([{"bearer": []}, {}]),
    "/optional-and": op([{"headerKey": [], "partner": []}, {}]),
    "/boolean": op([{"booleanBasic": []}]),
    "/wrapped": op([{"wrappedKey": []}]),
    "/raising": op([{"raisingKey": []}]),
    "/create": {
        "post": {
            "x-handler": "create",
            "security": [{"bearer": []}],
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": {"type": "object", "required": ["name"]}}},
            },
            "responses": {"201": {"description": "created"}},
        }
    },
}
SPEC_3 = document(
    PATHS_3,
    components={"securitySchemes": SCHEMES_3},
    security=[{"bearer": []}],
)


@pytest.fixture
async def client(serve):
    return await serve(SPEC_3)


async def whoami(response: Any) -> dict[str, Any]:
    text = await response.text()
    assert response.status == 200, text
    return json.loads(text)


async def test_api_key_in_header(client):
    me = await whoami(await client.get("/header", headers={"X-API-Key": "key-ada"}))
    assert me["user"] == "ada"
    assert me["token_info"] == {"sub": "ada"}
    assert me["context_user"] == "ada"
    assert me["context_token_info"] == {"sub": "ada"}
    assert auth.CALLS["apikey_info"] == [("key-ada", [])]
    wrong = await client.get("/header", headers={"X-API-Key": "key-eve"})
    assert (await problem(wrong, 401))["detail"] == "headerKey: invalid credentials"
    assert wrong.headers["WWW-Authenticate"] == 'ApiKey in="header", name="X-API-Key"'
    # Header names are case-insensitive.
    assert (await whoami(await client.get("/header", headers={"x-api-key": "key-ada"})))["user"] == "ada"


async def test_api_key_in_query_with_a_sync_function_off_the_loop(client):
    me = await whoami(await client.get("/query", params={"api_key": "key-ada"}))
    assert me["user"] == "ada"
    assert auth.CALLS["apikey_info_sync"] == [("key-ada",)]  # no required_scopes: it does not take them
    assert auth.THREADS["apikey_info_sync"] != threading.get_ident()  # ran in the executor
    assert (await client.get("/query", params={"api_key": "nope"})).status == 401
    # The key in a header or a cookie of the same name is not the query key.
    response = await client.get("/query", headers={"api_key": "key-ada"}, cookies={"api_key": "key-ada"})
    assert (await problem(response, 401))["detail"] == "authentication is required"
    assert response.headers["WWW-Authenticate"] == 'ApiKey in="query", name="api_key"'


async def test_api_key_in_cookie(client):
    me = await whoami(await client.get("/cookie", cookies={"session": "key-ada"}))
    assert me["user"] == "ada"
    assert (await client.get("/cookie", cookies={"session": "key-eve"})).status == 401
    response = await client.get("/cookie", headers={"session": "key-ada"})
    await problem(response, 401)
    assert response.headers["WWW-Authenticate"] == 'ApiKey in="cookie", name="session"'


async def test_http_basic(client):
    me = await whoami(await client.get("/basic", headers=basic("ada", "lovelace")))
    assert me == {
        "user": "ada",
        "token_info": {"sub": "ada"},
        "context_user": "ada",
        "context_token_info": {"sub": "ada"},
    }
    assert auth.CALLS["basic_info"] == [("ada", "lovelace", [])]
    # UTF-8 passwords, a password holding a colon split at the first one only, any case of "Basic".
    assert (await whoami(await client.get("/basic", headers=basic("bob", "pässwörd"))))["user"] == "bob"
    await client.get("/basic", headers=basic("ada", "love:lace"))
    assert auth.CALLS["basic_info"][-1] == ("ada", "love:lace", [])
    raw = base64.b64encode(b"ada:lovelace").decode()
    for header in (f"basic {raw}", f"BASIC {raw}", f"Basic   {raw}  "):
        assert (await client.get("/basic", headers={"Authorization": header})).status == 200, header


@pytest.mark.parametrize(
    ("header", "detail"),
    [
        (basic("ada", "wrong"), "basic: invalid credentials"),
        (basic("eve", "lovelace"), "basic: invalid credentials"),
        ({"Authorization": "Basic not*base64!"}, "basic: malformed Basic credentials"),
        ({"Authorization": "Basic " + base64.b64encode(b"no-colon").decode()}, "basic: malformed Basic credentials"),
        ({"Authorization": "Basic " + base64.b64encode(b"\xff\xfe:x").decode()}, "basic: malformed Basic credentials"),
        ({"Authorization": "Basic"}, "basic: malformed Basic credentials"),
    ],
)
async def test_http_basic_refused(client, header, detail):
    response = await client.get("/basic", headers=header)
    assert (await problem(response, 401))["detail"] == detail
    assert response.headers["WWW-Authenticate"] == 'Basic realm="test", charset="UTF-8"'


async def test_http_basic_sync_function_runs_off_the_loop(client):
    assert (await whoami(await client.get("/basic-sync", headers=basic("ada", "lovelace"))))["user"] == "ada"
    assert auth.THREADS["basic_info_sync"] != threading.get_ident()
    assert auth.CALLS["basic_info_sync"] == [("ada", "lovelace")]
    assert (await client.get("/basic-sync", headers=basic("ada", "nope"))).status == 401


async def test_http_bearer(client):
    me = await whoami(await client.get("/bearer", headers=bearer("tok-read")))
    assert me["user"] == "ada"
    assert me["token_info"] == {"sub": "ada", "scope": "read"}
    wrong = await client.get("/bearer", headers=bearer("tok-unknown"))
    assert (await problem(wrong, 401))["detail"] == "bearer: invalid credentials"
    assert wrong.headers["WWW-Authenticate"] == 'Bearer realm="api", error="invalid_token"'
    anonymous = await client.get("/bearer")
    assert anonymous.headers["WWW-Authenticate"] == 'Bearer realm="api"'


@pytest.mark.parametrize(
    "header",
    ["bearer tok-read", "BEARER tok-read", "Bearer    tok-read   ", "  Bearer tok-read", "Bearer\ttok-read"],
)
async def test_bearer_header_forms(client, header):
    assert (await client.get("/bearer", headers={"Authorization": header})).status == 200


async def test_bearer_without_a_token_is_invalid_not_missing(client):
    for header in ("Bearer", "Bearer   "):
        response = await client.get("/bearer", headers={"Authorization": header})
        assert (await problem(response, 401))["detail"] == "bearer: empty bearer token"
        assert response.headers["WWW-Authenticate"] == 'Bearer realm="api", error="invalid_token"'
    assert auth.CALLS["bearer_info"] == []


async def test_other_authorization_schemes_are_no_credentials(client):
    for header in ("", "  ", "Token tok-read", "Bearertok-read", "Basic " + base64.b64encode(b"ada:lovelace").decode()):
        response = await client.get("/bearer", headers={"Authorization": header})
        assert (await problem(response, 401))["detail"] == "authentication is required", header
        assert response.headers["WWW-Authenticate"] == 'Bearer realm="api"'


async def test_sync_handler_gets_user_and_runs_off_the_loop(client):
    me = await whoami(await client.get("/bearer-sync-handler", headers=bearer("tok-read")))
    assert me["user"] == "ada"
    assert me["token_info"] == {"sub": "ada", "scope": "read"}
    assert me["thread"] != threading.get_ident()


async def test_oauth2_token_info_function_and_scopes(client):
    me = await whoami(await client.get("/oauth-read", headers=bearer("tok-read")))
    assert me["user"] == "ada"
    assert auth.CALLS["token_info"] == [("tok-read", ["read"])]
    forbidden = await client.get("/oauth-write", headers=bearer("tok-read"))
    body = await problem(forbidden, 403)
    assert body["detail"] == "oauth: the credentials lack a required scope (read, write)"
    assert forbidden.headers["WWW-Authenticate"] == 'Bearer realm="api", error="insufficient_scope", scope="read write"'
    assert (await client.get("/oauth-write", headers=bearer("tok-write"))).status == 200
    # A token with no scope at all has none of the required ones.
    assert (await client.get("/oauth-read", headers=bearer("tok-none"))).status == 403
    # "scopes" as a list is read too.
    assert (await client.get("/oauth-read", headers=bearer("tok-admin"))).status == 403
    wrong = await client.get("/oauth-read", headers=bearer("tok-unknown"))
    await problem(wrong, 401)
    assert wrong.headers["WWW-Authenticate"] == 'Bearer realm="api", error="invalid_token"'


async def test_oauth2_sync_token_info_function_gets_scopes_through_kwargs(client):
    assert (await whoami(await client.get("/oauth-sync", headers=bearer("tok-write"))))["user"] == "ada"
    assert auth.CALLS["token_info_sync"] == [("tok-write", {"required_scopes": ["write"]})]
    assert auth.THREADS["token_info_sync"] != threading.get_ident()
    assert (await client.get("/oauth-sync", headers=bearer("tok-read"))).status == 403


async def test_scope_validate_function_decides(client):
    # validate_scope lets "admin" do anything, and has Connexion's (required_scopes, token_scopes).
    assert (await whoami(await client.get("/validated", headers=bearer("tok-admin"))))["user"] == "root"
    assert auth.CALLS["validate_scope"] == [(["write"], ["admin"])]
    assert (await client.get("/validated", headers=bearer("tok-write"))).status == 200
    await problem(await client.get("/validated", headers=bearer("tok-read")), 403)


# --- combinations -------------------------------------------------------------------------------


async def test_and_needs_every_scheme(client):
    both = {"X-API-Key": "key-ada", "X-Partner": "key-partner"}
    me = await whoami(await client.get("/and", headers=both))
    assert me["user"] == "ada"  # the first scheme names the user
    assert me["token_info"] == {"headerKey": {"sub": "ada"}, "partner": {"sub": "partner"}}
    only_one = await client.get("/and", headers={"X-API-Key": "key-ada"})
    await problem(only_one, 401)
    assert (
        only_one.headers["WWW-Authenticate"]
        == 'ApiKey in="header", name="X-API-Key", ApiKey in="header", name="X-Partner"'
    )
    one_wrong = await client.get("/and", headers={"X-API-Key": "key-ada", "X-Partner": "nope"})
    assert (await problem(one_wrong, 401))["detail"] == "partner: invalid credentials"


async def test_and_of_two_oauth2_schemes(client):
    me = await whoami(await client.get("/and-oauth", headers=bearer("tok-write")))
    assert me["user"] == "ada"
    assert me["token_info"] == {"oauth": auth.TOKENS["tok-write"], "oauthSync": auth.TOKENS["tok-write"]}
    assert auth.CALLS["token_info"] == [("tok-write", ["read"])]
    assert auth.CALLS["token_info_sync"] == [("tok-write", {"required_scopes": ["write"]})]
    # read is enough for the first scheme, not for the second.
    await problem(await client.get("/and-oauth", headers=bearer("tok-read")), 403)
    anonymous = await client.get("/and-oauth")
    assert anonymous.headers["WWW-Authenticate"] == 'Bearer realm="api"'  # one challenge, not two


async def test_or_takes_any_alternative(client):
    assert (await whoami(await client.get("/or", headers=bearer("tok-read"))))["user"] == "ada"
    assert (await whoami(await client.get("/or", headers={"X-API-Key": "key-ada"})))["user"] == "ada"
    # A wrong bearer token with a good key: the key's alternative authenticates.
    response = await client.get("/or", headers={**bearer("nope"), "X-API-Key": "key-ada"})
    assert (await whoami(response))["user"] == "ada"
    anonymous = await client.get("/or")
    await problem(anonymous, 401)
    assert anonymous.headers["WWW-Authenticate"] == 'Bearer realm="api", ApiKey in="header", name="X-API-Key"'


async def test_or_invalid_challenge_marks_only_the_refused_bearer(client):
    wrong_key = await client.get("/or", headers={"X-API-Key": "nope"})
    await problem(wrong_key, 401)
    # No token was sent: the Bearer challenge must not claim one was invalid.
    assert wrong_key.headers["WWW-Authenticate"] == 'Bearer realm="api", ApiKey in="header", name="X-API-Key"'
    wrong_token = await client.get("/or", headers=bearer("nope"))
    assert wrong_token.headers["WWW-Authenticate"] == (
        'Bearer realm="api", error="invalid_token", ApiKey in="header", name="X-API-Key"'
    )


async def test_or_of_oauth_and_an_and(client):
    assert (await client.get("/or-and", headers=bearer("tok-write"))).status == 200
    assert (await client.get("/or-and", headers={"X-API-Key": "key-ada", "X-Partner": "key-partner"})).status == 200
    # Scope missing on one alternative, the other not attempted: 403.
    await problem(await client.get("/or-and", headers=bearer("tok-read")), 403)
    # Scope missing on one alternative, wrong credentials on the other: 401 wins.
    response = await client.get("/or-and", headers={**bearer("tok-read"), "X-API-Key": "nope", "X-Partner": "nope"})
    await problem(response, 401)


async def test_global_security_inherited_and_overridden(client):
    await problem(await client.get("/inherited"), 401)
    assert (await whoami(await client.get("/inherited", headers=bearer("tok-read"))))["user"] == "ada"
    # The operation's own requirement replaces the global one: a bearer token is no use here.
    response = await client.get("/override", headers=bearer("tok-read"))
    await problem(response, 401)
    assert response.headers["WWW-Authenticate"] == 'ApiKey in="header", name="X-API-Key"'
    assert (await client.get("/override", headers={"X-API-Key": "key-ada"})).status == 200


async def test_public_operation(client):
    me = await whoami(await client.get("/public"))
    assert me == {"user": None, "token_info": None, "context_user": None, "context_token_info": None}
    # Credentials on a public operation are not even looked at.
    assert (await client.get("/public", headers=bearer("nope"))).status == 200
    assert auth.CALLS == {}


async def test_optional_security(client):
    assert (await whoami(await client.get("/optional")))["user"] is None
    assert (await whoami(await client.get("/optional", headers=bearer("tok-read"))))["user"] == "ada"
    wrong = await client.get("/optional", headers=bearer("nope"))
    await problem(wrong, 401)
    assert wrong.headers["WWW-Authenticate"] == 'Bearer realm="api", error="invalid_token"'
    empty = await client.get("/optional", headers={"Authorization": "Bearer"})
    await problem(empty, 401)


async def test_optional_and_with_half_the_credentials_wrong_is_refused(client):
    assert (await whoami(await client.get("/optional-and")))["user"] is None
    both = {"X-API-Key": "key-ada", "X-Partner": "key-partner"}
    assert (await whoami(await client.get("/optional-and", headers=both)))["user"] == "ada"
    # The first scheme's credentials are missing, the second's are sent and wrong: still a 401.
    response = await client.get("/optional-and", headers={"X-Partner": "nope"})
    assert (await problem(response, 401))["detail"] == "partner: invalid credentials"


# --- what info functions return ------------------------------------------------------------------


async def test_false_from_an_info_function_never_authenticates(client):
    assert (await client.get("/boolean", headers=basic("ada", "wrong"))).status == 401
    me = await whoami(await client.get("/boolean", headers=basic("ada", "lovelace")))
    assert me["user"] is True
    assert me["token_info"] is True


async def test_a_coroutine_returned_by_a_plain_function_is_awaited(client):
    assert (await client.get("/wrapped", headers={"X-Wrapped": "nope"})).status == 401
    assert (await whoami(await client.get("/wrapped", headers={"X-Wrapped": "key-ada"})))["user"] == "ada"


async def test_an_info_function_may_raise_its_own_problem(client):
    response = await client.get("/raising", headers={"X-Raising": "any"})
    assert (await problem(response, 401))["detail"] == "revoked key"
    assert response.headers["WWW-Authenticate"] == 'ApiKey error="revoked"'


# --- before the body ------------------------------------------------------------------------------


async def test_security_runs_before_the_body_is_read(client, monkeypatch):
    reads = []
    original = BodyReader.read

    async def spy(self, *args, **kwargs):
        reads.append(self)
        return await original(self, *args, **kwargs)

    monkeypatch.setattr(BodyReader, "read", spy)
    malformed = await client.post("/create", data=b"{not json", headers={"Content-Type": "application/json"})
    await problem(malformed, 401)
    huge = await client.post(
        "/create", data=io.BytesIO(b"x" * (2 * 1024**2)), headers={"Content-Type": "application/json"}
    )
    await problem(huge, 401)  # not 413: the size limit belongs to the body reader, never reached

    async def endless():
        for _ in range(64):
            yield b"[" * 65536

    chunked = await client.post("/create", data=endless(), headers={"Content-Type": "application/json"})
    await problem(chunked, 401)
    assert reads == []
    # With credentials the body is read, and checked.
    bad = await client.post(
        "/create", data=b"{not json", headers={**bearer("tok-read"), "Content-Type": "application/json"}
    )
    await problem(bad, 400)
    created = await client.post("/create", json={"name": "x"}, headers=bearer("tok-read"))
    assert created.status == 201
    assert await created.json() == {"user": "ada", "body": {"name": "x"}}
    assert len(reads) == 2


# --- secrets stay secret -----------------------------------------------------------------------------


async def test_secrets_never_reach_answers_or_logs(client, caplog):
    caplog.set_level(logging.DEBUG)
    secret = "S3CRET-zq9x"
    attempts = [
        ("/header", {"headers": {"X-API-Key": secret + "-header"}}),
        ("/cookie", {"cookies": {"session": secret + "-cookie"}}),
        ("/query", {"params": {"api_key": secret + "-query"}}),
        ("/basic", {"headers": basic("ada", secret + "-basic")}),
        ("/basic", {"headers": {"Authorization": "Basic " + secret + "-b64"}}),
        (
            "/basic",
            {"headers": {"Authorization": "Basic " + base64.b64encode((secret + "-nocolon").encode()).decode()}},
        ),
        ("/bearer", {"headers": bearer(secret + "-bearer")}),
        ("/oauth-read", {"headers": bearer(secret + "-oauth")}),
        ("/and", {"headers": {"X-API-Key": "key-ada", "X-Partner": secret + "-partner"}}),
    ]
    for path, kwargs in attempts:
        response = await client.get(path, **kwargs)
        text = await response.text()
        assert response.status == 401, (path, text)
        assert secret not in text
        assert all(secret not in value for value in response.headers.values())
    logged = "\n".join(
        record.getMessage() + (record.exc_text or "") for record in caplog.records if record.name != "aiohttp.access"
    )
    assert secret not in logged
    # Only aiohttp's access log has one: the request line, with the query string as sent. An API
    # key in the query is in every access log and proxy log on its way; prefer headers.
    access = [record.getMessage() for record in caplog.records if record.name == "aiohttp.access"]
    assert [line for line in access if secret in line] == [line for line in access if "api_key=" in line]


# --- Swagger 2.0 ------------------------------------------------------------------------------------

SCHEMES_2 = {
    "basicAuth": {"type": "basic", "x-basicInfoFunc": A + "basic_info"},
    "headerKey": {"type": "apiKey", "in": "header", "name": "X-API-Key", "x-apikeyInfoFunc": A + "apikey_info"},
    "queryKey": {"type": "apiKey", "in": "query", "name": "key", "x-apikeyInfoFunc": A + "apikey_info"},
    "oauth": {
        "type": "oauth2",
        "flow": "implicit",
        "authorizationUrl": "https://auth.invalid/authorize",
        "scopes": {"read": "", "write": ""},
        "x-tokenInfoFunc": A + "token_info",
    },
}
SPEC_2 = document(
    {
        "/basic": op([{"basicAuth": []}]),
        "/header": op([{"headerKey": []}]),
        "/query": op([{"queryKey": []}]),
        "/oauth": op([{"oauth": ["write"]}]),
        "/either": op([{"basicAuth": []}, {"oauth": ["read"]}]),
        "/inherited": op(),
        "/public": op([]),
    },
    version="2.0",
    securityDefinitions=SCHEMES_2,
    security=[{"headerKey": [], "queryKey": []}],
)


async def test_swagger2_security_definitions(serve):
    client = await serve(SPEC_2)
    assert (await whoami(await client.get("/basic", headers=basic("ada", "lovelace"))))["user"] == "ada"
    response = await client.get("/basic", headers=basic("ada", "nope"))
    await problem(response, 401)
    assert response.headers["WWW-Authenticate"] == 'Basic realm="test", charset="UTF-8"'
    assert (await client.get("/header", headers={"X-API-Key": "key-ada"})).status == 200
    assert (await client.get("/query", params={"key": "key-ada"})).status == 200
    assert (await client.get("/query", params={"key": "nope"})).status == 401
    assert (await client.get("/oauth", headers=bearer("tok-write"))).status == 200
    await problem(await client.get("/oauth", headers=bearer("tok-read")), 403)
    either = await client.get("/either")
    await problem(either, 401)
    assert either.headers["WWW-Authenticate"] == 'Basic realm="test", charset="UTF-8", Bearer realm="api"'
    assert (await client.get("/either", headers=bearer("tok-read"))).status == 200
    # The global requirement is an AND of a header and a query key.
    assert (await client.get("/inherited", headers={"X-API-Key": "key-ada"})).status == 401
    me = await whoami(await client.get("/inherited", headers={"X-API-Key": "key-ada"}, params={"key": "key-partner"}))
    assert me["token_info"] == {"headerKey": {"sub": "ada"}, "queryKey": {"sub": "partner"}}
    assert (await client.get("/public")).status == 200


# --- challenges -----------------------------------------------------------------------------------------


async def test_challenge_parameters_are_quoted_safely(serve):
    schemes = {
        "basic": {"type": "http", "scheme": "basic", "x-basicInfoFunc": A + "basic_info"},
        "key": {"type": "apiKey", "in": "header", "name": "X-Key", "x-apikeyInfoFunc": A + "apikey_info"},
    }
    spec = document({"/x": op([{"basic": [], "key": []}])}, components={"securitySchemes": schemes})
    spec["info"]["title"] = 'The "best" API\\\nv2'
    client = await serve(spec)
    response = await client.get("/x")
    await problem(response, 401)
    assert response.headers["WWW-Authenticate"] == (
        'Basic realm="The \\"best\\" API\\\\v2", charset="UTF-8", ApiKey in="header", name="X-Key"'
    )


# --- start-up ---------------------------------------------------------------------------------------


def test_a_used_scheme_nothing_can_check_stops_startup():
    schemes = {
        "bare": {"type": "apiKey", "in": "header", "name": "X-Key"},
        "unused": {"type": "http", "scheme": "bearer"},
        "oidc": {"type": "openIdConnect", "openIdConnectUrl": "https://auth.invalid/.well-known/openid-configuration"},
    }
    spec = document(
        {
            "/a": op([{"bare": []}]),
            "/b": {"post": {"x-handler": "whoami", "security": [{"unused": []}], "responses": OK}},
        },
        components={"securitySchemes": schemes},
    )
    with pytest.raises(openapi_aio.InvalidSpecification) as caught:
        openapi_aio.setup(web.Application(), spec, resolver=resolve)
    message = str(caught.value)
    assert "#/paths/~1a/get: security scheme 'bare' (apiKey) has no way to check credentials" in message
    assert "x-apikeyInfoFunc (or APIKEYINFO_FUNC)" in message
    assert "#/paths/~1b/post: security scheme 'unused' (http bearer)" in message
    assert len(caught.value.errors) == 2


def test_an_unused_incomplete_scheme_is_fine():
    schemes = {
        "bare": {"type": "apiKey", "in": "header", "name": "X-Key"},
        "key": {"type": "apiKey", "in": "header", "name": "X-API-Key", "x-apikeyInfoFunc": A + "apikey_info"},
    }
    spec = document({"/a": op([{"key": []}])}, components={"securitySchemes": schemes})
    openapi_aio.setup(web.Application(), spec, resolver=resolve)


def test_an_info_function_that_cannot_be_imported_stops_startup():
    schemes = {"key": {"type": "apiKey", "in": "header", "name": "X", "x-apikeyInfoFunc": A + "missing"}}
    spec = document({"/a": op([{"key": []}])}, components={"securitySchemes": schemes})
    with pytest.raises(openapi_aio.InvalidSpecification, match=r"security scheme 'key': x-apikeyInfoFunc"):
        openapi_aio.setup(web.Application(), spec, resolver=resolve)


async def test_stub_serving_checks_presence_only(serve, caplog):
    schemes = {
        "bare": {"type": "apiKey", "in": "header", "name": "X-Key"},
        "bearer": {"type": "http", "scheme": "bearer"},
        "basic": {"type": "http", "scheme": "basic"},
        "digest": {"type": "http", "scheme": "digest"},
        "oauth": {"type": "oauth2", "flows": FLOWS},
    }
    paths = {
        "/key": {"get": {"security": [{"bare": []}], "responses": OK}},
        "/bearer": {"get": {"security": [{"bearer": []}], "responses": OK}},
        "/basic": {"get": {"security": [{"basic": []}], "responses": OK}},
        "/digest": {"get": {"security": [{"digest": []}], "responses": OK}},
        "/oauth": {"get": {"security": [{"oauth": ["write"]}], "responses": OK}},
    }
    client = await serve(document(paths, components={"securitySchemes": schemes}), stub=True)
    assert "security scheme 'bare' (apiKey) has no way to check credentials" in caplog.text
    cases = [
        ("/key", {"X-Key": "anything"}, 'ApiKey in="header", name="X-Key"'),
        ("/bearer", bearer("anything"), 'Bearer realm="api"'),
        ("/basic", basic("any", "thing"), 'Basic realm="api"'),
        ("/digest", {"Authorization": 'Digest username="any"'}, 'Digest realm="api"'),
        ("/oauth", bearer("anything"), 'Bearer realm="api"'),
    ]
    for path, credentials, challenge in cases:
        anonymous = await client.get(path)
        await problem(anonymous, 401)
        assert anonymous.headers["WWW-Authenticate"] == challenge, path
        await problem(await client.get(path, headers=credentials), 501)


# --- custom checkers --------------------------------------------------------------------------------


class HmacChecker:
    """Signs the method and path with a shared secret: ``X-Client`` and ``X-Signature``."""

    challenge = 'HMAC realm="api"'

    def __init__(self, name: str, scheme: dict[str, Any]) -> None:
        self.secret = scheme["x-secret"].encode()

    async def __call__(self, request: web.Request, scopes: Any) -> Credentials | None:
        import hashlib
        import hmac

        signature = request.headers.get("X-Signature")
        if signature is None:
            return None
        expected = hmac.new(self.secret, f"{request.method} {request.path}".encode(), hashlib.sha256).hexdigest()
        if not hmac.compare_digest(signature, expected):
            raise InvalidCredentials("bad signature")
        return Credentials(user=request.headers.get("X-Client"), token_info={"signed": True})


async def test_custom_checker_for_an_http_scheme(serve):
    import hashlib
    import hmac

    schemes = {"signed": {"type": "http", "scheme": "HMAC", "x-secret": "shh"}}
    spec = document({"/x": op([{"signed": []}])}, components={"securitySchemes": schemes})
    client = await serve(spec, security_handlers={"http:hmac": HmacChecker})
    anonymous = await client.get("/x")
    await problem(anonymous, 401)
    assert anonymous.headers["WWW-Authenticate"] == 'HMAC realm="api"'
    wrong = await client.get("/x", headers={"X-Signature": "00"})
    assert (await problem(wrong, 401))["detail"] == "signed: bad signature"
    signature = hmac.new(b"shh", b"GET /x", hashlib.sha256).hexdigest()
    me = await whoami(await client.get("/x", headers={"X-Signature": signature, "X-Client": "robot"}))
    assert me["user"] == "robot"
    assert me["token_info"] == {"signed": True}


async def test_custom_checker_by_type_replaces_the_builtin_one(serve):
    async def any_key(request: web.Request, scopes: Any) -> Credentials | None:
        key = request.headers.get("X-Key")
        return None if key is None else Credentials(user=f"key:{len(key)}")

    schemes = {"key": {"type": "apiKey", "in": "header", "name": "X-Key"}}
    spec = document({"/x": op([{"key": []}])}, components={"securitySchemes": schemes})
    # A plain function has no challenge attribute: one is derived from the scheme.
    client = await serve(spec, security_handlers={"apiKey": lambda name, scheme: any_key})
    anonymous = await client.get("/x")
    await problem(anonymous, 401)
    assert anonymous.headers["WWW-Authenticate"] == 'ApiKey in="header", name="X-Key"'
    assert (await whoami(await client.get("/x", headers={"X-Key": "abc"})))["user"] == "key:3"


# --- Connexion's environment fallbacks ----------------------------------------------------------------


async def test_environment_fallbacks(serve, monkeypatch):
    monkeypatch.setenv("APIKEYINFO_FUNC", A + "apikey_info")
    monkeypatch.setenv("BASICINFO_FUNC", A + "basic_info")
    monkeypatch.setenv("BEARERINFO_FUNC", A + "bearer_info")
    monkeypatch.setenv("TOKENINFO_FUNC", A + "token_info")
    monkeypatch.setenv("SCOPEVALIDATE_FUNC", A + "validate_scope")
    schemes = {
        "key": {"type": "apiKey", "in": "header", "name": "X-API-Key"},
        "basic": {"type": "http", "scheme": "basic"},
        "bearer": {"type": "http", "scheme": "bearer"},
        "oauth": {"type": "oauth2", "flows": FLOWS},
    }
    paths = {
        "/key": op([{"key": []}]),
        "/basic": op([{"basic": []}]),
        "/bearer": op([{"bearer": []}]),
        "/oauth": op([{"oauth": ["write"]}]),
    }
    client = await serve(document(paths, components={"securitySchemes": schemes}))
    assert (await client.get("/key", headers={"X-API-Key": "key-ada"})).status == 200
    assert (await client.get("/key", headers={"X-API-Key": "nope"})).status == 401
    assert (await client.get("/basic", headers=basic("ada", "lovelace"))).status == 200
    assert (await client.get("/bearer", headers=bearer("tok-read"))).status == 200
    assert (await client.get("/oauth", headers=bearer("tok-admin"))).status == 200  # validate_scope: admin
    assert (await client.get("/oauth", headers=bearer("tok-read"))).status == 403
    assert auth.CALLS["validate_scope"] == [(["write"], ["admin"]), (["write"], ["read"])]


async def test_the_document_wins_over_the_environment(serve, monkeypatch):
    monkeypatch.setenv("APIKEYINFO_FUNC", A + "missing")  # would stop start-up if it were used
    client = await serve(
        document({"/x": op([{"key": []}])}, components={"securitySchemes": SCHEMES_3 | {"key": SCHEMES_3["headerKey"]}})
    )
    assert (await client.get("/x", headers={"X-API-Key": "key-ada"})).status == 200


# --- OAuth 2 token introspection (RFC 7662) against a local endpoint ----------------------------------


class Clock:
    """Stands in for the token module's clocks: time moves only when a test says so."""

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch):
    clock = Clock()
    monkeypatch.setattr(tokens, "_now", clock)
    monkeypatch.setattr(tokens, "_monotonic", clock)
    return clock


class Introspection:
    """An RFC 7662 endpoint on 127.0.0.1 that records every call."""

    def __init__(self) -> None:
        self.answers: dict[str, Any] = {}
        self.calls: list[dict[str, Any]] = []
        self.delay = 0.0
        self.url = ""

    async def handle(self, request: web.Request) -> web.StreamResponse:
        form = await request.post()
        token = str(form.get("token"))
        self.calls.append(
            {
                "method": request.method,
                "token": token,
                "content_type": request.content_type,
                "authorization": request.headers.get("Authorization"),
            }
        )
        await asyncio.sleep(self.delay)
        answer = self.answers.get(token, {"active": False})
        if answer == "error":
            return web.Response(status=503, text="down")
        if answer == "garbage":
            return web.Response(body=b"\xff\xfe{", content_type="application/json")
        return web.json_response(answer)

    def tokens(self) -> list[str]:
        return [call["token"] for call in self.calls]


@pytest.fixture
async def introspection(aiohttp_server):
    endpoint = Introspection()
    app = web.Application()
    app.router.add_post("/introspect", endpoint.handle)
    server = await aiohttp_server(app, host="127.0.0.1")
    endpoint.url = str(server.make_url("/introspect"))
    return endpoint


def introspected_spec(url: str | None, version: str = "3.0.3") -> dict[str, Any]:
    scheme: dict[str, Any] = {"type": "oauth2", "flows": FLOWS}
    if version == "2.0":
        scheme = {"type": "oauth2", "flow": "application", "tokenUrl": "https://auth.invalid/t", "scopes": {}}
    if url is not None:
        scheme["x-tokenInfoUrl"] = url
    paths = {"/read": op([{"remote": ["read"]}]), "/write": op([{"remote": ["write"]}])}
    if version == "2.0":
        return document(paths, version="2.0", securityDefinitions={"remote": scheme})
    return document(paths, components={"securitySchemes": {"remote": scheme}})


async def test_introspection(serve, introspection, clock):
    introspection.answers = {
        "tok-rw": {"active": True, "sub": "ada", "scope": "read write", "exp": clock.now + 300},
        "tok-r": {"active": True, "sub": "bob", "scope": "read", "exp": clock.now + 300},
        "tok-off": {"active": False, "sub": "eve"},
    }
    client = await serve(introspected_spec(introspection.url), introspection_auth=("client-id", "client-secret"))
    me = await whoami(await client.get("/read", headers=bearer("tok-rw")))
    assert me["user"] == "ada"
    assert me["token_info"]["scope"] == "read write"
    assert introspection.calls == [
        {
            "method": "POST",
            "token": "tok-rw",
            "content_type": "application/x-www-form-urlencoded",
            "authorization": "Basic " + base64.b64encode(b"client-id:client-secret").decode(),
        }
    ]
    # Cached while exp is in the future, for any operation of the scheme.
    assert (await client.get("/write", headers=bearer("tok-rw"))).status == 200
    assert introspection.tokens() == ["tok-rw"]
    await problem(await client.get("/write", headers=bearer("tok-r")), 403)
    assert (await client.get("/read", headers=bearer("tok-r"))).status == 200
    assert introspection.tokens() == ["tok-rw", "tok-r"]
    for _ in range(2):
        inactive = await client.get("/read", headers=bearer("tok-off"))
        await problem(inactive, 401)
        assert inactive.headers["WWW-Authenticate"] == 'Bearer realm="api", error="invalid_token"'
    assert introspection.tokens() == ["tok-rw", "tok-r", "tok-off"]  # inactive answers are cached too
    await problem(await client.get("/read"), 401)
    assert len(introspection.calls) == 3


async def test_introspection_cache_follows_exp(serve, introspection, clock):
    introspection.answers = {
        "tok-exp": {"active": True, "sub": "ada", "scope": "read", "exp": clock.now + 100},
        "tok-noexp": {"active": True, "sub": "ada", "scope": "read"},
        "tok-far": {"active": True, "sub": "ada", "scope": "read", "exp": clock.now + 10 * 86400},
    }
    client = await serve(introspected_spec(introspection.url), introspection_cache_seconds=5)
    for token in ("tok-exp", "tok-noexp", "tok-far"):
        for _ in range(2):
            assert (await client.get("/read", headers=bearer(token))).status == 200
    assert introspection.tokens() == ["tok-exp", "tok-noexp", "tok-far"]
    clock.now += 6  # past introspection_cache_seconds: the token without exp is asked again
    for token in ("tok-exp", "tok-noexp", "tok-far"):
        assert (await client.get("/read", headers=bearer(token))).status == 200
    assert introspection.tokens() == ["tok-exp", "tok-noexp", "tok-far", "tok-noexp"]
    clock.now += 100  # past exp: asked again
    assert (await client.get("/read", headers=bearer("tok-exp"))).status == 200
    assert introspection.tokens()[-1] == "tok-exp"
    assert len(introspection.calls) == 5
    clock.now += 3600  # an exp days away is trusted for an hour at most
    assert (await client.get("/read", headers=bearer("tok-far"))).status == 200
    assert introspection.tokens()[-1] == "tok-far"


async def test_introspection_of_one_token_at_a_time(serve, introspection):
    introspection.answers = {"tok": {"active": True, "sub": "ada", "scope": "read", "exp": time.time() + 60}}
    introspection.delay = 0.1
    client = await serve(introspected_spec(introspection.url))
    responses = await asyncio.gather(*(client.get("/read", headers=bearer("tok")) for _ in range(8)))
    assert [response.status for response in responses] == [200] * 8
    assert introspection.tokens() == ["tok"]


async def test_introspection_cache_is_bounded(serve, introspection, monkeypatch):
    monkeypatch.setattr(tokens, "MAX_CACHED_TOKENS", 10)
    introspection.answers = {
        f"tok-{i}": {"active": True, "sub": "ada", "scope": "read", "exp": time.time() + 600} for i in range(25)
    }
    client = await serve(introspected_spec(introspection.url))
    for i in range(25):
        assert (await client.get("/read", headers=bearer(f"tok-{i}"))).status == 200
    assert (await client.get("/read", headers=bearer("tok-24"))).status == 200  # recent: still cached
    assert len(introspection.calls) == 25
    assert (await client.get("/read", headers=bearer("tok-0"))).status == 200  # oldest: dropped, asked again
    assert len(introspection.calls) == 26


@pytest.mark.parametrize("answer", ["error", "garbage", ["not", "an", "object"], {"active": "true"}])
async def test_introspection_failures_are_401_and_not_cached(serve, introspection, caplog, answer):
    token = "S3CRET-introspected"
    introspection.answers = {token: answer}
    client = await serve(introspected_spec(introspection.url))
    for _ in range(2):
        response = await client.get("/read", headers=bearer(token))
        body = await problem(response, 401)
        assert token not in json.dumps(body)
    failed = answer in ("error", "garbage")
    assert len(introspection.calls) == (2 if failed else 1)  # an answer, even "inactive", is cached
    if failed:
        assert "security scheme 'remote': introspection" in caplog.text
    assert token not in caplog.text


async def test_introspection_endpoint_down(serve, unused_tcp_port):
    client = await serve(introspected_spec(f"http://127.0.0.1:{unused_tcp_port}/introspect"))
    response = await client.get("/read", headers=bearer("tok"))
    assert (await problem(response, 401))["detail"] == "remote: the token could not be introspected"


async def test_introspection_session_closed_at_cleanup(serve, introspection):
    introspection.answers = {"tok": {"active": True, "sub": "ada", "scope": "read"}}
    client = await serve(introspected_spec(introspection.url))
    assert (await client.get("/read", headers=bearer("tok"))).status == 200
    verifiers = client.app[openapi_aio.keys.APIS][0].security.tokens
    session = verifiers._session
    assert session is not None
    assert not session.closed
    await client.close()
    assert session.closed
    assert verifiers._session is None


async def test_introspection_on_swagger2_and_from_the_environment(serve, introspection, monkeypatch):
    introspection.answers = {"tok": {"active": True, "sub": "ada", "scope": "read"}}
    monkeypatch.setenv("TOKENINFO_URL", introspection.url)
    client = await serve(introspected_spec(None, version="2.0"))
    assert (await whoami(await client.get("/read", headers=bearer("tok"))))["user"] == "ada"
    await problem(await client.get("/write", headers=bearer("tok")), 403)
    assert introspection.tokens() == ["tok"]
    assert introspection.calls[0]["authorization"] is None  # no introspection_auth, no credentials


# --- OpenID Connect JWTs --------------------------------------------------------------------------------

ISSUER = "https://issuer.test"


@pytest.fixture(scope="module")
def keys() -> dict[str, Any]:
    return {
        "main": rsa.generate_private_key(public_exponent=65537, key_size=2048),
        "other": rsa.generate_private_key(public_exponent=65537, key_size=2048),
        "next": rsa.generate_private_key(public_exponent=65537, key_size=2048),
        "ec": ec.generate_private_key(ec.SECP256R1()),
    }


def jwk(private: Any, kid: str) -> dict[str, Any]:
    if isinstance(private, rsa.RSAPrivateKey):
        key = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(private.public_key()))
    else:
        key = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(private.public_key()))
    return {**key, "kid": kid, "use": "sig"}


def sign(private: Any, kid: str | None = "main", algorithm: str = "RS256", **claims: Any) -> str:
    payload = {"sub": "ada", "iss": ISSUER, "aud": "tasks", "exp": int(time.time()) + 300, "scope": "read"}
    payload.update(claims)
    payload = {name: value for name, value in payload.items() if value is not None}
    headers = {"kid": kid} if kid is not None else {}
    return jwt.encode(payload, private, algorithm=algorithm, headers=headers)


def oidc_spec(**scheme: Any) -> dict[str, Any]:
    scheme = {"type": "openIdConnect", "x-audience": "tasks", **scheme}
    paths = {"/read": op([{"oidc": ["read"]}]), "/write": op([{"oidc": ["write"]}])}
    return document(paths, components={"securitySchemes": {"oidc": scheme}})


async def test_jwt_against_an_inline_key_set(serve, keys, unused_tcp_port):
    jwks = {"keys": [jwk(keys["main"], "main"), jwk(keys["ec"], "ec"), {"kty": "RSA", "kid": "broken"}]}
    # openIdConnectUrl is required by the specification; with x-jwks it is never fetched.
    never = f"http://127.0.0.1:{unused_tcp_port}/.well-known/openid-configuration"
    client = await serve(oidc_spec(openIdConnectUrl=never, **{"x-jwks": jwks, "x-issuer": ISSUER}))
    token = sign(keys["main"])
    me = await whoami(await client.get("/read", headers=bearer(token)))
    assert me["user"] == "ada"
    assert me["token_info"]["aud"] == "tasks"
    assert me["token_info"]["scope"] == "read"
    await problem(await client.get("/write", headers=bearer(token)), 403)
    assert (await client.get("/write", headers=bearer(sign(keys["main"], scope="read write")))).status == 200
    assert (await client.get("/read", headers=bearer(sign(keys["ec"], "ec", "ES256")))).status == 200
    refused = {
        "other key": (sign(keys["other"]), "invalid token: Signature verification failed"),
        "expired": (sign(keys["main"], exp=int(time.time()) - 10), "invalid token: Signature has expired"),
        "no exp": (sign(keys["main"], exp=None), 'invalid token: Token is missing the "exp" claim'),
        "audience": (sign(keys["main"], aud="billing"), "invalid token: Audience doesn't match"),
        "issuer": (sign(keys["main"], iss="https://evil.test"), "invalid token: Invalid issuer"),
        "unknown kid": (sign(keys["other"], "other"), "token signed with an unknown key"),
        "no kid, several keys": (sign(keys["main"], None), "token signed with an unknown key"),
        "not a JWT": ("abc.def", "malformed token"),
        "broken key": (sign(keys["main"], "broken"), "token signed with an unknown key"),
        # Algorithm confusion: the RSA public key as an HMAC secret, an EC algorithm on an RSA key.
        "HS256": (jwt.encode({"sub": "x", "exp": time.time() + 60}, "secret" * 6, headers={"kid": "main"}), None),
        "ES256 on RSA": (sign(keys["ec"], "main", "ES256"), None),
        "none": (
            jwt.encode({"sub": "x", "exp": time.time() + 60}, None, algorithm="none", headers={"kid": "main"}),
            None,
        ),
    }
    for case, (bad, detail) in refused.items():
        response = await client.get("/read", headers=bearer(bad))
        body = await problem(response, 401)
        assert response.headers["WWW-Authenticate"] == 'Bearer realm="api", error="invalid_token"', case
        if detail is not None:
            assert body["detail"] == "oidc: " + detail, case
        assert bad not in await response.text()


async def test_jwt_single_key_without_kid_and_no_audience(serve, keys, unused_tcp_port):
    key = jwk(keys["main"], "main")
    del key["kid"]
    spec = oidc_spec(openIdConnectUrl=f"http://127.0.0.1:{unused_tcp_port}/", **{"x-jwks": {"keys": [key]}})
    del spec["components"]["securitySchemes"]["oidc"]["x-audience"]
    client = await serve(spec)
    assert (await client.get("/read", headers=bearer(sign(keys["main"], None, aud="anything")))).status == 200
    # No x-issuer and no discovery: iss is not checked either.
    assert (await client.get("/read", headers=bearer(sign(keys["main"], None, iss="x")))).status == 200


def test_x_jwks_must_be_a_key_set():
    spec = oidc_spec(openIdConnectUrl="https://auth.invalid/", **{"x-jwks": [{"kty": "RSA"}]})
    with pytest.raises(openapi_aio.InvalidSpecification, match="x-jwks must be a JWK set"):
        openapi_aio.setup(web.Application(), spec, resolver=resolve)


class Provider:
    """An OpenID provider on 127.0.0.1: a discovery document and a key set, counting fetches."""

    def __init__(self) -> None:
        self.jwks: Any = {"keys": []}
        self.discovery_calls = 0
        self.jwks_calls = 0
        self.delay = 0.0
        self.discovery: Any = None
        self.url = ""

    async def configuration(self, request: web.Request) -> web.StreamResponse:
        self.discovery_calls += 1
        base = str(request.url.origin())
        return web.json_response(self.discovery or {"issuer": base, "jwks_uri": base + "/jwks"})

    async def keys(self, request: web.Request) -> web.StreamResponse:
        self.jwks_calls += 1
        await asyncio.sleep(self.delay)
        if isinstance(self.jwks, int):
            return web.Response(status=self.jwks)
        return web.json_response(self.jwks)


@pytest.fixture
async def provider(aiohttp_server):
    provider = Provider()
    app = web.Application()
    app.router.add_get("/.well-known/openid-configuration", provider.configuration)
    app.router.add_get("/jwks", provider.keys)
    server = await aiohttp_server(app, host="127.0.0.1")
    provider.url = str(server.make_url("/.well-known/openid-configuration"))
    provider.issuer = str(server.make_url("/")).rstrip("/")
    return provider


async def test_jwt_keys_from_discovery(serve, keys, provider, clock):
    provider.jwks = {"keys": [jwk(keys["main"], "main")]}
    client = await serve(oidc_spec(openIdConnectUrl=provider.url))
    token = sign(keys["main"], iss=provider.issuer)
    for _ in range(2):
        assert (await whoami(await client.get("/read", headers=bearer(token))))["user"] == "ada"
    assert (provider.discovery_calls, provider.jwks_calls) == (1, 1)
    # The discovery document's issuer is required.
    wrong_issuer = await client.get("/read", headers=bearer(sign(keys["main"], iss=ISSUER)))
    assert (await problem(wrong_issuer, 401))["detail"] == "oidc: invalid token: Invalid issuer"
    # Key rotation: an unknown kid refreshes the set once...
    provider.jwks = {"keys": [jwk(keys["main"], "main"), jwk(keys["next"], "next")]}
    clock.now += tokens.JWKS_REFRESH_SECONDS + 1
    assert (await client.get("/read", headers=bearer(sign(keys["next"], "next", iss=provider.issuer)))).status == 200
    assert provider.jwks_calls == 2
    # ...and at most once per JWKS_REFRESH_SECONDS, however many unknown kids arrive.
    for kid in ("unknown-1", "unknown-2", "unknown-3"):
        response = await client.get("/read", headers=bearer(sign(keys["other"], kid, iss=provider.issuer)))
        assert (await problem(response, 401))["detail"] == "oidc: token signed with an unknown key"
    assert provider.jwks_calls == 2
    clock.now += tokens.JWKS_REFRESH_SECONDS + 1
    for kid in ("unknown-1", "unknown-2"):
        await problem(await client.get("/read", headers=bearer(sign(keys["other"], kid, iss=provider.issuer))), 401)
    assert provider.jwks_calls == 3
    # Known keys never wait for a refresh.
    assert (await client.get("/read", headers=bearer(token))).status == 200
    assert provider.jwks_calls == 3


async def test_jwt_first_requests_share_one_fetch(serve, keys, provider):
    provider.jwks = {"keys": [jwk(keys["main"], "main")]}
    provider.delay = 0.1
    client = await serve(oidc_spec(openIdConnectUrl=provider.url))
    token = sign(keys["main"], iss=provider.issuer)
    responses = await asyncio.gather(*(client.get("/read", headers=bearer(token)) for _ in range(6)))
    assert [response.status for response in responses] == [200] * 6
    assert provider.jwks_calls == 1


@pytest.mark.parametrize("jwks", [500, ["not", "a", "set"], {"keys": "nope"}])
async def test_jwt_provider_failures_keep_the_keys(serve, keys, provider, clock, caplog, jwks):
    provider.jwks = {"keys": [jwk(keys["main"], "main")]}
    client = await serve(oidc_spec(openIdConnectUrl=provider.url))
    token = sign(keys["main"], iss=provider.issuer)
    assert (await client.get("/read", headers=bearer(token))).status == 200
    provider.jwks = jwks
    clock.now += tokens.JWKS_REFRESH_SECONDS + 1
    unknown = await client.get("/read", headers=bearer(sign(keys["other"], "other", iss=provider.issuer)))
    await problem(unknown, 401)
    assert provider.jwks_calls == 2
    assert "is not a JWK set" in caplog.text
    assert (await client.get("/read", headers=bearer(token))).status == 200  # the old keys still work


async def test_jwt_discovery_that_is_not_one(serve, keys, provider, caplog):
    provider.discovery = {"issuer": "x"}  # no jwks_uri
    client = await serve(oidc_spec(openIdConnectUrl=provider.url))
    await problem(await client.get("/read", headers=bearer(sign(keys["main"]))), 401)
    assert "is not an OpenID discovery document" in caplog.text
    assert provider.jwks_calls == 0


async def test_jwt_provider_down(serve, keys, unused_tcp_port):
    url = f"http://127.0.0.1:{unused_tcp_port}/.well-known/openid-configuration"
    client = await serve(oidc_spec(openIdConnectUrl=url))
    response = await client.get("/read", headers=bearer(sign(keys["main"])))
    assert (await problem(response, 401))["detail"] == "oidc: token signed with an unknown key"


# --- known gaps outside the security package ---------------------------------------------------------


async def test_strict_validation_knows_query_api_keys(serve):
    client = await serve(SPEC_3, strict_validation=True)
    assert (await client.get("/query", params={"api_key": "key-ada"})).status == 200


async def test_expect_100_continue_is_refused_before_the_body_is_invited(aiohttp_client):
    import asyncio

    async def handler(body: dict) -> dict:
        return body

    spec = {
        "openapi": "3.0.3",
        "info": {"title": "t", "version": "1"},
        "paths": {
            "/up": {
                "post": {
                    "security": [{"key": []}],
                    "requestBody": {"content": {"application/json": {"schema": {"type": "object"}}}},
                    "responses": {"200": {"description": "ok"}},
                }
            }
        },
        "components": {
            "securitySchemes": {
                "key": {
                    "type": "apiKey",
                    "in": "header",
                    "name": "X-Key",
                    "x-apikeyInfoFunc": "specs.security.auth.apikey_info",
                }
            }
        },
    }
    app = web.Application()
    openapi_aio.setup(app, spec, resolver=lambda op: handler)
    client = await aiohttp_client(app)

    async def first_line(headers: str) -> bytes:
        reader, writer = await asyncio.open_connection("127.0.0.1", client.server.port)
        writer.write(
            b"POST /up HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\n"
            b"Expect: 100-continue\r\n" + headers.encode() + b"\r\n"
        )
        await writer.drain()
        line = await asyncio.wait_for(reader.readline(), 5)
        writer.close()
        await writer.wait_closed()
        return line

    assert (await first_line("")).startswith(b"HTTP/1.1 401")  # refused: no body invited
    assert (await first_line("X-Key: nope\r\n")).startswith(b"HTTP/1.1 401")
    assert (await first_line("X-Key: key-ada\r\n")) == b"HTTP/1.1 100 Continue\r\n"
