"""Strawberry fields made from the declared graph: to-one links and child connections.

``related("Project", "organization")`` and ``children("Project", "models", ...)`` write the
resolver the declaration implies (through the per-request loaders), so a type's links and
lists are declared once (app/api/graph/declarations.py) and both read paths follow the
same declaration. The target type is named lazily (``"Model"`` in its module), so types
may refer to each other across modules without import cycles.

A list field's arguments are given in schema order, paging included, as (python name,
annotation, default) triples; its ``Children.query`` turns the non-paging ones into an
order and a filter, as the compiler does."""

from __future__ import annotations

import importlib
import inspect
import uuid
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import Annotated, Any

import strawberry
from strawberry.types import Info

import app.api.graph.declarations  # noqa: F401  (fills GRAPH before any type is made)
from app.api.errors import ClientError
from app.api.graph.declare import GRAPH
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


def _field(
    resolve: Any,
    parameters: Sequence[inspect.Parameter],
    returns: Any,
    description: str | None,
    name: str | None,
) -> Any:
    resolve.__signature__ = inspect.Signature(
        [
            inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD),
            inspect.Parameter("info", inspect.Parameter.KEYWORD_ONLY, annotation=Info),
            *parameters,
        ],
        return_annotation=returns,
    )
    resolve.__annotations__ = {
        "info": Info,
        **{p.name: p.annotation for p in parameters},
        "return": returns,
    }
    return strawberry.field(resolver=resolve, description=description, name=name)


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

    async def current(self: Any, info: Info) -> Any:
        """The target row now: by foreign key, or by the lookup's loader."""
        if link is not None:
            return await load_row(info, target.model, getattr(self, link.column))
        return await info.context.loaders.lookup(type_name, field_name).load(self.db_id)

    returns = lazy(target_name, module) | None
    if history is None:

        async def resolve(self: Any, info: Info) -> Any:
            row = await current(self, info)
            return to_node(row) if row else None

        return _field(resolve, [], returns, description, name)

    async def resolve_at(self: Any, info: Info, at: datetime | None = None) -> Any:
        if at is None:
            row = await current(self, info)
        else:
            if at.tzinfo is None:
                raise ClientError("at needs a time zone")
            async with info.context.read_session_factory() as session:
                target_id = await history(session, self.db_id, at)
            row = await load_row(info, target.model, target_id)
        return to_node(row) if row else None

    at = inspect.Parameter(
        "at", inspect.Parameter.KEYWORD_ONLY, default=None, annotation=datetime | None
    )
    return _field(resolve_at, [at], returns, description, name)


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

    forbidden = GRAPH[declared.target].admin_only

    async def resolve(self: Any, info: Info, **kwargs: Any) -> Any:
        if forbidden:  # the parent's organization: its own id, for an organization
            organization_id = getattr(self, "organization_id", None) or self.db_id
            if info.context.actor.org_roles.get(organization_id) != OrgRole.ADMIN:
                raise ClientError(forbidden, "FORBIDDEN")
        query = declared.query({k: v for k, v in kwargs.items() if k not in PAGING_NAMES})
        return await child_connection(
            info,
            declared.spec,
            self.db_id,
            to_node,
            first=kwargs.get("first"),
            after=kwargs.get("after"),
            last=kwargs.get("last"),
            before=kwargs.get("before"),
            order=query.order,
            order_argument=query.order_argument,
            list_filter=query.filter,
        )

    parameters = [
        inspect.Parameter(
            python_name, inspect.Parameter.KEYWORD_ONLY, annotation=annotation_, default=default
        )
        for python_name, annotation_, default in arguments
    ]
    # The node type is the caller's (a string resolved when the schema is built).
    connection = Connection[annotation]  # type: ignore[valid-type]  # a type made at runtime
    return _field(resolve, parameters, connection, description, None)
