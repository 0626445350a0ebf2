"""From the document's named schemas to model classes: plan once, then build or bind.

:class:`Compiler` reads ``components/schemas`` (``definitions`` in Swagger 2.0) and plans one
class per object schema (merged ``allOf``) and one union class per ``oneOf``/``anyOf`` of such
classes. Other named schemas (a string enum, an array) are no classes: a reference to them is
compiled in place. The same plans build classes at run time (:class:`Models`), write a module
(:mod:`.codegen`) and bind that module's classes (:func:`bind`), so both behave alike.
"""

from __future__ import annotations

import copy
import functools
import keyword
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, fields, is_dataclass, make_dataclass
from typing import Any

from openapi_aio.models.base import (
    UNSET,
    FieldCodec,
    Model,
    ModelError,
    ModelUnion,
    ObjectCodec,
    StoredModel,
    UnionCodec,
)
from openapi_aio.models.shapes import Shape, ShapeBuilder
from openapi_aio.spec.model import MISSING, ApiSpec
from openapi_aio.spec.pointers import resolve_pointer, unescape

__all__ = ["ClassPlan", "Compiler", "FieldPlan", "Models", "bind"]

EXTRA_ATTR = "additional_properties"
# Attribute names a property cannot take: the model's own, and builtins the annotations use.
_RESERVED = frozenset({"from_dict", "to_dict", "members", EXTRA_ATTR, "str", "int", "float", "bool", "bytes", "list",
                       "dict"})  # fmt: skip


_STORED_METHODS = ("get", "list", "save", "delete")  # a StoredModel's own names


def identifier(name: str, taken: set[str] | frozenset[str] = frozenset()) -> str:
    """A Python identifier for a JSON name: other characters become ``_``, keywords get ``_``
    appended, dunders a leading ``x``."""
    safe = re.sub(r"\W", "_", name) or "_"
    if safe[0].isdigit():
        safe = f"_{safe}"
    if safe.startswith("__"):
        safe = f"x{safe}"
    while keyword.iskeyword(safe) or safe in taken or safe in _RESERVED:
        safe = f"{safe}_"
    return safe


@dataclass(slots=True)
class FieldPlan:
    json_name: str
    attr: str
    shape: Shape
    annotation: str  # with ``| None`` / ``| _models.Unset`` for optional properties
    required: bool
    default: Any = MISSING  # MISSING: none; else None, UNSET or the decoded default
    omit: Any = None  # what ``to_dict`` leaves out (see base.FieldCodec); MISSING: nothing

    def codec(self) -> FieldCodec:
        if self.omit is MISSING:
            return FieldCodec(self.json_name, self.attr, self.shape.decode, self.shape.encode, self.required)
        return FieldCodec(self.json_name, self.attr, self.shape.decode, self.shape.encode, self.required, self.omit)


@dataclass(slots=True)
class ClassPlan:
    schema_name: str
    class_name: str
    description: str = ""
    fields: list[FieldPlan] = field(default_factory=list)
    extra: Shape | bool = True  # False: unknown keys refused; True: kept as they are
    members: tuple[str, ...] | None = None  # a union: the member schemas' names
    discriminator: str | None = None
    mapping: dict[str, str] = field(default_factory=dict)  # discriminator value -> schema name
    stored: bool = False  # an x-table schema: the class is a StoredModel (get, list, save, delete)

    @property
    def base(self) -> type[Model]:
        return StoredModel if self.stored else Model

    @property
    def extra_annotation(self) -> str:
        return f"dict[str, {self.extra.annotation}]" if isinstance(self.extra, Shape) else "dict[str, _t.Any]"


class Compiler:
    """Plans of the named schemas of one document, and the codecs that make them work."""

    def __init__(self, document: Mapping[str, Any], version: str) -> None:
        self.document = document
        if version == "2.0":
            container, self.prefix = document.get("definitions"), "#/definitions/"
        else:
            components = document.get("components")
            container = components.get("schemas") if isinstance(components, Mapping) else None
            self.prefix = "#/components/schemas/"
        self.schemas: Mapping[str, Any] = container if isinstance(container, Mapping) else {}
        self.classes: dict[str, type[Any]] = {}  # schema name -> class, filled by build or bind
        objects = [name for name, schema in self.schemas.items() if self._is_object(schema)]
        unions = [name for name, schema in self.schemas.items() if self._union_members(schema, objects) is not None]
        taken: set[str] = set()
        self.class_names: dict[str, str] = {}
        for name in self.schemas:
            if name in objects or name in unions:
                self.class_names[name] = identifier(name, taken)
                taken.add(self.class_names[name])
        self.objects, self.unions = frozenset(objects), frozenset(unions)
        self.shapes = ShapeBuilder(self)

    # --- planning ------------------------------------------------------------------------------

    def plans(self) -> list[ClassPlan]:
        return [self._plan(name) for name in self.class_names]

    def _plan(self, name: str) -> ClassPlan:
        schema = self.schemas[name]
        plan = ClassPlan(name, self.class_names[name], str(schema.get("description") or schema.get("title") or ""))
        if name in self.unions:
            return self._plan_union(plan, schema)
        properties, required, additional = self.merged(schema)
        plan.stored = bool(schema.get("x-table"))
        taken: set[str] = set(_STORED_METHODS) if plan.stored else set()
        for json_name, prop in properties.items():
            attr = identifier(json_name, taken)
            taken.add(attr)
            plan.fields.append(self._field(json_name, attr, prop, json_name in required))
        if additional is False:
            plan.extra = False
        elif isinstance(additional, Mapping):
            plan.extra = self.shapes.shape(additional)
        return plan

    def _field(self, json_name: str, attr: str, prop: Any, required: bool) -> FieldPlan:
        shape = self.shapes.shape(prop)
        target = self.resolve(prop) if isinstance(prop, Mapping) else {}
        # readOnly/writeOnly properties are data like any other, but absent from requests
        # (readOnly) or responses (writeOnly): never required here.
        if target.get("readOnly") or target.get("writeOnly"):
            required = False
        if required:
            return FieldPlan(json_name, attr, shape, shape.annotation, True, omit=MISSING)
        if "default" in target:
            try:
                default = shape.decode(copy.deepcopy(target["default"]))
            except ModelError:
                default = MISSING  # a default that does not fit its own schema is ignored
            if default is not MISSING and not isinstance(default, Model):
                return FieldPlan(json_name, attr, shape, shape.annotation, False, default, omit=MISSING)
        if shape.nullable:
            return FieldPlan(json_name, attr, shape, f"{shape.annotation} | _models.Unset", False, UNSET, omit=UNSET)
        return FieldPlan(json_name, attr, shape, f"{shape.annotation} | None", False, None, omit=None)

    def _plan_union(self, plan: ClassPlan, schema: Mapping[str, Any]) -> ClassPlan:
        plan.members = tuple(self._union_members(schema, self.objects) or ())
        discriminator = schema.get("discriminator")
        if isinstance(discriminator, Mapping) and isinstance(discriminator.get("propertyName"), str):
            plan.discriminator = discriminator["propertyName"]
            mapping = discriminator.get("mapping")
            explicit = {
                str(tag): self._schema_name(target)
                for tag, target in (mapping.items() if isinstance(mapping, Mapping) else ())
            }
            plan.mapping = {tag: name for tag, name in explicit.items() if name in self.class_names}
            for member in plan.members:  # implicit: the schema's own name
                if member not in plan.mapping.values():
                    plan.mapping.setdefault(member, member)
        return plan

    # --- the document --------------------------------------------------------------------------

    def resolve(self, schema: Mapping[str, Any], seen: frozenset[str] = frozenset()) -> Mapping[str, Any]:
        """Follow ``$ref`` inside the root document (other files: an empty schema)."""
        ref = schema.get("$ref")
        if not isinstance(ref, str):
            return schema
        if ref in seen or not ref.startswith("#"):
            return {}
        try:
            node = resolve_pointer(self.document, ref[1:])
        except LookupError:
            return {}
        return self.resolve(node, seen | {ref}) if isinstance(node, Mapping) else {}

    def class_of(self, schema: Mapping[str, Any]) -> str | None:
        """The schema name when ``schema`` is a reference to a class."""
        ref = schema.get("$ref")
        name = self._schema_name(ref) if isinstance(ref, str) else None
        return name if name in self.class_names else None

    def _schema_name(self, ref: str) -> str:
        return unescape(ref[len(self.prefix) :]) if ref.startswith(self.prefix) else ref

    def merged(
        self, schema: Mapping[str, Any], seen: frozenset[str] = frozenset()
    ) -> tuple[dict[str, Any], set[str], Any]:
        """Properties, required names and ``additionalProperties`` of ``schema`` with its ``allOf``
        members merged in (later members win). Only the schema's own ``additionalProperties``
        counts: a member's ``false`` would refuse the other members' properties."""
        ref = schema.get("$ref")
        if isinstance(ref, str):
            if ref in seen:  # allOf through itself: nothing more to merge
                return {}, set(), True
            schema, seen = self.resolve(schema), seen | {ref}
        properties: dict[str, Any] = {}
        required: set[str] = set()
        for member in schema.get("allOf") or ():
            if isinstance(member, Mapping):
                more, names, _ = self.merged(member, seen)
                properties.update(more)
                required |= names
        own = schema.get("properties")
        if isinstance(own, Mapping):
            properties.update(own)
        if isinstance(schema.get("required"), list):
            required |= {name for name in schema["required"] if isinstance(name, str)}
        additional = schema.get("additionalProperties", True)
        if schema.get("unevaluatedProperties") is False:
            additional = False
        return properties, required, additional

    def _is_object(self, schema: Any) -> bool:
        if not isinstance(schema, Mapping) or "$ref" in schema:
            return False  # an alias of another schema: references reach that one
        if schema.get("oneOf") or schema.get("anyOf"):
            return False
        properties, _, _ = self.merged(schema)
        return bool(properties) or (schema.get("type") == "object" and "additionalProperties" not in schema)

    def _union_members(self, schema: Any, objects: list[str] | frozenset[str]) -> list[str] | None:
        if not isinstance(schema, Mapping) or schema.get("properties"):
            return None
        members = schema.get("oneOf") or schema.get("anyOf")
        if not isinstance(members, list) or not members:
            return None
        names = [self._schema_name(m["$ref"]) if isinstance(m, Mapping) and "$ref" in m else "" for m in members]
        return names if all(name in objects for name in names) else None

    # --- classes -------------------------------------------------------------------------------

    def attach(self, plans: list[ClassPlan]) -> None:
        """Give each class in :attr:`classes` its compiled codec."""
        for plan in plans:
            cls = self.classes[plan.schema_name]
            if plan.members is not None:
                members = tuple(self.classes[name] for name in plan.members)
                cls.members = members
                cls.__model__ = UnionCodec(
                    plan.class_name,
                    tuple(member.from_dict for member in members),
                    plan.discriminator,
                    {tag: self.classes[name].from_dict for tag, name in plan.mapping.items()},
                )
                continue
            extra = plan.extra
            cls.__model__ = ObjectCodec(
                plan.class_name,
                tuple(field_plan.codec() for field_plan in plan.fields),
                extra.decode if isinstance(extra, Shape) else extra,
                extra.encode if isinstance(extra, Shape) else None,
                EXTRA_ATTR,
            )
            if plan.stored:
                cls.__schema__ = plan.schema_name

    def build(self) -> dict[str, type[Any]]:
        """Classes made at run time: slotted, keyword-only dataclasses."""
        plans = self.plans()
        for plan in plans:
            namespace = {"__doc__": plan.description or f"The {plan.schema_name!r} schema."}
            if plan.members is not None:
                self.classes[plan.schema_name] = type(plan.class_name, (ModelUnion,), {**namespace, "__slots__": ()})
                continue
            specs: list[tuple[str, str, Any]] = []
            for field_plan in plan.fields:
                default = field_plan.default
                if default is MISSING:
                    specs.append((field_plan.attr, field_plan.annotation, field()))
                elif isinstance(default, list | dict):
                    specs.append((field_plan.attr, field_plan.annotation, field(default_factory=_copier(default))))
                else:
                    specs.append((field_plan.attr, field_plan.annotation, field(default=default)))
            if plan.extra is not False:
                specs.append((EXTRA_ATTR, plan.extra_annotation, field(default_factory=dict, repr=False)))
            cls = make_dataclass(
                plan.class_name, specs, bases=(plan.base,), namespace=namespace, slots=True, kw_only=True
            )
            cls.__module__ = __name__
            self.classes[plan.schema_name] = cls
        self.attach(plans)
        return dict(self.classes)


def _copier(value: Any) -> Any:
    return functools.partial(copy.deepcopy, value)


class Models:
    """The model classes of a document, by class name (``models.Task``) or by schema name
    (``models["my-task"]``).

    >>> models = Models.from_spec(load_spec("openapi.yaml"))
    >>> task = models.Task.from_dict({"title": "Write docs", "created": "2024-05-01T09:00:00Z"})
    >>> task.created.tzinfo
    datetime.timezone.utc
    """

    __slots__ = ("_by_class", "_by_schema")

    def __init__(self, classes: Mapping[str, type[Any]]) -> None:
        self._by_schema = dict(classes)
        self._by_class = {cls.__name__: cls for cls in classes.values()}

    @classmethod
    def from_spec(cls, spec: ApiSpec) -> Models:
        return cls(Compiler(spec.document, spec.version).build())

    def __getattr__(self, name: str) -> Any:
        try:
            return self._by_class[name]
        except KeyError:
            raise AttributeError(f"no model class {name!r} (there are: {', '.join(self._by_class)})") from None

    def __getitem__(self, schema_name: str) -> type[Any]:
        return self._by_schema[schema_name]

    def __contains__(self, schema_name: object) -> bool:
        return schema_name in self._by_schema

    def __iter__(self) -> Iterator[type[Any]]:
        return iter(self._by_class.values())

    def __len__(self) -> int:
        return len(self._by_class)

    def __dir__(self) -> list[str]:
        return [*self._by_class, *super().__dir__()]

    def __repr__(self) -> str:
        return f"<Models {', '.join(self._by_class)}>"


def bind(namespace: Mapping[str, Any], schemas: Mapping[str, Any], version: str = "3.0") -> None:
    """Compile the classes of a generated module (its last line calls this)."""
    document = {"definitions": schemas} if version == "2.0" else {"components": {"schemas": schemas}}
    compiler = Compiler(document, version)
    plans = compiler.plans()
    for plan in plans:
        cls = namespace.get(plan.class_name)
        if not isinstance(cls, type):
            raise TypeError(f"the generated module has no class {plan.class_name}: generate it again")
        if plan.members is None:
            declared = {f.name for f in fields(cls)} if is_dataclass(cls) else set()
            expected = {f.attr for f in plan.fields} | ({EXTRA_ATTR} if plan.extra is not False else set())
            if declared != expected:
                raise TypeError(f"{plan.class_name} does not match its schema: generate the module again")
            if not issubclass(cls, plan.base):
                raise TypeError(f"{plan.class_name} does not match its schema: generate the module again")
        compiler.classes[plan.schema_name] = cls
    compiler.attach(plans)
