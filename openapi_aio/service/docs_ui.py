"""Swagger UI at ``{base_path}/ui/``, served offline from the ``swagger-ui-py`` package.

The package is used for its ``static`` folder alone (Swagger UI 5): it is never imported, since
its ``__init__`` loads its own framework handlers and templates. The folder is located with
:func:`importlib.util.find_spec`, which runs no code of the package.

The page loads the served document (``../openapi.json`` relative to the page, so it also works
behind a proxy that adds a path prefix), and "Try it out" calls the same origin. Only the files
listed in :data:`ASSETS` are served, read on the first request: a request cannot name any other
file, so there is no path to traverse. Install with ``pip install openapi-aio[ui]``; without the
package the UI is simply not mounted (a warning says why).
"""

from __future__ import annotations

import importlib.util
import json
import logging
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from aiohttp import web

from openapi_aio.errors import NotFound
from openapi_aio.pipeline.problems import problem_response
from openapi_aio.tracing import identified

__all__ = ["ASSETS", "PACKAGE", "SwaggerUI", "assets_folder", "swagger_ui_version"]

log = logging.getLogger("openapi_aio")

PACKAGE = "swagger-ui-py"
_MODULE = "swagger_ui"

ASSETS = {
    "swagger-ui.css": "text/css",
    "index.css": "text/css",
    "swagger-ui-bundle.js": "text/javascript",
    "swagger-ui-standalone-preset.js": "text/javascript",
    "favicon-32x32.png": "image/png",
    "favicon-16x16.png": "image/png",
    "oauth2-redirect.html": "text/html",  # its script inline in this package's copy
}

_INDEX = """<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="UTF-8">
  <title>{title}</title>
  <link rel="stylesheet" type="text/css" href="swagger-ui.css">
  <link rel="stylesheet" type="text/css" href="index.css">
  <link rel="icon" type="image/png" href="favicon-32x32.png" sizes="32x32">
  <link rel="icon" type="image/png" href="favicon-16x16.png" sizes="16x16">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="swagger-ui-bundle.js" charset="UTF-8"></script>
  <script src="swagger-ui-standalone-preset.js" charset="UTF-8"></script>
  <script src="swagger-initializer.js" charset="UTF-8"></script>
</body>
</html>
"""

# The configuration is JSON; the presets, plugins and redirect URL are JavaScript values added
# unless the options name them (as strings they could not be given from Python anyway).
_INITIALIZER = """window.onload = function () {{
  var config = {config};
  config.dom_id = config.dom_id || "#swagger-ui";
  config.presets = [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset];
  config.plugins = [SwaggerUIBundle.plugins.DownloadUrl];
  config.oauth2RedirectUrl = config.oauth2RedirectUrl ||
    new URL("oauth2-redirect.html", window.location.href).href;
  window.ui = SwaggerUIBundle(config);
}};
"""


def assets_folder() -> Path | None:
    """The folder of Swagger UI's files, or ``None`` when the package (or one of them) is missing.

    Found without importing the package; only names are checked here (start-up reads no file).
    """
    try:
        spec = importlib.util.find_spec(_MODULE)
    except (ImportError, ValueError):
        return None
    for location in (spec.submodule_search_locations or []) if spec else []:
        folder = Path(location) / "static"
        if all((folder / name).is_file() for name in ASSETS):
            return folder
    return None


def swagger_ui_version(folder: Path) -> str:
    """The Swagger UI version of the files in ``folder``, as the page reports it (tests, checks)."""
    found = re.search(rb'PACKAGE_VERSION:"([^"]+)"', (folder / "swagger-ui-bundle.js").read_bytes())
    return found[1].decode() if found else ""


class SwaggerUI:
    """The UI's files for one API: the two made here at once, the package's on first request."""

    def __init__(self, folder: Path, document_name: str, title: str, options: Mapping[str, Any]) -> None:
        self.folder = folder
        config = {"url": f"../{document_name}", "deepLinking": True, "layout": "StandaloneLayout", **options}
        initializer = _INITIALIZER.format(config=json.dumps(config, indent=2).replace("</", "<\\/"))
        html_title = (title or "API").replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        self.files: dict[str, tuple[bytes, str]] = {
            "index.html": (_INDEX.format(title=html_title).encode(), "text/html"),
            "swagger-initializer.js": (initializer.encode(), "text/javascript"),
        }

    def mount(self, app: web.Application, prefix: str) -> None:
        self._slashed = prefix.rsplit("/", 1)[-1] + "/"  # relative: right behind a path prefix too
        app.router.add_get(prefix, identified(self.redirect))
        app.router.add_get(prefix + "/", identified(self.asset))
        app.router.add_get(prefix + "/{name}", identified(self.asset))

    async def redirect(self, request: web.Request) -> web.StreamResponse:
        raise web.HTTPMovedPermanently(self._slashed)

    async def asset(self, request: web.Request) -> web.StreamResponse:
        name = request.match_info.get("name") or "index.html"
        found = self.files.get(name)
        if found is None and name in ASSETS:  # a fixed name, never a path built from the URL
            found = self.files[name] = ((self.folder / name).read_bytes(), ASSETS[name])
        if found is None:  # a problem, as everywhere under the API (this route is outside its pipeline)
            return problem_response(NotFound(detail=f"no file {name!r} in the docs UI"))
        body, content_type = found
        charset = "utf-8" if content_type.startswith("text/") else None
        return web.Response(body=body, content_type=content_type, charset=charset)
