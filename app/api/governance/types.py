"""Promotion gates, requests and reviews."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import strawberry
from strawberry.types import Info

from app.api.governance.enums import PromotionRequestStatus
from app.api.governance.lists import REVIEWS_OF_REQUEST
from app.api.graph.converters import FromRow, from_declaration
from app.api.graph.fields import children, related
from app.api.monitoring.enums import AlertSeverity
from app.api.node import Node
from app.api.registry.enums import ModelStage
from app.api.tenancy.enums import OrgRole
from app.domain.governance.checks import CheckResult, run_checks
from app.domain.governance.models import PromotionGate as PromotionGateRow
from app.domain.governance.models import PromotionRequest as PromotionRequestRow
from app.domain.governance.models import PromotionReview as PromotionReviewRow
from app.domain.governance.services import Target, gate_for
from app.domain.registry.models import ModelVersion as ModelVersionRow


@strawberry.type(description="A bound on the source run's last value of a metric.")
class GateMetricBound:
    metric: str
    min: float | None
    max: float | None


@strawberry.type(description="One of a gate's checks on a version, as it stands now.")
class PromotionCheck:
    name: str = strawberry.field(description="metric:<key>, alerts or datasets.")
    passed: bool
    detail: str

    @classmethod
    def of(cls, result: CheckResult) -> PromotionCheck:
        return cls(name=result.name, passed=result.passed, detail=result.detail)


@from_declaration(
    PromotionGateRow,
    python={"metricBounds": "a typed list read from the row's JSON"},
    attributes={"metric_bounds_": "metric_bounds"},
)
@strawberry.type(
    description="What moving a version of the model to a stage, or pointing an alias at "
    "one, needs: approvals from reviewers with a role, and checks. Set by admins."
)
class PromotionGate(Node, FromRow):
    target_stage: ModelStage | None
    target_alias: str | None
    required_approvals: int
    reviewer_role: OrgRole = strawberry.field(description="Reviewers have at least this role.")
    max_open_alert_severity: AlertSeverity | None = strawberry.field(
        description="No alert at this severity or above may be open on the model's "
        "deployments or the version's source run."
    )
    require_verified_datasets: bool = strawberry.field(
        description="Every dataset version the source run consumed is VERIFIED or ACTIVE "
        "(and it recorded one)."
    )
    created_at: datetime
    model_id: strawberry.Private[uuid.UUID]
    created_by_id: strawberry.Private[uuid.UUID | None]
    metric_bounds_: strawberry.Private[list[dict[str, Any]]]

    model = related()
    created_by = related()

    @strawberry.field(description="Bounds on the source run's last metric values.")
    def metric_bounds(self) -> list[GateMetricBound]:
        return [GateMetricBound(**bound) for bound in self.metric_bounds_]


@from_declaration(PromotionReviewRow)
@strawberry.type(description="A reviewer's word on a promotion request.")
class PromotionReview(Node, FromRow):
    approve: bool
    comment: str | None
    created_at: datetime
    reviewer_id: strawberry.Private[uuid.UUID]
    request_id: strawberry.Private[uuid.UUID]

    reviewer = related()


@from_declaration(
    PromotionRequestRow, python={"checks": "the gate's checks, run now in a read session"}
)
@strawberry.type(
    description="A request to move a version through its model's gate; applied once enough "
    "reviewers approved and the checks pass."
)
class PromotionRequest(Node, FromRow):
    target_stage: ModelStage | None
    target_alias: str | None
    status: PromotionRequestStatus
    reason: str | None = strawberry.field(
        description="Where it stands: approvals so far, failing checks, a rejection's words."
    )
    created_at: datetime
    decided_at: datetime | None
    model_version_id: strawberry.Private[uuid.UUID]
    requested_by_id: strawberry.Private[uuid.UUID | None]

    model_version = related()
    requested_by = related()
    reviews = children(REVIEWS_OF_REQUEST, description="Reviews, oldest first.")

    @strawberry.field(description="The gate's checks on the version, as they stand now.")
    async def checks(self, info: Info) -> list[PromotionCheck]:
        async with info.context.read_session_factory() as session:
            version = await session.get(ModelVersionRow, self.model_version_id)
            if version is None:
                return []
            stage = ModelStage(self.target_stage) if self.target_stage else None
            gate = await gate_for(session, version.model_id, Target(stage, self.target_alias))
            if gate is None:
                return []
            return [PromotionCheck.of(r) for r in await run_checks(session, gate, version)]
