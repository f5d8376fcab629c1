"""Every child list of the graph: which table, which parent column, which orders."""

from __future__ import annotations

from app.api.loaders.list_spec import ListSpec, Order
from app.api.loaders.run_orders import ByMetricLast, ByNumericParam
from app.domain.builds.models import ArtifactBuild
from app.domain.datasets.models import Dataset, DatasetInput, DatasetVersion
from app.domain.environments.models import Environment
from app.domain.experiments.models import Experiment, Run
from app.domain.integrations.models import IntegrationConfig, RegistryLink
from app.domain.monitoring.models import (
    Alert,
    AlertRule,
    DriftFeatureScore,
    DriftReport,
    MonitoringMetric,
    Prediction,
)
from app.domain.notifications.models import (
    NotificationAttempt,
    NotificationChannel,
    NotificationDelivery,
    NotificationRule,
)
from app.domain.pipelines.models import Pipeline, PipelineRun
from app.domain.registry.models import Model, ModelAlias, ModelAliasEvent, ModelVersion
from app.domain.serving.models import (
    Deployment,
    DeploymentEvent,
    GpuType,
    ServingEndpoint,
    ServingEndpointEvent,
)
from app.domain.tenancy.models import ApiKey, AuditLog, Membership, Project, ProjectMember
from app.domain.training.models import TrainingJob

# uuid7 ids are time-ordered, so "id" doubles as creation order and as the unique tiebreaker.
CREATED = {"CREATED_ASC": Order(("id",)), "CREATED_DESC": Order(("id",), descending=True)}
BY_NAME = {
    "NAME_ASC": Order(("name", "id")),
    "NAME_DESC": Order(("name", "id"), descending=True),
}

PROJECTS_OF_ORGANIZATION = ListSpec(
    "projects_of_organization",
    Project,
    "organization_id",
    {**CREATED, **BY_NAME, "SLUG_ASC": Order(("slug", "id"))},
)
ENVIRONMENTS_OF_ORGANIZATION = ListSpec(
    "environments_of_organization", Environment, "organization_id", {**CREATED, **BY_NAME}
)
# Removed memberships stay as rows (history), never in these lists.
MEMBERSHIPS_OF_ORGANIZATION = ListSpec(
    "memberships_of_organization", Membership, "organization_id", CREATED
)
MEMBERSHIPS_OF_USER = ListSpec("memberships_of_user", Membership, "user_id", CREATED)
AUDIT_LOGS_OF_ORGANIZATION = ListSpec(
    "audit_logs_of_organization",
    AuditLog,
    "organization_id",
    CREATED,
    default_order="CREATED_DESC",
    live_only=False,
)
MEMBERS_OF_PROJECT = ListSpec(
    "members_of_project", ProjectMember, "project_id", CREATED, live_only=False
)
MODELS_OF_PROJECT = ListSpec(
    "models_of_project",
    Model,
    "project_id",
    {
        **CREATED,
        **BY_NAME,
        "UPDATED_DESC": Order(("updated_at", "id"), descending=True),
    },
)
ALIASES_OF_MODEL = ListSpec(
    "aliases_of_model",
    ModelAlias,
    "model_id",
    {"NAME_ASC": Order(("name", "id"))},
    default_order="NAME_ASC",
    live_only=False,
)
EVENTS_OF_ALIAS = ListSpec(
    "events_of_alias",
    ModelAliasEvent,
    "alias_id",
    CREATED,
    default_order="CREATED_DESC",
    live_only=False,
)
VERSIONS_OF_MODEL = ListSpec(
    "versions_of_model", ModelVersion, "model_id", CREATED, default_order="CREATED_DESC"
)
DEPLOYMENTS = {**CREATED, **BY_NAME}
DEPLOYMENTS_OF_VERSION = ListSpec(
    "deployments_of_version", Deployment, "model_version_id", DEPLOYMENTS
)
DEPLOYMENTS_OF_PROJECT = ListSpec("deployments_of_project", Deployment, "project_id", DEPLOYMENTS)
DEPLOYMENTS_OF_ENVIRONMENT = ListSpec(
    "deployments_of_environment", Deployment, "environment_id", DEPLOYMENTS
)
DATASETS_OF_PROJECT = ListSpec("datasets_of_project", Dataset, "project_id", {**CREATED, **BY_NAME})
VERSIONS_OF_DATASET = ListSpec(
    "versions_of_dataset", DatasetVersion, "dataset_id", CREATED, default_order="CREATED_DESC"
)
PIPELINES_OF_PROJECT = ListSpec(
    "pipelines_of_project", Pipeline, "project_id", {**CREATED, **BY_NAME}
)
RUNS_OF_PIPELINE = ListSpec(
    "runs_of_pipeline",
    PipelineRun,
    "pipeline_id",
    CREATED,
    default_order="CREATED_DESC",
    live_only=False,
)
INPUTS_OF_RUN = ListSpec("inputs_of_run", DatasetInput, "run_id", CREATED, live_only=False)
INPUTS_OF_TRAINING_JOB = ListSpec(
    "inputs_of_training_job", DatasetInput, "training_job_id", CREATED, live_only=False
)
TRAINING_JOBS_OF_PROJECT = ListSpec(
    "training_jobs_of_project",
    TrainingJob,
    "project_id",
    {**CREATED, **BY_NAME},
    default_order="CREATED_DESC",
)
GPU_TYPES_OF_ENVIRONMENT = ListSpec(
    "gpu_types_of_environment",
    GpuType,
    "environment_id",
    # The priority (nulls last, as the stored sort key has it), then the label.
    {"PRIORITY_ASC": Order(("sort_priority", "label", "id"))},
    default_order="PRIORITY_ASC",
    live_only=False,
)
EVENTS_OF_DEPLOYMENT = ListSpec(
    "events_of_deployment",
    DeploymentEvent,
    "deployment_id",
    CREATED,
    default_order="CREATED_DESC",
    live_only=False,
)
METRICS_OF_DEPLOYMENT = ListSpec(
    "metrics_of_deployment",
    MonitoringMetric,
    "deployment_id",
    {
        "RECORDED_AT_ASC": Order(("recorded_at", "name")),
        "RECORDED_AT_DESC": Order(("recorded_at", "name"), descending=True),
    },
    default_order="RECORDED_AT_ASC",
    live_only=False,
)
ALERTS_OF_DEPLOYMENT = ListSpec(
    "alerts_of_deployment",
    Alert,
    "deployment_id",
    CREATED,
    default_order="CREATED_DESC",
    live_only=False,
)
ALERTS_OF_ORGANIZATION = ListSpec(
    "alerts_of_organization",
    Alert,
    "organization_id",
    CREATED,
    default_order="CREATED_DESC",
    live_only=False,
)

EXPERIMENTS_OF_PROJECT = ListSpec(
    "experiments_of_project", Experiment, "project_id", {**CREATED, **BY_NAME}
)
RUNS_OF_EXPERIMENT = ListSpec(
    "runs_of_experiment",
    Run,
    "experiment_id",
    {
        **CREATED,
        **BY_NAME,
        "STARTED_DESC": Order(("started_at", "id"), descending=True),
        "METRIC_ASC": ByMetricLast(),
        "METRIC_DESC": ByMetricLast(value_descending=True),
        "PARAM_ASC": ByNumericParam(),
        "PARAM_DESC": ByNumericParam(value_descending=True),
    },
    default_order="CREATED_DESC",
)
VERSIONS_OF_RUN = ListSpec("versions_of_run", ModelVersion, "run_id", CREATED)
ALERT_RULES_OF_PROJECT = ListSpec(
    "alert_rules_of_project", AlertRule, "project_id", {**CREATED, **BY_NAME}
)
CHANNELS_OF_ORGANIZATION = ListSpec(
    "channels_of_organization", NotificationChannel, "organization_id", {**CREATED, **BY_NAME}
)
RULES_OF_CHANNEL = ListSpec("rules_of_channel", NotificationRule, "channel_id", CREATED)
DELIVERIES_OF_CHANNEL = ListSpec(
    "deliveries_of_channel",
    NotificationDelivery,
    "channel_id",
    CREATED,
    default_order="CREATED_DESC",
    live_only=False,
)
ATTEMPTS_OF_DELIVERY = ListSpec(
    "attempts_of_delivery", NotificationAttempt, "delivery_id", CREATED, live_only=False
)
DRIFT_REPORTS_OF_DEPLOYMENT = ListSpec(
    "drift_reports_of_deployment",
    DriftReport,
    "deployment_id",
    CREATED,
    default_order="CREATED_DESC",
    live_only=False,
)
SCORES_OF_REPORT = ListSpec(
    "scores_of_report", DriftFeatureScore, "report_id", CREATED, live_only=False
)

PREDICTIONS_OF_DEPLOYMENT = ListSpec(
    "predictions_of_deployment",
    Prediction,
    "deployment_id",
    {
        "RECORDED_AT_ASC": Order(("recorded_at", "id")),
        "RECORDED_AT_DESC": Order(("recorded_at", "id"), descending=True),
    },
    default_order="RECORDED_AT_DESC",
    live_only=False,
)
ENDPOINTS_OF_MODEL = ListSpec(
    "endpoints_of_model", ServingEndpoint, "model_id", CREATED, live_only=False
)
ENDPOINTS_OF_ENVIRONMENT = ListSpec(
    "endpoints_of_environment", ServingEndpoint, "environment_id", CREATED, live_only=False
)
DEPLOYMENTS_OF_ENDPOINT = ListSpec(
    "deployments_of_endpoint",
    Deployment,
    "endpoint_id",
    {**CREATED, **BY_NAME, "TRAFFIC_DESC": Order(("traffic_percentage", "id"), descending=True)},
)
EVENTS_OF_ENDPOINT = ListSpec(
    "events_of_endpoint",
    ServingEndpointEvent,
    "endpoint_id",
    CREATED,
    default_order="CREATED_DESC",
    live_only=False,
)
INTEGRATIONS_OF_ENVIRONMENT = ListSpec(
    "integrations_of_environment",
    IntegrationConfig,
    "environment_id",
    {"TYPE_TOOL_ASC": Order(("integration_type", "tool", "id"))},
    default_order="TYPE_TOOL_ASC",
    live_only=False,
)
ARTIFACT_BUILDS_OF_PROJECT = ListSpec(
    "artifact_builds_of_project",
    ArtifactBuild,
    "project_id",
    CREATED,
    default_order="CREATED_DESC",
    live_only=False,
)
REGISTRY_LINKS_OF_MODEL = ListSpec(
    "registry_links_of_model", RegistryLink, "model_id", CREATED, live_only=False
)
REGISTRY_LINKS_OF_VERSION = ListSpec(
    "registry_links_of_version", RegistryLink, "model_version_id", CREATED, live_only=False
)
API_KEYS_OF_USER = ListSpec(
    "api_keys_of_user",
    ApiKey,
    "user_id",
    CREATED,
    default_order="CREATED_DESC",
    live_only=False,
    owned_by_user=True,
)
