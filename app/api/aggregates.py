"""Aggregates over a filtered list (issue 30): count, and the average, minimum, maximum and
sum of one number, grouped by one field. Each list that offers one declares what it may be
grouped by and which numbers it has, as enums whose values are the loader's specs
(``Grouping``, ``Measure``), and a field next to the list taking the list's own filter.

The fields are resolvers, not declarations the compiler reads: a GROUP BY answers a
different shape than a page of rows. They batch per parent like ``totalCount``."""

from __future__ import annotations

import enum
import uuid
from typing import Any

import strawberry
from strawberry.types import Info

from app.api.ids import encode_id
from app.api.loaders.aggregates import MAX_GROUPS, AggregateQuery, AggregateRow, Grouping
from app.api.loaders.list_spec import ListFilter, ListSpec

AGGREGATE_REASON = "a GROUP BY over the list (app/api/aggregates.py), not a page of its rows"
AGGREGATE_DESCRIPTION = (
    "Count the rows `filter` keeps, grouped by `groupBy` (one group without it), and the "
    "average, minimum, maximum and sum of the number `of` names (null without it), the "
    f"largest groups first, at most {MAX_GROUPS}."
)


@strawberry.type(description="One group of an aggregate over a list.")
class AggregateGroup:
    key: str | None = strawberry.field(
        description="The group's value: an enum value's name, a global id, or the text "
        "stored; null for rows without one (or when not grouped)."
    )
    count: int
    avg: float | None
    min: float | None
    max: float | None
    sum: float | None


def _key(grouping: Grouping | None, value: Any) -> str | None:
    if grouping is None or value is None:
        return None
    if grouping.enum is not None:
        return str(grouping.enum(value).name)
    if grouping.id_type is not None:
        return encode_id(grouping.id_type, value)
    return str(value)


async def aggregate(
    info: Info,
    spec: ListSpec,
    parent_id: uuid.UUID,
    list_filter: ListFilter | None,
    group_by: enum.Enum | None,
    of: enum.Enum | None,
) -> list[AggregateGroup]:
    grouping = group_by.value if group_by is not None else None
    query = AggregateQuery(list_filter, grouping, of.value if of is not None else None)
    rows: list[AggregateRow] = await info.context.loaders.aggregate(spec).load((parent_id, query))
    return [
        AggregateGroup(
            key=_key(grouping, row.key),
            count=row.count,
            avg=row.avg,
            min=row.min,
            max=row.max,
            sum=row.sum,
        )
        for row in rows
    ]
