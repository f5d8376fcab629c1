"""Serving mutations: environments (create, change, retire) and deployments (create,
move, change, roll back, split traffic, retire)."""

from __future__ import annotations

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry import UNSET
from strawberry.scalars import JSON
from strawberry.types import Info

from app.api.errors import UserError, run_mutation
from app.api.graph.payloads import mutate
from app.api.ids import decode_id, input_id
from app.api.inputs import provided
from app.api.serving.enums import DeploymentStatus
from app.api.serving.runtime_inputs import DeploymentRuntimeInput, runtime_of
from app.api.serving.types import Deployment, Environment
from app.domain.serving import lifecycle
from app.domain.serving import services as serving
from app.domain.serving.models import Deployment as DeploymentRow
from app.domain.tenancy.access import Actor


@strawberry.input
class EnvironmentCreateInput:
    organization_id: strawberry.ID
    name: str = strawberry.field(description="Lowercase kebab-case, unique per organization.")
    description: str | None = None
    protected: bool = strawberry.field(
        default=False, description="Changes to deployments here need an organization admin."
    )
    config: JSON | None = None


@strawberry.type
class EnvironmentCreatePayload:
    environment: Environment | None
    user_errors: list[UserError]


@strawberry.input
class DeploymentCreateInput:
    model_version_id: strawberry.ID
    environment_id: strawberry.ID
    name: str = strawberry.field(description="Unique per project and environment.")
    min_instances: int = 1
    max_instances: int = 1
    autoscaling: bool = False
    endpoint_url: str | None = None
    config: JSON | None = None
    runtime: DeploymentRuntimeInput | None = None


@strawberry.type
class DeploymentCreatePayload:
    deployment: Deployment | None
    user_errors: list[UserError]


@strawberry.input
class EnvironmentUpdateInput:
    environment_id: strawberry.ID
    description: str | None = UNSET
    protected: bool | None = UNSET
    config: JSON | None = UNSET


@strawberry.input
class EnvironmentDeleteInput:
    environment_id: strawberry.ID


@strawberry.type
class EnvironmentPayload:
    environment: Environment | None
    user_errors: list[UserError]


@strawberry.type
class ServingMutations:
    @strawberry.mutation(description="Create an environment. Organization admins.")
    async def environment_create(
        self, info: Info, input: EnvironmentCreateInput
    ) -> EnvironmentCreatePayload:
        return await mutate(
            info,
            EnvironmentCreatePayload,
            "environment",
            lambda session, actor: serving.environment_create(
                session,
                actor,
                organization_id=input_id(input, "organization_id", "Organization"),
                name=input.name,
                description=input.description,
                protected=input.protected,
                config=input.config,
            ),
        )

    @strawberry.mutation(
        description="Change an environment's description, protection or "
        "config. Organization admins."
    )
    async def environment_update(
        self, info: Info, input: EnvironmentUpdateInput
    ) -> EnvironmentPayload:
        return await mutate(
            info,
            EnvironmentPayload,
            "environment",
            lambda session, actor: serving.environment_update(
                session,
                actor,
                environment_id=input_id(input, "environment_id", "Environment"),
                changes=provided(input, "description", "protected", "config"),
            ),
        )

    @strawberry.mutation(
        description="Retire an environment once every deployment in it is terminated or "
        "retired (soft delete; its name is free again). Organization admins."
    )
    async def environment_delete(
        self, info: Info, input: EnvironmentDeleteInput
    ) -> EnvironmentPayload:
        return await mutate(
            info,
            EnvironmentPayload,
            "environment",
            lambda session, actor: serving.environment_delete(
                session,
                actor,
                environment_id=input_id(input, "environment_id", "Environment"),
            ),
        )

    @strawberry.mutation(
        description="Deploy a (non-archived) model version to an environment. Contributors+; "
        "protected environments need an organization admin."
    )
    async def deployment_create(
        self, info: Info, input: DeploymentCreateInput
    ) -> DeploymentCreatePayload:
        return await mutate(
            info,
            DeploymentCreatePayload,
            "deployment",
            lambda session, actor: serving.deployment_create(
                session,
                actor,
                model_version_id=input_id(input, "model_version_id", "ModelVersion"),
                environment_id=input_id(input, "environment_id", "Environment"),
                name=input.name,
                min_instances=input.min_instances,
                max_instances=input.max_instances,
                autoscaling=input.autoscaling,
                endpoint_url=input.endpoint_url,
                config=input.config,
                runtime=runtime_of(input.runtime),
            ),
        )


@strawberry.input
class DeploymentTransitionInput:
    deployment_id: strawberry.ID
    status: DeploymentStatus
    error_message: str | None = strawberry.field(
        default=None, description="Why it FAILED (kept on the deploy in the history)."
    )


@strawberry.input
class DeploymentUpdateInput:
    deployment_id: strawberry.ID
    model_version_id: strawberry.ID | None = strawberry.field(
        default=UNSET, description="Serve another version of the same model."
    )
    min_instances: int | None = UNSET
    max_instances: int | None = UNSET
    autoscaling: bool | None = UNSET
    config: JSON | None = UNSET
    runtime: DeploymentRuntimeInput | None = UNSET


@strawberry.input
class DeploymentRollbackInput:
    deployment_id: strawberry.ID


@strawberry.type
class DeploymentPayload:
    deployment: Deployment | None
    user_errors: list[UserError]


@strawberry.input
class TrafficSplitInput:
    deployment_id: strawberry.ID
    percentage: int


@strawberry.input
class DeploymentTrafficSetInput:
    model_id: strawberry.ID
    environment_id: strawberry.ID
    splits: list[TrafficSplitInput] = strawberry.field(
        description="Active deployments of the model in the environment and their share of "
        "traffic, summing to 100; active deployments not listed get 0."
    )


@strawberry.type
class DeploymentTrafficSetPayload:
    deployments: list[Deployment] | None
    user_errors: list[UserError]


@strawberry.input
class DeploymentDeleteInput:
    deployment_id: strawberry.ID


@strawberry.type
class DeploymentDeletePayload:
    deployment: Deployment | None
    user_errors: list[UserError]


@strawberry.type
class DeploymentLifecycleMutations:
    @strawberry.mutation(
        description="Move a deployment: PENDING → DEPLOYING → ACTIVE | FAILED; ACTIVE → "
        "INACTIVE | TERMINATING → TERMINATED (and back to DEPLOYING from INACTIVE/FAILED)."
    )
    async def deployment_transition(
        self, info: Info, input: DeploymentTransitionInput
    ) -> DeploymentPayload:
        return await mutate(
            info,
            DeploymentPayload,
            "deployment",
            lambda session, actor: lifecycle.deployment_transition(
                session,
                actor,
                deployment_id=input_id(input, "deployment_id", "Deployment"),
                status=input.status,
                error_message=input.error_message,
            ),
        )

    @strawberry.mutation(
        description="Change the version, instances or config; records an UPDATE event."
    )
    async def deployment_update(
        self, info: Info, input: DeploymentUpdateInput
    ) -> DeploymentPayload:
        async def work(session: AsyncSession, actor: Actor) -> DeploymentRow:
            changes = provided(
                input, "model_version_id", "min_instances", "max_instances", "autoscaling", "config"
            )
            if input.runtime:
                changes["runtime"] = runtime_of(input.runtime)
            if changes.get("model_version_id") is not None:
                changes["model_version_id"] = decode_id(
                    changes["model_version_id"], "ModelVersion", ["model_version_id"]
                )
            return await lifecycle.deployment_update(
                session,
                actor,
                deployment_id=input_id(input, "deployment_id", "Deployment"),
                changes=changes,
            )

        return await mutate(info, DeploymentPayload, "deployment", work)

    @strawberry.mutation(
        description="Serve the previously served version again (one step back in history)."
    )
    async def deployment_rollback(
        self, info: Info, input: DeploymentRollbackInput
    ) -> DeploymentPayload:
        return await mutate(
            info,
            DeploymentPayload,
            "deployment",
            lambda session, actor: lifecycle.deployment_rollback(
                session,
                actor,
                deployment_id=input_id(input, "deployment_id", "Deployment"),
            ),
        )

    @strawberry.mutation(
        description="Split an endpoint's traffic between its active deployments, atomically."
    )
    async def deployment_traffic_set(
        self, info: Info, input: DeploymentTrafficSetInput
    ) -> DeploymentTrafficSetPayload:
        def splits() -> list[lifecycle.TrafficSplit]:
            return [
                lifecycle.TrafficSplit(
                    decode_id(s.deployment_id, "Deployment", ["splits", str(i), "deployment_id"]),
                    s.percentage,
                )
                for i, s in enumerate(input.splits)
            ]

        rows, errors = await run_mutation(
            info,
            lambda session, actor: lifecycle.deployment_traffic_set(
                session,
                actor,
                model_id=input_id(input, "model_id", "Model"),
                environment_id=input_id(input, "environment_id", "Environment"),
                splits=splits(),
            ),
        )
        return DeploymentTrafficSetPayload(
            deployments=[Deployment.from_row(r) for r in rows] if rows is not None else None,
            user_errors=errors,
        )

    @strawberry.mutation(
        description="Retire a deployment that is not serving (PENDING, FAILED or "
        "TERMINATED; soft delete). Contributors+; admins in a protected environment."
    )
    async def deployment_delete(
        self, info: Info, input: DeploymentDeleteInput
    ) -> DeploymentDeletePayload:
        return await mutate(
            info,
            DeploymentDeletePayload,
            "deployment",
            lambda session, actor: lifecycle.deployment_delete(
                session,
                actor,
                deployment_id=input_id(input, "deployment_id", "Deployment"),
            ),
        )
