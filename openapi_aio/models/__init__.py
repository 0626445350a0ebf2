"""Typed model classes from the document's named schemas (``components/schemas``, ``definitions``).

Build them at start-up, or write them out as a module for editors and type checkers::

    models = Models.from_spec(load_spec("openapi.yaml"))
    task = models.Task.from_dict({"title": "Write docs", "due": "2024-05-01"})
    task.due                      # datetime.date(2024, 5, 1)
    task.to_dict()                # {"title": "Write docs", "due": "2024-05-01", ...}

    Path("models.py").write_text(write_module(spec))   # or: python main.py spec models -o models.py

A handler parameter annotated with a model class receives an instance; a handler may return
instances (or lists of them). See docs/models.md.
"""

import importlib
from typing import TYPE_CHECKING, Any

from openapi_aio.models.arguments import converter_for, model_converters
from openapi_aio.models.base import UNSET, Model, ModelError, ModelUnion, StoredModel, Unset

if TYPE_CHECKING:
    from openapi_aio.models.codegen import write_module
    from openapi_aio.models.compile import Models, bind
    from openapi_aio.models.formats import FORMATS, NUMBER_FORMATS, Format

__all__ = [
    "FORMATS",
    "NUMBER_FORMATS",
    "UNSET",
    "Format",
    "Model",
    "ModelError",
    "ModelUnion",
    "Models",
    "StoredModel",
    "Unset",
    "bind",
    "converter_for",
    "model_converters",
    "write_module",
]

# Every handler call needs the two modules imported above; building or writing model classes is
# only for services that use them, so those modules load on first use of their names.
_LAZY = {
    "FORMATS": "formats",
    "NUMBER_FORMATS": "formats",
    "Format": "formats",
    "Models": "compile",
    "bind": "compile",
    "write_module": "codegen",
}


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
    globals()[name] = value
    return value
