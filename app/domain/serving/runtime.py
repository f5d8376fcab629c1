"""A deployment's typed runtime: serving framework and its resource, machine, CPU, memory
and GPUs, replicas, autoscaling targets, capacity type and health check; and what the
runtime's controller reports back (replicas, health, the framework's raw status)."""

from __future__ import annotations

import math
import re
import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain import validation as v
from app.domain.errors import DomainError, ErrorCode, validation
from app.domain.integrations import catalog
from app.domain.integrations.configs import enabled_tools
from app.domain.serving.enums import CapacityType, DeploymentHealth, ServiceType
from app.domain.serving.models import Deployment, GpuType

RESOURCE_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:/-]{0,252}$")
NAMESPACE_RE = re.compile(r"^[a-z0-9](?:[-a-z0-9]{0,61}[a-z0-9])?$")
MACHINE_TYPE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
GPU_TYPE_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
HEALTH_PATH_RE = re.compile(r"^/[\x21-\x7e]{0,511}$")
# A cloud region: us-central1, us-east-1, westeurope...
REGION_RE = re.compile(r"^[a-z]{2,}(?:-[a-z0-9]+)*$")
# Cloud Run's own forms: a Google Cloud region, and a service name.
CLOUD_RUN_REGION_RE = re.compile(r"^[a-z]+-[a-z]+[0-9]+$")
CLOUD_RUN_SERVICE_RE = re.compile(r"^[a-z](?:[-a-z0-9]{0,47}[a-z0-9])?$")
CLOUD_RUN = "cloud-run"  # the serving framework of a CLOUD_RUN service
# Cloud Run's limits per instance (cloud.google.com/run/docs/configuring/services): up to
# 8 vCPU, 32 GiB, one GPU, no spot capacity; a Kubernetes namespace means nothing there.
CLOUD_RUN_LIMITS: dict[str, int] = {
    "cpu_request_millicores": 8000,
    "cpu_limit_millicores": 8000,
    "memory_request_mib": 32768,
    "memory_limit_mib": 32768,
    "gpu_count": 1,
}

# Bounds of whole-number settings: (low, high).
BOUNDS: dict[str, tuple[int, int]] = {
    "cpu_request_millicores": (1, 1_000_000),
    "cpu_limit_millicores": (1, 1_000_000),
    "memory_request_mib": (1, 16_777_216),  # 16 TiB
    "memory_limit_mib": (1, 16_777_216),
    "gpu_count": (0, 64),
    "replica_count": (0, 1000),
    "autoscaling_target_cpu_percent": (1, 100),
    "autoscaling_target_concurrency": (1, 1_000_000),
}
RUNTIME_FIELDS = (
    "serving_framework",
    "framework_resource_id",
    "framework_namespace",
    "machine_type",
    *BOUNDS,
    "gpu_type",
    "autoscaling_target_rps",
    "capacity_type",
    "health_check_path",
    "service_type",
    "region",
)
NOT_NULL = {"gpu_count": 0, "capacity_type": "on_demand"}


def _check(name: str, value: Any, prefix: Sequence[str]) -> Any:
    field = [*prefix, name]
    if value is None:
        return NOT_NULL.get(name)
    if name in BOUNDS:
        low, high = BOUNDS[name]
        if not low <= value <= high:
            raise validation(f"must be between {low} and {high}", field)
        return value
    patterns = {
        "framework_resource_id": (RESOURCE_ID_RE, "1-253 letters, digits and . _ : / -"),
        "framework_namespace": (NAMESPACE_RE, "a Kubernetes-style name (lower-case, dashes)"),
        "machine_type": (MACHINE_TYPE_RE, "1-64 letters, digits and . _ -"),
        "health_check_path": (HEALTH_PATH_RE, "a path starting with / (no spaces)"),
        "region": (REGION_RE, "a cloud region such as us-central1 (lower-case, dashes)"),
    }
    if name in patterns:
        pattern, rule = patterns[name]
        if not pattern.fullmatch(value):
            raise validation(f"must be {rule}", field)
        return value
    if name == "serving_framework":
        return value.strip().lower()
    if name == "gpu_type":
        key = value.strip().lower()
        if not GPU_TYPE_RE.fullmatch(key):
            raise validation("must be a GPU type key such as nvidia-a100", field)
        return key
    if name == "autoscaling_target_rps":
        if not math.isfinite(value) or not 0 < value <= 1e9:
            raise validation("must be a number above 0 (at most 1e9)", field)
        return float(value)
    if name in ("capacity_type", "service_type"):
        return value.value if hasattr(value, "value") else value
    raise AssertionError(name)


async def serving_frameworks(session: AsyncSession, environment_id: uuid.UUID) -> Sequence[str]:
    """The frameworks a deployment in this environment may use: the environment's enabled
    serving integrations if it configured any, else every supported one."""
    configured = await enabled_tools(session, environment_id, "serving")
    return catalog.SERVING if configured is None else configured


async def apply_runtime(
    session: AsyncSession,
    deployment: Deployment,
    runtime: Mapping[str, Any],
    prefix: Sequence[str] = ("runtime",),
) -> None:
    """Validate and set the given runtime settings (others keep their value), then check the
    whole: framework, resource uniqueness, request <= limit, GPUs against the environment's
    catalogue, replicas within the instance bounds."""
    for name, value in runtime.items():
        setattr(deployment, name, _check(name, value, prefix))
    d = deployment
    if "serving_framework" in runtime and d.serving_framework is not None:
        allowed = await serving_frameworks(session, d.environment_id)
        if d.serving_framework not in allowed:
            listed = ", ".join(allowed) or "none: no serving integration is enabled here"
            raise validation(f"must be one of {listed}", [*prefix, "serving_framework"])
    if (d.framework_resource_id or d.framework_namespace) and d.serving_framework is None:
        raise validation(
            "a framework resource needs its servingFramework", [*prefix, "serving_framework"]
        )
    for low, high in (
        ("cpu_request_millicores", "cpu_limit_millicores"),
        ("memory_request_mib", "memory_limit_mib"),
    ):
        if getattr(d, low) is not None and getattr(d, high) is not None:
            if getattr(d, low) > getattr(d, high):
                raise validation(f"must be >= {v.camel(low)}", [*prefix, high])
    ensure_service_rules(d, prefix)
    if d.gpu_type is not None and not d.gpu_count:
        raise validation("a GPU type needs gpuCount >= 1", [*prefix, "gpu_count"])
    if d.gpu_type is not None and ("gpu_type" in runtime):
        await ensure_gpu_offered(session, d.environment_id, d.gpu_type, [*prefix, "gpu_type"])
    ensure_replicas(d, [*prefix, "replica_count"])
    if d.framework_resource_id is not None and (
        {"serving_framework", "framework_resource_id", "framework_namespace", "region"}
        & runtime.keys()
    ):
        await _ensure_resource_free(session, d, [*prefix, "framework_resource_id"])


def ensure_service_rules(d: Deployment, prefix: Sequence[str]) -> None:
    """The service type's rules: the cloud-run framework serves only as a CLOUD_RUN
    service, and a CLOUD_RUN service has a Google Cloud region, a Cloud Run service name,
    no namespace, on-demand capacity and Cloud Run's per-instance limits."""
    service = None if d.service_type is None else ServiceType(d.service_type)
    if service is ServiceType.KUBERNETES and d.serving_framework == CLOUD_RUN:
        raise validation("cloud-run serves as serviceType CLOUD_RUN", [*prefix, "service_type"])
    if service is not ServiceType.CLOUD_RUN:
        return
    if d.serving_framework not in (None, CLOUD_RUN):
        raise validation(
            f"a CLOUD_RUN service is served by {CLOUD_RUN}", [*prefix, "serving_framework"]
        )
    if d.region is None:
        raise validation("a CLOUD_RUN service needs its region", [*prefix, "region"])
    if not CLOUD_RUN_REGION_RE.fullmatch(d.region):
        raise validation("must be a Google Cloud region such as us-central1", [*prefix, "region"])
    if d.framework_namespace is not None:
        raise validation(
            "a CLOUD_RUN service has no namespace (its region and name place it)",
            [*prefix, "framework_namespace"],
        )
    if d.framework_resource_id is not None and not CLOUD_RUN_SERVICE_RE.fullmatch(
        d.framework_resource_id
    ):
        raise validation(
            "must be a Cloud Run service name: lower-case letters, digits and dashes, "
            "starting with a letter, at most 49",
            [*prefix, "framework_resource_id"],
        )
    for name, most in CLOUD_RUN_LIMITS.items():
        if (getattr(d, name) or 0) > most:
            raise validation(f"Cloud Run allows at most {most}", [*prefix, name])
    if d.capacity_type != CapacityType.ON_DEMAND.value:
        raise validation("Cloud Run has on-demand capacity only", [*prefix, "capacity_type"])


def ensure_replicas(d: Deployment, field: Sequence[str]) -> None:
    if d.replica_count is not None and not d.min_instances <= d.replica_count <= d.max_instances:
        raise validation(
            f"must be between minInstances ({d.min_instances}) and maxInstances "
            f"({d.max_instances})",
            field,
        )


async def ensure_gpu_offered(
    session: AsyncSession, environment_id: uuid.UUID, key: str, field: Sequence[str]
) -> None:
    """With a GPU catalogue, the type must be one of its enabled entries."""
    rows = (
        await session.execute(
            select(GpuType.key, GpuType.enabled).where(GpuType.environment_id == environment_id)
        )
    ).all()
    if not rows:
        return
    if not any(row.key == key and row.enabled for row in rows):
        offered = ", ".join(sorted(row.key for row in rows if row.enabled)) or "none enabled"
        raise validation(f"this environment does not offer {key} (it offers: {offered})", field)


async def _ensure_resource_free(session: AsyncSession, d: Deployment, field: Sequence[str]) -> None:
    taken = await session.scalar(
        select(func.count())
        .select_from(Deployment)
        .where(
            Deployment.environment_id == d.environment_id,
            Deployment.serving_framework == d.serving_framework,
            Deployment.framework_namespace.is_not_distinct_from(d.framework_namespace),
            Deployment.region.is_not_distinct_from(d.region),
            Deployment.framework_resource_id == d.framework_resource_id,
            Deployment.deleted_at.is_(None),
            *([Deployment.id != d.id] if d.id is not None else []),
        )
    )
    if taken:
        raise DomainError(
            ErrorCode.CONFLICT,
            "another deployment in this environment is this framework resource "
            "(framework, namespace, region and resource id)",
            field,
        )


def apply_report(
    d: Deployment,
    *,
    replica_count: int | None,
    health: DeploymentHealth | None,
    framework_status: Any,
    has_framework_status: bool,
) -> None:
    """What a runtime controller reports: live replicas, health and its raw status."""
    if replica_count is not None:
        d.replica_count = _check("replica_count", replica_count, ())
        ensure_replicas(d, ["replica_count"])
    if health is not None:
        d.health = health.value
        d.health_reported_at = datetime.now(UTC)
    if has_framework_status:
        if framework_status is not None:
            v.json_value(framework_status, ["framework_status"], max_bytes=16 * 1024)
        d.framework_status = framework_status
