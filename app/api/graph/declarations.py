"""The declared read graph: every node type, from organizations down to deployments, their
metrics and alerts, experiments and runs, members, notifications, keys and the audit log.

Fields under ``python`` are resolved by hand-written resolvers, each for the reason given;
a query that selects one runs on the resolver path (see app/api/graph/compiler.py). A
test (tests/unit/test_declarations.py) holds every field of every declared type to be
a column, a computed field, a link, a lookup, a list, or a ``python`` entry."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.api.builds.lists import ARTIFACT_BUILDS_OF_PROJECT
from app.api.datasets.lists import (
    DATASETS_OF_PROJECT,
    INPUTS_OF_RUN,
    INPUTS_OF_TRAINING_JOB,
    VERSIONS_OF_DATASET,
)
from app.api.errors import ClientError
from app.api.experiments.lists import EXPERIMENTS_OF_PROJECT, RUNS_OF_EXPERIMENT
from app.api.graph.declare import (
    Built,
    Children,
    Computed,
    Link,
    ListQuery,
    Lookup,
    NodeType,
    declare,
    global_id_of,
    order_of,
)
from app.api.graph.metric_pages import metric_series
from app.api.graph.sql_text import typed_global_id_sql
from app.api.ids import encode_id
from app.api.loaders.list_spec import StatusFilter
from app.api.monitoring.lists import (
    ALERT_RULES_OF_PROJECT,
    ALERTS_OF_DEPLOYMENT,
    ALERTS_OF_ORGANIZATION,
    DRIFT_REPORTS_OF_DEPLOYMENT,
    METRICS_OF_DEPLOYMENT,
    AlertFilter,
    MetricFilter,
)
from app.api.notifications.lists import (
    ATTEMPTS_OF_DELIVERY,
    CHANNELS_OF_ORGANIZATION,
    DELIVERIES_OF_CHANNEL,
    RULES_OF_CHANNEL,
)
from app.api.pipelines.lists import PIPELINES_OF_PROJECT, RUNS_OF_PIPELINE
from app.api.registry.lists import (
    ALIASES_OF_MODEL,
    EVENTS_OF_ALIAS,
    MEMBERS_OF_PROJECT,
    MODELS_OF_PROJECT,
    PROJECTS_OF_ORGANIZATION,
    REGISTRY_LINKS_OF_MODEL,
    REGISTRY_LINKS_OF_VERSION,
    VERSIONS_OF_MODEL,
    VERSIONS_OF_RUN,
    RegistryLinkFilter,
    VersionFilter,
)
from app.api.serving.lists import (
    DEPLOYMENTS_OF_ENDPOINT,
    DEPLOYMENTS_OF_ENVIRONMENT,
    DEPLOYMENTS_OF_PROJECT,
    DEPLOYMENTS_OF_VERSION,
    ENDPOINTS_OF_ENVIRONMENT,
    ENDPOINTS_OF_MODEL,
    ENVIRONMENTS_OF_ORGANIZATION,
    EVENTS_OF_DEPLOYMENT,
    EVENTS_OF_ENDPOINT,
    GPU_TYPES_OF_ENVIRONMENT,
    INTEGRATIONS_OF_ENVIRONMENT,
    PREDICTIONS_OF_DEPLOYMENT,
    DeploymentFilter,
    GpuTypeFilter,
    IntegrationFilter,
)
from app.api.tenancy.lists import (
    API_KEYS_OF_USER,
    AUDIT_LOGS_OF_ORGANIZATION,
    MEMBERSHIPS_OF_ORGANIZATION,
    MEMBERSHIPS_OF_USER,
    ApiKeyFilter,
)
from app.api.training.lists import TRAINING_JOBS_OF_PROJECT
from app.domain.builds.models import ArtifactBuild
from app.domain.datasets.models import Dataset, DatasetInput, DatasetVersion
from app.domain.environments.models import Environment
from app.domain.experiments.models import Experiment, Run
from app.domain.integrations.models import IntegrationConfig, RegistryLink
from app.domain.monitoring.models import (
    Alert,
    AlertRule,
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
from app.domain.registry.enums import ModelStage
from app.domain.registry.models import Model, ModelAlias, ModelAliasEvent, ModelVersion
from app.domain.retention.models import RetentionPolicy
from app.domain.serving.enums import DeploymentStatus
from app.domain.serving.models import (
    Deployment,
    DeploymentEvent,
    GpuType,
    PromotionPolicy,
    ServingEndpoint,
    ServingEndpointEvent,
)
from app.domain.tenancy.models import (
    ApiKey,
    AuditLog,
    Membership,
    Organization,
    Project,
    ProjectMember,
    User,
)
from app.domain.training.models import TrainingJob

MAX_METRIC_NAMES = 50
CREATED_BY = Link("User", "created_by_id")
LINEAGE = "one recursive SQL statement over five kinds of edge (app/domain/datasets/lineage.py)"


def filtered_query(kwargs: Mapping[str, Any]) -> ListQuery:
    """``orderBy`` and a ``filter:`` input object (ModelFilterInput, DeploymentFilterInput)."""
    value = kwargs.get("filter")
    return ListQuery(order=order_of(kwargs), filter=value.to_filter() if value else None)


def active_deployments_query(kwargs: Mapping[str, Any]) -> ListQuery:
    return ListQuery(
        order=order_of(kwargs),
        filter=DeploymentFilter(statuses=(DeploymentStatus.ACTIVE.value,)),
    )


def status_query(kwargs: Mapping[str, Any]) -> ListQuery:
    """``orderBy``, ``status: [...]`` and ``createdFrom`` / ``createdTo`` (training jobs,
    dataset versions, pipeline runs)."""
    statuses = tuple(s.value for s in kwargs.get("status") or ())
    since, until = created_range(kwargs.get("created_from"), kwargs.get("created_to"))
    return ListQuery(
        order=order_of(kwargs),
        filter=StatusFilter(statuses=statuses, created_from=since, created_to=until),
    )


def created_query(kwargs: Mapping[str, Any]) -> ListQuery:
    """``orderBy`` and ``createdFrom`` / ``createdTo`` (a list without a status)."""
    since, until = created_range(kwargs.get("created_from"), kwargs.get("created_to"))
    return ListQuery(
        order=order_of(kwargs), filter=StatusFilter(created_from=since, created_to=until)
    )


def created_range(since: Any, until: Any) -> tuple[Any, Any]:
    if since is not None and until is not None and since > until:
        raise ClientError("createdFrom must not be after createdTo")
    return since, until


def traffic_split_query(kwargs: Mapping[str, Any]) -> ListQuery:
    """The ACTIVE deployments behind an endpoint, the most traffic first."""
    return ListQuery(
        order="TRAFFIC_DESC", filter=DeploymentFilter(statuses=(DeploymentStatus.ACTIVE.value,))
    )


def predictions_query(kwargs: Mapping[str, Any]) -> ListQuery:
    value = kwargs.get("filter")
    return ListQuery(order=order_of(kwargs), filter=value.to_filter() if value else None)


def integrations_query(kwargs: Mapping[str, Any]) -> ListQuery:
    types = tuple(t.value for t in kwargs.get("type") or ())
    return ListQuery(filter=IntegrationFilter(types=types))


def registry_links_query(kwargs: Mapping[str, Any]) -> ListQuery:
    registries = tuple(r.strip().lower() for r in kwargs.get("registry") or ())
    if len(registries) > 20:
        raise ClientError("registry takes at most 20 names")
    states = tuple(s.value for s in kwargs.get("sync_state") or ())
    return ListQuery(
        order=order_of(kwargs),
        filter=RegistryLinkFilter(registries=registries, sync_states=states),
    )


def api_keys_query(kwargs: Mapping[str, Any]) -> ListQuery:
    return ListQuery(order=order_of(kwargs), filter=ApiKeyFilter(revoked=kwargs.get("revoked")))


def gpu_types_query(kwargs: Mapping[str, Any]) -> ListQuery:
    return ListQuery(filter=GpuTypeFilter(enabled=kwargs.get("enabled")))


def versions_query(kwargs: Mapping[str, Any]) -> ListQuery:
    stages = kwargs.get("stage")
    version_filter = VersionFilter(stages=tuple(s.value for s in stages)) if stages else None
    return ListQuery(order=order_of(kwargs), filter=version_filter)


def metric_points_query(kwargs: Mapping[str, Any]) -> ListQuery:
    names, since, until = kwargs.get("names"), kwargs.get("from_"), kwargs.get("to")
    if names is not None and len(names) > MAX_METRIC_NAMES:
        raise ClientError(f"names takes at most {MAX_METRIC_NAMES} entries")
    if since is not None and until is not None and since > until:
        raise ClientError("from must not be after to")
    metric_filter = MetricFilter(names=tuple(sorted(set(names or []))), since=since, until=until)
    return ListQuery(order=order_of(kwargs), filter=metric_filter)


def runs_query(kwargs: Mapping[str, Any]) -> ListQuery:
    value = kwargs.get("filter")
    return ListQuery(
        order=order_of(kwargs),
        filter=value.to_filter() if value else None,
        order_argument=kwargs.get("order_key"),
    )


def alerts_query(kwargs: Mapping[str, Any]) -> ListQuery:
    alert_filter = AlertFilter(
        statuses=tuple(s.value for s in kwargs.get("status") or []),
        severities=tuple(s.value for s in kwargs.get("severity") or []),
    )
    return ListQuery(order=order_of(kwargs), filter=alert_filter)


declare(
    NodeType(
        "Organization",
        Organization,
        lists={
            "projects": Children("Project", PROJECTS_OF_ORGANIZATION),
            "environments": Children("Environment", ENVIRONMENTS_OF_ORGANIZATION),
            "members": Children("Membership", MEMBERSHIPS_OF_ORGANIZATION),
            "notificationChannels": Children("NotificationChannel", CHANNELS_OF_ORGANIZATION),
            "auditLogs": Children("AuditLogEntry", AUDIT_LOGS_OF_ORGANIZATION, filtered_query),
            "alerts": Children("Alert", ALERTS_OF_ORGANIZATION, alerts_query),
        },
        lookups={"retentionPolicy": Lookup("RetentionPolicy", "organization_id", lambda _: [])},
        python={
            "quota": "derived from the plan by app.domain.tenancy.quotas",
            "viewerRole": "the caller's role, known to the request",
        },
    ),
    NodeType(
        "Project",
        Project,
        links={"organization": Link("Organization", "organization_id")},
        lists={
            "models": Children("Model", MODELS_OF_PROJECT, filtered_query),
            "deployments": Children("Deployment", DEPLOYMENTS_OF_PROJECT, filtered_query),
            "experiments": Children("Experiment", EXPERIMENTS_OF_PROJECT),
            "alertRules": Children("AlertRule", ALERT_RULES_OF_PROJECT),
            "members": Children("ProjectMember", MEMBERS_OF_PROJECT),
            "trainingJobs": Children("TrainingJob", TRAINING_JOBS_OF_PROJECT, status_query),
            "datasets": Children("Dataset", DATASETS_OF_PROJECT, filtered_query),
            "pipelines": Children("Pipeline", PIPELINES_OF_PROJECT, created_query),
            "artifactBuilds": Children("ArtifactBuild", ARTIFACT_BUILDS_OF_PROJECT, status_query),
        },
    ),
    NodeType(
        "ArtifactBuild",
        ArtifactBuild,
        links={
            "project": Link("Project", "project_id"),
            "model": Link("Model", "model_id"),
            "modelVersion": Link("ModelVersion", "model_version_id"),
            "createdBy": CREATED_BY,
        },
    ),
    NodeType(
        "RegistryLink",
        RegistryLink,
        columns={"registry": "registry_type", "metadata": "metadata"},
        links={
            "model": Link("Model", "model_id"),
            "modelVersion": Link("ModelVersion", "model_version_id"),
            "createdBy": CREATED_BY,
        },
    ),
    NodeType(
        "Pipeline",
        Pipeline,
        links={"project": Link("Project", "project_id"), "createdBy": CREATED_BY},
        lists={"runs": Children("PipelineRun", RUNS_OF_PIPELINE, status_query)},
        python={
            "steps": "a typed view of the definition's JSON",
            "order": "a typed view of the definition's JSON",
        },
    ),
    NodeType(
        "PipelineRun",
        PipelineRun,
        links={"pipeline": Link("Pipeline", "pipeline_id"), "createdBy": CREATED_BY},
        python={"steps": "a typed view of the run's step states (JSON)"},
    ),
    NodeType(
        "Dataset",
        Dataset,
        columns={"type": "dataset_type"},
        links={"project": Link("Project", "project_id"), "createdBy": CREATED_BY},
        lists={"versions": Children("DatasetVersion", VERSIONS_OF_DATASET, status_query)},
    ),
    NodeType(
        "DatasetVersion",
        DatasetVersion,
        links={"dataset": Link("Dataset", "dataset_id"), "createdBy": CREATED_BY},
        python={"lineage": LINEAGE},
    ),
    # A dataset version a run or a training job consumed, and as what.
    NodeType(
        "DatasetInput",
        DatasetInput,
        global_id=False,
        links={"datasetVersion": Link("DatasetVersion", "dataset_version_id")},
    ),
    NodeType(
        "TrainingJob",
        TrainingJob,
        links={
            "project": Link("Project", "project_id"),
            "experiment": Link("Experiment", "experiment_id"),
            "environment": Link("Environment", "environment_id"),
            "run": Link("Run", "run_id"),
            "createdBy": CREATED_BY,
        },
        lists={"datasetInputs": Children("DatasetInput", INPUTS_OF_TRAINING_JOB)},
    ),
    NodeType(
        "ProjectMember",
        ProjectMember,
        global_id=False,
        links={"user": Link("User", "user_id")},
    ),
    NodeType(
        "Model",
        Model,
        links={"project": Link("Project", "project_id")},
        lookups={
            "productionVersion": Lookup(
                "ModelVersion",
                "model_id",
                lambda version: [version.stage == ModelStage.PRODUCTION.value],
            )
        },
        lists={
            "versions": Children("ModelVersion", VERSIONS_OF_MODEL, versions_query),
            "aliases": Children("ModelAlias", ALIASES_OF_MODEL),
            "endpoints": Children("ServingEndpoint", ENDPOINTS_OF_MODEL, status_query),
            "registryLinks": Children(
                "RegistryLink", REGISTRY_LINKS_OF_MODEL, registry_links_query
            ),
        },
        python={
            "alias": "time travel: the alias's latest move at or before an instant",
            "activeDeployment": "the deployment taking the most traffic in the environment "
            "the argument names (a loader's query per model and environment)",
        },
    ),
    NodeType(
        "ModelAlias",
        ModelAlias,
        links={
            "model": Link("Model", "model_id"),
            "modelVersion": Link("ModelVersion", "model_version_id"),
        },
        lists={"history": Children("ModelAliasEvent", EVENTS_OF_ALIAS)},
    ),
    NodeType(
        "ModelAliasEvent",
        ModelAliasEvent,
        global_id=False,
        links={
            "fromVersion": Link("ModelVersion", "from_version_id"),
            "toVersion": Link("ModelVersion", "to_version_id"),
            "actor": Link("User", "actor_user_id"),
        },
    ),
    NodeType(
        "ModelVersion",
        ModelVersion,
        links={"model": Link("Model", "model_id"), "run": Link("Run", "run_id")},
        lookups={"artifactBuild": Lookup("ArtifactBuild", "model_version_id", lambda _: [])},
        lists={
            "deployments": Children("Deployment", DEPLOYMENTS_OF_VERSION, filtered_query),
            "registryLinks": Children(
                "RegistryLink", REGISTRY_LINKS_OF_VERSION, registry_links_query
            ),
        },
        python={"lineage": LINEAGE},
    ),
    NodeType(
        "Environment",
        Environment,
        lists={
            "deployments": Children("Deployment", DEPLOYMENTS_OF_ENVIRONMENT, filtered_query),
            "activeDeployments": Children(
                "Deployment", DEPLOYMENTS_OF_ENVIRONMENT, active_deployments_query
            ),
            "gpuTypes": Children("GpuType", GPU_TYPES_OF_ENVIRONMENT, gpu_types_query),
            "endpoints": Children("ServingEndpoint", ENDPOINTS_OF_ENVIRONMENT, status_query),
            "integrations": Children(
                "IntegrationConfig", INTEGRATIONS_OF_ENVIRONMENT, integrations_query
            ),
        },
    ),
    NodeType(
        "IntegrationConfig",
        IntegrationConfig,
        columns={"type": "integration_type"},
        links={"environment": Link("Environment", "environment_id"), "createdBy": CREATED_BY},
    ),
    NodeType(
        "ServingEndpoint",
        ServingEndpoint,
        links={
            "model": Link("Model", "model_id"),
            "environment": Link("Environment", "environment_id"),
            "project": Link("Project", "project_id"),
            "activeDeployment": Link("Deployment", "active_deployment_id"),
            "previousDeployment": Link("Deployment", "previous_deployment_id"),
        },
        lookups={"promotionPolicy": Lookup("PromotionPolicy", "endpoint_id", lambda _: [])},
        lists={
            "deployments": Children("Deployment", DEPLOYMENTS_OF_ENDPOINT, filtered_query),
            "trafficSplit": Children("Deployment", DEPLOYMENTS_OF_ENDPOINT, traffic_split_query),
            "history": Children("ServingEndpointEvent", EVENTS_OF_ENDPOINT),
        },
    ),
    NodeType(
        "PromotionPolicy",
        PromotionPolicy,
        links={"endpoint": Link("ServingEndpoint", "endpoint_id"), "createdBy": CREATED_BY},
    ),
    NodeType(
        "ServingEndpointEvent",
        ServingEndpointEvent,
        global_id=False,
        links={
            "fromDeployment": Link("Deployment", "from_deployment_id"),
            "toDeployment": Link("Deployment", "to_deployment_id"),
            "actor": Link("User", "actor_user_id"),
        },
    ),
    # Partitioned by deployment: read through its deployment, never by id alone.
    NodeType(
        "Prediction",
        Prediction,
        global_id=False,
        links={"modelVersion": Link("ModelVersion", "model_version_id")},
    ),
    NodeType("GpuType", GpuType, links={"environment": Link("Environment", "environment_id")}),
    NodeType(
        "Deployment",
        Deployment,
        links={
            "environment": Link("Environment", "environment_id"),
            "modelVersion": Link("ModelVersion", "model_version_id"),
            "project": Link("Project", "project_id"),
            "endpoint": Link("ServingEndpoint", "endpoint_id"),
        },
        lists={
            "predictions": Children("Prediction", PREDICTIONS_OF_DEPLOYMENT, predictions_query),
            "monitoringMetrics": Children(
                "MonitoringMetricPoint", METRICS_OF_DEPLOYMENT, metric_points_query
            ),
            "alerts": Children("Alert", ALERTS_OF_DEPLOYMENT, alerts_query),
            "events": Children("DeploymentEvent", EVENTS_OF_DEPLOYMENT),
            "driftReports": Children("DriftReport", DRIFT_REPORTS_OF_DEPLOYMENT),
        },
        python={
            "predictionStats": "percentiles over a time window (a loader's SQL, per window)",
            "embeddingDrift": "a permutation test over embeddings, in numpy",
            "similarPredictions": "a nearest-neighbour search (pgvector) from an embedding "
            "given as an argument",
        },
    ),
    NodeType("MonitoringMetricPoint", MonitoringMetric, global_id=False),
    NodeType(
        "Experiment",
        Experiment,
        links={"project": Link("Project", "project_id"), "model": Link("Model", "model_id")},
        lists={"runs": Children("Run", RUNS_OF_EXPERIMENT, runs_query)},
    ),
    NodeType(
        "Run",
        Run,
        links={"experiment": Link("Experiment", "experiment_id")},
        computed={
            # The ingest position every stored point is within: subscribe to runMetrics
            # with after: it to receive only the points committed since this read.
            "metricCursor": Computed(
                sql="({a}.metric_seq)::text", python=lambda row: str(row.metric_seq)
            )
        },
        lists={
            "modelVersions": Children("ModelVersion", VERSIONS_OF_RUN),
            "datasetInputs": Children("DatasetInput", INPUTS_OF_RUN),
        },
        # A series of one key: pages of raw points as columns compile (its summary and
        # points connection run on the resolvers).
        built={"metric": Built(metric_series)},
        python={
            "metricKeys": "from the metric summaries loader (shared with metricSummary)",
            "metricSummary": "filtered by key in Python over the summaries loader",
            "metricHistory": "a downsampling plan chosen in Python (rollup level per range)",
            "lineage": LINEAGE,
        },
    ),
    NodeType(
        "Alert",
        Alert,
        links={
            "deployment": Link("Deployment", "deployment_id"),
            "rule": Link("AlertRule", "rule_id"),
            "acknowledgedBy": Link("User", "acknowledged_by_id"),
            "resolvedBy": Link("User", "resolved_by_id"),
            "createdBy": CREATED_BY,
        },
    ),
    NodeType(
        "DriftReport",
        DriftReport,
        links={"alert": Link("Alert", "alert_id")},
        python={"features": "every score of the report as a plain list, in the given order"},
    ),
    NodeType("AlertRule", AlertRule, links={"deployment": Link("Deployment", "deployment_id")}),
    NodeType(
        "DeploymentEvent",
        DeploymentEvent,
        links={
            "actor": Link("User", "actor_user_id"),
            "fromVersion": Link("ModelVersion", "from_model_version_id"),
            "toVersion": Link("ModelVersion", "to_model_version_id"),
        },
    ),
    # Users have no organization: visible to themselves and to members of an organization
    # they belong to (the compiler and app/api/loaders/rows_by_id.visibility say so).
    NodeType("User", User),
    # The caller: its user row, and the memberships its key can act through.
    NodeType(
        "Viewer",
        User,
        global_id=False,
        links={"user": Link("User", "id")},
        lists={
            "memberships": Children("Membership", MEMBERSHIPS_OF_USER),
            "apiKeys": Children("ApiKey", API_KEYS_OF_USER, api_keys_query),
        },
    ),
    NodeType(
        "Membership",
        Membership,
        links={
            "organization": Link("Organization", "organization_id"),
            "user": Link("User", "user_id"),
        },
    ),
    # Notifications: channels and their rules are the organization's; deliveries (and their
    # attempts) and the audit log are for its admins only.
    NodeType(
        "NotificationChannel",
        NotificationChannel,
        columns={"type": "channel_type"},
        computed={
            "hasSecret": Computed(
                sql="({a}.secret IS NOT NULL)", python=lambda row: row.secret is not None
            )
        },
        lists={
            "rules": Children("NotificationRule", RULES_OF_CHANNEL),
            "deliveries": Children("NotificationDelivery", DELIVERIES_OF_CHANNEL),
        },
        python={"config": "a Slack URL is sealed at rest: opened in Python to show its host"},
    ),
    NodeType(
        "NotificationRule",
        NotificationRule,
        computed={
            "projectId": global_id_of("Project", "project_id"),
            "deploymentId": global_id_of("Deployment", "deployment_id"),
            "environmentId": global_id_of("Environment", "environment_id"),
        },
    ),
    NodeType(
        "NotificationDelivery",
        NotificationDelivery,
        lists={"attemptLog": Children("NotificationAttempt", ATTEMPTS_OF_DELIVERY)},
        admin_only="only organization admins can see notification deliveries",
    ),
    NodeType("NotificationAttempt", NotificationAttempt, global_id=False),
    NodeType(
        "AuditLogEntry",
        AuditLog,
        links={"actor": Link("User", "actor_user_id")},
        computed={
            "targetId": Computed(
                sql=f"coalesce({typed_global_id_sql('{a}.target_type', '{a}.target_id')}, 'null')",
                python=lambda row: (
                    encode_id(row.target_type, row.target_id) if row.target_id else None
                ),
                json=True,
            )
        },
        admin_only="only organization admins can read the audit log",
    ),
    NodeType(
        "RetentionPolicy",
        RetentionPolicy,
        links={"updatedBy": Link("User", "updated_by_id")},
    ),
    # A key is its owner's alone (the compiler and rows_by_id.visibility say so).
    NodeType("ApiKey", ApiKey, links={"organization": Link("Organization", "organization_id")}),
)
