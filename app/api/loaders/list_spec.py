"""How a child list maps to a table: its parent column, its orders and its filters."""

from __future__ import annotations

import enum
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import ColumnElement, func

from app.api.pagination import PageArgs


class ListFilter(Protocol):
    """A hashable filter that turns into SQL conditions on one table."""

    def conditions(self, model: Any) -> list[ColumnElement[bool]]: ...


@dataclass(frozen=True)
class Order:
    """A total order: the last column is unique, so keyset cursors never skip or repeat."""

    columns: tuple[str, ...]
    descending: bool = False

    def expressions(self, model: Any, argument: str | None) -> list[ColumnElement[Any]]:
        """The sort keys, compared as one tuple (all in the same direction)."""
        return [getattr(model, name) for name in self.columns]


@dataclass(frozen=True)
class ListSpec:
    name: str
    model: Any
    parent_column: str
    orders: Mapping[str, Order] = field(hash=False)
    default_order: str = "CREATED_ASC"
    live_only: bool = True
    # Rows that belong to a user, not an organization (API keys): listed under their owner
    # (the caller, through ``viewer``) whatever organization they are limited to, or none.
    owned_by_user: bool = False


@dataclass(frozen=True)
class PageQuery:
    """Everything but the parent id that shapes one page: keys sharing it batch together."""

    order: str
    args: PageArgs
    filter: ListFilter | None = None
    order_argument: str | None = None  # e.g. the metric key of an order by metric value


PageKey = tuple[uuid.UUID, PageQuery]
CountKey = tuple[uuid.UUID, "ListFilter | None"]


def tags_and_search(
    model: Any, tags: tuple[str, ...], search: str | None
) -> list[ColumnElement[bool]]:
    """Rows with all these tags, matching this full-text search (websearch syntax)."""
    out: list[ColumnElement[bool]] = []
    if tags:
        out.append(model.tags.contains(list(tags)))
    if search:
        out.append(model.search_vector.op("@@")(func.websearch_to_tsquery("english", search)))
    return out


@dataclass(frozen=True)
class StatusFilter:
    """Rows whose ``status`` is one of these (every status when empty), created within
    [created_from, created_to] (either end open when None)."""

    statuses: tuple[str, ...] = ()
    created_from: datetime | None = None
    created_to: datetime | None = None

    def conditions(self, model: Any) -> list[ColumnElement[bool]]:
        out = [model.status.in_(self.statuses)] if self.statuses else []
        return out + created_between(model, self.created_from, self.created_to)


def created_between(
    model: Any, created_from: datetime | None, created_to: datetime | None
) -> list[ColumnElement[bool]]:
    out: list[ColumnElement[bool]] = []
    if created_from is not None:
        out.append(model.created_at >= created_from)
    if created_to is not None:
        out.append(model.created_at <= created_to)
    return out


def orders_of(*sources: type[enum.Enum] | Mapping[str, Order]) -> dict[str, Order]:
    """A list's orders by name: an order enum is its own spec (each member's value is the
    order, its columns ending in a unique one: uuid7 ids are time-ordered, so "id" is
    creation order too); a mapping adds orders no argument exposes (a list's default)."""
    merged: dict[str, Order] = {}
    for source in sources:
        if isinstance(source, Mapping):
            merged.update(source)
        else:
            merged.update({member.name: member.value for member in source})
    return merged
