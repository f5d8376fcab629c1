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

import importlib
import uuid
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import Annotated, Any

import strawberry
from strawberry.annotation import StrawberryAnnotation
from strawberry.extensions.field_extension import FieldExtension
from strawberry.types import Info
from strawberry.types.arguments import StrawberryArgument
from strawberry.types.field import StrawberryField

import app.api.graph.declarations  # noqa: F401  (fills GRAPH before any type is made)
from app.api.errors import ClientError
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


def lazy(type_name: str, module: str) -> Any:
    return Annotated[type_name, strawberry.lazy(module)]


def _converter(type_name: str, module: str) -> Any:
    """``from_row`` of the (lazily named) target type, found on first use."""
    cached: list[Any] = []

    def to_node(row: Any) -> Any:
        if not cached:
            cached.append(getattr(importlib.import_module(module), type_name).from_row)
        return cached[0](row)

    return to_node


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


def _field(
    extension: FieldExtension, returns: Any, description: str | None, name: str | None
) -> Any:
    return strawberry.field(
        resolver=_declared,
        graphql_type=returns,
        description=description,
        name=name,
        extensions=[extension],
    )


def related(
    type_name: str,
    field_name: str,
    module: str,
    *,
    description: str | None = None,
    name: str | None = None,
    history: History | None = None,
) -> Any:
    """The to-one field ``field_name`` of ``type_name``, as declared (a ``Link`` by foreign
    key, or a ``Lookup`` by condition); null when the row is not visible to the caller.

    With ``history`` the field takes ``at:`` (time travel): without it, the declared link
    (compiled); with it, ``history(session, parent's id, at)`` names the target's id then
    (read in Python: the compiler leaves a link with arguments to this resolver)."""
    declared = GRAPH[type_name]
    link = declared.links.get(field_name)
    target_name = link.target if link else declared.lookups[field_name].target
    target = GRAPH[target_name]
    to_node = _converter(target_name, module)

    returns = lazy(target_name, module) | None
    return _field(
        Related(type_name, field_name, link, target, to_node, history), returns, description, name
    )


class Related(FieldExtension):
    """A declared to-one field: the target row by foreign key (a ``Link``) or by the
    lookup's loader (a ``Lookup``); with ``history``, the field takes ``at:``."""

    def __init__(
        self,
        type_name: str,
        field_name: str,
        link: Any,
        target: Any,
        to_node: Callable[[Any], Any],
        history: History | None,
    ) -> None:
        self.type_name = type_name
        self.field_name = field_name
        self.link = link
        self.target = target
        self.to_node = to_node
        self.history = history

    def apply(self, field: StrawberryField) -> None:
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


def children(
    type_name: str,
    field_name: str,
    module: str,
    arguments: Sequence[Argument] = PAGING,
    *,
    description: str | None = None,
) -> Any:
    """The connection ``field_name`` of ``type_name``: a keyset page of its declared
    ``ListSpec``, batched per request across parents. A list of admin-only rows answers
    FORBIDDEN to anyone but an admin of the parent's organization."""
    declared = GRAPH[type_name].lists[field_name]
    annotation = lazy(declared.target, module)
    to_node = _converter(declared.target, module)

    # The node type is the caller's (a string resolved when the schema is built).
    connection = Connection[annotation]  # type: ignore[valid-type]  # a type made at runtime
    extension = ChildList(declared, to_node, GRAPH[declared.target].admin_only, arguments)
    return _field(extension, connection, description, None)


class ChildList(FieldExtension):
    """A declared child connection: a keyset page of its ``ListSpec``, batched per request
    across parents; its arguments (paging included) are added in schema order. A list of
    admin-only rows answers FORBIDDEN to anyone but an admin of the parent's
    organization."""

    def __init__(
        self,
        declared: Children,
        to_node: Callable[[Any], Any],
        forbidden: str | None,
        arguments: Sequence[Argument],
    ) -> None:
        self.declared = declared
        self.to_node = to_node
        self.forbidden = forbidden
        self.arguments = arguments

    def apply(self, field: StrawberryField) -> None:
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
