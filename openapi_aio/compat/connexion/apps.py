"""``connexion.App``/``AsyncApp``/``FlaskApp``: openapi_aio's :class:`~openapi_aio.App` taking
Connexion 3's constructor, ``add_api`` and ``run`` arguments.

Options Connexion has and openapi_aio does not are translated where openapi_aio has the same
behaviour under another name (``resolver_error`` -> ``stub``, a ``validator_map`` asking for body
defaults -> ``fill_defaults``, ``swagger_ui_options`` -> the UI options), ignored with a warning
where they only tune Connexion's internals (``jsonifier``, ``uri_parser_class``, ASGI
``middlewares``, uvicorn's ``reload``), and refused where ignoring them would change answers
(custom validators, a ``security_map``). ``oauth2`` schemes ask an ``x-tokenInfoUrl`` as Connexion
does (:mod:`.tokeninfo`), and handlers that cannot take their operation's arguments answer 500
instead of stopping start-up (:mod:`.lenient`), as with Connexion.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from openapi_aio.api import Api
from openapi_aio.compat.connexion.context import request_context
from openapi_aio.compat.connexion.errorhandlers import ErrorHandlers
from openapi_aio.compat.connexion.lenient import broken_operations, tolerant
from openapi_aio.compat.connexion.options import ui_options
from openapi_aio.compat.connexion.tokeninfo import oauth2_checker
from openapi_aio.compat.connexion.validators import BUILT_IN, DefaultsJSONRequestBodyValidator
from openapi_aio.errors import InvalidSpecification, StartupError
from openapi_aio.service.app import App as ServiceApp

__all__ = ["App", "AsyncApp", "FlaskApp"]

log = logging.getLogger("openapi_aio.compat")

# add_api/constructor options passed through under the same name
_SAME = ("arguments", "pythonic_params", "resolver", "strict_validation", "validate_responses", "base_path")
# options that tune Connexion's own machinery: nothing to do here
_IGNORED = ("name", "auth_all_paths", "jsonifier", "uri_parser_class", "resolver_error_handler", "lifespan")
# uvicorn's run() options with no aiohttp equivalent
_UVICORN_ONLY = (
    "reload",
    "reload_dirs",
    "reload_includes",
    "reload_excludes",
    "log_level",
    "proxy_headers",
    "forwarded_allow_ips",
    "root_path",
    "server_header",
    "date_header",
    "workers",
    "log_config",
)


def translate(options: Mapping[str, Any]) -> dict[str, Any]:
    """Connexion's add_api keywords as openapi_aio's."""
    result: dict[str, Any] = {}
    for name, value in options.items():
        if value is None:
            continue
        if name in _SAME:
            result[name] = value
        elif name in _IGNORED:
            log.warning("connexion option %s=%r has no equivalent in openapi_aio and is ignored", name, value)
        elif name == "resolver_error":
            result["stub"] = True  # operations without a handler answer 501
        elif name in ("swagger_ui_options", "options"):
            result.update(ui_options(value))
        elif name == "validator_map":
            result.update(_validators(value))
        elif name == "security_map":
            raise StartupError("connexion's security_map is not supported: use openapi_aio's security_handlers")
        else:
            raise StartupError(f"unknown connexion option {name!r}")
    return result


def _validators(validator_map: Mapping[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for kind, validators in validator_map.items():
        for media_type, validator in dict(validators).items():
            if isinstance(validator, type) and issubclass(validator, DefaultsJSONRequestBodyValidator):
                found["fill_defaults"] = True
            elif not (isinstance(validator, type) and validator in BUILT_IN):
                raise StartupError(
                    f"validator_map[{kind!r}][{media_type!r}]: custom validators are not supported; "
                    "openapi_aio validates with its own (docs/connexion.md)"
                )
    return found


class App(ServiceApp):
    """A Connexion application served by openapi_aio (``connexion.App``, ``FlaskApp``, ``AsyncApp``)."""

    def __init__(
        self,
        import_name: str,
        *,
        specification_dir: str | Path = "",
        middlewares: Any = None,
        server_args: Mapping[str, Any] | None = None,
        **options: Any,
    ) -> None:
        if middlewares:
            log.warning("connexion ASGI middlewares are ignored; add aiohttp middlewares to app.web_app")
        super().__init__(import_name, specification_dir=specification_dir)
        self.web_app.middlewares.append(request_context)  # connexion.request / connexion.context
        self.error_handlers = ErrorHandlers()
        self.api_defaults = dict(options)
        self.server_args = dict(server_args or {})

    @property
    def middleware(self) -> Any:
        """Connexion's ASGI middleware stack; here the App itself (aiohttp serves it)."""
        return self

    @middleware.setter
    def middleware(self, value: Any) -> None:
        if value is not self:
            log.warning("an ASGI middleware wrapped around app.middleware is ignored: %r", value)

    def add_api(self, specification: Any, *, base_path: str | None = None, **options: Any) -> Api:
        merged = {**self.api_defaults, **{k: v for k, v in options.items() if v is not None}}
        translated = translate({**merged, "base_path": base_path})
        translated["exception_handlers"] = self.error_handlers.mapping
        translated["security_handlers"] = {"oauth2": oauth2_checker}
        try:
            return super().add_api(specification, **translated)
        except InvalidSpecification as error:
            broken = broken_operations(error)
            if broken is None:
                raise
            translated["resolver"] = tolerant(translated.get("resolver"), broken)
            return super().add_api(specification, **translated)

    def add_error_handler(self, code_or_exception: int | type[BaseException], function: Any) -> None:
        """Answer an exception class, or every problem of a status, with ``function(request,
        exception)`` (sync or async; it returns a response, a ``ConnexionResponse``, a
        ``(body, status)`` tuple or a body)."""
        self.error_handlers.add(code_or_exception, function)

    def run(self, import_string: str | None = None, port: int = 8000, **kwargs: Any) -> None:
        """Connexion's ``run``: uvicorn's defaults (``127.0.0.1:8000``); uvicorn-only options are
        dropped (``reload`` among them: restart the process to see changes)."""
        for name in _UVICORN_ONLY:
            if name in kwargs:
                log.debug("uvicorn option %s is not used by openapi_aio", name)
                del kwargs[name]
        kwargs.setdefault("host", "127.0.0.1")
        super().run(import_string, port, **kwargs)


FlaskApp = App
AsyncApp = App
