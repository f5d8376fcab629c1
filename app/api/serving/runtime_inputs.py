"""The typed runtime a deployment is given (create, update, create-and-deploy)."""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry import UNSET

from app.api.inputs import provided
from app.api.serving.enums import CapacityType, ServiceType
from app.domain.serving.runtime import RUNTIME_FIELDS


@strawberry.input(
    description="What serves a deployment and with which resources. On update, only the "
    "fields given change (null clears one)."
)
class DeploymentRuntimeInput:
    serving_framework: str | None = strawberry.field(
        default=UNSET,
        description="One of the supported serving frameworks (integrationCatalog), or of the "
        "environment's enabled serving integrations when it has some.",
    )
    framework_resource_id: str | None = strawberry.field(
        default=UNSET, description="The framework's id of the serving resource."
    )
    framework_namespace: str | None = UNSET
    machine_type: str | None = UNSET
    cpu_request_millicores: int | None = UNSET
    cpu_limit_millicores: int | None = UNSET
    memory_request_mib: int | None = UNSET
    memory_limit_mib: int | None = UNSET
    gpu_count: int | None = UNSET
    gpu_type: str | None = strawberry.field(
        default=UNSET, description="A key of the environment's GPU catalogue, if it has one."
    )
    replica_count: int | None = UNSET
    autoscaling_target_cpu_percent: int | None = UNSET
    autoscaling_target_rps: float | None = UNSET
    autoscaling_target_concurrency: int | None = UNSET
    capacity_type: CapacityType | None = UNSET
    health_check_path: str | None = UNSET
    service_type: ServiceType | None = strawberry.field(
        default=UNSET,
        description="KUBERNETES or CLOUD_RUN. A CLOUD_RUN service needs a Google Cloud "
        "region, is served by cloud-run, has no namespace, a service name as its resource "
        "id, on-demand capacity and at most 8 vCPU, 32 GiB and one GPU.",
    )
    region: str | None = strawberry.field(
        default=UNSET, description="The cloud region it runs in, e.g. us-central1."
    )


def runtime_of(value: DeploymentRuntimeInput | None) -> dict[str, Any]:
    """The runtime settings a client sent, by column name."""
    return provided(value, *RUNTIME_FIELDS) if value else {}
