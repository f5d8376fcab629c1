"""Retention policies: organization admins say how long each kind of data is kept."""

from __future__ import annotations

import uuid
from datetime import datetime

import strawberry
from strawberry import UNSET
from strawberry.types import Info

from app.api.errors import UserError, run_mutation
from app.api.graph.converters import FromRow, from_declaration
from app.api.graph.fields import related
from app.api.graph.payloads import mutate
from app.api.ids import input_id
from app.api.inputs import provided
from app.api.node import Node
from app.domain.retention import services
from app.domain.retention.models import KINDS
from app.domain.retention.models import RetentionPolicy as RetentionPolicyRow

DAYS = "Days kept (1-3650); null: forever."


@from_declaration(RetentionPolicyRow)
@strawberry.type(
    description="How long an organization keeps its data. Raw run metric points and console "
    "lines go with their run's end, their chart rollups later (summaries stay); reference "
    "embeddings stay; audit rows are archived (gzip JSON lines) before they go; an archived "
    "model version's run files go after archivedArtifactsDays."
)
class RetentionPolicy(Node, FromRow):
    run_metrics_days: int | None
    monitoring_metrics_days: int | None
    predictions_days: int | None
    embeddings_days: int | None
    audit_log_days: int | None
    rollups_days: int | None = strawberry.field(
        description="A run's chart rollups, counted from its end (at least runMetricsDays)."
    )
    archived_artifacts_days: int | None = strawberry.field(
        description="An archived model version's run files, counted from its archiving "
        "(kept while a version in use names them)."
    )
    last_applied_at: datetime | None
    created_at: datetime
    updated_at: datetime
    updated_by_id: strawberry.Private[uuid.UUID | None]

    updated_by = related()


@strawberry.input(description=f"Only the kinds given change. {DAYS}")
class RetentionPolicySetInput:
    organization_id: strawberry.ID
    run_metrics_days: int | None = UNSET
    monitoring_metrics_days: int | None = UNSET
    predictions_days: int | None = UNSET
    embeddings_days: int | None = UNSET
    audit_log_days: int | None = UNSET
    rollups_days: int | None = strawberry.field(
        default=UNSET, description="At least runMetricsDays, which must be set."
    )
    archived_artifacts_days: int | None = UNSET


@strawberry.type
class RetentionPolicyPayload:
    retention_policy: RetentionPolicy | None
    user_errors: list[UserError]


@strawberry.input
class RetentionApplyInput:
    organization_id: strawberry.ID


@strawberry.type(description="What one kind lost.")
class RetentionDeleted:
    kind: str = strawberry.field(description="e.g. predictions_days.")
    rows: int


@strawberry.type
class RetentionApplyPayload:
    deleted: list[RetentionDeleted]
    archives: int = strawberry.field(description="Audit archives written (files or objects).")
    user_errors: list[UserError]


@strawberry.type
class RetentionMutations:
    @strawberry.mutation(description="Set how long each kind of data is kept. Org admins.")
    async def retention_policy_set(
        self, info: Info, input: RetentionPolicySetInput
    ) -> RetentionPolicyPayload:
        return await mutate(
            info,
            RetentionPolicyPayload,
            "retention_policy",
            lambda session, actor: services.retention_policy_set(
                session,
                actor,
                organization_id=input_id(input, "organization_id", "Organization"),
                days=provided(input, *KINDS),
            ),
        )

    @strawberry.mutation(
        description="Apply the organization's retention policy now, in bounded batches (the "
        "server also does every MLGRAPH_RETENTION_POLL_SECONDS). Organization admins."
    )
    async def retention_apply(
        self, info: Info, input: RetentionApplyInput
    ) -> RetentionApplyPayload:
        context = info.context
        # Each batch commits on its own: the work runs outside the mutation's transaction,
        # which only checks the caller.
        applied, errors = await run_mutation(
            info,
            lambda session, actor: services.retention_apply(
                context.session_factory,
                actor,
                organization_id=input_id(input, "organization_id", "Organization"),
                archive=context.audit_archive,
                artifacts=context.artifact_store,
            ),
        )
        return RetentionApplyPayload(
            deleted=[
                RetentionDeleted(kind=kind, rows=rows)
                for kind, rows in (applied.deleted if applied else {}).items()
            ],
            archives=len(applied.archived_files) if applied else 0,
            user_errors=errors,
        )
