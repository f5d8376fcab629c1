"""Serving mutations: environments and deployments."""

from __future__ import annotations

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from app.api.errors import UserError, run_mutation
from app.api.ids import decode_id
from app.api.serving.types import Deployment, Environment
from app.domain.serving import services as serving


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


@strawberry.type
class DeploymentCreatePayload:
    deployment: Deployment | None
    user_errors: list[UserError]


@strawberry.type
class ServingMutations:
    @strawberry.mutation(description="Create an environment. Organization admins.")
    async def environment_create(
        self, info: Info, input: EnvironmentCreateInput
    ) -> EnvironmentCreatePayload:
        field = ["input", "organizationId"]
        row, errors = await run_mutation(
            info,
            lambda session, actor: serving.environment_create(
                session,
                actor,
                organization_id=decode_id(input.organization_id, "Organization", field),
                name=input.name,
                description=input.description,
                protected=input.protected,
                config=input.config,
            ),
        )
        return EnvironmentCreatePayload(
            environment=Environment.from_row(row) if row else None, user_errors=errors
        )

    @strawberry.mutation(
        description="Deploy a (non-archived) model version to an environment. Contributors+; "
        "protected environments need an organization admin."
    )
    async def deployment_create(
        self, info: Info, input: DeploymentCreateInput
    ) -> DeploymentCreatePayload:
        row, errors = await run_mutation(
            info,
            lambda session, actor: serving.deployment_create(
                session,
                actor,
                model_version_id=decode_id(
                    input.model_version_id, "ModelVersion", ["input", "modelVersionId"]
                ),
                environment_id=decode_id(
                    input.environment_id, "Environment", ["input", "environmentId"]
                ),
                name=input.name,
                min_instances=input.min_instances,
                max_instances=input.max_instances,
                autoscaling=input.autoscaling,
                endpoint_url=input.endpoint_url,
                config=input.config,
            ),
        )
        return DeploymentCreatePayload(
            deployment=Deployment.from_row(row) if row else None, user_errors=errors
        )
