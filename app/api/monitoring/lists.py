"""The monitoring context's lists: how each of its child lists maps to a table (its
parent column, orders and flags), and the filters its list arguments build."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement

from app.api.errors import ClientError
from app.api.graph.declare import ListQuery, order_of
from app.api.loaders.list_spec import ListSpec, orders_of
from app.api.orders import CreatedOrder, NamedOrder
from app.api.serving.enums import MetricOrder
from app.domain.monitoring.models import (
    Alert,
    AlertRule,
    DriftFeatureScore,
    DriftReport,
    MonitoringMetric,
)


@dataclass(frozen=True)
class MetricFilter:
    names: tuple[str, ...] = ()
    since: datetime | None = None  # inclusive
    until: datetime | None = None  # exclusive

    def conditions(self, model: Any) -> list[ColumnElement[bool]]:
        out: list[ColumnElement[bool]] = []
        if self.names:
            out.append(model.name.in_(self.names))
        if self.since is not None:
            out.append(model.recorded_at >= self.since)
        if self.until is not None:
            out.append(model.recorded_at < self.until)
        return out


@dataclass(frozen=True)
class AlertFilter:
    statuses: tuple[str, ...] = ()
    severities: tuple[str, ...] = ()

    def conditions(self, model: Any) -> list[ColumnElement[bool]]:
        out: list[ColumnElement[bool]] = []
        if self.statuses:
            out.append(model.status.in_(self.statuses))
        if self.severities:
            out.append(model.severity.in_(self.severities))
        return out


METRICS_OF_DEPLOYMENT = ListSpec(
    "metrics_of_deployment",
    MonitoringMetric,
    "deployment_id",
    orders_of(MetricOrder),
    default_order="RECORDED_AT_ASC",
    live_only=False,
)


ALERTS_OF_DEPLOYMENT = ListSpec(
    "alerts_of_deployment",
    Alert,
    "deployment_id",
    orders_of(CreatedOrder),
    default_order="CREATED_DESC",
    live_only=False,
)


ALERTS_OF_ORGANIZATION = ListSpec(
    "alerts_of_organization",
    Alert,
    "organization_id",
    orders_of(CreatedOrder),
    default_order="CREATED_DESC",
    live_only=False,
)


ALERT_RULES_OF_PROJECT = ListSpec(
    "alert_rules_of_project", AlertRule, "project_id", orders_of(NamedOrder)
)


DRIFT_REPORTS_OF_DEPLOYMENT = ListSpec(
    "drift_reports_of_deployment",
    DriftReport,
    "deployment_id",
    orders_of(CreatedOrder),
    default_order="CREATED_DESC",
    live_only=False,
)


SCORES_OF_REPORT = ListSpec(
    "scores_of_report", DriftFeatureScore, "report_id", orders_of(CreatedOrder), live_only=False
)


MAX_METRIC_NAMES = 50


def metric_points_query(kwargs: Mapping[str, Any]) -> ListQuery:
    names, since, until = kwargs.get("names"), kwargs.get("from_"), kwargs.get("to")
    if names is not None and len(names) > MAX_METRIC_NAMES:
        raise ClientError(f"names takes at most {MAX_METRIC_NAMES} entries")
    if since is not None and until is not None and since > until:
        raise ClientError("from must not be after to")
    metric_filter = MetricFilter(names=tuple(sorted(set(names or []))), since=since, until=until)
    return ListQuery(order=order_of(kwargs), filter=metric_filter)


def alerts_query(kwargs: Mapping[str, Any]) -> ListQuery:
    alert_filter = AlertFilter(
        statuses=tuple(s.value for s in kwargs.get("status") or []),
        severities=tuple(s.value for s in kwargs.get("severity") or []),
    )
    return ListQuery(order=order_of(kwargs), filter=alert_filter)
