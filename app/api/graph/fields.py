"""Strawberry fields made from the declared graph: to-one links and child connections.

``related("Project", "organization")`` and ``children("Project", "models", ...)`` make a
field whose Strawberry field extension (``Related``, ``ChildList``) holds the link or
list and answers it through the per-request loaders, adding the field's arguments in
schema order: a type's links and lists are declared once (app/api/graph/declarations.py)
and both read paths follow the same declaration. The target type is named lazily
(``"Model"`` in its module), so types may refer to each other across modules without
import cycles.

A list field's arguments are given in schema order, paging included, as (python name,
annotation, default) triples; its ``Children.query`` turns the non-paging ones into an
order and a filter, as the compiler does."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import Any

import strawberry
from strawberry.annotation import StrawberryAnnotation
from strawberry.extensions.field_extension import FieldExtension
from strawberry.types import Info
from strawberry.types.arguments import StrawberryArgument
from strawberry.types.field import StrawberryField
from strawberry.utils.str_converters import to_camel_case

import app.api.graph.declarations  # noqa: F401  (fills GRAPH before any type is made)
from app.api.errors import ClientError
from app.api.graph.converters import DECLARED_TYPES
from app.api.graph.declare import GRAPH, Children
from app.api.lists import child_connection, load_row
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


def _declared_field(field: StrawberryField) -> tuple[str, str]:
    """(owner type, GraphQL field name) of a field being built: the declaration it reads
    is named by where it stands, not by strings at the call."""
    owner = field.origin.__strawberry_definition__.name  # type: ignore[union-attr]  # a @strawberry.type
    return owner, field.graphql_name or to_camel_case(field.python_name)


def _node_type(type_name: str) -> Any:
    """The Strawberry type of a declared type (app/api/graph/converters.DECLARED_TYPES)."""
    node_type = DECLARED_TYPES.get(type_name)
    if node_type is None:
        raise LookupError(f"{type_name} is declared but has no @from_declaration type")
    return node_type


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


def related(
    *,
    description: str | None = None,
    name: str | None = None,
    history: History | None = None,
) -> Any:
    """The to-one field declared under this field's name on its type (a ``Link`` by
    foreign key, or a ``Lookup`` by condition); null when the row is not visible to the
    caller.

    With ``history`` the field takes ``at:`` (time travel): without it, the declared link
    (compiled); with it, ``history(session, parent's id, at)`` names the target's id then
    (read in Python: the compiler leaves a link with arguments to this resolver)."""
    return _field(Related(history), description, name)


class Related(FieldExtension):
    """A declared to-one field: the target row by foreign key (a ``Link``) or by the
    lookup's loader (a ``Lookup``); with ``history``, the field takes ``at:``."""

    def __init__(self, history: History | None) -> None:
        self.history = history

    def apply(self, field: StrawberryField) -> None:
        self.type_name, self.field_name = _declared_field(field)
        declared = GRAPH[self.type_name]
        self.link = declared.links.get(self.field_name)
        target_name = (self.link or declared.lookups[self.field_name]).target
        self.target = GRAPH[target_name]
        node_type = _node_type(target_name)
        self.to_node = node_type.from_row
        field.type_annotation = StrawberryAnnotation(node_type | None)
        if self.history is not None:
            field.arguments = [*field.arguments, _argument("at", datetime | None, None)]

    async def current(self, source: Any, info: Info) -> Any:
        """The target row now: by foreign key, or by the lookup's loader."""
        if self.link is not None:
            return await load_row(info, self.target.model, getattr(source, self.link.column))
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
            row = await load_row(info, self.target.model, target_id)
        return self.to_node(row) if row else None


History = Callable[[Any, uuid.UUID, datetime], Awaitable[uuid.UUID | None]]


def children(arguments: Sequence[Argument] = PAGING, *, description: str | None = None) -> Any:
    """The connection declared under this field's name on its type: a keyset page of its
    ``ListSpec``, batched per request across parents. A list of admin-only rows answers
    FORBIDDEN to anyone but an admin of the parent's organization."""
    return _field(ChildList(arguments), description, None)


class ChildList(FieldExtension):
    """A declared child connection: a keyset page of its ``ListSpec``, batched per request
    across parents; its arguments (paging included) are added in schema order. A list of
    admin-only rows answers FORBIDDEN to anyone but an admin of the parent's
    organization."""

    def __init__(self, arguments: Sequence[Argument]) -> None:
        self.arguments = arguments

    def apply(self, field: StrawberryField) -> None:
        type_name, field_name = _declared_field(field)
        self.declared: Children = GRAPH[type_name].lists[field_name]
        node_type = _node_type(self.declared.target)
        self.to_node = node_type.from_row
        self.forbidden = GRAPH[self.declared.target].admin_only
        field.type_annotation = StrawberryAnnotation(Connection[node_type])  # type: ignore[valid-type]  # a type made at runtime
        field.arguments = [*field.arguments, *(_argument(*a) for a in self.arguments)]

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
