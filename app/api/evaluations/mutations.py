"""Evaluation run mutations."""

from __future__ import annotations

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from app.api.errors import UserError
from app.api.evaluations.enums import EvaluationStatus
from app.api.evaluations.types import EvaluationRun
from app.api.graph.payloads import mutate
from app.api.ids import input_id
from app.domain.evaluations import services


@strawberry.input
class EvaluationRunCreateInput:
    model_version_id: strawberry.ID
    dataset_version_id: strawberry.ID = strawberry.field(
        description="A dataset version of the same organization that you see."
    )


@strawberry.input
class EvaluationRunTransitionInput:
    evaluation_run_id: strawberry.ID
    status: EvaluationStatus
    metrics: JSON | None = strawberry.field(
        default=None, description="With SUCCEEDED: metric name → finite number (up to 200)."
    )
    error_message: str | None = strawberry.field(default=None, description="With FAILED.")


@strawberry.type
class EvaluationRunPayload:
    evaluation_run: EvaluationRun | None
    user_errors: list[UserError]


@strawberry.type
class EvaluationMutations:
    @strawberry.mutation(
        description="Evaluate a model version on a dataset version: a PENDING evaluation "
        "run. Contributors of the model's project."
    )
    async def evaluation_run_create(
        self, info: Info, input: EvaluationRunCreateInput
    ) -> EvaluationRunPayload:
        return await mutate(
            info,
            EvaluationRunPayload,
            "evaluation_run",
            lambda session, actor: services.evaluation_run_create(
                session,
                actor,
                model_version_id=input_id(input, "model_version_id", "ModelVersion"),
                dataset_version_id=input_id(input, "dataset_version_id", "DatasetVersion"),
            ),
        )

    @strawberry.mutation(
        description="PENDING → RUNNING → SUCCEEDED (with its metrics) | FAILED (with an "
        "error message), CANCELLED from either; the times follow. Contributors+."
    )
    async def evaluation_run_transition(
        self, info: Info, input: EvaluationRunTransitionInput
    ) -> EvaluationRunPayload:
        return await mutate(
            info,
            EvaluationRunPayload,
            "evaluation_run",
            lambda session, actor: services.evaluation_run_transition(
                session,
                actor,
                evaluation_run_id=input_id(input, "evaluation_run_id", "EvaluationRun"),
                status=input.status,
                metrics=input.metrics,
                error_message=input.error_message,
            ),
        )
