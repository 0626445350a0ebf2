"""Find the Python function that handles each operation.

:class:`Resolver` reads ``operationId`` as ``package.module.function`` (optionally prefixed by
``x-openapi-router-controller``), the way Connexion does, so Connexion handler modules work
unchanged. :class:`RestyResolver` derives names from paths and methods for documents without
operationIds. :class:`MethodResolver` and :class:`MethodViewResolver` bind paths to the methods of
classes (``GET /pets/{id}`` -> ``api.PetsView().get``), as Connexion's resolvers of those names do.
Any callable ``(OperationSpec) -> handler | None`` can replace them.
"""

from __future__ import annotations

import functools
import importlib
import inspect
import re
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple, Protocol

from openapi_aio.errors import ResolverError
from openapi_aio.spec.model import OperationSpec

__all__ = [
    "MethodResolver",
    "MethodViewResolver",
    "Resolution",
    "Resolver",
    "ResolverProtocol",
    "RestyResolver",
    "import_function",
]


class Resolution(NamedTuple):
    """A handler and the name it was found under (Connexion's ``Resolver.resolve`` result)."""

    function: Callable[..., Any]
    operation_id: str


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
        return self.resolve_function(name, operation)

    def resolve_function(self, name: str, operation: OperationSpec) -> Callable[..., Any]:
        """The handler ``name`` names (subclasses bind class methods here)."""
        return self.function_resolver(name)

    def resolve(self, operation: OperationSpec) -> Resolution | None:
        """The handler with its name, as Connexion's ``Resolver.resolve`` returns it."""
        name = self.handler_name(operation)
        return None if name is None else Resolution(self.resolve_function(name, operation), name)

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


ClassArguments = Mapping[str, Mapping[str, Any]]


def _camelize(name: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in re.split(r"[_\W]+", name) if part)


class MethodResolver(RestyResolver):
    """Methods of classes named after the resource: ``GET /pets`` -> ``api.PetsView().search``,
    ``GET /pets/{id}`` -> ``api.PetsView().get``, ``POST /pets`` -> ``api.PetsView().post``.

    ``class_arguments`` gives each class its constructor arguments by class name:
    ``{"PetsView": {"args": (...), "kwargs": {...}}}``. One instance per class serves every
    request. An ``operationId`` still wins; one that does not end in ``View`` is a function.
    """

    def __init__(
        self,
        default_module_name: str,
        *,
        collection_endpoint_name: str = "search",
        class_arguments: ClassArguments | None = None,
    ) -> None:
        super().__init__(default_module_name, collection_endpoint_name=collection_endpoint_name)
        self.class_arguments = dict(class_arguments or {})
        self._instances: dict[type, Any] = {}

    def handler_name(self, operation: OperationSpec) -> str | None:
        if operation.operation_id is not None:
            return super().handler_name(operation)
        name = super().handler_name(operation)
        assert name is not None  # RestyResolver always names one
        module, view, method = name.rsplit(".", 2) if name.count(".") >= 2 else ("", *name.split("."))
        view_name = _camelize(view) + "View"
        return f"{module}.{view_name}.{method}" if module else f"{view_name}.{method}"

    def resolve_function(self, name: str, operation: OperationSpec) -> Callable[..., Any]:
        parts = name.rsplit(".", 2)
        if len(parts) < 3 or not parts[1].endswith("View"):
            return self.function_resolver(name)
        module_name, view_name, method = parts
        view_class = self._view_class(module_name, view_name, name)
        return self.bind(view_class, view_name, method, operation)

    def _view_class(self, module_name: str, view_name: str, name: str) -> type:
        try:
            module = importlib.import_module(module_name)
        except ImportError as error:
            raise ResolverError(f"importing {module_name!r} for {name!r} failed: {error}") from error
        view_class = getattr(module, view_name, None)
        if not isinstance(view_class, type):
            raise ResolverError(f"{module_name!r} has no class {view_name!r} (for {name!r})")
        return view_class

    def _arguments(self, view_name: str) -> tuple[tuple[Any, ...], dict[str, Any]]:
        given = self.class_arguments.get(view_name, {})
        return tuple(given.get("args", ())), dict(given.get("kwargs", {}))

    def bind(self, view_class: type, view_name: str, method: str, operation: OperationSpec) -> Callable[..., Any]:
        """The method of the class's one instance."""
        if view_class not in self._instances:
            args, kwargs = self._arguments(view_name)
            self._instances[view_class] = view_class(*args, **kwargs)
        function = getattr(self._instances[view_class], method, None)
        if not callable(function):
            raise ResolverError(f"{view_class.__name__} has no method {method!r}")
        return function  # type: ignore[no-any-return]


class MethodViewResolver(MethodResolver):
    """Flask ``MethodView`` classes, dispatched as Flask does: the method named after the
    request's HTTP method (``GET /pets`` -> ``get``, the collection name is not used), on a new
    instance per request unless the class sets ``init_every_request = False``, through the
    class's ``decorators``. Flask's own ``MethodView`` works, and so does any plain class."""

    def __init__(self, default_module_name: str, *, class_arguments: ClassArguments | None = None, **_: Any) -> None:
        super().__init__(default_module_name, class_arguments=class_arguments)

    def bind(self, view_class: type, view_name: str, method: str, operation: OperationSpec) -> Callable[..., Any]:
        http_method = operation.method.lower()
        unbound = getattr(view_class, http_method, None)
        if not callable(unbound):
            raise ResolverError(f"{view_class.__name__} has no method {http_method!r}")
        args, kwargs = self._arguments(view_name)
        shared = None if getattr(view_class, "init_every_request", True) else view_class(*args, **kwargs)

        def view(**arguments: Any) -> Any:
            instance = shared if shared is not None else view_class(*args, **kwargs)
            return getattr(instance, http_method)(**arguments)

        decorated: Callable[..., Any] = view
        for decorator in getattr(view_class, "decorators", ()):
            decorated = decorator(decorated)
        signature = inspect.signature(unbound)
        parameters = list(signature.parameters.values())[1:]  # without self

        if inspect.iscoroutinefunction(unbound):

            async def awaited(**arguments: Any) -> Any:
                result = decorated(**arguments)
                return await result if inspect.isawaitable(result) else result

            handler: Any = awaited
        else:

            def called(**arguments: Any) -> Any:
                return decorated(**arguments)

            handler = called
        functools.update_wrapper(handler, unbound)
        del handler.__wrapped__  # the signature below, not the unbound method's (with self)
        handler.__signature__ = signature.replace(parameters=parameters)
        handler.__qualname__ = f"{view_class.__qualname__}.{http_method}"
        return handler  # type: ignore[no-any-return]
