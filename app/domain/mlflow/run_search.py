"""Runs matching an MLflow filter, in an MLflow order, a page at a time: one statement,
inside the caller's organizations and visible projects."""

from __future__ import annotations

import base64
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import ColumnElement, and_, exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.errors import validation
from app.domain.experiments.enums import RunStatus
from app.domain.experiments.models import Run, RunMetricSummary
from app.domain.mlflow.filters import Comparison, Entity, OrderBy
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
# Tags MLflow's client sets that are columns of a run in mlgraph.
NAME_TAG = "mlflow.runName"
NOTE_TAG = "mlflow.note.content"


def _millis(value: float) -> datetime:
    return datetime.fromtimestamp(value / 1000, UTC)


def text_condition(column: Any, op: str, value: Any) -> ColumnElement[bool]:
    if op == "=":
        return column == value  # type: ignore[no-any-return]
    if op == "!=":
        return column != value  # type: ignore[no-any-return]
    if op == "LIKE":
        return column.like(value)  # type: ignore[no-any-return]
    if op == "ILIKE":
        return column.ilike(value)  # type: ignore[no-any-return]
    if op == "IN":
        return column.in_(list(value))  # type: ignore[no-any-return]
    if op == "NOT IN":
        return column.not_in(list(value))  # type: ignore[no-any-return]
    raise AssertionError(op)


def _number_condition(column: Any, op: str, value: Any) -> ColumnElement[bool]:
    operators = {
        "=": column.__eq__,
        "!=": column.__ne__,
        ">": column.__gt__,
        ">=": column.__ge__,
        "<": column.__lt__,
        "<=": column.__le__,
    }
    return operators[op](value)  # type: ignore[no-any-return]


def _tag_column(key: str) -> Any:
    if key == NAME_TAG:
        return Run.name
    if key == NOTE_TAG:
        return Run.description
    return Run.tags[key].astext


def _run_ids(values: Sequence[str]) -> list[uuid.UUID]:
    found = []
    for value in values:
        try:
            found.append(uuid.UUID(value))
        except ValueError:
            continue  # no run has that id
    return found


def condition(comparison: Comparison) -> ColumnElement[bool]:
    entity, key, op, value = comparison.entity, comparison.key, comparison.op, comparison.value
    if entity is Entity.METRIC:
        summary = RunMetricSummary
        return exists().where(
            summary.run_id == Run.id,
            summary.key == key,
            _number_condition(summary.last_value, op, value),
        )
    if entity in (Entity.PARAM, Entity.TAG):
        column = Run.params[key].astext if entity is Entity.PARAM else _tag_column(key)
        if op == "IS NULL":
            return column.is_(None)  # type: ignore[no-any-return]
        if op == "IS NOT NULL":
            return column.is_not(None)  # type: ignore[no-any-return]
        return and_(column.is_not(None), text_condition(column, op, value))
    if key in ("start_time", "created"):
        return _number_condition(Run.started_at, op, _millis(float(value)))  # type: ignore[arg-type]
    if key == "end_time":
        return _number_condition(Run.ended_at, op, _millis(float(value)))  # type: ignore[arg-type]
    if key == "status":
        values = list(value) if isinstance(value, tuple) else [str(value)]
        statuses = sorted({STATUS_FROM_MLFLOW[v].value for v in values if v in STATUS_FROM_MLFLOW})
        if op in ("=", "IN"):
            return Run.status.in_(statuses)
        if op in ("!=", "NOT IN"):
            return Run.status.not_in(statuses)
        return text_condition(Run.status, op, str(value).lower())
    if key == "run_name":
        return text_condition(Run.name, op, value)
    if key == "run_id":
        ids = _run_ids(list(value) if isinstance(value, tuple) else [str(value)])
        return Run.id.in_(ids) if op in ("=", "IN") else Run.id.not_in(ids)
    if key == "user_id":
        return text_condition(Run.tags["mlflow.user"].astext, op, value)
    raise validation(f"attributes.{key} cannot be filtered on here", ["filter"])


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
        return _tag_column(order.key)
    columns = {
        "start_time": Run.started_at,
        "created": Run.started_at,
        "end_time": Run.ended_at,
        "run_name": Run.name,
        "status": Run.status,
        "run_id": Run.id,
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
    comparisons: Sequence[Comparison],
    order: Sequence[OrderBy],
    max_results: int,
    page_token_text: str | None,
) -> RunPage:
    """Live runs of the given experiments (those the caller sees) matching every
    comparison, in ``order`` then newest first, ``max_results`` at most."""
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
    query = (
        select(Run)
        .where(
            Run.experiment_id.in_(list(experiment_ids)),
            Run.organization_id.in_(actor.org_ids),
            Run.deleted_at.is_(None),
            *visible_conditions(Run, actor.hidden),
            *[condition(c) for c in comparisons],
        )
        .order_by(*ordering)
        .offset(offset)
        .limit(limit + 1)
    )
    runs = list((await session.scalars(query)).all())
    more = len(runs) > limit
    return RunPage(runs[:limit], page_token(offset + limit) if more else None)
