"""The builds context's lists: how each of its child lists maps to a table (its
parent column, orders and flags), and the filters its list arguments build."""

from __future__ import annotations

from app.api.loaders.list_spec import ListSpec, orders_of
from app.api.orders import CreatedOrder
from app.domain.builds.models import ArtifactBuild

ARTIFACT_BUILDS_OF_PROJECT = ListSpec(
    "artifact_builds_of_project",
    ArtifactBuild,
    "project_id",
    orders_of(CreatedOrder),
    default_order="CREATED_DESC",
    live_only=False,
)
