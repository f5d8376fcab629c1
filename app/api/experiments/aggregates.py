"""What runs may be aggregated by (app/api/aggregates.py)."""

from __future__ import annotations

import enum
from typing import Any

import strawberry
from sqlalchemy import ColumnElement, extract

from app.api.loaders.aggregates import Grouping, Measure
from app.domain.experiments.enums import RunStatus


def run_seconds(model: Any) -> ColumnElement[Any]:
    """How long a run took (null while it runs)."""
    return extract("epoch", model.ended_at - model.started_at)


@strawberry.enum(description="What to group runs by.")
class RunGroupBy(enum.Enum):
    STATUS = Grouping("status", enum=RunStatus)
    CREATED_BY = Grouping("created_by_id", id_type="User")


@strawberry.enum(description="A number of each run.")
class RunNumber(enum.Enum):
    DURATION_SECONDS = Measure(expression=run_seconds)
