"""A child list's aggregate for many parents: count, and the average, minimum, maximum and
sum of one number, per value of one grouping column, in one GROUP BY statement per
distinct query (the same filter, grouping and number)."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Float, cast, extract, func, literal, select

from app.api.loaders.base import SharedLoader
from app.api.loaders.child_pages import base_conditions
from app.api.loaders.list_spec import ListFilter, ListSpec
from app.db.engine import SessionFactory

MAX_GROUPS = 1000


@dataclass(frozen=True)
class Grouping:
    """Group by a column: its stored values become keys, an enum's by member name, an
    id's as the global id of ``id_type``."""

    column: str
    enum: Any = None
    id_type: str | None = None


@dataclass(frozen=True)
class Measure:
    """A number of each row: a column, or with ``since`` the seconds from that timestamp
    column to this one (null while either is)."""

    column: str
    since: str | None = None

    def of(self, model: Any) -> ColumnElement[Any]:
        value = getattr(model, self.column)
        if self.since is None:
            return value
        return extract("epoch", value - getattr(model, self.since))


@dataclass(frozen=True)
class AggregateQuery:
    filter: ListFilter | None
    grouping: Grouping | None
    measure: Measure | None


@dataclass(frozen=True)
class AggregateRow:
    key: Any  # the stored group value (None: rows without one, or no grouping)
    count: int
    avg: float | None
    min: float | None
    max: float | None
    sum: float | None


AggregateKey = tuple[uuid.UUID, AggregateQuery]


class AggregateLoader(SharedLoader):
    """key: (parent id, AggregateQuery) -> its groups, the most rows first (at most
    MAX_GROUPS; ties by key)."""

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

    async def batch_load_fn(self, keys: list[AggregateKey]) -> list[list[AggregateRow]]:
        by_query: dict[AggregateQuery, list[uuid.UUID]] = defaultdict(list)
        for parent_id, query in keys:
            by_query[query].append(parent_id)
        found: dict[AggregateKey, list[AggregateRow]] = {}
        async with self.session_factory() as session:
            for query, parent_ids in by_query.items():
                for parent_id, rows in (await self._groups(session, query, parent_ids)).items():
                    found[(parent_id, query)] = rows
        return [found.get(key, []) for key in keys]

    async def _groups(
        self, session: Any, query: AggregateQuery, parent_ids: list[uuid.UUID]
    ) -> dict[uuid.UUID, list[AggregateRow]]:
        model = self.spec.model
        parent = getattr(model, self.spec.parent_column)
        group = getattr(model, query.grouping.column) if query.grouping else literal(None)
        number = cast(query.measure.of(model), Float) if query.measure else literal(None, Float)
        count = func.count()
        ranked = func.row_number().over(partition_by=parent, order_by=(count.desc(), group))
        conditions = base_conditions(self.spec, parent_ids, self.org_ids, self.hidden)
        if query.filter is not None:
            conditions.extend(query.filter.conditions(model))
        grouped = (
            select(
                parent.label("parent"),
                group.label("key"),
                count.label("count"),
                func.avg(number).label("avg"),
                func.min(number).label("min"),
                func.max(number).label("max"),
                func.sum(number).label("sum"),
                ranked.label("rank"),
            )
            .where(*conditions)
            .group_by(parent, group)
            .subquery()
        )
        statement = (
            select(grouped)
            .where(grouped.c.rank <= MAX_GROUPS)
            .order_by(grouped.c.parent, grouped.c.rank)
        )
        out: dict[uuid.UUID, list[AggregateRow]] = defaultdict(list)
        for row in (await session.execute(statement)).all():
            out[row.parent].append(
                AggregateRow(
                    key=row.key,
                    count=int(row.count),
                    avg=None if row.avg is None else float(row.avg),
                    min=row.min,
                    max=row.max,
                    sum=row.sum,
                )
            )
        return out
