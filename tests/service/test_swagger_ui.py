"""Swagger UI at {base_path}/ui/: offline assets, pointed at the served document, no traversal."""

from __future__ import annotations

import json
import re
import sys

import pytest
from conftest import MakeClient, document

from openapi_aio.service.docs_ui import ASSETS, SwaggerUI, assets_folder, swagger_ui_version

pytestmark = pytest.mark.skipif(assets_folder() is None, reason="swagger-ui-py (the ui extra) is not installed")

SPEC = document(
    {"/tasks": {"get": {"operationId": "x.tasks", "responses": {"200": {"description": "ok"}}}}},
    info={"title": "Tasks <&> more", "version": "1"},
    servers=[{"url": "/api"}],
)


async def test_index_and_assets_are_served_from_the_package(serve: MakeClient) -> None:
    client = await serve(SPEC, mock="all")
    index = await client.get("/api/ui/")
    assert index.status == 200
    assert index.content_type == "text/html"
    html = await index.text()
    assert "<title>Tasks &lt;&amp;&gt; more</title>" in html
    for src in re.findall(r'(?:src|href)="([^"]+)"', html):
        assert not src.startswith(("http:", "https:", "//")), "everything is local"
        asset = await client.get(f"/api/ui/{src}")
        assert asset.status == 200, src
    folder = assets_folder()
    assert folder is not None
    for name in ASSETS:
        assert await (await client.get(f"/api/ui/{name}")).read() == (folder / name).read_bytes()
    bundle = await client.get("/api/ui/swagger-ui-bundle.js")
    assert bundle.content_type == "text/javascript"
    redirect = await (await client.get("/api/ui/oauth2-redirect.html")).text()
    assert "swaggerUIRedirectOauth2" in redirect  # the OAuth2 redirect page, its script inline
    assert "swagger_ui" not in sys.modules, "the package's files are read, its framework handlers never imported"


async def test_swagger_ui_5(serve: MakeClient) -> None:
    """The files served are Swagger UI 5 (full OpenAPI 3.1 rendering)."""
    folder = assets_folder()
    assert folder is not None
    version = swagger_ui_version(folder)
    assert re.fullmatch(r"5\.\d+\.\d+", version), version
    client = await serve(SPEC, mock="all")
    bundle = await (await client.get("/api/ui/swagger-ui-bundle.js")).text()
    assert f'PACKAGE_VERSION:"{version}"' in bundle  # what the page reports as versions.swaggerUI


def test_package_files_are_read_on_first_request_only() -> None:
    """Start-up reads none of the package's files (1.9 MB): the first request for each does."""
    folder = assets_folder()
    assert folder is not None
    ui = SwaggerUI(folder, "openapi.json", "T", {})
    assert set(ui.files) == {"index.html", "swagger-initializer.js"}


async def test_without_slash_redirects(serve: MakeClient) -> None:
    client = await serve(SPEC, mock="all")
    response = await client.get("/api/ui", allow_redirects=False)
    assert response.status == 301
    assert response.headers["Location"] == "ui/"  # relative: right behind a proxy prefix too
    assert (await client.get("/api/ui")).status == 200


async def test_initializer_points_at_the_served_document(serve: MakeClient) -> None:
    client = await serve(SPEC, mock="all")
    script = await (await client.get("/api/ui/swagger-initializer.js")).text()
    config = _config(script)
    assert config["url"] == "../openapi.json"
    assert (await client.get("/api/openapi.json")).status == 200  # what ../openapi.json names


async def test_swagger_2_document_name(serve: MakeClient) -> None:
    spec = document(
        {"/x": {"get": {"produces": ["application/json"], "responses": {"200": {"description": "ok"}}}}},
        version="2.0",
    )
    client = await serve(spec, mock="all")
    assert _config(await (await client.get("/ui/swagger-initializer.js")).text())["url"] == "../swagger.json"


async def test_options(serve: MakeClient) -> None:
    client = await serve(
        SPEC,
        mock="all",
        swagger_ui_path="/docs/",
        swagger_ui_options={"docExpansion": "none", "tryItOutEnabled": True, "url": "../openapi.yaml"},
    )
    assert (await client.get("/api/ui/")).status == 404
    config = _config(await (await client.get("/api/docs/swagger-initializer.js")).text())
    assert config["docExpansion"] == "none"
    assert config["tryItOutEnabled"] is True
    assert config["url"] == "../openapi.yaml"


async def test_switched_off(serve: MakeClient) -> None:
    client = await serve(SPEC, mock="all", swagger_ui=False)
    assert (await client.get("/api/ui/")).status == 404
    assert (await client.get("/api/openapi.json")).status == 200


@pytest.mark.parametrize(
    "path",
    [
        "/api/ui/../../setup.py",
        "/api/ui/%2e%2e/%2e%2e/setup.py",
        "/api/ui/..%2f..%2fsetup.py",
        "/api/ui/%2E%2E%2F%2E%2E%2Fsetup.py",
        "/api/ui/..%5c..%5csetup.py",
        "/api/ui/%252e%252e/setup.py",
        "/api/ui/vendor/../../../openapi_aio/__init__.py",
        "/api/ui/index.j2",
        "/api/ui/swagger-ui.js.map",
        "/api/ui/%2e",
    ],
)
async def test_no_path_traversal(serve: MakeClient, path: str) -> None:
    client = await serve(SPEC, mock="all")
    from yarl import URL

    response = await client.get(URL(path, encoded=True))
    text = await response.text()
    assert response.status == 404, (path, response.status)
    assert "find_packages" not in text
    assert "__version__" not in text


def _config(script: str) -> dict:
    match = re.search(r"var config = (\{.*?\n\});", script, re.DOTALL)
    assert match, script
    return json.loads(match[1])
