"""The declared fields of a type: to-one links and child connections, and the graph
collected from them.

``organization = related()`` and ``models = children(MODELS_OF_PROJECT, ...)`` make a
field whose Strawberry field extension (``Related``, ``ChildList``) holds the link or
list and answers it through the per-request loaders. Targets are named by object: a link
by its foreign key column (the referenced table is the target's), a lookup by the
target's model, a list by its ``ListSpec`` (whose model is the target's). The target's
Strawberry type is the one declared over that table, found when the schema is built, so
types may refer to each other across modules without import cycles.

A list field's arguments are given in schema order, paging included, as (python name,
annotation, default) triples; its ``query`` turns the non-paging ones into an order and
a filter, as the compiler does. ``collect_graph`` gathers every declared type's fields
into ``GRAPH`` when the schema is built: no file lists the graph by hand."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

import strawberry
from strawberry.annotation import StrawberryAnnotation
from strawberry.extensions.field_extension import FieldExtension
from strawberry.types import Info
from strawberry.types.arguments import StrawberryArgument
from strawberry.types.base import StrawberryObjectDefinition
from strawberry.types.field import StrawberryField
from strawberry.utils.str_converters import to_camel_case

from app.api.errors import ClientError
from app.api.graph.converters import (
    computed_of,
    declaration_of,
    declared_type_for,
    type_name_of,
)
from app.api.graph.declare import (
    GRAPH,
    Children,
    Link,
    ListQuery,
    Lookup,
    NodeType,
    foreign_table,
    lookup_fragments,
    order_only,
)
from app.api.lists import child_connection, load_row
from app.api.loaders.list_spec import ListSpec
from app.api.node import Node
from app.api.pagination import Connection
from app.domain.tenancy.enums import OrgRole

Argument = tuple[str, Any, Any]  # python name, annotation, default

PAGING: tuple[Argument, ...] = (
    ("first", int | None, None),
    ("after", str | None, None),
    ("last", int | None, None),
    ("before", str | None, None),
)
PAGING_NAMES = frozenset(name for name, _, _ in PAGING)


def _declared_field(field: StrawberryField) -> tuple[type, str]:
    """(owner type, GraphQL field name) of a field being built: the declaration it reads
    is named by where it stands, not by strings at the call."""
    owner = field.origin
    if not isinstance(owner, type) or declaration_of(owner) is None:
        raise TypeError(
            f"{field.python_name}: related() and children() stand on a type "
            "made by @from_declaration"
        )
    return owner, field.graphql_name or to_camel_case(field.python_name)


def _argument(python_name: str, annotation: Any, default: Any) -> StrawberryArgument:
    return StrawberryArgument(
        python_name=python_name,
        graphql_name=None,
        type_annotation=StrawberryAnnotation(annotation),
        default=default,
    )


async def _declared(self: Any) -> None:
    """The base resolver of a declared field: never called, its extension answers (a
    field with an async resolver is resolved asynchronously, as the loaders need)."""


def _field(extension: FieldExtension, description: str | None, name: str | None) -> Any:
    """A field whose type and arguments its extension sets when the schema is built."""
    return strawberry.field(
        resolver=_declared, description=description, name=name, extensions=[extension]
    )


class _Arguments(FieldExtension):
    """Adds its arguments to the field's own, once however many schemas are built."""

    added: Sequence[StrawberryArgument] = ()

    def add_arguments(self, field: StrawberryField, added: Sequence[StrawberryArgument]) -> None:
        own = [a for a in field.arguments if all(a is not b for b in self.added)]
        self.added = tuple(added)
        field.arguments = [*own, *self.added]


def related(
    *,
    column: str | None = None,
    target: Any = None,
    lookup: Lookup | None = None,
    description: str | None = None,
    name: str | None = None,
    history: History | None = None,
) -> Any:
    """A to-one field: the row the foreign key ``column`` of this row points to (by
    default the field's name + ``_id``; ``target``, the model, only for a key the table
    does not declare as foreign), or with ``lookup`` the row found by a condition. Null
    when the row is not visible to the caller.

    With ``history`` the field takes ``at:`` (time travel): without it, the declared link
    (compiled); with it, ``history(session, parent's id, at)`` names the target's id then
    (read in Python: the compiler leaves a link with arguments to this resolver)."""
    return _field(Related(column, target, lookup, history), description, name)


class Related(_Arguments):
    """A declared to-one field: the target row by foreign key (a ``Link``) or by the
    lookup's loader (a ``Lookup``); with ``history``, the field takes ``at:``."""

    link: Link | None = None
    lookup: Lookup | None = None

    def __init__(
        self, column: str | None, target: Any, lookup: Lookup | None, history: History | None
    ) -> None:
        self.column, self.target_model, self.declared_lookup = column, target, lookup
        self.history = history

    def apply(self, field: StrawberryField) -> None:
        owner, self.field_name = _declared_field(field)
        self.type_name = type_name_of(owner)
        model = declaration_of(owner).model  # type: ignore[union-attr]  # checked above
        if self.declared_lookup is not None:
            target_model = self.declared_lookup.model
        else:
            column = self.column or f"{field.python_name}_id"
            if column not in {f.name for f in dataclasses.fields(owner)}:
                raise TypeError(
                    f"{self.type_name}.{self.field_name}: the object does not hold {column}"
                )
            target_model = self.target_model or foreign_table(model, column)
        node_type = declared_type_for(target_model)
        target = type_name_of(node_type)
        if self.declared_lookup is not None:
            self.lookup = replace(self.declared_lookup, target=target)
        else:
            self.link = Link(column=column, target=target)
        self.target_table = declaration_of(node_type).model  # type: ignore[union-attr]  # declared
        self.to_node = node_type.from_row  # type: ignore[attr-defined]  # a FromRow
        field.type_annotation = StrawberryAnnotation(node_type | None)
        if self.history is not None:
            self.add_arguments(field, [_argument("at", datetime | None, None)])

    async def current(self, source: Any, info: Info) -> Any:
        """The target row now: by foreign key, or by the lookup's loader."""
        if self.link is not None:
            return await load_row(info, self.target_table, getattr(source, self.link.column))
        return await info.context.loaders.lookup(self.type_name, self.field_name).load(source.db_id)

    async def resolve_async(
        self, next_: Any, source: Any, info: Info, at: datetime | None = None, **_: Any
    ) -> Any:
        if at is None or self.history is None:
            row = await self.current(source, info)
        else:
            if at.tzinfo is None:
                raise ClientError("at needs a time zone")
            async with info.context.read_session_factory() as session:
                target_id = await self.history(session, source.db_id, at)
            row = await load_row(info, self.target_table, target_id)
        return self.to_node(row) if row else None


History = Callable[[Any, uuid.UUID, datetime], Awaitable[uuid.UUID | None]]


def children(
    spec: ListSpec,
    arguments: Sequence[Argument] = PAGING,
    *,
    query: Callable[[Mapping[str, Any]], ListQuery] = order_only,
    description: str | None = None,
) -> Any:
    """A connection of the rows ``spec`` lists under this row: a keyset page, batched per
    request across parents. ``arguments`` (paging included, in schema order) are turned
    into an order and a filter by ``query``, on both read paths. A list of admin-only rows
    answers FORBIDDEN to anyone but an admin of the parent's organization."""
    return _field(ChildList(Children(spec, query), arguments), description, None)


class ChildList(_Arguments):
    """A declared child connection: a keyset page of its ``ListSpec``, batched per request
    across parents; its arguments (paging included) are added in schema order. A list of
    admin-only rows answers FORBIDDEN to anyone but an admin of the parent's
    organization."""

    def __init__(self, declared: Children, arguments: Sequence[Argument]) -> None:
        self.declared, self.arguments = declared, arguments

    def apply(self, field: StrawberryField) -> None:
        _declared_field(field)
        node_type = declared_type_for(self.declared.spec.model)
        self.declared = replace(self.declared, target=type_name_of(node_type))
        self.to_node = node_type.from_row  # type: ignore[attr-defined]  # a FromRow
        self.forbidden = declaration_of(node_type).admin_only  # type: ignore[union-attr]  # declared
        field.type_annotation = StrawberryAnnotation(Connection[node_type])  # type: ignore[valid-type]  # a type made at runtime
        self.add_arguments(field, [_argument(*a) for a in self.arguments])

    async def resolve_async(self, next_: Any, source: Any, info: Info, **kwargs: Any) -> Any:
        if self.forbidden:  # the parent's organization: its own id, for an organization
            organization_id = getattr(source, "organization_id", None) or source.db_id
            if info.context.actor.org_roles.get(organization_id) != OrgRole.ADMIN:
                raise ClientError(self.forbidden, "FORBIDDEN")
        query = self.declared.query({k: v for k, v in kwargs.items() if k not in PAGING_NAMES})
        return await child_connection(
            info,
            self.declared.spec,
            source.db_id,
            self.to_node,
            first=kwargs.get("first"),
            after=kwargs.get("after"),
            last=kwargs.get("last"),
            before=kwargs.get("before"),
            order=query.order,
            order_argument=query.order_argument,
            list_filter=query.filter,
        )


def collect_graph(schema: strawberry.Schema) -> dict[str, NodeType]:
    """The declared graph of a built schema (every field extension applied): for each type
    made by ``@from_declaration``, its declaration and its fields' links, lookups and
    lists (``install_graph`` makes it the one the compiler and the loaders read)."""
    graph: dict[str, NodeType] = {}
    for concrete in schema.schema_converter.type_map.values():
        definition = concrete.definition
        if not isinstance(definition, StrawberryObjectDefinition):
            continue
        origin = definition.origin
        declared = declaration_of(origin) if isinstance(origin, type) else None
        if declared is None:
            continue
        links: dict[str, Link] = {}
        lookups: dict[str, Lookup] = {}
        lists: dict[str, Children] = {}
        for strawberry_field in definition.fields:
            name = schema.config.name_converter.get_graphql_name(strawberry_field)
            for extension in strawberry_field.extensions:
                if isinstance(extension, Related) and extension.link is not None:
                    links[name] = extension.link
                elif isinstance(extension, Related) and extension.lookup is not None:
                    lookups[name] = extension.lookup
                elif isinstance(extension, ChildList):
                    lists[name] = extension.declared
        graph[definition.name] = NodeType(
            name=definition.name,
            model=declared.model,
            global_id=issubclass(origin, Node),
            columns=declared.columns,
            links=links,
            lookups=lookups,
            lists=lists,
            computed={name: computed_of(declared, name) for name in declared.computed},
            built=declared.built,
            python=declared.python,
            admin_only=declared.admin_only,
        )
    return graph


def install_graph(graph: dict[str, NodeType]) -> None:
    GRAPH.clear()
    GRAPH.update(graph)
    lookup_fragments.cache_clear()
