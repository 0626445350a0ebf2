"""``connexion.options.SwaggerUIOptions`` and its translation to openapi_aio's options."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

__all__ = ["SwaggerUIOptions", "ui_options"]


@dataclasses.dataclass
class SwaggerUIOptions:
    """The fields of Connexion's class; ``spec_path`` and the template ones are not used."""

    serve_spec: bool = True
    spec_path: str | None = None
    swagger_ui: bool = True
    swagger_ui_config: dict[str, Any] = dataclasses.field(default_factory=dict)
    swagger_ui_path: str = "/ui"
    swagger_ui_template_dir: str | None = None
    swagger_ui_template_arguments: dict[str, Any] = dataclasses.field(default_factory=dict)


def ui_options(given: SwaggerUIOptions | Mapping[str, Any] | None) -> dict[str, Any]:
    """openapi_aio's ``serve_spec``/``swagger_ui``/``swagger_ui_path``/``swagger_ui_options`` from
    a ``SwaggerUIOptions`` or the dict Connexion 2 took as ``options``."""
    if given is None:
        return {}
    values = dataclasses.asdict(given) if isinstance(given, SwaggerUIOptions) else dict(given)
    found: dict[str, Any] = {}
    for name in ("serve_spec", "swagger_ui", "swagger_ui_path"):
        if values.get(name) is not None:
            found[name] = values[name]
    config = values.get("swagger_ui_config")
    if config:
        found["swagger_ui_options"] = dict(config)
    return found
