"""Pages of child rows for many parents in one statement, limited per parent in SQL."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, func, select, tuple_
from sqlalchemy.orm import aliased

from app.api.errors import ClientError
from app.api.loaders.base import SharedLoader
from app.api.loaders.list_spec import ListSpec, PageKey, PageQuery
from app.api.pagination import Page, coerce_cursor_value, encode_cursor
from app.db.engine import SessionFactory
from app.domain.tenancy.visibility import visible_conditions


def base_conditions(
    spec: ListSpec,
    parent_ids: list[uuid.UUID],
    org_ids: list[uuid.UUID],
    hidden: Sequence[uuid.UUID] = (),
) -> list[ColumnElement[bool]]:
    """Parent, tenancy (defence in depth: parents were already checked), liveness, and
    private projects (an organization's list reaches into every project)."""
    model = spec.model
    conditions = [getattr(model, spec.parent_column).in_(parent_ids)]
    if not spec.owned_by_user:  # a user's own rows: the parent is the caller (viewer)
        conditions.append(model.organization_id.in_(org_ids))
    if spec.live_only:
        conditions.append(model.deleted_at.is_(None))
    return conditions + visible_conditions(model, hidden)


class ChildPageLoader(SharedLoader):
    """key: (parent id, PageQuery) -> Page."""

    def __init__(
        self,
        session_factory: SessionFactory,
        org_ids: list[uuid.UUID],
        spec: ListSpec,
        hidden: Sequence[uuid.UUID] = (),
    ) -> None:
        super().__init__()
        self.session_factory = session_factory
        self.org_ids = org_ids
        self.spec = spec
        self.hidden = hidden

    async def batch_load_fn(self, keys: list[PageKey]) -> list[Page]:
        groups: dict[PageQuery, list[uuid.UUID]] = defaultdict(list)
        for parent_id, query in keys:
            groups[query].append(parent_id)
        pages: dict[PageKey, Page] = {}
        async with self.session_factory() as session:
            for query, parent_ids in groups.items():
                rows_by_parent = await self._load_group(session, query, parent_ids)
                for parent_id in parent_ids:
                    pages[(parent_id, query)] = self._page(query, rows_by_parent.get(parent_id, []))
        return [pages[key] for key in keys]

    async def _load_group(
        self, session: Any, query: PageQuery, parent_ids: list[uuid.UUID]
    ) -> dict[uuid.UUID, list[tuple[Any, str]]]:
        """Rows per parent in page order, each with its cursor."""
        spec, model, args = self.spec, self.spec.model, query.args
        order = spec.orders[query.order]
        keys = order.expressions(model, query.order_argument)
        descending = order.descending != args.backward  # reading backward flips the order
        conditions = base_conditions(spec, parent_ids, self.org_ids, self.hidden)
        if query.filter is not None:
            conditions.extend(query.filter.conditions(model))
        values = None
        if args.cursor is not None:
            if len(args.cursor) != len(keys):
                raise ClientError("invalid cursor for this list and order")
            values = [
                coerce_cursor_value(raw, key.type.python_type)
                for raw, key in zip(args.cursor, keys, strict=True)
            ]
        one_parent_page = getattr(order, "one_parent_page", None)
        if one_parent_page is not None and len(parent_ids) == 1 and not descending:
            # An order with a plan of its own for one parent (a metric's value: driven by
            # the summaries' index, not by sorting every run).
            parent_id = parent_ids[0]
            rows = await one_parent_page(
                session, model, conditions, query.order_argument,
                tuple(values) if values is not None else None, args.size + 1,
            )  # fmt: skip
            return {parent_id: [(row, encode_cursor(sort)) for row, sort in rows]}
        if values is not None:
            row_key, bound = tuple_(*keys), tuple_(*values)
            conditions.append(row_key < bound if descending else row_key > bound)
        parent = getattr(model, spec.parent_column)
        rank = func.row_number().over(
            partition_by=parent,
            order_by=[key.desc() if descending else key.asc() for key in keys],
        )
        sort_labels = [f"page_sort_{i}" for i in range(len(keys))]
        ranked = (
            select(
                model,
                *(key.label(label) for key, label in zip(keys, sort_labels, strict=True)),
                rank.label("page_rank"),
            )
            .where(*conditions)
            .subquery()
        )
        entity = aliased(model, ranked)
        statement = (
            select(entity, *(ranked.c[label] for label in sort_labels))
            .where(ranked.c.page_rank <= args.size + 1)
            .order_by(ranked.c[parent.key], ranked.c.page_rank)
        )
        out: dict[uuid.UUID, list[tuple[Any, str]]] = defaultdict(list)
        for row, *sort_values in await session.execute(statement):
            out[getattr(row, spec.parent_column)].append((row, encode_cursor(sort_values)))
        return out

    def _page(self, query: PageQuery, rows: list[tuple[Any, str]]) -> Page:
        size = query.args.size
        has_more = len(rows) > size
        rows = rows[:size]
        if query.args.backward:
            rows.reverse()
        return Page(
            rows=[row for row, _ in rows], cursors=[cursor for _, cursor in rows], has_more=has_more
        )
