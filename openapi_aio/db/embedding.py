"""Related rows in one call: ``x-resource: {embed: ...}`` compiled at start-up.

A resource names the relations it may embed; the foreign keys of ``x-column: {references: ...}``
say how rows are related::

    /tasks:
      x-resource:
        schema: Task
        embed:
          project: Project               # to-one: tasks.project_id references projects
    /projects:
      x-resource:
        schema: Project
        embed:
          tasks: {schema: Task, order_by: [-created], limit: 5}   # to-many: the reverse reference

An entry is the other schema's name, or a mapping with ``schema`` and optionally ``column`` (the
referencing column, when there are several), ``many`` (``true``/``false``, when a table refers to
itself), ``order_by`` and ``limit`` (to-many: the order of each parent's rows, how many at most)
and ``view`` (the CrudView whose ``scope()`` and ``serialize()`` the embedded rows obey; by
default the view of the other schema's own collection resource). The request side (``embed=``,
dotted ``fields``, to-one rows joined into the rows' own statement, one more per to-many
relation and page) is :mod:`.embedded_rows`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from openapi_aio.db.resources import ResourceOperation
    from openapi_aio.db.tables import TableModel
    from openapi_aio.db.views import CrudView

__all__ = ["DEFAULT_EMBED_LIMIT", "MAX_EMBED_LIMIT", "Relation", "compile_embeds"]

DEFAULT_EMBED_LIMIT = 25  # rows per parent of a to-many relation
MAX_EMBED_LIMIT = 1000
_KEYS = frozenset({"schema", "column", "many", "order_by", "limit", "view"})
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


@dataclass(slots=True, eq=False)
class Relation:
    """One relation a resource may embed, decided at start-up.

    Rows are related when their ``theirs`` column holds the parent's ``ours`` value: for a to-one
    relation ``ours`` is the parent's referencing column, for a to-many one the column the other
    table refers to (usually the parent's key)."""

    name: str
    many: bool
    model: TableModel  # the embedded rows' table
    view: type[CrudView]
    ours: str
    theirs: str
    operation: ResourceOperation  # what the embedded view is made with (its model, view, database)
    order: tuple[tuple[str, bool], ...] = ()  # to-many: each parent's rows, the key last
    limit: int = DEFAULT_EMBED_LIMIT  # to-many: rows per parent
    nullable: bool = False  # to-one: may be null (no reference, or a row the caller may not read)
    # to-one: joined into the page's statement as ``alias``, its readable columns as (label, name)
    alias: Any = None
    labels: tuple[tuple[str, str], ...] = ()
    matched: str = ""  # the label of ``theirs``: null when no row was joined

    @property
    def dynamic(self) -> bool:
        """The view has its own scope(): statements with its rows are built per request."""
        return self.operation.custom_scope

    @property
    def plain(self) -> bool:
        """Rows as fetched are the answer (no conversion, no serialize)."""
        return self.operation.plain_rows


def compile_embeds(
    raw: Any,
    model: TableModel,
    models: Mapping[str, TableModel],
    view_of: Callable[[str, Any], type[CrudView]],
    operation_of: Callable[[TableModel, type[CrudView]], ResourceOperation],
    error: Callable[[str], Exception],
) -> dict[str, Relation]:
    """The relations of ``x-resource: {embed: raw}`` of ``model``'s resource (``view_of(schema,
    dotted)``: the view class named, or the schema's default one; ``operation_of(model, view)``:
    the operation the embedded view is made with)."""
    if raw is None:
        return {}
    if not isinstance(raw, Mapping) or not raw:
        raise error("embed must map relation names to a schema (or {schema, column, order_by, limit, view})")
    relations: dict[str, Relation] = {}
    for name, entry in raw.items():
        where = f"embed {name!r}"

        def problem(message: str, where: str = where) -> Exception:
            return error(f"{where}: {message}")

        if not isinstance(name, str) or not _NAME.match(name):
            raise error(f"{where}: a relation's name is a plain identifier (it is written in embed= and fields=)")
        if name in model.columns or name in model.computed:
            raise error(f"{where}: {model.schema_name} has a property of that name")
        entry = {"schema": entry} if isinstance(entry, str) else entry
        if not isinstance(entry, Mapping) or not isinstance(entry.get("schema"), str):
            raise error(f"{where}: give the related schema, e.g. {{schema: Project}}")
        unknown = set(entry) - _KEYS
        if unknown:
            raise error(f"{where}: unknown key(s) {', '.join(sorted(map(str, unknown)))}")
        other = models.get(entry["schema"])
        if other is None:
            known = ", ".join(sorted(models)) or "none"
            raise error(f"{where}: {entry['schema']!r} is not a schema with x-table (known: {known})")
        many, ours, theirs = _link(model, other, entry.get("column"), entry.get("many"), problem)
        for table, column in ((model, ours), (other, theirs)):
            if table.columns[column].write_only:
                raise error(f"{where}: {table.table.name}.{column} is writeOnly; embedding through it would show it")
        view = view_of(other.schema_name, entry.get("view"))
        relation = Relation(name, many, other, view, ours, theirs, operation_of(other, view))
        if many:
            relation.order = _order(entry.get("order_by"), other, problem)
            limit = entry.get("limit", DEFAULT_EMBED_LIMIT)
            if not isinstance(limit, int) or isinstance(limit, bool) or not 1 <= limit <= MAX_EMBED_LIMIT:
                raise error(f"{where}: limit must be an integer from 1 to {MAX_EMBED_LIMIT}")
            relation.limit = limit
        else:
            for key in ("order_by", "limit"):
                if key in entry:
                    raise error(f"{where}: {key} is for to-many relations (each task has one project)")
            relation.nullable = model.columns[ours].nullable or relation.dynamic
            # labels start with the parent's bind prefix, which starts none of its columns' names
            tag = f"{model.bind_prefix}e{len(relations)}"
            relation.alias = other.table.alias(tag)
            relation.labels = tuple((f"{tag}_{index}", column) for index, column in enumerate(other.readable))
            relation.matched = next(label for label, column in relation.labels if column == theirs)
        relations[name] = relation
    return relations


def _link(
    model: TableModel, other: TableModel, column: Any, many: Any, error: Callable[[str], Exception]
) -> tuple[bool, str, str]:
    """``(many, ours, theirs)`` from the foreign keys between the two tables."""
    candidates: list[tuple[bool, str, str, str]] = []  # (many, ours, theirs, the referencing column)
    for name, model_column in model.columns.items():
        for key in model_column.column.foreign_keys:
            if key.column.table is other.table:
                candidates.append((False, name, _property(other, key.column), name))
    for name, other_column in other.columns.items():
        for key in other_column.column.foreign_keys:
            if key.column.table is model.table:
                candidates.append((True, _property(model, key.column), name, name))
    if column is not None:
        candidates = [item for item in candidates if item[3] == column]
    if many is not None:
        if not isinstance(many, bool):
            raise error("many must be true or false")
        candidates = [item for item in candidates if item[0] == many]
    if len(candidates) == 1:
        return candidates[0][:3]
    if not candidates:
        named = f" through column {column!r}" if column is not None else ""
        raise error(
            f"no reference between {model.table.name} and {other.table.name}{named}: declare one with "
            f"x-column: {{references: {other.table.name}.{other.primary_key.name}}}"
        )
    listed = ", ".join(f"{'to-many' if item[0] else 'to-one'} through {item[3]}" for item in candidates)
    raise error(f"several references fit ({listed}): choose one with column (and many for a table's own rows)")


def _property(model: TableModel, column: Any) -> str:
    """The property name of one of ``model``'s SQLAlchemy columns."""
    for name, candidate in model.columns.items():
        if candidate.column is column:
            return name
    return str(column.key)


def _order(raw: Any, other: TableModel, error: Callable[[str], Exception]) -> tuple[tuple[str, bool], ...]:
    items = [raw] if isinstance(raw, str) else list(raw or [other.primary_key.name])
    order: list[tuple[str, bool]] = []
    for item in items:
        text = str(item)
        name = text.lstrip("+-")
        column = other.columns.get(name)
        if column is None or not column.sortable:
            raise error(f"order_by {text!r} is not a sortable column of {other.table.name}")
        order.append((name, text.startswith("-")))
    key = other.primary_key.name
    if key not in [name for name, _ in order]:
        order.append((key, order[-1][1]))
    return tuple(order)
