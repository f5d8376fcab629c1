"""The registry context's lists: how each of its child lists maps to a table (its
parent column, orders and flags), and the filters its list arguments build."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement

from app.api.errors import ClientError
from app.api.graph.declare import ListQuery, order_of
from app.api.loaders.list_spec import ListSpec, Order, orders_of, tags_and_search
from app.api.orders import CreatedOrder
from app.api.registry.enums import ModelOrder, ProjectOrder
from app.domain.integrations.models import RegistryLink
from app.domain.registry.models import Model, ModelAlias, ModelAliasEvent, ModelVersion
from app.domain.tenancy.models import Project, ProjectMember


@dataclass(frozen=True)
class ModelFilter:
    frameworks: tuple[str, ...] = ()
    model_types: tuple[str, ...] = ()
    task_types: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()  # all of them
    search: str | None = None  # PostgreSQL full-text search (websearch syntax)
    creators: tuple[uuid.UUID, ...] = ()

    def conditions(self, model: Any) -> list[ColumnElement[bool]]:
        out: list[ColumnElement[bool]] = []
        if self.creators:
            out.append(model.created_by_id.in_(self.creators))
        if self.frameworks:
            out.append(model.framework.in_(self.frameworks))
        if self.model_types:
            out.append(model.model_type.in_(self.model_types))
        if self.task_types:
            out.append(model.task_type.in_(self.task_types))
        return out + tags_and_search(model, self.tags, self.search)


@dataclass(frozen=True)
class VersionFilter:
    stages: tuple[str, ...] = ()

    def conditions(self, model: Any) -> list[ColumnElement[bool]]:
        return [model.stage.in_(self.stages)] if self.stages else []


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


PROJECTS_OF_ORGANIZATION = ListSpec(
    "projects_of_organization",
    Project,
    "organization_id",
    orders_of(ProjectOrder),
)


MEMBERS_OF_PROJECT = ListSpec(
    "members_of_project", ProjectMember, "project_id", orders_of(CreatedOrder), live_only=False
)


MODELS_OF_PROJECT = ListSpec(
    "models_of_project",
    Model,
    "project_id",
    orders_of(ModelOrder),
)


ALIASES_OF_MODEL = ListSpec(
    "aliases_of_model",
    ModelAlias,
    "model_id",
    {"NAME_ASC": Order(("name", "id"))},
    default_order="NAME_ASC",
    live_only=False,
)


EVENTS_OF_ALIAS = ListSpec(
    "events_of_alias",
    ModelAliasEvent,
    "alias_id",
    orders_of(CreatedOrder),
    default_order="CREATED_DESC",
    live_only=False,
)


VERSIONS_OF_MODEL = ListSpec(
    "versions_of_model",
    ModelVersion,
    "model_id",
    orders_of(CreatedOrder),
    default_order="CREATED_DESC",
)


VERSIONS_OF_RUN = ListSpec("versions_of_run", ModelVersion, "run_id", orders_of(CreatedOrder))


REGISTRY_LINKS_OF_MODEL = ListSpec(
    "registry_links_of_model", RegistryLink, "model_id", orders_of(CreatedOrder), live_only=False
)


REGISTRY_LINKS_OF_VERSION = ListSpec(
    "registry_links_of_version",
    RegistryLink,
    "model_version_id",
    orders_of(CreatedOrder),
    live_only=False,
)


def registry_links_query(kwargs: Mapping[str, Any]) -> ListQuery:
    registries = tuple(r.strip().lower() for r in kwargs.get("registry") or ())
    if len(registries) > 20:
        raise ClientError("registry takes at most 20 names")
    states = tuple(s.value for s in kwargs.get("sync_state") or ())
    return ListQuery(
        order=order_of(kwargs),
        filter=RegistryLinkFilter(registries=registries, sync_states=states),
    )


def versions_query(kwargs: Mapping[str, Any]) -> ListQuery:
    stages = kwargs.get("stage")
    version_filter = VersionFilter(stages=tuple(s.value for s in stages)) if stages else None
    return ListQuery(order=order_of(kwargs), filter=version_filter)
