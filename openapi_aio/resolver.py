"""Find the Python function that handles each operation.

:class:`Resolver` reads ``operationId`` as ``package.module.function`` (optionally prefixed by
``x-openapi-router-controller``), the way Connexion does, so Connexion handler modules work
unchanged. :class:`RestyResolver` derives names from paths and methods for documents without
operationIds. Any callable ``(OperationSpec) -> handler | None`` can replace them.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable
from typing import Any, Protocol

from openapi_aio.errors import ResolverError
from openapi_aio.spec.model import OperationSpec

__all__ = ["Resolver", "ResolverProtocol", "RestyResolver", "import_function"]


class ResolverProtocol(Protocol):
    def __call__(self, operation: OperationSpec) -> Callable[..., Any] | None:
        """The handler of ``operation``; ``None`` when it has none (yet)."""


def import_function(dotted: str) -> Callable[..., Any]:
    """Import ``package.module.function`` (or ``module.Class.method``).

    The longest importable module prefix is used; a module that exists but fails while importing
    is reported with its own error, not hidden behind "not found".
    """
    parts = dotted.split(".")
    if len(parts) < 2 or not all(parts):
        raise ResolverError(f"{dotted!r} is not a 'module.function' path")
    for split in range(len(parts) - 1, 0, -1):
        module_name = ".".join(parts[:split])
        try:
            target: Any = importlib.import_module(module_name)
        except ModuleNotFoundError as error:
            if error.name and (module_name == error.name or module_name.startswith(error.name + ".")):
                continue  # this prefix is not a module; try a shorter one
            raise ResolverError(f"importing {module_name!r} for {dotted!r} failed: {error}") from error
        except Exception as error:
            raise ResolverError(f"importing {module_name!r} for {dotted!r} failed: {error!r}") from error
        for attribute in parts[split:]:
            try:
                target = getattr(target, attribute)
            except AttributeError:
                raise ResolverError(f"{module_name!r} has no {'.'.join(parts[split:])!r} (for {dotted!r})") from None
        if not callable(target):
            raise ResolverError(f"{dotted!r} is not callable")
        return target  # type: ignore[no-any-return]
    raise ResolverError(f"no module found for {dotted!r}")


class Resolver:
    """``operationId`` (with ``x-openapi-router-controller``) as an import path.

    >>> Resolver()(operation)          # operationId "api.pets.list_pets" -> api.pets.list_pets
    """

    def __init__(self, function_resolver: Callable[[str], Callable[..., Any]] = import_function) -> None:
        self.function_resolver = function_resolver

    def __call__(self, operation: OperationSpec) -> Callable[..., Any] | None:
        name = self.handler_name(operation)
        if name is None:
            return None
        return self.function_resolver(name)

    def handler_name(self, operation: OperationSpec) -> str | None:
        if operation.operation_id is None:
            return None
        if operation.controller:
            return f"{operation.controller}.{operation.operation_id}"
        return operation.operation_id


class RestyResolver(Resolver):
    """Names from REST conventions: ``GET /pets`` -> ``api.pets.search``, ``GET /pets/{id}`` ->
    ``api.pets.get``, ``POST /pets`` -> ``api.pets.post``, ``/pets/{id}/toys`` -> ``api.pets.toys``,
    ``GET /`` -> ``api.get``.

    An ``operationId`` still wins when present, as with Connexion's RestyResolver.
    """

    def __init__(self, default_module_name: str, collection_endpoint_name: str = "search") -> None:
        super().__init__()
        self.default_module_name = default_module_name
        self.collection_endpoint_name = collection_endpoint_name

    def handler_name(self, operation: OperationSpec) -> str | None:
        if operation.operation_id is not None:
            return super().handler_name(operation)
        controller = operation.controller or self._module(operation.path)
        return f"{controller}.{self._function(operation)}"

    def _module(self, path: str) -> str:
        names = [s for s in path.strip("/").split("/") if s and not s.startswith("{")]
        names = [re.sub(r"\W", "_", n.replace("-", "_")) for n in names]
        return ".".join([self.default_module_name, *names])

    def _function(self, operation: OperationSpec) -> str:
        path = operation.path.rstrip("/")
        is_collection = bool(path) and not path.endswith("}")
        if operation.method == "get" and is_collection:
            return self.collection_endpoint_name
        return operation.method
