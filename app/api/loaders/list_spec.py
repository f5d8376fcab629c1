"""How a child list maps to a table: its parent column, its orders and its filters."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

import orjson
from sqlalchemy import ColumnElement, func, or_

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


@dataclass(frozen=True)
class ModelFilter:
    frameworks: tuple[str, ...] = ()
    model_types: tuple[str, ...] = ()
    task_types: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()  # all of them
    search: str | None = None  # PostgreSQL full-text search (websearch syntax)

    def conditions(self, model: Any) -> list[ColumnElement[bool]]:
        out: list[ColumnElement[bool]] = []
        if self.frameworks:
            out.append(model.framework.in_(self.frameworks))
        if self.model_types:
            out.append(model.model_type.in_(self.model_types))
        if self.task_types:
            out.append(model.task_type.in_(self.task_types))
        return out + tags_and_search(model, self.tags, self.search)


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
class DatasetFilter:
    types: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()  # all of them
    search: str | None = None
    created_from: datetime | None = None
    created_to: datetime | None = None

    def conditions(self, model: Any) -> list[ColumnElement[bool]]:
        out = [model.dataset_type.in_(self.types)] if self.types else []
        out += created_between(model, self.created_from, self.created_to)
        return out + tags_and_search(model, self.tags, self.search)


@dataclass(frozen=True)
class VersionFilter:
    stages: tuple[str, ...] = ()

    def conditions(self, model: Any) -> list[ColumnElement[bool]]:
        return [model.stage.in_(self.stages)] if self.stages else []


@dataclass(frozen=True)
class DeploymentFilter:
    environment_ids: tuple[uuid.UUID, ...] = ()
    statuses: tuple[str, ...] = ()

    def conditions(self, model: Any) -> list[ColumnElement[bool]]:
        out: list[ColumnElement[bool]] = []
        if self.environment_ids:
            out.append(model.environment_id.in_(self.environment_ids))
        if self.statuses:
            out.append(model.status.in_(self.statuses))
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


@dataclass(frozen=True)
class GpuTypeFilter:
    enabled: bool | None = None

    def conditions(self, model: Any) -> list[ColumnElement[bool]]:
        return [] if self.enabled is None else [model.enabled.is_(self.enabled)]


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


@dataclass(frozen=True)
class ExperimentFilter:
    statuses: tuple[str, ...] = ()

    def conditions(self, model: Any) -> list[ColumnElement[bool]]:
        return [model.status.in_(self.statuses)] if self.statuses else []


@dataclass(frozen=True)
class RunFilter:
    statuses: tuple[str, ...] = ()
    params_json: str | None = None  # runs whose params contain this JSON object
    tags_json: str | None = None

    def conditions(self, model: Any) -> list[ColumnElement[bool]]:
        out: list[ColumnElement[bool]] = []
        if self.statuses:
            out.append(model.status.in_(self.statuses))
        # Kept as JSON text so the filter stays hashable (it is part of a loader key).
        if self.params_json is not None:
            out.append(model.params.contains(orjson.loads(self.params_json)))
        if self.tags_json is not None:
            out.append(model.tags.contains(orjson.loads(self.tags_json)))
        return out


@dataclass(frozen=True)
class PredictionFilter:
    """Predictions in [since, until), served by some versions, within latency and
    confidence bounds (inclusive)."""

    since: datetime | None = None
    until: datetime | None = None
    version_ids: tuple[uuid.UUID, ...] = ()
    min_latency_ms: float | None = None
    max_latency_ms: float | None = None
    min_confidence: float | None = None
    max_confidence: float | None = None

    def conditions(self, model: Any) -> list[ColumnElement[bool]]:
        out: list[ColumnElement[bool]] = []
        if self.since is not None:
            out.append(model.recorded_at >= self.since)
        if self.until is not None:
            out.append(model.recorded_at < self.until)
        if self.version_ids:
            out.append(model.model_version_id.in_(self.version_ids))
        if self.min_latency_ms is not None:
            out.append(model.latency_ms >= self.min_latency_ms)
        if self.max_latency_ms is not None:
            out.append(model.latency_ms <= self.max_latency_ms)
        if self.min_confidence is not None:
            out.append(model.confidence >= self.min_confidence)
        if self.max_confidence is not None:
            out.append(model.confidence <= self.max_confidence)
        return out


@dataclass(frozen=True)
class IntegrationFilter:
    types: tuple[str, ...] = ()

    def conditions(self, model: Any) -> list[ColumnElement[bool]]:
        return [model.integration_type.in_(self.types)] if self.types else []


@dataclass(frozen=True)
class RegistryLinkFilter:
    registries: tuple[str, ...] = ()
    sync_states: tuple[str, ...] = ()

    def conditions(self, model: Any) -> list[ColumnElement[bool]]:
        out: list[ColumnElement[bool]] = []
        if self.registries:
            out.append(model.registry_type.in_(self.registries))
        if self.sync_states:
            out.append(model.sync_state.in_(self.sync_states))
        return out


@dataclass(frozen=True)
class ApiKeyFilter:
    """Revoked keys only (True), live ones only (False: neither revoked nor expired)."""

    revoked: bool | None = None

    def conditions(self, model: Any) -> list[ColumnElement[bool]]:
        if self.revoked is None:
            return []
        if self.revoked:
            return [model.revoked_at.is_not(None)]
        return [
            model.revoked_at.is_(None),
            or_(model.expires_at.is_(None), model.expires_at > func.now()),
        ]


@dataclass(frozen=True)
class AuditLogFilter:
    """Entries by one of these actors, with one of these actions (an action ending in
    ``.*`` takes every action under it, e.g. ``deployment.*``), about one target (type and
    optionally id), created within [created_from, created_to]."""

    actor_ids: tuple[uuid.UUID, ...] = ()
    actions: tuple[str, ...] = ()
    action_prefixes: tuple[str, ...] = ()
    target_type: str | None = None
    target_id: uuid.UUID | None = None
    created_from: datetime | None = None
    created_to: datetime | None = None

    def conditions(self, model: Any) -> list[ColumnElement[bool]]:
        out: list[ColumnElement[bool]] = []
        if self.actor_ids:
            out.append(model.actor_user_id.in_(self.actor_ids))
        if self.actions or self.action_prefixes:
            out.append(
                or_(
                    model.action.in_(self.actions),
                    *(model.action.startswith(p, autoescape=True) for p in self.action_prefixes),
                )
            )
        if self.target_type is not None:
            out.append(model.target_type == self.target_type)
        if self.target_id is not None:
            out.append(model.target_id == self.target_id)
        return out + created_between(model, self.created_from, self.created_to)
