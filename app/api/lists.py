"""Resolve a child connection of one parent through the per-request loaders."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from app.api.loaders.list_spec import ListFilter, ListSpec, PageQuery
from app.api.pagination import Connection, page_args, to_connection

if TYPE_CHECKING:
    from strawberry.types import Info

NodeT = TypeVar("NodeT")


async def child_connection(
    info: Info,
    spec: ListSpec,
    parent_id: uuid.UUID,
    to_node: Callable[[Any], NodeT],
    *,
    first: int | None,
    after: str | None,
    last: int | None,
    before: str | None,
    order: str | None = None,
    order_argument: str | None = None,
    list_filter: ListFilter | None = None,
) -> Connection[NodeT]:
    context = info.context
    args = page_args(first, after, last, before, max_size=context.limits.max_page_size)
    query = PageQuery(
        order=order or spec.default_order,
        args=args,
        filter=list_filter,
        order_argument=order_argument,
    )
    page = await context.loaders.page(spec).load((parent_id, query))
    count_loader = context.loaders.count(spec)

    async def count_total() -> int:
        return int(await count_loader.load((parent_id, list_filter)))

    return to_connection(page, args, to_node, count_total)


async def load_row(info: Info, model: Any, row_id: uuid.UUID | None) -> Any | None:
    if row_id is None:
        return None
    return await info.context.loaders.by_id(model).load(row_id)
