"""Row → Strawberry object converters made from the declaration.

``@from_declaration(ProjectRow)`` on a Strawberry type declares the table it reads and
gives it ``from_row``: every init
field reads the row — ``id`` as the global id, ``db_id`` as the primary key, the Python
twin of a computed field, a field the table has by name (``project_id``), or the column
the declaration maps the GraphQL field to (``metadata`` → ``metadata_``) — and enum fields
become their enum. The plan is worked out once, when the type is made; a field the row
cannot fill is an error at import, not at request time."""

from __future__ import annotations

import dataclasses
import enum
import functools
from collections.abc import Callable
from typing import Any, Self, TypeVar, cast

from sqlalchemy import inspect as sa_inspect
from strawberry.types.base import StrawberryList, StrawberryOptional
from strawberry.types.enum import StrawberryEnumDefinition
from strawberry.utils.str_converters import to_camel_case

from app.api.graph.declare import Built, Computed, Declaration, ForeignId, NodeType, foreign_table
from app.api.graph.sql_text import global_id_sql
from app.api.ids import encode_id
from app.api.node import Node, register_node

Getter = Callable[[Any], Any]


class FromRow:
    """A Strawberry type filled from a database row by its declaration: ``from_row`` is
    installed by ``@from_declaration`` (this base only gives it a type)."""

    @classmethod
    def from_row(cls, row: Any) -> Self:
        raise TypeError(f"{cls.__name__}: decorate it with @from_declaration(...)")


R = TypeVar("R", bound=FromRow)


def _enum_of(field_type: Any) -> tuple[type[enum.Enum] | None, bool]:
    """The enum of an enum field or of a list of enums (then True), else None."""
    optional = isinstance(field_type, StrawberryOptional)
    inner = field_type.of_type if optional else field_type
    many = isinstance(inner, StrawberryList)
    item = inner.of_type if many else inner
    if not isinstance(item, StrawberryEnumDefinition):
        return None, False
    return cast(type[enum.Enum], item.wrapped_cls), many


def _getter(attribute: str, enum_cls: type[enum.Enum] | None, many: bool = False) -> Getter:
    if enum_cls is None:
        return lambda row: getattr(row, attribute)
    if many:

        def as_enums(row: Any) -> Any:
            values = getattr(row, attribute)
            return None if values is None else [enum_cls(value) for value in values]

        return as_enums

    def as_enum(row: Any) -> Any:
        value = getattr(row, attribute)
        return None if value is None else enum_cls(value)

    return as_enum


# Every type made by ``@from_declaration``, in import order: what a declared link or list
# finds its target among (by the target's table), and what the graph is collected from.
DECLARED_TYPES: list[type] = []


def declaration_of(cls: type) -> Declaration | None:
    return cast(Declaration | None, cls.__dict__.get("__declaration__"))


def type_name_of(cls: type) -> str:
    return cast(str, cls.__strawberry_definition__.name)  # type: ignore[attr-defined]  # a @strawberry.type


def declared_type_for(model: Any) -> type:
    """The Strawberry type declared over ``model``'s table: the one with a global id when
    several read the same table (User, and the Viewer over the caller's own row)."""
    table = model.__table__ if hasattr(model, "__table__") else model
    found = [cls for cls in DECLARED_TYPES if declaration_of(cls).model.__table__ is table]  # type: ignore[union-attr]  # every one is declared
    if len(found) > 1:
        found = [cls for cls in found if issubclass(cls, Node)]
    if len(found) != 1:
        raise LookupError(f"{table.name}: {len(found)} declared types read it, not one")
    return found[0]


def _foreign_id(model: Any, column: str) -> Getter:
    """The Python twin of a ``ForeignId``: the target's type is found at the first row
    (every type is declared by then)."""
    table = foreign_table(model, column)

    @functools.cache
    def target_name() -> str:
        return type_name_of(declared_type_for(table))

    def python(row: Any) -> str | None:
        value = getattr(row, column)
        return encode_id(target_name(), value) if value is not None else None

    return python


def computed_of(declaration: Declaration, field_name: str) -> Computed:
    """A computed field of a declaration as both paths read it (a ``ForeignId`` made
    into SQL and Python)."""
    computed = declaration.computed[field_name]
    if isinstance(computed, Computed):
        return computed
    target = type_name_of(declared_type_for(foreign_table(declaration.model, computed.column)))
    sql = f"coalesce({global_id_sql(target, '{a}.' + computed.column)}, 'null')"
    return Computed(sql=sql, python=_foreign_id(declaration.model, computed.column), json=True)


def from_declaration(
    model: Any,
    *,
    columns: dict[str, str] | None = None,
    computed: dict[str, Computed | ForeignId] | None = None,
    built: dict[str, Built] | None = None,
    python: dict[str, str] | None = None,
    admin_only: str | None = None,
    attributes: dict[str, str] | None = None,
) -> Callable[[type[R]], type[R]]:
    """The Strawberry type below reads rows of ``model``: ``columns`` maps a GraphQL field
    to a column not named after it; ``computed`` and ``built`` are fields computed from
    the row (SQL and Python); ``python`` names the fields resolved by hand, each with the
    reason; ``admin_only`` says why only an organization's admins may read its rows.
    ``attributes``: private fields named unlike the row's attribute they hold. A type
    implementing Node is fetched by ``node(id:)``."""
    declared = Declaration(
        model=model,
        columns=columns or {},
        computed=computed or {},
        built=built or {},
        python=python or {},
        admin_only=admin_only,
    )

    def install(cls: type[R]) -> type[R]:
        type_name = type_name_of(cls)
        global_id = issubclass(cls, Node)
        mapper = sa_inspect(model)
        table = model.__table__
        definition = cls.__strawberry_definition__  # type: ignore[attr-defined]  # @strawberry.type's
        graphql_fields = {f.python_name: f for f in definition.fields}
        column_of = NodeType(type_name, model, columns=declared.columns).column_of
        plan: list[tuple[str, Getter]] = []
        for field in dataclasses.fields(cls):  # type: ignore[arg-type]  # a dataclass at runtime
            if not field.init:
                continue  # a resolver
            name = field.name
            if name == "id" and global_id:
                plan.append((name, lambda row: encode_id(type_name, row.id)))
                continue
            if name == "db_id":
                plan.append((name, lambda row: row.id))
                continue
            if attributes and name in attributes:
                plan.append((name, _getter(attributes[name], None)))
                continue
            strawberry_field = graphql_fields.get(name)
            enum_cls, many = _enum_of(strawberry_field.type) if strawberry_field else (None, False)
            graphql_name = (strawberry_field.graphql_name if strawberry_field else None) or (
                to_camel_case(name)
            )
            twin = declared.computed.get(graphql_name)
            if isinstance(twin, Computed):
                plan.append((name, twin.python))
                continue
            if isinstance(twin, ForeignId):
                plan.append((name, _foreign_id(model, twin.column)))
                continue
            if name in mapper.attrs:
                plan.append((name, _getter(name, enum_cls, many)))
                continue
            column = column_of(graphql_name)
            if column is None:
                raise TypeError(f"{type_name}.{name}: no column of {table.name} fills it")
            attribute = mapper.get_property_by_column(table.c[column]).key
            plan.append((name, _getter(attribute, enum_cls, many)))

        def from_row(klass: type[R], row: Any) -> R:
            return klass(**{name: get(row) for name, get in plan})

        setattr(cls, "from_row", classmethod(from_row))  # noqa: B010 (FromRow declares it)
        setattr(cls, "__declaration__", declared)  # noqa: B010 (read by declaration_of)
        DECLARED_TYPES.append(cls)
        if global_id:
            to_node = cast(Callable[[Any], Node], cls.from_row)  # a Node: checked above
            register_node(type_name, model, to_node, admin_only=admin_only is not None)
        return cls

    return install
