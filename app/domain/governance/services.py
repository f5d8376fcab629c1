"""Promotion gates and the requests that pass them.

A gate is set on a model for a stage or an alias by an organization admin. Moving a
version there directly (GraphQL, MLflow's REST API, the importer: every path calls
``governed_transition`` / ``governed_alias_set``) is refused when the gate wants
approvals, and otherwise runs its checks in the same transaction. With approvals, a
contributor opens a request; reviewers with the gate's role (never its requester, each
once) approve or reject it; once enough approved and the checks pass, the move is made in
the transaction of the last approval (or of ``promotion_request_apply``, when a check
failed then). Every step is audited and told to the notification rules."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain import validation as v
from app.domain.alert_kinds import AlertSeverity
from app.domain.errors import DomainError, ErrorCode, not_found, validation
from app.domain.governance.checks import CheckResult, failed, run_checks
from app.domain.governance.enums import PromotionRequestStatus
from app.domain.governance.models import PromotionGate, PromotionRequest, PromotionReview
from app.domain.notifications.enums import Trigger
from app.domain.notifications.services import enqueue_notifications
from app.domain.promotion.services import MetricBound, clean_bounds
from app.domain.registry.aliases import point_alias
from app.domain.registry.enums import ModelStage
from app.domain.registry.model_service import writable_model
from app.domain.registry.models import Model, ModelAlias, ModelVersion
from app.domain.registry.version_service import (
    TransitionResult,
    move_version,
)
from app.domain.tenancy.access import Actor
from app.domain.tenancy.audit import record_audit
from app.domain.tenancy.enums import OrgRole
from app.domain.tenancy.lookup import get_visible
from app.domain.tenancy.projects import ensure_project_writable

PENDING = PromotionRequestStatus.PENDING.value


@dataclass(frozen=True)
class Target:
    """A stage or an alias name (exactly one)."""

    stage: ModelStage | None
    alias: str | None

    @classmethod
    def of(cls, stage: ModelStage | None, alias: str | None) -> Target:
        if (stage is None) == (alias is None):
            raise validation("give a stage or an alias, one of them", ["stage"])
        if stage in (ModelStage.DEVELOPMENT, ModelStage.ARCHIVED):
            raise validation("gates guard STAGING and PRODUCTION", ["stage"])
        return cls(stage, v.slug(alias, ["alias"]) if alias is not None else None)

    def __str__(self) -> str:
        return f"stage {self.stage.value}" if self.stage else f"alias {self.alias}"


async def gate_for(
    session: AsyncSession, model_id: uuid.UUID, target: Target
) -> PromotionGate | None:
    query = select(PromotionGate).where(PromotionGate.model_id == model_id)
    if target.stage is not None:
        query = query.where(PromotionGate.target_stage == target.stage.value)
    else:
        query = query.where(PromotionGate.target_alias == target.alias)
    return await session.scalar(query)


async def promotion_gate_set(
    session: AsyncSession,
    actor: Actor,
    *,
    model_id: uuid.UUID | None,
    stage: ModelStage | None,
    alias: str | None,
    required_approvals: int,
    reviewer_role: OrgRole,
    metric_bounds: Sequence[MetricBound],
    max_open_alert_severity: AlertSeverity | None,
    require_verified_datasets: bool,
) -> PromotionGate:
    """Make or replace the model's gate for the target (organization admins)."""
    model = await writable_model(session, actor, model_id, ["model_id"])
    actor.require_org_role(model.organization_id, OrgRole.ADMIN, "model", ["model_id"])
    target = Target.of(stage, alias)  # the ids first, then the rest of the input
    if not 0 <= required_approvals <= 10:
        raise validation("between 0 and 10 approvals", ["required_approvals"])
    if reviewer_role is OrgRole.VIEWER:
        raise validation("reviewers are developers or admins", ["reviewer_role"])
    bounds = clean_bounds(metric_bounds)
    gate = await gate_for(session, model.id, target)
    if gate is None:
        gate = PromotionGate(
            organization_id=model.organization_id,
            model_id=model.id,
            target_stage=target.stage.value if target.stage else None,
            target_alias=target.alias,
            created_by_id=actor.user_id,
        )
        session.add(gate)
    gate.required_approvals = required_approvals
    gate.reviewer_role = reviewer_role.value
    gate.metric_bounds = bounds
    gate.max_open_alert_severity = (
        max_open_alert_severity.value if max_open_alert_severity else None
    )
    gate.require_verified_datasets = require_verified_datasets
    await session.flush()
    record_audit(session, actor, "promotion_gate.set", gate, details={"target": str(target)})
    return gate


async def promotion_gate_delete(
    session: AsyncSession, actor: Actor, *, gate_id: uuid.UUID | None
) -> PromotionGate:
    field = ["promotion_gate_id"]
    gate = await get_visible(
        session, PromotionGate, gate_id, actor, what="promotion gate", field=field,
        for_update=True,
    )  # fmt: skip
    actor.require_org_role(gate.organization_id, OrgRole.ADMIN, "promotion gate", field)
    project_id = await session.scalar(select(Model.project_id).where(Model.id == gate.model_id))
    assert project_id is not None  # the gate's model (a foreign key)
    await ensure_project_writable(session, project_id, field)
    await session.delete(gate)
    record_audit(session, actor, "promotion_gate.delete", gate)
    await session.flush()
    return gate


def _refused_by_gate(gate: PromotionGate, target: Target) -> DomainError:
    return DomainError(
        ErrorCode.FORBIDDEN,
        f"{target} needs {gate.required_approvals} approval(s) from "
        f"{gate.reviewer_role}s: open a request (promotionRequestCreate)",
        ["stage" if target.stage else "name"],
    )


async def _checked(
    session: AsyncSession, gate: PromotionGate, version: ModelVersion, target: Target
) -> None:
    failing = failed(await run_checks(session, gate, version))
    if failing:
        raise DomainError(
            ErrorCode.INVALID_TRANSITION,
            f"{target}: the gate's checks fail: {failing}",
            ["stage" if target.stage else "name"],
        )


async def governed_transition(
    session: AsyncSession, actor: Actor, *, version_id: uuid.UUID | None, stage: ModelStage
) -> TransitionResult:
    """``model_version_transition`` through the model's gate for the stage, if any: the
    same access checks, then the gate, then the move."""
    field = ["model_version_id"]
    version = await get_visible(
        session, ModelVersion, version_id, actor, what="model version", field=field
    )
    model = await writable_model(session, actor, version.model_id, field)
    if stage in (ModelStage.STAGING, ModelStage.PRODUCTION):
        target = Target(stage, None)
        gate = await gate_for(session, model.id, target)
        if gate is not None:
            if gate.required_approvals:
                raise _refused_by_gate(gate, target)
            await _checked(session, gate, version, target)
    return await move_version(session, actor, version, model, stage)


async def governed_alias_set(
    session: AsyncSession,
    actor: Actor,
    *,
    model_id: uuid.UUID | None,
    name: str,
    version_id: uuid.UUID | None,
    protected: bool | None,
) -> ModelAlias:
    """``model_alias_set`` through the model's gate for the alias, if any: the same access
    check, then the gate, then the move."""
    model = await writable_model(session, actor, model_id, ["model_id"])
    target = Target(None, v.slug(name, ["name"]))
    gate = await gate_for(session, model.id, target)
    if gate is not None:
        if gate.required_approvals:
            raise _refused_by_gate(gate, target)
        version = await session.scalar(
            select(ModelVersion).where(
                ModelVersion.id == version_id,
                ModelVersion.model_id == model.id,
                ModelVersion.deleted_at.is_(None),
            )
        )
        if version is None:
            raise not_found("model version of this model", ["model_version_id"])
        await _checked(session, gate, version, target)
    return await point_alias(session, actor, model, name, version_id, protected)


@dataclass(frozen=True)
class RequestState:
    """A request, and where it stands: approvals so far of those needed, the checks."""

    request: PromotionRequest
    approvals: int
    needed: int
    checks: list[CheckResult]


async def _announce(
    session: AsyncSession, model: Model, request: PromotionRequest, event: str
) -> None:
    await enqueue_notifications(
        session,
        organization_id=request.organization_id,
        trigger=Trigger.MODEL_UPDATE,
        event_type=f"promotion.{event}",
        payload={
            "promotion_request_id": str(request.id),
            "model_version_id": str(request.model_version_id),
            "title": f"{model.name}: promotion {event}",
            "target": request.target_stage or request.target_alias,
            "status": request.status,
            "reason": request.reason,
        },
        project_id=model.project_id,
    )


def _target_of(request: PromotionRequest) -> Target:
    stage = ModelStage(request.target_stage) if request.target_stage else None
    return Target(stage, request.target_alias)


async def promotion_request_create(
    session: AsyncSession,
    actor: Actor,
    *,
    version_id: uuid.UUID | None,
    stage: ModelStage | None,
    alias: str | None,
) -> RequestState:
    """Ask to move a version through its model's gate (contributors)."""
    field = ["model_version_id"]
    version = await get_visible(
        session, ModelVersion, version_id, actor, what="model version", field=field
    )
    model = await writable_model(session, actor, version.model_id, field)
    target = Target.of(stage, alias)
    gate = await gate_for(session, model.id, target)
    if gate is None:
        raise validation(f"{target} has no gate on this model: move it directly", ["stage"])
    request = PromotionRequest(
        organization_id=model.organization_id,
        model_version_id=version.id,
        target_stage=target.stage.value if target.stage else None,
        target_alias=target.alias,
        status=PENDING,
        requested_by_id=actor.user_id,
    )
    session.add(request)
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError:
        raise DomainError(
            ErrorCode.CONFLICT, f"a request for {target} of this version is pending", field
        ) from None
    record_audit(
        session, actor, "promotion_request.create", request, details={"target": str(target)}
    )
    await _announce(session, model, request, "requested")
    checks = await run_checks(session, gate, version)
    return RequestState(request, 0, gate.required_approvals, checks)


async def _pending(
    session: AsyncSession, actor: Actor, request_id: uuid.UUID | None
) -> tuple[PromotionRequest, ModelVersion, Model]:
    field = ["promotion_request_id"]
    request = await get_visible(
        session, PromotionRequest, request_id, actor, what="promotion request", field=field,
        for_update=True,
    )  # fmt: skip
    if request.status != PENDING:
        raise DomainError(ErrorCode.INVALID_TRANSITION, f"the request is {request.status}", field)
    version = await session.get_one(ModelVersion, request.model_version_id)
    model = await session.scalar(
        select(Model).where(Model.id == version.model_id).with_for_update()
    )
    assert model is not None  # the version's model (a foreign key)
    await ensure_project_writable(session, model.project_id, field)
    return request, version, model


async def _try_apply(
    session: AsyncSession,
    actor: Actor,
    request: PromotionRequest,
    version: ModelVersion,
    model: Model,
) -> RequestState:
    """Make the move if enough approved and the checks pass; else say what is missing."""
    target = _target_of(request)
    gate = await gate_for(session, model.id, target)
    needed = gate.required_approvals if gate else 0
    approvals = (
        await session.scalar(
            select(func.count()).where(
                PromotionReview.request_id == request.id, PromotionReview.approve.is_(True)
            )
        )
        or 0
    )
    checks = await run_checks(session, gate, version) if gate else []
    if approvals < needed:
        request.reason = f"{approvals} of {needed} approvals"
        await session.flush()
        return RequestState(request, approvals, needed, checks)
    failing = failed(checks)
    if failing:
        request.reason = f"approved; checks failing: {failing}"
        await session.flush()
        return RequestState(request, approvals, needed, checks)
    if target.stage is not None:
        await move_version(session, actor, version, model, target.stage)
    else:
        assert target.alias is not None
        await point_alias(session, actor, model, target.alias, version.id, None)
    request.status = PromotionRequestStatus.APPLIED.value
    request.reason = f"{approvals} approval(s); checks passed"
    request.decided_at = datetime.now(UTC)
    await session.flush()
    record_audit(
        session, actor, "promotion_request.apply", request, details={"target": str(target)}
    )
    await _announce(session, model, request, "applied")
    return RequestState(request, approvals, needed, checks)


async def promotion_request_review(
    session: AsyncSession,
    actor: Actor,
    *,
    request_id: uuid.UUID | None,
    approve: bool,
    comment: str | None,
) -> RequestState:
    """Approve or reject a pending request: a reviewer with the gate's role, not the one
    who asked, once. The last approval needed applies it (checks passing)."""
    request, version, model = await _pending(session, actor, request_id)
    gate = await gate_for(session, model.id, _target_of(request))
    role = OrgRole(gate.reviewer_role) if gate else OrgRole.DEVELOPER
    actor.require_org_role(
        request.organization_id, role, "promotion request", ["promotion_request_id"]
    )
    reviewer = actor.require_write()
    if reviewer == request.requested_by_id:
        raise DomainError(
            ErrorCode.FORBIDDEN, "a request is reviewed by someone other than its requester",
            ["promotion_request_id"],
        )  # fmt: skip
    review = PromotionReview(
        organization_id=request.organization_id,
        request_id=request.id,
        reviewer_id=reviewer,
        approve=approve,
        comment=v.optional_text(comment, ["comment"]),
    )
    session.add(review)
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError:
        raise DomainError(
            ErrorCode.CONFLICT, "you reviewed this request already", ["promotion_request_id"]
        ) from None
    record_audit(session, actor, "promotion_request.review", request, details={"approve": approve})
    if not approve:
        request.status = PromotionRequestStatus.REJECTED.value
        request.reason = f"rejected: {review.comment}" if review.comment else "rejected"
        request.decided_at = datetime.now(UTC)
        await session.flush()
        await _announce(session, model, request, "rejected")
        return RequestState(request, 0, gate.required_approvals if gate else 0, [])
    return await _try_apply(session, actor, request, version, model)


async def promotion_request_apply(
    session: AsyncSession, actor: Actor, *, request_id: uuid.UUID | None
) -> RequestState:
    """Try an approved request again (a check failed at its last approval)."""
    request, version, model = await _pending(session, actor, request_id)
    await writable_model(session, actor, model.id, ["promotion_request_id"])
    return await _try_apply(session, actor, request, version, model)


async def promotion_request_cancel(
    session: AsyncSession, actor: Actor, *, request_id: uuid.UUID | None
) -> RequestState:
    """Withdraw a pending request: its requester, or an organization admin."""
    request, _, model = await _pending(session, actor, request_id)
    if actor.user_id != request.requested_by_id:
        actor.require_org_role(
            request.organization_id, OrgRole.ADMIN, "promotion request", ["promotion_request_id"]
        )
    request.status = PromotionRequestStatus.CANCELLED.value
    request.decided_at = datetime.now(UTC)
    await session.flush()
    record_audit(session, actor, "promotion_request.cancel", request)
    await _announce(session, model, request, "cancelled")
    return RequestState(request, 0, 0, [])
