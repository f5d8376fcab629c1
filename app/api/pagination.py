"""Relay cursor connections, paged with keysets in SQL (never sliced in Python)."""

from __future__ import annotations

import base64
import binascii
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

import orjson
import strawberry

from app.api.errors import ClientError

NodeT = TypeVar("NodeT")


@dataclass(frozen=True)
class PageArgs:
    """Validated ``first/after/last/before``: ``size`` rows, read forward or backward."""

    size: int
    backward: bool
    cursor: tuple[Any, ...] | None


def page_args(
    first: int | None,
    after: str | None,
    last: int | None,
    before: str | None,
    *,
    max_size: int,
    default_size: int = 20,
) -> PageArgs:
    if first is not None and last is not None:
        raise ClientError("pass either first or last, not both")
    if after is not None and before is not None:
        raise ClientError("pass either after or before, not both")
    for name, value in (("first", first), ("last", last)):
        if value is not None and not 0 <= value <= max_size:
            raise ClientError(f"{name} must be between 0 and {max_size}")
    backward = last is not None or (before is not None and first is None)
    size = (last if backward else first) if (first is not None or last is not None) else None
    cursor = decode_cursor(before if backward else after) if (after or before) else None
    return PageArgs(size=default_size if size is None else size, backward=backward, cursor=cursor)


def encode_cursor(values: Sequence[Any]) -> str:
    encoded = [v.isoformat() if isinstance(v, datetime) else str(v) for v in values]
    return base64.urlsafe_b64encode(orjson.dumps(encoded)).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> tuple[Any, ...]:
    """The raw values of a cursor; they are typed against the sort columns by the loader."""
    try:
        padded = (cursor or "") + "=" * (-len(cursor or "") % 4)
        values = orjson.loads(base64.urlsafe_b64decode(padded))
    except (binascii.Error, ValueError, orjson.JSONDecodeError) as exc:
        raise ClientError("invalid cursor") from exc
    if not isinstance(values, list) or not values or len(values) > 4:
        raise ClientError("invalid cursor")
    return tuple(values)


def coerce_cursor_value(raw: Any, python_type: type) -> Any:
    try:
        if python_type is bool:
            if raw not in ("True", "False"):
                raise ValueError(raw)
            return raw == "True"
        if python_type is datetime:
            return datetime.fromisoformat(raw)
        if python_type is uuid.UUID:
            return uuid.UUID(raw)
        if python_type is int:  # a 64-bit column: a larger number is no cursor of it
            number = int(raw)
            if not -(2**63) <= number < 2**63:
                raise ValueError(raw)
            return number
        if python_type is float:
            return float(raw)
        return str(raw)
    except (TypeError, ValueError) as exc:
        raise ClientError("invalid cursor") from exc


@strawberry.type(description="Relay page information.")
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


@strawberry.type(description="An item of a connection and its cursor.")
class Edge(Generic[NodeT]):
    cursor: str
    node: NodeT


@strawberry.type(description="A page of a list, with Relay cursors.")
class Connection(Generic[NodeT]):
    edges: list[Edge[NodeT]]
    page_info: PageInfo
    count_total: strawberry.Private[Callable[[], Awaitable[int]]]

    @strawberry.field(description="The nodes of this page (the edges without cursors).")
    def nodes(self) -> list[NodeT]:
        return [edge.node for edge in self.edges]

    @strawberry.field(description="How many items the whole list holds (all pages).")
    async def total_count(self) -> int:
        return await self.count_total()


@dataclass(frozen=True)
class Page:
    """Rows of one page in display order, with their cursor values and look-ahead flags."""

    rows: list[Any]
    cursors: list[str]
    has_more: bool


def to_connection(
    page: Page,
    args: PageArgs,
    to_node: Callable[[Any], NodeT],
    count_total: Callable[[], Awaitable[int]],
) -> Connection[NodeT]:
    edges = [Edge(cursor=c, node=to_node(r)) for r, c in zip(page.rows, page.cursors, strict=True)]
    has_cursor = args.cursor is not None
    return Connection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=page.has_more if not args.backward else has_cursor,
            has_previous_page=page.has_more if args.backward else has_cursor,
            start_cursor=page.cursors[0] if page.cursors else None,
            end_cursor=page.cursors[-1] if page.cursors else None,
        ),
        count_total=count_total,
    )
