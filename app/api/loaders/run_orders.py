"""Orders of runs by a metric's last value or a numeric param (runs missing it come last)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Float, case, func, literal, select

from app.api.errors import ClientError
from app.api.loaders.list_spec import Order
from app.domain.experiments.models import RunMetricSummary
from app.domain.experiments.run_query import finite, numeric_param


@dataclass(frozen=True)
class ByValue(Order):
    """Sort keys (missing?, value, id), always compared ascending: DESC negates the value,
    so runs without the value come last in both directions."""

    columns: tuple[str, ...] = ("id",)
    value_descending: bool = False

    def value(self, model: Any, argument: str) -> ColumnElement[Any]:
        raise NotImplementedError

    def expressions(self, model: Any, argument: str | None) -> list[ColumnElement[Any]]:
        if not argument:
            raise ClientError("this order needs a key (the metric key or param name)")
        value = self.value(model, argument)
        ordered = -func.coalesce(value, 0.0) if self.value_descending else func.coalesce(value, 0.0)
        return [value.is_(None), ordered, model.id]


NONFINITE = [literal(v, Float(precision=53)) for v in (math.nan, math.inf, -math.inf)]


@dataclass(frozen=True)
class ByMetricLast(ByValue):
    """A run whose last value is NaN or ±Infinity sorts with the runs missing the key
    (last, both ways): it has no place among numbers, and a cursor carries no NaN. With
    ``stat`` "min" or "max": the run's smallest or largest finite value of the key."""

    stat: str = "last"

    def value(self, model: Any, argument: str) -> ColumnElement[Any]:
        if self.stat == "min":
            return self._summary(model, argument, RunMetricSummary.min_value)
        if self.stat == "max":
            return self._summary(model, argument, RunMetricSummary.max_value)
        last = RunMetricSummary.last_value
        return self._summary(model, argument, case((last.in_(NONFINITE), None), else_=last))

    def _summary(self, model: Any, argument: str, column: Any) -> ColumnElement[Any]:
        return (
            select(column)
            .where(RunMetricSummary.run_id == model.id, RunMetricSummary.key == argument)
            .scalar_subquery()
        )

    def summary_column(self) -> Any:
        return {
            "min": RunMetricSummary.min_value,
            "max": RunMetricSummary.max_value,
        }.get(self.stat, RunMetricSummary.last_value)

    async def one_parent_page(
        self,
        session: Any,
        model: Any,
        conditions: list[ColumnElement[bool]],
        argument: str | None,
        cursor: tuple[Any, ...] | None,
        size: int,
    ) -> list[tuple[Any, list[Any]]]:
        """The page of one parent's runs (forward), driven by the summaries' (key, value)
        index: runs with a finite value in value order, stopping at ``size`` rows, then
        (if the page is not full) the runs without one, in id order. Sort values as
        ``expressions`` gives them, so cursors are the same either way. Without it, every
        run's value is computed and sorted (a million runs: seconds)."""
        if not argument:
            raise ClientError("this order needs a key (the metric key or param name)")
        column = self.summary_column()
        has_value = finite(column) & column.is_not(None)
        missing_after = cursor is not None and bool(cursor[0])
        found: list[tuple[Any, list[Any]]] = []
        if not missing_after:
            value_order = column.desc() if self.value_descending else column.asc()
            query = (
                select(model, column)
                .join(RunMetricSummary, RunMetricSummary.run_id == model.id)
                .where(*conditions, RunMetricSummary.key == argument, has_value)
                .order_by(value_order, model.id)
                .limit(size)
            )
            if cursor is not None:
                bound = -cursor[1] if self.value_descending else cursor[1]
                beyond = column < bound if self.value_descending else column > bound
                query = query.where(beyond | ((column == bound) & (model.id > cursor[2])))
            for row, value in await session.execute(query):
                found.append((row, [False, -value if self.value_descending else value, row.id]))
        if len(found) < size:
            valued = (
                select(RunMetricSummary.run_id)
                .where(RunMetricSummary.key == argument, has_value)
                .scalar_subquery()
            )
            query = (
                select(model)
                .where(*conditions, model.id.not_in(valued))
                .order_by(model.id)
                .limit(size - len(found))
            )
            if missing_after:
                assert cursor is not None
                query = query.where(model.id > cursor[2])
            zero = -0.0 if self.value_descending else 0.0
            for (row,) in await session.execute(query):
                found.append((row, [True, zero, row.id]))
        return found


@dataclass(frozen=True)
class ByNumericParam(ByValue):
    """A JSON number, or text that reads as one (MLflow logs every param as text)."""

    def value(self, model: Any, argument: str) -> ColumnElement[Any]:
        return numeric_param(model, argument)
