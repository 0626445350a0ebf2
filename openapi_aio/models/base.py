"""The classes every model derives from, and the compiled codecs they run.

A model class is a slotted, keyword-only dataclass deriving from :class:`Model`; its
``__model__`` is an :class:`ObjectCodec` compiled once from the document (by
:class:`~openapi_aio.models.Models` or by ``bind`` in a generated module). ``from_dict`` and
``to_dict`` only walk that codec's fields: no schema is read per call.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Final, Self

if TYPE_CHECKING:
    from openapi_aio.db.datastore import Database

__all__ = [
    "UNSET",
    "FieldCodec",
    "Model",
    "ModelError",
    "ModelUnion",
    "ObjectCodec",
    "StoredModel",
    "UnionCodec",
    "Unset",
    "json_type",
]

Decode = Callable[[Any], Any]
Encode = Callable[[Any], Any]


def json_type(value: Any) -> str:
    """The JSON name of a value's type, for messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list | tuple):
        return "array"
    if isinstance(value, Mapping):
        return "object"
    return type(value).__name__


class ModelError(ValueError):
    """Data that does not fit a model; ``path`` leads from the model to the bad value.

    >>> str(ModelError("expected integer, got str", ("tasks", "0", "id")))
    'tasks/0/id: expected integer, got str'
    """

    def __init__(self, message: str, path: tuple[str, ...] = ()) -> None:
        super().__init__(message, path)
        self.message = message
        self.path = path

    def at(self, *keys: str) -> ModelError:
        """The same error, one or more steps further from the value."""
        return ModelError(self.message, (*keys, *self.path))

    @property
    def pointer(self) -> str:
        """A JSON pointer to the bad value in the data given to ``from_dict``."""
        return "".join(f"/{key}" for key in self.path)

    def __str__(self) -> str:
        return f"{'/'.join(self.path)}: {self.message}" if self.path else self.message


class Unset:
    """The type of :data:`UNSET`: an optional, nullable property that was absent (``None``
    there means an explicit ``null``)."""

    __slots__ = ()
    _instance: ClassVar[Unset | None] = None

    def __new__(cls) -> Unset:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNSET"

    def __bool__(self) -> bool:
        return False


UNSET: Final = Unset()
_ALWAYS: Final = object()  # a field's ``omit`` when every value is written


@dataclass(frozen=True, slots=True)
class FieldCodec:
    json_name: str
    attr: str
    decode: Decode
    encode: Encode | None  # None: the value is JSON as it is
    required: bool
    omit: Any = _ALWAYS  # the value meaning "absent": None, UNSET, or nothing


class ObjectCodec:
    """``from_dict``/``to_dict`` of one model class.

    ``extra`` says what happens to keys the schema does not declare: ``False`` refuses them
    (``additionalProperties: false``); otherwise they are kept in ``extra_attr``, decoded by
    ``extra`` (a callable) when the schema gives ``additionalProperties`` a schema.
    """

    __slots__ = ("by_json", "extra", "extra_attr", "extra_encode", "fields", "name", "required")

    def __init__(
        self,
        name: str,
        fields: tuple[FieldCodec, ...],
        extra: Decode | bool,
        extra_encode: Encode | None = None,
        extra_attr: str = "additional_properties",
    ) -> None:
        self.name = name
        self.fields = fields
        self.by_json = {field.json_name: field for field in fields}
        self.required = tuple(field.json_name for field in fields if field.required)
        self.extra = extra
        self.extra_encode = extra_encode
        self.extra_attr = extra_attr

    def decode(self, cls: type[Any], data: Any) -> Any:
        if isinstance(data, cls):
            return data
        if not isinstance(data, Mapping):
            raise ModelError(f"{self.name}: expected an object, got {json_type(data)}")
        kwargs: dict[str, Any] = {}
        for key, field in self.by_json.items():
            if key in data:
                try:
                    kwargs[field.attr] = field.decode(data[key])
                except ModelError as error:
                    raise error.at(key) from None
        missing = [key for key in self.required if key not in data]
        if missing:
            names = ", ".join(map(repr, missing))
            raise ModelError(f"{self.name}: missing required propert{'y' if len(missing) == 1 else 'ies'} {names}")
        if len(kwargs) < len(data):
            extra = {key: value for key, value in data.items() if key not in self.by_json}
            if self.extra is False:
                names = ", ".join(map(repr, sorted(extra)))
                raise ModelError(f"{self.name}: unknown propert{'y' if len(extra) == 1 else 'ies'} {names}")
            if callable(self.extra):
                decode = self.extra
                for key, value in extra.items():
                    try:
                        extra[key] = decode(value)
                    except ModelError as error:
                        raise error.at(key) from None
            kwargs[self.extra_attr] = extra
        return cls(**kwargs)

    def encode(self, instance: Any) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for field in self.fields:
            value = getattr(instance, field.attr)
            if value is field.omit:
                continue
            encode = field.encode
            result[field.json_name] = value if encode is None or value is None else encode(value)
        if self.extra is not False:
            extra = getattr(instance, self.extra_attr)
            if extra:
                encode = self.extra_encode
                for key, value in extra.items():
                    if key not in result:  # a declared property wins over a stray duplicate
                        result[key] = value if encode is None else encode(value)
        return result


class UnionCodec:
    """oneOf/anyOf: the member the discriminator names, else the first member that accepts the
    data (oneOf's "exactly one" is not checked: order the members from the most specific)."""

    __slots__ = ("discriminator", "mapping", "members", "name")

    def __init__(
        self,
        name: str,
        members: tuple[Decode, ...],
        discriminator: str | None = None,
        mapping: Mapping[str, Decode] | None = None,
    ) -> None:
        self.name = name
        self.members = members
        self.discriminator = discriminator
        self.mapping = dict(mapping or {})

    def decode(self, data: Any) -> Any:
        if self.discriminator is not None and isinstance(data, Mapping):
            tag = data.get(self.discriminator)
            member = self.mapping.get(tag) if isinstance(tag, str) else None
            if member is None:
                known = ", ".join(map(repr, self.mapping))
                raise ModelError(f"{self.name}: {self.discriminator} {tag!r} is not one of {known}")
            return member(data)
        reasons = []
        for member in self.members:
            try:
                return member(data)
            except ModelError as error:
                reasons.append(str(error))
        raise ModelError(f"{self.name}: matches none of its members ({'; '.join(reasons)})")


class Model:
    """Base of model classes: ``Task.from_dict(data)`` and ``task.to_dict()``.

    >>> task = models.Task.from_dict({"title": "Write docs", "due": "2024-05-01"})
    >>> task.due
    datetime.date(2024, 5, 1)
    >>> task.to_dict()["due"]
    '2024-05-01'
    """

    __slots__ = ()
    __model__: ClassVar[ObjectCodec]

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Self:
        """An instance from JSON data; :class:`ModelError` when it does not fit."""
        return cls.__model__.decode(cls, data)  # type: ignore[no-any-return]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready data: formats written back as strings, nested models as dicts."""
        return type(self).__model__.encode(self)


class StoredModel(Model):
    """A model of an ``x-table`` schema: rows of its table loaded and saved from handler code,
    with the CRUD views' statements and problems (:mod:`openapi_aio.db.persistence`).

    >>> task = await Task.get(db, 7)                 # None when there is no row 7
    >>> await task.save(db)                          # insert without a key, else update (412 if stale)
    """

    __slots__ = ()
    __schema__: ClassVar[str]  # the schema's name: which of the document's tables

    @classmethod
    async def get(cls, db: Database, key: Any) -> Self | None:
        """The row with primary key ``key``, or ``None``."""
        from openapi_aio.db import persistence

        return await persistence.get(cls, db, key)

    @classmethod
    async def list(
        cls,
        db: Database,
        *,
        order_by: str | Sequence[str] | None = None,
        limit: int | None = None,
        offset: int = 0,
        **filters: Any,
    ) -> builtins.list[Self]:
        """Rows matching ``filters`` (``title__ilike="*docs*"``, ``priority__in=[...]``: the
        resources' vocabulary), ordered (``"-due"``; the key breaks ties), at most ``limit``."""
        from openapi_aio.db import persistence

        return await persistence.select(cls, db, filters, order_by, limit, offset)

    async def save(self, db: Database) -> None:
        """Insert (no key yet) or update the row; read-only members (key, version...) are set
        from the database. 412 on a stale version, 409 on a unique value, 422 on a bad reference."""
        from openapi_aio.db import persistence

        await persistence.save(self, db)

    async def delete(self, db: Database) -> None:
        """Delete the row (404 when gone, 412 when its version is stale, 409 while referenced)."""
        from openapi_aio.db import persistence

        await persistence.delete(self, db)


class ModelUnion:
    """A oneOf/anyOf schema: ``Pet.from_dict(data)`` returns an instance of one member class."""

    __slots__ = ()
    __model__: ClassVar[UnionCodec]
    members: ClassVar[tuple[type[Model], ...]] = ()

    def __new__(cls, *args: Any, **kwargs: Any) -> Any:
        raise TypeError(f"{cls.__name__} is a union: build one of {', '.join(m.__name__ for m in cls.members)}")

    @classmethod
    def from_dict(cls, data: Any) -> Any:
        return cls.__model__.decode(data)
