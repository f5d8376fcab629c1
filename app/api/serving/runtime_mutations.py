"""Serving runtime and integrations: what controllers report, endpoint URLs, and the tools
an environment integrates with (with the catalogue clients render forms from)."""

from __future__ import annotations

import strawberry
from strawberry import UNSET
from strawberry.scalars import JSON
from strawberry.types import Info

from app.api.errors import UserError, run_mutation
from app.api.graph.payloads import mutate
from app.api.ids import encode_id, input_id
from app.api.monitoring.enums import AlertSeverity
from app.api.serving.enums import DeploymentHealth, IntegrationType, PromotionDecision
from app.api.serving.types import (
    Deployment,
    IntegrationConfig,
    PromotionPolicy,
    ServingEndpoint,
)
from app.domain.alert_kinds import AlertSeverity as AlertSeverityValue
from app.domain.integrations import catalog
from app.domain.integrations import configs as integrations
from app.domain.promotion import services as promotion
from app.domain.serving import endpoints, lifecycle


@strawberry.input(description="What a runtime controller observed. Contributors+.")
class DeploymentRuntimeReportInput:
    deployment_id: strawberry.ID
    replica_count: int | None = strawberry.field(
        default=None, description="Live replicas (within minInstances..maxInstances)."
    )
    health: DeploymentHealth | None = None
    framework_status: JSON | None = strawberry.field(
        default=UNSET, description="The framework's raw status (at most 16 KiB); null clears."
    )


@strawberry.type
class DeploymentRuntimeReportPayload:
    deployment: Deployment | None
    user_errors: list[UserError]


@strawberry.input
class ServingEndpointUpdateInput:
    endpoint_id: strawberry.ID
    url: str | None = strawberry.field(description="What clients call (http or https).")


@strawberry.type
class ServingEndpointPayload:
    endpoint: ServingEndpoint | None
    user_errors: list[UserError]


@strawberry.input
class IntegrationConfigSetInput:
    environment_id: strawberry.ID
    type: IntegrationType
    tool: str = strawberry.field(description="One of integrationCatalog's tools of the type.")
    enabled: bool = True
    config: JSON | None = strawberry.field(
        default=None, description="Must satisfy the tool's configSchema (no secrets)."
    )
    feature_flags: JSON | None = strawberry.field(
        default=None, description="An object of flag name → true/false."
    )


@strawberry.input
class IntegrationConfigDeleteInput:
    integration_config_id: strawberry.ID


@strawberry.type
class IntegrationConfigPayload:
    integration_config: IntegrationConfig | None
    user_errors: list[UserError]


@strawberry.input(description="The metric's average on the canary must lie within bounds.")
class MetricBoundInput:
    metric: str
    min: float | None = None
    max: float | None = None


@strawberry.input
class PromotionPolicySetInput:
    endpoint_id: strawberry.ID
    enabled: bool = True
    bake_minutes: int = strawberry.field(
        description="How long the canary serves before it can be promoted (0-10080)."
    )
    max_alert_severity: AlertSeverity = strawberry.field(
        default=AlertSeverityValue.HIGH,
        description="An open alert on the canary of this severity or above rolls it back.",
    )
    metric_bounds: list[MetricBoundInput] = strawberry.field(default_factory=list)


@strawberry.type
class PromotionPolicyPayload:
    promotion_policy: PromotionPolicy | None
    user_errors: list[UserError]


@strawberry.input
class PromotionPolicyDeleteInput:
    endpoint_id: strawberry.ID


@strawberry.input
class PromotionPoliciesEvaluateInput:
    organization_id: strawberry.ID


@strawberry.type(description="One decision a policy took.")
class PromotionDecisionMade:
    promotion_policy_id: strawberry.ID
    decision: PromotionDecision
    reason: str


@strawberry.type
class PromotionPoliciesEvaluatePayload:
    decisions: list[PromotionDecisionMade] = strawberry.field(
        description="The policies that decided (the others wait, or have no canary)."
    )
    user_errors: list[UserError]


@strawberry.type(description="A tool mlgraph integrates with, and the schema of its config.")
class IntegrationTool:
    type: IntegrationType
    tool: str
    config_schema: JSON = strawberry.field(description="A JSON Schema (draft 2020-12).")


def integration_catalog(
    type: list[IntegrationType] | None = None,  # noqa: A002
) -> list[IntegrationTool]:
    wanted = {t.value for t in type} if type else None
    return [
        IntegrationTool(
            type=IntegrationType(catalog.IntegrationType(kind)),
            tool=tool,
            config_schema=JSON(catalog.config_schema(kind, tool)),
        )
        for kind, tools in catalog.SUPPORTED_TOOLS.items()
        if wanted is None or kind in wanted
        for tool in tools
    ]


@strawberry.type
class ServingRuntimeMutations:
    @strawberry.mutation(
        description="Report a deployment's live replicas, health and raw framework status "
        "(for the runtime's controller). A change of health notifies."
    )
    async def deployment_runtime_report(
        self, info: Info, input: DeploymentRuntimeReportInput
    ) -> DeploymentRuntimeReportPayload:
        return await mutate(
            info,
            DeploymentRuntimeReportPayload,
            "deployment",
            lambda session, actor: lifecycle.deployment_runtime_report(
                session,
                actor,
                deployment_id=input_id(input, "deployment_id", "Deployment"),
                replica_count=input.replica_count,
                health=input.health,
                framework_status=None
                if input.framework_status is UNSET
                else input.framework_status,
                has_framework_status=input.framework_status is not UNSET,
            ),
        )

    @strawberry.mutation(
        description="Set the URL clients call. Contributors+; organization admins in a "
        "protected environment."
    )
    async def serving_endpoint_update(
        self, info: Info, input: ServingEndpointUpdateInput
    ) -> ServingEndpointPayload:
        return await mutate(
            info,
            ServingEndpointPayload,
            "endpoint",
            lambda session, actor: endpoints.serving_endpoint_update(
                session,
                actor,
                endpoint_id=input_id(input, "endpoint_id", "ServingEndpoint"),
                url=input.url,
            ),
        )

    @strawberry.mutation(
        description="Configure (create or replace) one tool of an environment. Organization "
        "admins. The config is checked against the tool's JSON schema."
    )
    async def integration_config_set(
        self, info: Info, input: IntegrationConfigSetInput
    ) -> IntegrationConfigPayload:
        return await mutate(
            info,
            IntegrationConfigPayload,
            "integration_config",
            lambda session, actor: integrations.integration_config_set(
                session,
                actor,
                environment_id=input_id(input, "environment_id", "Environment"),
                integration_type=input.type.value,
                tool=input.tool,
                enabled=input.enabled,
                config=input.config,
                feature_flags=input.feature_flags,
            ),
        )

    @strawberry.mutation(description="Remove one tool of an environment. Organization admins.")
    async def integration_config_delete(
        self, info: Info, input: IntegrationConfigDeleteInput
    ) -> IntegrationConfigPayload:
        return await mutate(
            info,
            IntegrationConfigPayload,
            "integration_config",
            lambda session, actor: integrations.integration_config_delete(
                session,
                actor,
                config_id=input_id(input, "integration_config_id", "IntegrationConfig"),
            ),
        )

    @strawberry.mutation(
        description="Set (create or replace) the gate on an endpoint's canary. Contributors+; "
        "organization admins in a protected environment."
    )
    async def promotion_policy_set(
        self, info: Info, input: PromotionPolicySetInput
    ) -> PromotionPolicyPayload:
        return await mutate(
            info,
            PromotionPolicyPayload,
            "promotion_policy",
            lambda session, actor: promotion.promotion_policy_set(
                session,
                actor,
                endpoint_id=input_id(input, "endpoint_id", "ServingEndpoint"),
                enabled=input.enabled,
                bake_minutes=input.bake_minutes,
                max_alert_severity=input.max_alert_severity,
                metric_bounds=[
                    promotion.MetricBound(b.metric, b.min, b.max) for b in input.metric_bounds
                ],
            ),
        )

    @strawberry.mutation(
        description="Evaluate the organization's promotion policies now (the background "
        "worker does every promotion_poll_seconds). Organization admins."
    )
    async def promotion_policies_evaluate(
        self, info: Info, input: PromotionPoliciesEvaluateInput
    ) -> PromotionPoliciesEvaluatePayload:
        decided, errors = await run_mutation(
            info,
            lambda session, actor: promotion.promotion_policies_evaluate(
                session,
                actor,
                organization_id=input_id(input, "organization_id", "Organization"),
            ),
        )
        return PromotionPoliciesEvaluatePayload(
            decisions=[
                PromotionDecisionMade(
                    promotion_policy_id=strawberry.ID(encode_id("PromotionPolicy", policy_id)),
                    decision=verdict.decision,
                    reason=verdict.reason,
                )
                for policy_id, verdict in decided or []
                if verdict.decision is not None  # the domain returns only decided ones
            ],
            user_errors=errors,
        )

    @strawberry.mutation(
        description="Remove an endpoint's promotion policy (its past decisions stay in the "
        "deployments' history). Same permission as setting it."
    )
    async def promotion_policy_delete(
        self, info: Info, input: PromotionPolicyDeleteInput
    ) -> PromotionPolicyPayload:
        return await mutate(
            info,
            PromotionPolicyPayload,
            "promotion_policy",
            lambda session, actor: promotion.promotion_policy_delete(
                session, actor, endpoint_id=input_id(input, "endpoint_id", "ServingEndpoint")
            ),
        )
