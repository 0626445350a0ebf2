"""Embedded rows of a request: what ``embed=`` and dotted ``fields`` ask for, and the rows
themselves, whatever the page size without a statement per row.

To-one relations come with the rows themselves: the page's (or the item's) statement joins them
to the chosen rows, one round trip as without ``embed``. A to-many relation is one more
statement per page: each parent's first ``limit`` rows in the relation's order. The SQL is
:mod:`.embedded_sql`'s. The embedded side is answered by its own view: its ``scope()`` is in the
statement (a row the caller may not read is not there), its ``serialize()`` and sparse fields
shape each row, writeOnly members are never read.

A to-one row that is not there (no reference, or one the caller may not read) is ``null`` where
the served schema allows it (:attr:`.Relation.nullable`). Where it cannot be null, the foreign
key guarantees the row, unless the database did not enforce it: the parent row is then left out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from openapi_aio.db import embedded_sql, statements
from openapi_aio.db.query import is_field, query_error

if TYPE_CHECKING:
    from openapi_aio.db.embedding import Relation
    from openapi_aio.db.resources import ResourceOperation
    from openapi_aio.db.views import CrudView

__all__ = ["Asked", "asked", "attach", "joined"]

# relation name -> the fields asked of its rows (None: all of them)
Asked = dict[str, tuple[str, ...] | None]
_MISSING: Any = object()  # a to-one row that cannot be null is not there: its parent is left out


def _names(raw: Any) -> list[str]:
    items = raw.split(",") if isinstance(raw, str) else list(raw)
    return [str(item).strip() for item in items if str(item).strip()]


def asked(op: ResourceOperation, arguments: Mapping[str, Any]) -> tuple[tuple[str, ...] | None, Asked]:
    """``(the parent's fields, the relations to embed)``: ``embed=project,tasks`` embeds whole
    rows; ``fields=title,project.name`` keeps the parent's ``title`` and embeds ``project`` with
    its ``name`` (required members are always kept); ``fields=project`` embeds the whole row."""
    embeds: Asked = {}
    raw = arguments.get(op.roles.get("embed", ""))
    if raw is not None:
        for name in _names(raw):
            if name not in op.embeds:
                raise query_error("embed", f"cannot embed {name!r}: one of {', '.join(op.embeds)}")
            embeds[name] = None
    raw_fields = arguments.get(op.roles.get("fields", ""))
    if raw_fields is None:
        return None, embeds
    model = op.model
    parent: list[str] = []
    members: dict[str, list[str] | None] = {}
    for item in _names(raw_fields):
        relation_name, dot, member = item.partition(".")
        relation = op.embeds.get(relation_name)
        if relation is None:  # one of the parent's own fields
            if not is_field(model, item):
                known = ", ".join([*model.readable, *op.embeds])
                raise query_error("fields", f"unknown field {item!r}: one of {known}")
            parent.append(item)
        elif not dot:  # "project": the whole row
            members[relation_name] = None
        else:
            if not is_field(relation.model, member):
                known = ", ".join(f"{relation_name}.{name}" for name in relation.model.readable)
                raise query_error("fields", f"unknown field {item!r}: one of {known}")
            chosen = members.setdefault(relation_name, [])
            if chosen is not None:
                chosen.append(member)
    for name, chosen in members.items():
        embeds[name] = tuple(chosen) if chosen is not None else None
    return tuple(parent), embeds


def joined(op: ResourceOperation, embeds: Asked | None) -> tuple[Relation, ...]:
    """The asked to-one relations: a list's statement joins them."""
    if not embeds:
        return ()
    return tuple(op.embeds[name] for name in embeds if not op.embeds[name].many)


async def attach(
    view: CrudView,
    rows: list[dict[str, Any]],
    outputs: list[dict[str, Any]],
    embeds: Asked,
    joined: Sequence[Relation] = (),
) -> list[dict[str, Any]]:
    """``outputs`` (the answers for ``rows``, in order) with the embedded rows as members (those
    of ``joined`` relations read from ``rows``' labelled columns, which are then removed: the
    outputs may be the rows themselves); a parent whose non-null to-one row is not there is
    left out."""
    missing = False
    for name, fields in embeds.items():
        relation = view.operation.embeds[name]
        if not relation.many:
            assert relation in joined, "to-one rows are joined into the rows' own statement"
            missing = _joined_into(view, relation, name, rows, outputs, fields) or missing
            continue
        found = await _many(view, relation, rows, fields)
        ours = relation.ours
        for row, output in zip(rows, outputs, strict=True):
            value = row[ours]
            output[name] = found.get(value, []) if value is not None else []
    if not missing:
        return outputs
    return [output for output in outputs if not any(output[name] is _MISSING for name in embeds)]


def _joined_into(
    view: CrudView,
    relation: Relation,
    name: str,
    rows: list[dict[str, Any]],
    outputs: list[dict[str, Any]],
    fields: tuple[str, ...] | None,
) -> bool:
    """Set each output's ``name`` to its joined to-one row, answered by the relation's view, and
    take the labelled columns out of the rows; whether a row that cannot be null was not there."""
    labels = relation.labels
    matched = relation.matched
    plain = relation.plain and fields is None  # the values as fetched are the answer
    embedded_view = None if plain else embedded_sql.embedded_view(view, relation)
    omit = relation.model.omit_null
    nullable = relation.nullable
    found: dict[Any, Any] = {}
    missing = False
    for row, output in zip(rows, outputs, strict=True):
        value = row[matched]
        if value is None:
            embedded = None if nullable else _MISSING
            missing = missing or not nullable
        else:
            embedded = found.get(value)
            if embedded is None:
                embedded = {column: row[label] for label, column in labels}
                if embedded_view is not None:
                    embedded = embedded_view._output(embedded, fields)
                else:
                    for column in omit:
                        if embedded[column] is None:
                            del embedded[column]
                found[value] = embedded
        for label, _ in labels:
            del row[label]
        output[name] = embedded
    return missing


async def _many(
    view: CrudView, relation: Relation, rows: Sequence[Mapping[str, Any]], fields: tuple[str, ...] | None
) -> dict[Any, list[dict[str, Any]]]:
    """The to-many rows of the page, answered by the relation's view, by the value they match."""
    values = list(dict.fromkeys(row[relation.ours] for row in rows if row[relation.ours] is not None))
    if not values:
        return {}
    embedded = embedded_sql.embedded_view(view, relation)
    statement = statements.cached(embedded, ("many",), lambda: embedded_sql.many_statement(embedded, relation))
    fetched = await view.db.fetch_all(statement, {"ids": values, "limit": relation.limit})
    found: dict[Any, list[dict[str, Any]]] = {}
    for row in fetched:
        found.setdefault(row[relation.theirs], []).append(embedded._output(row, fields))
    return found
