"""What deployments and predictions may be aggregated by (app/api/aggregates.py)."""

from __future__ import annotations

import enum

import strawberry

from app.api.loaders.aggregates import Grouping, Measure
from app.domain.serving.enums import CapacityType, DeploymentStatus, ServiceType


@strawberry.enum(description="What to group deployments by.")
class DeploymentGroupBy(enum.Enum):
    STATUS = Grouping("status", enum=DeploymentStatus)
    ENVIRONMENT = Grouping("environment_id", id_type="Environment")
    PROJECT = Grouping("project_id", id_type="Project")
    MODEL_VERSION = Grouping("model_version_id", id_type="ModelVersion")
    SERVING_FRAMEWORK = Grouping("serving_framework")
    SERVICE_TYPE = Grouping("service_type", enum=ServiceType)
    REGION = Grouping("region")
    CAPACITY_TYPE = Grouping("capacity_type", enum=CapacityType)
    GPU_TYPE = Grouping("gpu_type")


@strawberry.enum(description="A number of each deployment.")
class DeploymentNumber(enum.Enum):
    TRAFFIC_PERCENTAGE = Measure("traffic_percentage")
    MIN_INSTANCES = Measure("min_instances")
    MAX_INSTANCES = Measure("max_instances")
    REPLICA_COUNT = Measure("replica_count")
    GPU_COUNT = Measure("gpu_count")
    CPU_LIMIT_MILLICORES = Measure("cpu_limit_millicores")
    MEMORY_LIMIT_MIB = Measure("memory_limit_mib")


@strawberry.enum(description="What to group predictions by.")
class PredictionGroupBy(enum.Enum):
    MODEL_VERSION = Grouping("model_version_id", id_type="ModelVersion")


@strawberry.enum(description="A number of each prediction.")
class PredictionNumber(enum.Enum):
    LATENCY_MS = Measure("latency_ms")
    CONFIDENCE = Measure("confidence")
