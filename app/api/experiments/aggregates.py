"""What runs may be aggregated by (app/api/aggregates.py)."""

from __future__ import annotations

import enum

import strawberry

from app.api.loaders.aggregates import Grouping, Measure
from app.domain.experiments.enums import RunStatus


@strawberry.enum(description="What to group runs by.")
class RunGroupBy(enum.Enum):
    STATUS = Grouping("status", enum=RunStatus)
    CREATED_BY = Grouping("created_by_id", id_type="User")


@strawberry.enum(description="A number of each run.")
class RunNumber(enum.Enum):
    DURATION_SECONDS = Measure("ended_at", since="started_at")
