"""Row → Strawberry object converters made from the declaration.

``@from_declaration("Project")`` on a Strawberry type gives it ``from_row``: every init
field reads the row — ``id`` as the global id, ``db_id`` as the primary key, the Python
twin of a computed field, a field the table has by name (``project_id``), or the column
the declaration maps the GraphQL field to (``metadata`` → ``metadata_``) — and enum fields
become their enum. The plan is worked out once, when the type is made; a field the row
cannot fill is an error at import, not at request time."""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Callable
from typing import Any, Self, TypeVar, cast

from sqlalchemy import inspect as sa_inspect
from strawberry.types.base import StrawberryList, StrawberryOptional
from strawberry.types.enum import StrawberryEnumDefinition
from strawberry.utils.str_converters import to_camel_case

import app.api.graph.declarations  # noqa: F401  (fills GRAPH)
from app.api.graph.declare import GRAPH
from app.api.ids import encode_id

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


# The Strawberry type of each declared type, by name: what a declared link or list points
# to (app/api/graph/fields.py looks its target up here when the schema is built).
DECLARED_TYPES: dict[str, type] = {}


def from_declaration(
    type_name: str, attributes: dict[str, str] | None = None
) -> Callable[[type[R]], type[R]]:
    """``attributes``: private fields named unlike the row's attribute they hold."""

    def install(cls: type[R]) -> type[R]:
        DECLARED_TYPES[type_name] = cls
        declared = GRAPH[type_name]
        mapper = sa_inspect(declared.model)
        table = declared.model.__table__
        definition = cls.__strawberry_definition__  # type: ignore[attr-defined]  # @strawberry.type's
        graphql_fields = {f.python_name: f for f in definition.fields}
        plan: list[tuple[str, Getter]] = []
        for field in dataclasses.fields(cls):  # type: ignore[arg-type]  # a dataclass at runtime
            if not field.init:
                continue  # a resolver
            name = field.name
            if name == "id" and declared.global_id:
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
            if graphql_name in declared.computed:
                plan.append((name, declared.computed[graphql_name].python))
                continue
            if name in mapper.attrs:
                plan.append((name, _getter(name, enum_cls, many)))
                continue
            column = declared.column_of(graphql_name)
            if column is None:
                raise TypeError(f"{type_name}.{name}: no column of {table.name} fills it")
            attribute = mapper.get_property_by_column(table.c[column]).key
            plan.append((name, _getter(attribute, enum_cls, many)))

        held = {name for name, _ in plan}
        for field_name, link in declared.links.items():
            if link.column not in held:  # related() reads the key from the object
                raise TypeError(f"{type_name}.{field_name}: the object does not hold {link.column}")

        def from_row(klass: type[R], row: Any) -> R:
            return klass(**{name: get(row) for name, get in plan})

        setattr(cls, "from_row", classmethod(from_row))  # noqa: B010 (FromRow declares it)
        return cls

    return install
