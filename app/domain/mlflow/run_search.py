"""Runs matching an MLflow filter, in an MLflow order, a page at a time: one statement,
inside the caller's organizations and visible projects."""

from __future__ import annotations

import base64
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.errors import validation
from app.domain.experiments.enums import RunStatus
from app.domain.experiments.models import Run, RunMetricSummary
from app.domain.experiments.run_query import RunQuery, compare, condition, tag_column
from app.domain.mlflow.filters import Entity, OrderBy
from app.domain.tenancy.access import Actor
from app.domain.tenancy.visibility import visible_conditions

MAX_RESULTS = 1_000  # runs per page (MLflow's client follows next_page_token)

# MLflow's run statuses and mlgraph's.
STATUS_FROM_MLFLOW = {
    "RUNNING": RunStatus.RUNNING,
    "SCHEDULED": RunStatus.RUNNING,
    "FINISHED": RunStatus.COMPLETED,
    "FAILED": RunStatus.FAILED,
    "KILLED": RunStatus.KILLED,
}
STATUS_TO_MLFLOW = {
    RunStatus.RUNNING: "RUNNING",
    RunStatus.COMPLETED: "FINISHED",
    RunStatus.FAILED: "FAILED",
    RunStatus.KILLED: "KILLED",
}


NAME_OPS = frozenset({"=", "!=", "LIKE", "ILIKE", "IN", "NOT IN"})


def text_condition(column: Any, op: str, value: Any) -> ColumnElement[bool]:
    """A text column against a value (MLflow's experiment and model name filters)."""
    if op not in NAME_OPS:
        raise validation(f"{op} does not apply to names", ["filter"])
    return compare(column, op, value)


def _order_column(order: OrderBy) -> Any:
    if order.entity is Entity.METRIC:
        return (
            select(RunMetricSummary.last_value)
            .where(RunMetricSummary.run_id == Run.id, RunMetricSummary.key == order.key)
            .scalar_subquery()
        )
    if order.entity is Entity.PARAM:
        return Run.params[order.key].astext
    if order.entity is Entity.TAG:
        return tag_column(Run, order.key)
    columns = {
        "started_at": Run.started_at,
        "ended_at": Run.ended_at,
        "name": Run.name,
        "status": Run.status,
        "id": Run.id,
    }
    if order.key not in columns:
        raise validation(f"cannot order by attributes.{order.key}", ["order_by"])
    return columns[order.key]


@dataclass(frozen=True)
class RunPage:
    runs: list[Run]
    next_page_token: str | None


def page_token(offset: int) -> str:
    return base64.urlsafe_b64encode(orjson.dumps({"offset": offset})).decode()


def read_page_token(token: str | None) -> int:
    if not token:
        return 0
    try:
        offset = orjson.loads(base64.urlsafe_b64decode(token.encode()))["offset"]
    except (ValueError, KeyError, TypeError):
        raise validation("the page token is not one this server gave", ["page_token"]) from None
    if not isinstance(offset, int) or offset < 0:
        raise validation("the page token is not one this server gave", ["page_token"])
    return offset


async def search_runs(
    session: AsyncSession,
    actor: Actor,
    *,
    experiment_ids: Sequence[uuid.UUID],
    query: RunQuery | None,
    order: Sequence[OrderBy],
    max_results: int,
    page_token_text: str | None,
) -> RunPage:
    """Live runs of the given experiments (those the caller sees) matching the query, in
    ``order`` then newest first, ``max_results`` at most."""
    if not 1 <= max_results <= 50_000:
        raise validation("max_results must be between 1 and 50,000", ["max_results"])
    limit = min(max_results, MAX_RESULTS)
    offset = read_page_token(page_token_text)
    if not experiment_ids or not actor.org_ids:
        return RunPage([], None)
    ordering: list[Any] = []
    for clause in order:
        column = _order_column(clause)
        ordering.append(
            column.asc().nulls_last() if clause.ascending else column.desc().nulls_last()
        )
    ordering += [Run.started_at.desc(), Run.id.desc()]
    statement = (
        select(Run)
        .where(
            Run.experiment_id.in_(list(experiment_ids)),
            Run.organization_id.in_(actor.org_ids),
            Run.deleted_at.is_(None),
            *visible_conditions(Run, actor.hidden),
            *([condition(query, Run)] if query is not None else []),
        )
        .order_by(*ordering)
        .offset(offset)
        .limit(limit + 1)
    )
    runs = list((await session.scalars(statement)).all())
    more = len(runs) > limit
    return RunPage(runs[:limit], page_token(offset + limit) if more else None)
