"""Governance mutations: gates on a model's promotions, and the requests that pass them."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.types import Info

from app.api.errors import UserError
from app.api.governance.types import PromotionCheck, PromotionGate, PromotionRequest
from app.api.graph.payloads import mutate
from app.api.ids import input_id
from app.api.monitoring.enums import AlertSeverity
from app.api.registry.enums import ModelStage
from app.api.tenancy.enums import OrgRole
from app.domain.governance import services
from app.domain.governance.services import RequestState
from app.domain.promotion.services import MetricBound
from app.domain.tenancy.access import Actor


@strawberry.input(description="A bound on the source run's last value of a metric.")
class GateMetricBoundInput:
    metric: str
    min: float | None = None
    max: float | None = None


@strawberry.input
class PromotionGateSetInput:
    model_id: strawberry.ID
    stage: ModelStage | None = strawberry.field(
        default=None, description="STAGING or PRODUCTION; or give alias."
    )
    alias: str | None = None
    required_approvals: int = strawberry.field(default=1, description="0 to 10.")
    reviewer_role: OrgRole = OrgRole.ADMIN
    metric_bounds: list[GateMetricBoundInput] = strawberry.field(default_factory=list)
    max_open_alert_severity: AlertSeverity | None = None
    require_verified_datasets: bool = False


@strawberry.input
class PromotionGateDeleteInput:
    promotion_gate_id: strawberry.ID


@strawberry.type
class PromotionGatePayload:
    promotion_gate: PromotionGate | None
    user_errors: list[UserError]


@strawberry.input
class PromotionRequestCreateInput:
    model_version_id: strawberry.ID
    stage: ModelStage | None = None
    alias: str | None = None


@strawberry.input
class PromotionRequestReviewInput:
    promotion_request_id: strawberry.ID
    approve: bool
    comment: str | None = None


@strawberry.input
class PromotionRequestInput:
    promotion_request_id: strawberry.ID


@strawberry.type
class PromotionRequestPayload:
    promotion_request: PromotionRequest | None
    approvals: int = strawberry.field(description="Approving reviews so far.")
    approvals_needed: int
    checks: list[PromotionCheck] = strawberry.field(
        description="The gate's checks, as they stood in this mutation's transaction."
    )
    user_errors: list[UserError]


def _extra(state: RequestState | None) -> dict[str, object]:
    if state is None:
        return {"approvals": 0, "approvals_needed": 0, "checks": []}
    return {
        "approvals": state.approvals,
        "approvals_needed": state.needed,
        "checks": [PromotionCheck.of(result) for result in state.checks],
    }


async def _request(
    info: Info, work: Callable[[AsyncSession, Actor], Awaitable[RequestState]]
) -> PromotionRequestPayload:
    """A request's mutation: its payload with where the request stands."""
    return await mutate(
        info,
        PromotionRequestPayload,
        "promotion_request",
        work,
        row_of=lambda state: state.request,
        extra=_extra,
    )


@strawberry.type
class GovernanceMutations:
    @strawberry.mutation(
        description="Set (make or replace) the model's gate for a stage or an alias: what "
        "moving a version there needs. Organization admins."
    )
    async def promotion_gate_set(
        self, info: Info, input: PromotionGateSetInput
    ) -> PromotionGatePayload:
        return await mutate(
            info,
            PromotionGatePayload,
            "promotion_gate",
            lambda session, actor: services.promotion_gate_set(
                session,
                actor,
                model_id=input_id(input, "model_id", "Model"),
                stage=input.stage,
                alias=input.alias,
                required_approvals=input.required_approvals,
                reviewer_role=input.reviewer_role,
                metric_bounds=[MetricBound(b.metric, b.min, b.max) for b in input.metric_bounds],
                max_open_alert_severity=input.max_open_alert_severity,
                require_verified_datasets=input.require_verified_datasets,
            ),
        )

    @strawberry.mutation(description="Remove a gate (pending requests can then be applied).")
    async def promotion_gate_delete(
        self, info: Info, input: PromotionGateDeleteInput
    ) -> PromotionGatePayload:
        return await mutate(
            info,
            PromotionGatePayload,
            "promotion_gate",
            lambda session, actor: services.promotion_gate_delete(
                session, actor, gate_id=input_id(input, "promotion_gate_id", "PromotionGate")
            ),
        )

    @strawberry.mutation(
        description="Ask to move a version through its model's gate. Contributors+."
    )
    async def promotion_request_create(
        self, info: Info, input: PromotionRequestCreateInput
    ) -> PromotionRequestPayload:
        return await _request(
            info,
            lambda session, actor: services.promotion_request_create(
                session,
                actor,
                version_id=input_id(input, "model_version_id", "ModelVersion"),
                stage=input.stage,
                alias=input.alias,
            ),
        )

    @strawberry.mutation(
        description="Approve or reject a pending request: reviewers with the gate's role, "
        "not its requester, once each. The last approval needed applies it, if the checks "
        "pass."
    )
    async def promotion_request_review(
        self, info: Info, input: PromotionRequestReviewInput
    ) -> PromotionRequestPayload:
        return await _request(
            info,
            lambda session, actor: services.promotion_request_review(
                session,
                actor,
                request_id=input_id(input, "promotion_request_id", "PromotionRequest"),
                approve=input.approve,
                comment=input.comment,
            ),
        )

    @strawberry.mutation(
        description="Apply an approved request whose checks failed at its last approval."
    )
    async def promotion_request_apply(
        self, info: Info, input: PromotionRequestInput
    ) -> PromotionRequestPayload:
        return await _request(
            info,
            lambda session, actor: services.promotion_request_apply(
                session,
                actor,
                request_id=input_id(input, "promotion_request_id", "PromotionRequest"),
            ),
        )

    @strawberry.mutation(description="Withdraw a pending request: its requester or an admin.")
    async def promotion_request_cancel(
        self, info: Info, input: PromotionRequestInput
    ) -> PromotionRequestPayload:
        return await _request(
            info,
            lambda session, actor: services.promotion_request_cancel(
                session,
                actor,
                request_id=input_id(input, "promotion_request_id", "PromotionRequest"),
            ),
        )
