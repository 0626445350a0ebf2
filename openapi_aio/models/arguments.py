"""Handler arguments annotated with a model class: decided once, when the handler is bound.

A parameter annotated ``Task`` (any class with a ``from_dict`` classmethod: a generated model,
a :class:`~openapi_aio.models.Models` class or your own), ``list[Task]``, ``dict[str, Task]``,
``Task | None`` or a union of model classes receives instances built from the validated value.
Handlers without such annotations get no converter and pay nothing per request.
"""

from __future__ import annotations

import inspect
import types
import typing
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from openapi_aio.models.base import ModelError

__all__ = ["Converter", "converter_for", "model_converters"]

Converter = Callable[[Any], Any]


def model_converters(function: Callable[..., Any], names: Iterable[str]) -> dict[str, Converter]:
    """``{argument name: converter}`` for the arguments of ``function`` annotated with models."""
    target: Any = function
    if not inspect.isroutine(function) and not inspect.isclass(function) and callable(function):
        target = type(function).__call__
    try:
        hints = typing.get_type_hints(target)
    except Exception:  # noqa: BLE001 -- a name only a type checker imports: no models
        return {}
    converters = {}
    for name in names:
        converter = converter_for(hints.get(name))
        if converter is not None:
            converters[name] = converter
    return converters


def _is_model(annotation: Any) -> bool:
    return inspect.isclass(annotation) and callable(getattr(annotation, "from_dict", None))


def converter_for(annotation: Any) -> Converter | None:
    """How to turn a JSON value into ``annotation`` (``None``: the value is passed as it is)."""
    if _is_model(annotation):
        return annotation.from_dict  # type: ignore[no-any-return]
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin in (typing.Union, types.UnionType):
        members = [arg for arg in args if arg is not type(None)]
        if members and all(_is_model(member) for member in members):
            return members[0].from_dict if len(members) == 1 else _first_of([m.from_dict for m in members])
        return None
    if origin in (list, Sequence, typing.Sequence) and len(args) == 1:
        return _each(converter_for(args[0]))
    if origin in (dict, Mapping, typing.Mapping) and len(args) == 2:
        return _values(converter_for(args[1]))
    return None


def _each(item: Converter | None) -> Converter | None:
    if item is None:
        return None
    return lambda value: [item(entry) for entry in value]


def _values(item: Converter | None) -> Converter | None:
    if item is None:
        return None
    return lambda value: {key: item(entry) for key, entry in value.items()}


def _first_of(decoders: list[Converter]) -> Converter:
    def convert(value: Any) -> Any:
        reasons = []
        for decode in decoders:
            try:
                return decode(value)
            except ModelError as error:
                reasons.append(str(error))
        raise ModelError(f"matches none of the annotated models ({'; '.join(reasons)})")

    return convert
