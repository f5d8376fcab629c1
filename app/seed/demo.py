"""The demo story: Acme's fraud team ships a credit-card fraud model to production.

Built through the domain services, so every rule (stages, quotas, audit log) holds."""

from __future__ import annotations

import math
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.alert_kinds import AlertSeverity
from app.domain.builds import services as builds
from app.domain.datasets import services as datasets
from app.domain.datasets.enums import (
    ChecksumAlgorithm,
    DatasetType,
    DatasetVersionStatus,
    InputRole,
)
from app.domain.datasets.services import Checksum, Input
from app.domain.experiments import services as experiment_services
from app.domain.experiments.enums import RunStatus
from app.domain.experiments.points import batch_from_points
from app.domain.experiments.rules import RunMetricPoint
from app.domain.integrations import configs as integration_configs
from app.domain.integrations import registry_links
from app.domain.integrations.catalog import SyncDirection, SyncState
from app.domain.monitoring import alert_rules
from app.domain.monitoring.enums import Aggregation, AlertStatus, Comparator
from app.domain.monitoring.models import Alert
from app.domain.monitoring.predictions import PredictionIn, predictions_record
from app.domain.monitoring.rules import MetricPoint
from app.domain.monitoring.services import monitoring_metrics_record
from app.domain.pipelines import services as pipelines
from app.domain.pipelines.enums import Orchestrator, PipelineRunStatus, StepKind, StepStatus
from app.domain.pipelines.rules import Step
from app.domain.pipelines.services import JobTemplate
from app.domain.projects import services as projects
from app.domain.promotion import services as promotion
from app.domain.registry import aliases, model_service, version_service
from app.domain.registry.enums import Framework, ModelStage, ModelType, TaskType
from app.domain.serving import gpu_types, lifecycle
from app.domain.serving import services as serving
from app.domain.serving.enums import DeploymentStatus
from app.domain.serving.models import ServingEndpoint
from app.domain.sweeps.trials import trial_finished
from app.domain.tenancy.access import Actor
from app.domain.tenancy.enums import ApiKeyScope, OrgRole, Plan
from app.domain.tenancy.models import Membership, Organization, User
from app.domain.tenancy.services import organization_create
from app.domain.training import services as training
from app.domain.training.enums import Executor, TrainingJobStatus

KSERVE = {
    "serving_framework": "kserve",
    "framework_namespace": "fraud",
    "machine_type": "n2-standard-4",
    "cpu_request_millicores": 1000,
    "cpu_limit_millicores": 2000,
    "memory_request_mib": 2048,
    "memory_limit_mib": 4096,
    "autoscaling_target_rps": 150.0,
    "health_check_path": "/v2/health/ready",
}
DEMO_ORG = "acme"
DEMO_ADMIN = "admin@acme.example"
METRIC_HOURS = 48


async def seed_demo(session: AsyncSession) -> bool:
    """Load the demo once; returns False when it is already there."""
    exists = await session.scalar(
        select(func.count()).select_from(Organization).where(Organization.slug == DEMO_ORG)
    )
    if exists:
        return False
    admin = User(email=DEMO_ADMIN, name="Ada Admin")
    session.add(admin)
    await session.flush()
    actor = Actor(user_id=admin.id, scopes=frozenset(ApiKeyScope))
    org = await organization_create(
        session, actor, slug=DEMO_ORG, name="Acme Corp", plan=Plan.ENTERPRISE
    )
    actor = Actor(user_id=admin.id, org_roles={org.id: OrgRole.ADMIN}, scopes=actor.scopes)
    analyst = User(email="dev@acme.example", name="Dev Eloper")
    session.add(analyst)
    await session.flush()
    session.add(
        Membership(organization_id=org.id, user_id=analyst.id, role=OrgRole.DEVELOPER.value)
    )

    project = await projects.project_create(
        session,
        actor,
        organization_id=org.id,
        slug="fraud-detection",
        name="Fraud Detection",
        description="Real-time scoring of card transactions.",
    )
    model = await model_service.model_create(
        session,
        actor,
        project_id=project.id,
        name="credit-card-fraud",
        description="Gradient-boosted trees over transaction, merchant and device features.",
        model_type=ModelType.CLASSIFICATION,
        framework=Framework.XGBOOST,
        task_type=TaskType.BINARY_CLASSIFICATION,
        tags=["fraud", "payments", "tabular"],
        metadata={"owner_team": "risk-ml", "training_rows": 12_500_000},
    )
    runs = await _training_runs(session, actor, project.id, model.id)
    versions = {}
    for version, auc in (("1.0.0", 0.941), ("1.1.0", 0.952), ("1.2.0", 0.957)):
        versions[version] = await version_service.model_version_create(
            session,
            actor,
            model_id=model.id,
            version=version,
            description=f"AUC {auc}",
            artifact_uri=f"s3://acme-models/credit-card-fraud/{version}/model.json",
            artifact_size_bytes=48_000_000,
            metrics={"auc": auc, "precision_at_1pct_fpr": round(auc - 0.2, 3)},
            signature={
                "inputs": [{"name": "amount", "type": "double"}],
                "outputs": [{"name": "p_fraud", "type": "double"}],
            },
            run_id=runs[version],
        )
    for stage in (ModelStage.STAGING, ModelStage.PRODUCTION):
        await version_service.model_version_transition(
            session, actor, version_id=versions["1.0.0"].id, stage=stage
        )
    await version_service.model_version_transition(
        session, actor, version_id=versions["1.1.0"].id, stage=ModelStage.STAGING
    )

    staging = await serving.environment_create(
        session,
        actor,
        organization_id=org.id,
        name="staging",
        description="Pre-production",
        protected=False,
        config={"region": "eu-west-1"},
    )
    production = await serving.environment_create(
        session,
        actor,
        organization_id=org.id,
        name="production",
        description="Live traffic",
        protected=True,
        config={"region": "eu-west-1", "replicas_per_zone": 2},
    )
    await integration_configs.integration_config_set(
        session,
        actor,
        environment_id=production.id,
        integration_type="serving",
        tool="kserve",
        enabled=True,
        config={"namespace": "fraud", "ingress_domain": "acme.example"},
        feature_flags={"canary_rollouts": True},
    )
    await integration_configs.integration_config_set(
        session,
        actor,
        environment_id=production.id,
        integration_type="tracking",
        tool="mlflow",
        enabled=True,
        config={"tracking_uri": "https://mlflow.acme.example"},
        feature_flags={},
    )
    prod = await serving.deployment_create(
        session,
        actor,
        model_version_id=versions["1.0.0"].id,
        environment_id=production.id,
        name="fraud-api-prod",
        min_instances=2,
        max_instances=10,
        autoscaling=True,
        endpoint_url="https://fraud-api.acme.example/v1/score",
        config={"timeout_ms": 50},
        runtime={**KSERVE, "framework_resource_id": "fraud-api", "replica_count": 3},
    )
    stage_deployment = await serving.deployment_create(
        session,
        actor,
        model_version_id=versions["1.1.0"].id,
        environment_id=staging.id,
        name="fraud-api-staging",
        min_instances=1,
        max_instances=2,
        autoscaling=False,
        endpoint_url=None,
        config={},
    )
    for deployment in (prod, stage_deployment):
        for status in (DeploymentStatus.DEPLOYING, DeploymentStatus.ACTIVE):
            await lifecycle.deployment_transition(
                session, actor, deployment_id=deployment.id, status=status
            )

    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    points = []
    for hour in range(METRIC_HOURS):
        at = now - timedelta(hours=METRIC_HOURS - hour)
        wave = math.sin(hour / 24 * 2 * math.pi)
        points += [
            MetricPoint("latency_p95_ms", round(31 + 6 * wave + (25 if hour == 40 else 0), 2), at),
            MetricPoint("error_rate", round(0.004 + 0.002 * max(wave, 0), 5), at),
            MetricPoint("accuracy", round(0.962 - 0.004 * max(-wave, 0), 4), at),
            MetricPoint("requests_per_second", round(420 + 180 * wave, 1), at),
        ]
    await alert_rules.alert_rule_create(
        session,
        actor,
        project_id=project.id,
        deployment_id=None,
        name="p95 latency",
        metric_name="latency_p95_ms",
        comparator=Comparator.GT,
        threshold=80.0,
        aggregation=Aggregation.MAX,
        window_seconds=3600,
        severity=AlertSeverity.HIGH,
        cooldown_seconds=900,
        auto_resolve=True,
    )
    await monitoring_metrics_record(
        session, actor, deployment_id=prod.id, points=points, max_points=10_000
    )
    session.add_all(
        [
            Alert(
                organization_id=org.id,
                deployment_id=prod.id,
                alert_type="metric_threshold",
                severity=AlertSeverity.HIGH.value,
                status=AlertStatus.RESOLVED.value,
                title="p95 latency above 50 ms",
                message="latency_p95_ms reached 62 ms",
                metric_name="latency_p95_ms",
                metric_value=62.0,
                opened_at=now - timedelta(hours=8),
                resolved_at=now - timedelta(hours=7),
            ),
            Alert(
                organization_id=org.id,
                deployment_id=prod.id,
                alert_type="data_drift",
                severity=AlertSeverity.MEDIUM.value,
                status=AlertStatus.OPEN.value,
                title="Feature drift on merchant_category",
                message="PSI 0.27 over the last 24 h",
                opened_at=now - timedelta(hours=2),
            ),
        ]
    )
    await session.flush()
    await _data_and_training(session, actor, project.id, staging.id, runs)
    await _release_governance(
        session, actor, model_id=model.id, versions=versions, production=production, prod=prod
    )
    return True


async def _data_and_training(
    session: AsyncSession,
    actor: Actor,
    project_id: uuid.UUID,
    environment_id: uuid.UUID,
    runs: dict[str, Any],
) -> None:
    """The data half: a GPU catalogue, a dataset whose second version (derived from the
    first) fed every demo run, a finished GPU training job, and a pipeline run."""
    for key, label, priority in (
        ("nvidia-a100", "NVIDIA A100 80 GB", 1),
        ("nvidia-t4", "NVIDIA T4 16 GB", 2),
    ):
        await gpu_types.gpu_type_create(
            session,
            actor,
            environment_id=environment_id,
            key=key,
            label=label,
            enabled=True,
            priority=priority,
        )
    cards = await datasets.dataset_create(
        session,
        actor,
        project_id=project_id,
        name="card-transactions",
        dataset_type=DatasetType.TABULAR,
        description="Card transactions with fraud labels",
        format="parquet",
        schema={"amount": "float", "merchant_category": "string", "is_fraud": "bool"},
        tags=["pii-free", "labelled"],
    )
    parent: list[uuid.UUID] = []
    versions = []
    for name, rows, digest in (("2026q2", 41_250_000, "5" * 64), ("2026q3", 43_800_000, "7" * 64)):
        version = await datasets.dataset_version_create(
            session,
            actor,
            dataset_id=cards.id,
            version=name,
            versioning_system="dvc",
            systems=("dvc",),
            external_version_id=f"dvc-{name}",
            storage_uri=f"s3://acme-data/cards/{name}/",
            checksum=Checksum(ChecksumAlgorithm.SHA256, digest),
            file_count=128,
            total_size_bytes=rows * 96,
            record_count=rows,
            diff_summary=None,
            parent_ids=parent,
        )
        checked = Checksum(ChecksumAlgorithm.SHA256, digest)  # as a verifier computed it
        await datasets.dataset_version_verify(
            session, actor, version_id=version.id, checksum=checked
        )
        await datasets.dataset_version_transition(
            session, actor, version_id=version.id, status=DatasetVersionStatus.ACTIVE
        )
        parent = [version.id]
        versions.append(version)
    for run_id in runs.values():
        await datasets.dataset_inputs_record(
            session,
            actor,
            run_id=run_id,
            training_job_id=None,
            inputs=[Input(versions[1].id, InputRole.TRAIN), Input(versions[0].id, InputRole.TEST)],
        )
    job = await training.training_job_create(
        session,
        actor,
        project_id=project_id,
        experiment_id=None,
        environment_id=environment_id,
        name="depth-8 on A100",
        image="ghcr.io/acme/fraud-train:1.2",
        entry_point=None,
        config={"max_depth": 8},
        cpu=8.0,
        memory_mb=65536,
        gpus=1,
        gpu_type="NVIDIA-A100",
        use_gpu=True,
    )
    await datasets.dataset_inputs_record(
        session,
        actor,
        run_id=None,
        training_job_id=job.id,
        inputs=[Input(versions[1].id, InputRole.TRAIN)],
    )
    for job_status in (
        TrainingJobStatus.QUEUED,
        TrainingJobStatus.RUNNING,
        TrainingJobStatus.SUCCEEDED,
    ):
        await training.training_job_transition(
            session,
            actor,
            job_id=job.id,
            status=job_status,
            error_message=None,
            executor=Executor.KUBERNETES if job_status is TrainingJobStatus.RUNNING else None,
            external_id="fraud-train-8" if job_status is TrainingJobStatus.RUNNING else None,
            run_id=runs["1.2.0"] if job_status is TrainingJobStatus.SUCCEEDED else None,
            finished=trial_finished,
        )
    steps = [
        Step("prepare", StepKind.DATA_PROCESSING, ()),
        Step("train", StepKind.TRAINING_JOB, ("prepare",)),
        Step("evaluate", StepKind.EVALUATION, ("train",)),
        Step("deploy", StepKind.DEPLOYMENT, ("evaluate",)),
    ]
    template = JobTemplate(
        environment_id=environment_id,
        image="ghcr.io/acme/fraud-train:1.2",
        cpu=4.0,
        memory_mb=16384,
    )
    pipeline = await pipelines.pipeline_create(
        session,
        actor,
        project_id=project_id,
        name="nightly-retrain",
        orchestrator=Orchestrator.ARGO,
        workflow_id="fraud-nightly",
        namespace="ml",
        steps=steps,
        step_configs=[{"sql": "SELECT * FROM cards"}, None, None, None],
        templates=[None, template, None, None],
    )
    run = await pipelines.pipeline_run_create(
        session, actor, pipeline_id=pipeline.id, max_retries=2
    )
    for run_status in (PipelineRunStatus.PENDING, PipelineRunStatus.RUNNING):
        await pipelines.pipeline_run_transition(
            session, actor, run_id=run.id, status=run_status, error_message=None
        )
    for step in steps:
        started = await pipelines.pipeline_run_step_update(
            session, actor, run_id=run.id, step=step.name, status=StepStatus.RUNNING
        )
        created = next(s for s in started.steps if s["name"] == step.name).get("trainingJobId")
        if created:  # the training step's job runs to completion on its executor
            for job_status in (
                TrainingJobStatus.QUEUED,
                TrainingJobStatus.RUNNING,
                TrainingJobStatus.SUCCEEDED,
            ):
                await training.training_job_transition(
                    session,
                    actor,
                    job_id=uuid.UUID(created),
                    status=job_status,
                    error_message=None,
                    executor=None,
                    external_id=None,
                    run_id=None,
                    finished=trial_finished,
                )
        await pipelines.pipeline_run_step_update(
            session, actor, run_id=run.id, step=step.name, status=StepStatus.SUCCEEDED
        )
    await pipelines.pipeline_run_transition(
        session, actor, run_id=run.id, status=PipelineRunStatus.SUCCEEDED, error_message=None
    )


async def _training_runs(
    session: AsyncSession, actor: Actor, project_id: uuid.UUID, model_id: uuid.UUID
) -> dict[str, uuid.UUID]:
    """An experiment whose three runs produced the three versions, with learning curves."""
    experiment = await experiment_services.experiment_create(
        session,
        actor,
        project_id=project_id,
        name="xgb depth sweep",
        description="Tree depth vs. AUC on the 2026-Q3 snapshot",
        config={"dataset": "cards-2026q3", "folds": 5},
        links=experiment_services.ExperimentLinks(model=model_service.project_of_model),
        model_id=model_id,
    )
    runs: dict[str, uuid.UUID] = {}
    for version, depth, final_auc in (
        ("1.0.0", 4, 0.941),
        ("1.1.0", 6, 0.952),
        ("1.2.0", 8, 0.957),
    ):
        run = await experiment_services.run_create(
            session,
            actor,
            experiment_id=experiment.id,
            name=f"depth-{depth}",
            description=None,
            params={"max_depth": depth, "eta": 0.1, "subsample": 0.8},
            tags={"team": "risk-ml"},
            started_at=None,
            tracking_system="mlflow",
            tracking_run_id=f"acme-{depth}",
        )
        steps = range(500)
        points = [
            RunMetricPoint(
                "train/loss", s, round(0.69 * math.exp(-s / (60 + 10 * depth)) + 0.05, 5)
            )
            for s in steps
        ] + [
            RunMetricPoint("val/auc", s, round(final_auc - 0.3 * math.exp(-s / 80), 5))
            for s in steps
        ]
        await experiment_services.run_metrics_log(
            session, actor, run_id=run.id, batch=batch_from_points(points, 10_000)
        )
        await experiment_services.run_finish(
            session, actor, run_id=run.id, status=RunStatus.COMPLETED, ended_at=None
        )
        runs[version] = run.id
    return runs


async def _release_governance(
    session: AsyncSession,
    actor: Actor,
    *,
    model_id: uuid.UUID,
    versions: dict[str, Any],
    production: Any,
    prod: Any,
) -> None:
    """Aliases with a history, a registry link, a build, and a gated canary of 1.1.0 in
    production (10 % of traffic, promoted by its policy once it has baked an hour)."""
    for name, version, protected in (
        ("champion", "1.0.0", True),
        ("challenger", "1.1.0", False),
        ("challenger", "1.2.0", None),
    ):
        await aliases.model_alias_set(
            session,
            actor,
            model_id=model_id,
            name=name,
            version_id=versions[version].id,
            protected=protected,
        )
    link = await registry_links.registry_link_create(
        session,
        actor,
        model_id=model_id,
        model_version_id=versions["1.0.0"].id,
        registry="huggingface",
        external_id="acme/credit-card-fraud",
        repo_url="https://huggingface.co/acme/credit-card-fraud",
        external_version="v1.0.0",
        metadata={"license": "proprietary"},
    )
    await registry_links.registry_link_sync_report(
        session,
        actor,
        link_id=link.id,
        state=SyncState.SYNCED,
        direction=SyncDirection.EXPORT,
        external_version="v1.0.0",
    )
    await builds.artifact_build_create(
        session,
        actor,
        version_id=versions["1.2.0"].id,
        repository_url="https://github.com/acme/credit-card-fraud.git",
        ref="v1.2.0",
        path="serving",
        max_attempts=3,
    )
    canary = await serving.deployment_create(
        session,
        actor,
        model_version_id=versions["1.1.0"].id,
        environment_id=production.id,
        name="fraud-api-canary",
        min_instances=1,
        max_instances=4,
        autoscaling=True,
        endpoint_url=None,
        config={},
        runtime={**KSERVE, "framework_resource_id": "fraud-api-canary", "replica_count": 1},
    )
    for status in (DeploymentStatus.DEPLOYING, DeploymentStatus.ACTIVE):
        await lifecycle.deployment_transition(
            session, actor, deployment_id=canary.id, status=status
        )
    await lifecycle.deployment_traffic_set(
        session,
        actor,
        model_id=model_id,
        environment_id=production.id,
        splits=[lifecycle.TrafficSplit(prod.id, 90), lifecycle.TrafficSplit(canary.id, 10)],
    )
    endpoint = await session.get(ServingEndpoint, prod.endpoint_id)
    assert endpoint is not None
    endpoint.url = "https://fraud-api.acme.example/v1/score"
    await promotion.promotion_policy_set(
        session,
        actor,
        endpoint_id=endpoint.id,
        enabled=True,
        bake_minutes=60,
        max_alert_severity=AlertSeverity.HIGH,
        metric_bounds=[
            promotion.MetricBound("error_rate", None, 0.01),
            promotion.MetricBound("latency_p95_ms", None, 80.0),
        ],
    )
    now = datetime.now(UTC)
    await monitoring_metrics_record(
        session,
        actor,
        deployment_id=canary.id,
        max_points=100,
        points=[MetricPoint("error_rate", 0.003, now), MetricPoint("latency_p95_ms", 29.5, now)],
    )
    await predictions_record(
        session,
        actor,
        deployment_id=prod.id,
        max_items=100,
        items=[
            PredictionIn(
                {"amount": 12.5 * i},
                {"p_fraud": round(0.01 * i, 2)},
                8.0 + i,
                round(1 - 0.01 * i, 2),
                now - timedelta(minutes=i),
            )
            for i in range(20)
        ],
    )
