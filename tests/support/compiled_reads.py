"""Shared by the tests of api/compiled_reads and others (from tests/api/test_compiled_reads.py)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

from graphql import (
    GraphQLEnumType,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    Undefined,
)
from sqlalchemy import insert, select, update

from app.api.ids import decode_id
from app.db.engine import make_engine, make_session_factory
from app.db.ids import uuid7
from app.domain.builds.models import ArtifactBuild
from app.domain.datasets.models import Dataset, DatasetVersion
from app.domain.environments.models import Environment
from app.domain.experiments.models import Experiment, Run
from app.domain.integrations.models import IntegrationConfig, RegistryLink
from app.domain.logs.models import RunLogLine
from app.domain.monitoring.models import (
    Alert,
    AlertRule,
    DriftReport,
    MonitoringMetric,
    Prediction,
)
from app.domain.notifications.models import NotificationChannel, NotificationRule
from app.domain.pipelines.models import Pipeline, PipelineRun
from app.domain.registry.models import Model, ModelProductionEvent, ModelVersion
from app.domain.serving.models import (
    Deployment,
    DeploymentEvent,
    GpuType,
    PromotionPolicy,
    ServingEndpoint,
    ServingEndpointEvent,
)
from app.domain.tenancy.models import Membership, Project, ProjectMember, User
from app.domain.training.models import TrainingJob

ODD_TEXT = [
    "plain",
    'quote " and \\ backslash',
    "tab\there, newline\nthere",
    "\x01\x1f control",
    "unicode é 漢字 🚀 \u2028",
    "'single' -- comment; DROP TABLE x",
]


ODD_FLOATS = [0.0, -0.0, 1.0, 100.0, 0.1, 1e-4, 1e-5, 1.5e-6, 1e-7, 123456789.125, 1e15, 1e16,
              9.5e15, 1.2345678901234567e20, -3.25, 2.5e-300, 1.7976931348623157e308]  # fmt: skip


ODD_JSON: list[Any] = [
    {},
    {"a": 1, "bb": [1, 2.5, "x", None, True], "c": {"d": 1.0, "e": -0.0001}},
    {"nested": {"deep": [{"x": 1e-7}, {"y": 1e16}]}, "s": 'é\n"q"'},
    [1, 2, 3],
    {"big": 9007199254740993, "neg": -12, "f": 0.30000000000000004},
]


async def seed_varied(database_url: str, org_global_id: str, seed: int) -> None:
    """Rows with every kind of awkward value, soft-deleted ones, and the production stage."""
    rng = random.Random(seed)
    org = decode_id(org_global_id, "Organization", ["org"])
    start = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)
    engine = make_engine(database_url, pool_size=1, max_overflow=0)
    try:
        async with make_session_factory(engine)() as session, session.begin():
            users = list(
                await session.scalars(
                    select(Membership.user_id).where(Membership.organization_id == org)
                )
            )
            # A former member: removed, so neither the membership nor the user is visible.
            former = uuid7()
            await session.execute(insert(User).values(id=former, email=f"former-{former}@x.io"))
            await session.execute(
                insert(Membership).values(
                    id=uuid7(), organization_id=org, user_id=former, role="developer",
                    deleted_at=start,
                )
            )  # fmt: skip
            envs = [uuid7() for _ in range(2)]
            for i, env in enumerate(envs):
                await session.execute(
                    insert(Environment).values(
                        id=env, organization_id=org, name=f"env-{i}", protected=i == 0,
                        config=ODD_JSON[i % len(ODD_JSON)], description=rng.choice(ODD_TEXT),
                    )
                )  # fmt: skip
                for kind, tool in rng.sample(
                    [("serving", "kserve"), ("serving", "bentoml"), ("tracking", "mlflow")],
                    rng.randint(0, 3),
                ):
                    await session.execute(
                        insert(IntegrationConfig).values(
                            id=uuid7(), organization_id=org, environment_id=env,
                            integration_type=kind, tool=tool, enabled=rng.random() < 0.7,
                            config=rng.choice(ODD_JSON[:3]), feature_flags={"a": True},
                            created_by_id=rng.choice([None, *users]),
                        )
                    )  # fmt: skip
                for g in range(rng.randint(0, 4)):
                    await session.execute(
                        insert(GpuType).values(
                            id=uuid7(), organization_id=org, environment_id=env, key=f"gpu-{g}",
                            label=rng.choice(ODD_TEXT), enabled=rng.random() < 0.7,
                            priority=rng.choice([None, 0, 5, 5, 1_000_000]),
                        )
                    )  # fmt: skip
            made_projects: list[Any] = []
            made_deployments: list[Any] = []
            endpoints: dict[tuple[Any, Any], Any] = {}
            for p in range(3):
                project = uuid7()
                made_projects.append(project)
                await session.execute(
                    insert(Project).values(
                        id=project, organization_id=org, slug=f"p-{p}", name=rng.choice(ODD_TEXT),
                        description=rng.choice([None, *ODD_TEXT]),
                        deleted_at=start if p == 2 else None,
                    )
                )  # fmt: skip
                for user in users:
                    if rng.random() < 0.7:
                        await session.execute(
                            insert(ProjectMember).values(
                                id=uuid7(), organization_id=org, project_id=project, user_id=user,
                                role=rng.choice(["owner", "contributor", "viewer"]),
                            )
                        )  # fmt: skip
                for d in range(rng.randint(0, 2)):
                    data_set = uuid7()
                    await session.execute(
                        insert(Dataset).values(
                            id=data_set, organization_id=org, project_id=project,
                            name=f"ds {d} {rng.choice(ODD_TEXT)}",
                            dataset_type=rng.choice(["tabular", "image", "time_series"]),
                            description=rng.choice([None, *ODD_TEXT]), format="parquet",
                            schema_=rng.choice([None, *ODD_JSON[:3]]),
                            tags=rng.sample(["a", "é", 'q"'], rng.randint(0, 2)),
                            deleted_at=start if d == 1 and rng.random() < 0.3 else None,
                        )
                    )  # fmt: skip
                    for n in range(rng.randint(0, 2)):
                        await session.execute(
                            insert(DatasetVersion).values(
                                id=uuid7(), organization_id=org, dataset_id=data_set,
                                version=f"{n}.0", versioning_system="dvc",
                                external_version_id=rng.choice([None, f"x{n}"]),
                                storage_uri=rng.choice([None, "s3://b/k"]),
                                checksum_algorithm="md5", checksum="0" * 31 + str(n),
                                file_count=rng.choice([None, 0, 7]),
                                # 2**53: the largest a GraphQL Float carries exactly, as the
                                # API stores them (inputs are Floats); 2**53 + 1 cannot arrive.
                                total_size_bytes=rng.choice([None, 0, 2**40, 2**53]),
                                record_count=rng.choice([None, 12]),
                                diff_summary=rng.choice([None, *ODD_JSON[:3]]),
                                status=rng.choice(["created", "active", "deprecated"]),
                            )
                        )  # fmt: skip
                for q in range(rng.randint(0, 1)):
                    pipeline = uuid7()
                    await session.execute(
                        insert(Pipeline).values(
                            id=pipeline, organization_id=org, project_id=project,
                            name=f"pipe {q} {rng.choice(ODD_TEXT)}",
                            orchestrator=rng.choice(["argo", "airflow", "n8n"]),
                            workflow_id=rng.choice([None, f"wf-{p}-{seed}"]), namespace="ml",
                            definition={"steps": [{"name": "a", "kind": "evaluation",
                                                   "dependsOn": [], "config": {}}],
                                        "order": ["a"]},
                        )
                    )  # fmt: skip
                    for _ in range(rng.randint(0, 2)):
                        await session.execute(
                            insert(PipelineRun).values(
                                id=uuid7(), organization_id=org, pipeline_id=pipeline,
                                status=rng.choice(["created", "running", "failed"]),
                                retry_count=0, max_retries=rng.choice([0, 2]),
                                current_stage=rng.choice([None, "a"]),
                                error_message=rng.choice([None, *ODD_TEXT]),
                                steps=[{"name": "a", "status": "pending", "startedAt": None,
                                        "endedAt": None}],
                                started_at=rng.choice([None, start]),
                            )
                        )  # fmt: skip
                for j in range(rng.randint(0, 2)):
                    gpu = rng.random() < 0.5
                    await session.execute(
                        insert(TrainingJob).values(
                            id=uuid7(), organization_id=org, project_id=project,
                            environment_id=rng.choice(envs), name=f"job {j} {rng.choice(ODD_TEXT)}",
                            image=rng.choice([None, "img:1"]), entry_point="python train.py",
                            config=rng.choice(ODD_JSON[:3]), cpu=rng.choice([None, *ODD_FLOATS[1:5]]),
                            memory_mb=rng.choice([None, 512]), use_gpu=gpu, gpus=2 if gpu else 0,
                            gpu_type="gpu-0" if gpu else None,
                            status=rng.choice(["pending", "running", "failed"]),
                            started_at=rng.choice([None, start]),
                            deleted_at=start if j == 1 else None,
                        )
                    )  # fmt: skip
                rules = [uuid7() for _ in range(rng.randint(0, 2))]
                for i, rule in enumerate(rules):
                    await session.execute(
                        insert(AlertRule).values(
                            id=rule, organization_id=org, project_id=project,
                            name=f"rule {i} {rng.choice(ODD_TEXT)}", metric_name="latency",
                            comparator=rng.choice(["gt", "lte"]), threshold=rng.choice(ODD_FLOATS),
                            aggregation=rng.choice(["last", "p95"]), window_seconds=60,
                            severity=rng.choice(["low", "critical"]), cooldown_seconds=0,
                            auto_resolve=i == 0, enabled=rng.random() < 0.8,
                        )
                    )  # fmt: skip
                runs: list[Any] = []
                for e in range(2):
                    experiment = uuid7()
                    await session.execute(
                        insert(Experiment).values(
                            id=experiment, organization_id=org, project_id=project,
                            name=f"exp {rng.choice(ODD_TEXT)} {e}",
                            status=rng.choice(["active", "completed", "archived"]),
                            config=rng.choice(ODD_JSON), description=rng.choice([None, "d"]),
                            deleted_at=start if e == 1 and p == 0 else None,
                        )
                    )  # fmt: skip
                    for r in range(rng.randint(0, 3)):
                        run = uuid7()
                        runs.append(run)
                        await session.execute(
                            insert(Run).values(
                                id=run, organization_id=org, project_id=project,
                                experiment_id=experiment, name=f"run {r} {rng.choice(ODD_TEXT)}",
                                status=rng.choice(["running", "completed", "failed", "killed"]),
                                params=rng.choice(
                                    [{}, {"lr": 0.001, "optimizer": "adam"}, {"lr": 1e-7}]
                                ),
                                tags=rng.choice([{}, {"team": "é"}, {"a": [1, 2.50]}]),
                                started_at=start + timedelta(seconds=r, microseconds=r * 7),
                                ended_at=rng.choice([None, start + timedelta(hours=1)]),
                                tracking_system="mlflow" if r == 1 else None,
                                tracking_run_id=f"mlflow-{r}-{e}-{p}-{seed}" if r == 1 else None,
                            )
                        )  # fmt: skip
                        for n in range(rng.randint(0, 4)):  # its console, awkward lines
                            await session.execute(
                                insert(RunLogLine).values(
                                    id=uuid7(), organization_id=org, run_id=run,
                                    line_number=n + 1, stream=rng.choice(["stdout", "stderr"]),
                                    text=rng.choice([*ODD_TEXT, "", "100% done_"]),
                                    truncated=n == 3,
                                    logged_at=start + timedelta(seconds=n, microseconds=n * 3),
                                )
                            )  # fmt: skip
                models_of_project = []
                for m in range(3):
                    model = uuid7()
                    models_of_project.append(model)
                    await session.execute(
                        insert(Model).values(
                            id=model, organization_id=org, project_id=project,
                            name=f"{rng.choice(ODD_TEXT)} {m}", model_type="classification",
                            framework=rng.choice(["pytorch", "xgboost", "sklearn"]),
                            task_type=rng.choice([None, "binary_classification"]),
                            tags=rng.sample(["a", "b", "é", 'q"'], rng.randint(0, 3)),
                            metadata_=rng.choice(ODD_JSON),
                            deleted_at=start if m == 2 and p == 1 else None,
                        )
                    )  # fmt: skip
                    for v in range(3):
                        version = uuid7()
                        stage = (
                            ["production", "staging", "archived"][v] if m != 1 else "development"
                        )
                        await session.execute(
                            insert(ModelVersion).values(
                                id=version, organization_id=org, model_id=model,
                                version=f"{v}.0.0", stage=stage,
                                artifact_size_bytes=rng.choice([None, 0, 1234, 2**40]),
                                metrics=rng.choice(ODD_JSON[:3]),
                                signature=rng.choice([None, ODD_JSON[1]]),
                                stage_changed_at=rng.choice([None, start + timedelta(
                                    microseconds=rng.randint(0, 5_000_000))]),
                            )
                        )  # fmt: skip
                        if runs and rng.random() < 0.6:
                            await session.execute(
                                update(ModelVersion)
                                .where(ModelVersion.id == version)
                                .values(run_id=rng.choice(runs))
                            )
                        if rng.random() < 0.5:
                            await session.execute(
                                insert(ArtifactBuild).values(
                                    id=uuid7(), organization_id=org, project_id=project,
                                    model_id=model, model_version_id=version,
                                    source_repository_url="https://git.example/a/b.git",
                                    source_ref=rng.choice(ODD_TEXT[:1] + ["main"]),
                                    source_path=rng.choice([None, "serve"]),
                                    status=rng.choice(
                                        ["pending", "failed", "succeeded", "cancelled"]
                                    ),
                                    image_url="r.example/a:1", claims=rng.randint(0, 3),
                                    error_message=rng.choice([None, *ODD_TEXT]),
                                    created_by_id=rng.choice([None, *users]),
                                )
                            )  # fmt: skip
                        if rng.random() < 0.5:
                            await session.execute(
                                insert(RegistryLink).values(
                                    id=uuid7(), organization_id=org, project_id=project,
                                    model_id=model,
                                    model_version_id=rng.choice([None, version]),
                                    registry_type=rng.choice(["mlflow", "wandb"]),
                                    external_id=f"x-{version}", metadata_=rng.choice(ODD_JSON),
                                    sync_state=rng.choice(["never_synced", "synced"]),
                                    last_checked_at=rng.choice([None, start]),
                                )
                            )  # fmt: skip
                        if stage == "production":
                            await session.execute(
                                insert(ModelProductionEvent).values(
                                    id=uuid7(), organization_id=org, model_id=model,
                                    version_id=version, created_at=start,
                                )
                            )  # fmt: skip
                        for d in range(rng.randint(0, 2)):
                            deployment = uuid7()
                            made_deployments.append(deployment)
                            env = rng.choice(envs)
                            if (model, env) not in endpoints:
                                endpoints[(model, env)] = uuid7()
                                await session.execute(
                                    insert(ServingEndpoint).values(
                                        id=endpoints[(model, env)], organization_id=org,
                                        project_id=project, model_id=model, environment_id=env,
                                        url=rng.choice([None, "https://e.example"]),
                                        status="idle",
                                    )
                                )  # fmt: skip
                                if rng.random() < 0.5:
                                    await session.execute(
                                        insert(PromotionPolicy).values(
                                            id=uuid7(), organization_id=org,
                                            endpoint_id=endpoints[(model, env)],
                                            enabled=rng.random() < 0.5,
                                            bake_minutes=rng.choice([0, 30]),
                                            max_alert_severity="high",
                                            metric_bounds=rng.choice(
                                                [[], [{"metric": "e", "min": None, "max": 0.5}]]
                                            ),
                                            last_decision=rng.choice([None, "promoted"]),
                                            last_reason=rng.choice([None, *ODD_TEXT]),
                                        )
                                    )  # fmt: skip
                            await session.execute(
                                insert(Deployment).values(
                                    id=deployment, organization_id=org, project_id=project,
                                    model_version_id=version, environment_id=env,
                                    endpoint_id=endpoints[(model, env)],
                                    name=f"d{m}{v}{d}", endpoint_url=rng.choice([None, "http://x"]),
                                    status=rng.choice(["active", "pending", "failed"]),
                                    config=rng.choice(ODD_JSON), autoscaling=rng.random() < 0.5,
                                    deleted_at=start if d == 1 and v == 2 else None,
                                    serving_framework=rng.choice([None, "kserve", "seldon"]),
                                    framework_resource_id=rng.choice([None, f"r-{deployment}"]),
                                    cpu_request_millicores=rng.choice([None, 500]),
                                    memory_limit_mib=rng.choice([None, 2048]),
                                    gpu_count=rng.choice([0, 0, 2]), capacity_type=rng.choice(
                                        ["on_demand", "spot"]),
                                    service_type="kubernetes" if d % 2 else None,
                                    region="us-central1" if d % 2 else None,
                                    autoscaling_target_rps=rng.choice([None, 0.5, 1e9]),
                                    health=rng.choice([None, "healthy", "degraded"]),
                                    health_reported_at=rng.choice([None, start]),
                                    framework_status=rng.choice([None, *ODD_JSON[:3]]),
                                    deployed_at=rng.choice([None, start]),
                                )
                            )  # fmt: skip
                            if rng.random() < 0.7:
                                await session.execute(
                                    update(ServingEndpoint)
                                    .where(ServingEndpoint.id == endpoints[(model, env)])
                                    .values(
                                        active_deployment_id=deployment, status="serving",
                                        previous_deployment_id=rng.choice(
                                            [None, *made_deployments[:2]]),
                                    )
                                )  # fmt: skip
                                await session.execute(
                                    insert(ServingEndpointEvent).values(
                                        id=uuid7(), organization_id=org,
                                        endpoint_id=endpoints[(model, env)],
                                        to_deployment_id=deployment,
                                        reason=rng.choice(["deploy", "traffic"]),
                                        actor_user_id=rng.choice([None, *users]),
                                    )
                                )  # fmt: skip
                            predictions = [
                                {
                                    "id": uuid7(), "organization_id": org,
                                    "deployment_id": deployment,
                                    "recorded_at": start + timedelta(seconds=i),
                                    "input": rng.choice(ODD_JSON), "output": rng.choice(
                                        [None, *ODD_JSON]),
                                    "latency_ms": rng.choice([0.0, 1.5, 12.25]),
                                    "confidence": rng.choice([None, 0.0, 0.5, 1.0]),
                                    "model_version_id": rng.choice([None, version]),
                                }
                                for i in range(rng.randint(0, 3))
                            ]  # fmt: skip
                            if predictions:
                                await session.execute(insert(Prediction), predictions)
                            points = [
                                {
                                    "organization_id": org,
                                    "deployment_id": deployment,
                                    "name": rng.choice(["latency", "error_rate"]),
                                    "recorded_at": start
                                    + timedelta(
                                        seconds=i, microseconds=rng.choice([0, 1, 999_999])
                                    ),
                                    "value": rng.choice(ODD_FLOATS),
                                }
                                for i in range(rng.randint(0, 5))
                            ]
                            if points:
                                await session.execute(insert(MonitoringMetric), points)
                            if rng.random() < 0.5:
                                await session.execute(
                                    insert(DriftReport).values(
                                        id=uuid7(), organization_id=org, deployment_id=deployment,
                                        threshold=0.2, overall_score=rng.choice(ODD_FLOATS),
                                        is_drift_detected=rng.random() < 0.5,
                                        created_at=start + timedelta(microseconds=rng.randint(0, 9)),
                                    )
                                )  # fmt: skip
                            for _ in range(rng.randint(0, 2)):
                                await session.execute(
                                    insert(DeploymentEvent).values(
                                        id=uuid7(), organization_id=org, deployment_id=deployment,
                                        event_type=rng.choice(["deploy", "update", "rollback"]),
                                        status=rng.choice(["pending", "completed", "failed"]),
                                        error_message=rng.choice([None, *ODD_TEXT]),
                                        started_at=rng.choice([None, start]),
                                        from_model_version_id=rng.choice([None, version]),
                                        to_model_version_id=version,
                                        actor_user_id=rng.choice([None, *users]),
                                        details=rng.choice(ODD_JSON[:3]),
                                    )
                                )  # fmt: skip
                            for a in range(rng.randint(0, 3)):
                                await session.execute(
                                    insert(Alert).values(
                                        id=uuid7(), organization_id=org, deployment_id=deployment,
                                        alert_type="metric_threshold",
                                        severity=rng.choice(["low", "high", "critical"]),
                                        status=rng.choice(["open", "acknowledged", "resolved"]),
                                        title=rng.choice(ODD_TEXT), message=rng.choice([None, "m"]),
                                        metric_name=rng.choice([None, "latency"]),
                                        metric_value=rng.choice([None, *ODD_FLOATS]),
                                        opened_at=start + timedelta(minutes=a),
                                        rule_id=rules[0] if rules and a == 0 else None,
                                        acknowledged_by_id=rng.choice([None, *users]),
                                        resolved_by_id=rng.choice([None, *users]),
                                    )
                                )  # fmt: skip
            for c in range(3):
                channel = uuid7()
                kind = ["webhook", "email", "slack"][c]
                await session.execute(
                    insert(NotificationChannel).values(
                        id=channel, organization_id=org, name=f"ch {c} {rng.choice(ODD_TEXT)}",
                        channel_type=kind, config=rng.choice(ODD_JSON[:3]),
                        secret=rng.choice([None, "enc:v1:sealed"]),
                        deleted_at=start if c == 1 and rng.random() < 0.5 else None,
                    )
                )  # fmt: skip
                for r in range(rng.randint(0, 3)):
                    await session.execute(
                        insert(NotificationRule).values(
                            id=uuid7(), organization_id=org, channel_id=channel,
                            trigger=rng.choice(["alert", "deployment", "model_update"]),
                            project_id=rng.choice([None, *made_projects]),
                            deployment_id=rng.choice([None, *made_deployments[:3]]),
                            min_severity=rng.choice([None, "low", "critical"]),
                            alert_types=rng.choice([None, ["custom", "data_drift"]]),
                            outcomes=rng.choice([None, ["failed"]]),
                            environment_id=rng.choice([None, *envs]),
                            enabled=rng.random() < 0.7,
                            deleted_at=start if r == 2 else None,
                        )
                    )  # fmt: skip
            # A model updated later than its siblings: UPDATED_DESC has something to sort.
            await session.execute(
                update(Model).where(Model.organization_id == org).values(updated_at=start)
            )
    finally:
        await engine.dispose()


def argument_free_fields(node_type: GraphQLObjectType, *, links: bool = False) -> list[str]:
    """Selections of every field of ``node_type`` that needs no argument: its scalars and
    enums, and (``links``) ``field { id }`` of every object with an id it leads to."""
    selections = []
    for name, field in node_type.fields.items():
        if any(isinstance(a.type, GraphQLNonNull) and a.default_value is Undefined
               for a in field.args.values()):  # fmt: skip
            continue
        kind = field.type
        while isinstance(kind, GraphQLNonNull | GraphQLList):
            kind = kind.of_type
        if isinstance(kind, GraphQLScalarType | GraphQLEnumType):
            selections.append(name)
        elif (
            links
            and isinstance(kind, GraphQLObjectType | GraphQLInterfaceType)
            and "id" in kind.fields
        ):
            selections.append(f"{name} {{ id }}")
    return selections


INVENTORY = """query($slug: String!) { organization(slug: $slug) {
  id
  environments(first: 10) { nodes { id gpuTypes(first: 10) { nodes { id } }
    integrations(first: 10) { nodes { id } }
    endpoints(first: 10) { nodes { id promotionPolicy { id }
      history(first: 5) { nodes { toDeployment { id } } } } } } }
  members(first: 10) { nodes { id user { id } } }
  notificationChannels(first: 10) { nodes { id rules(first: 10) { nodes { id } } } }
  projects(first: 10) { nodes {
    id
    experiments(first: 10) { nodes { id runs(first: 10) { nodes { id } } } }
    alertRules(first: 10) { nodes { id } }
    trainingJobs(first: 10) { nodes { id } }
    artifactBuilds(first: 10) { nodes { id } }
    datasets(first: 10) { nodes { id versions(first: 10) { nodes { id } } } }
    pipelines(first: 10) { nodes { id runs(first: 10) { nodes { id } } } }
    models(first: 10) { nodes {
      id registryLinks(first: 10) { nodes { id } }
      versions(first: 10) { nodes {
        id
        deployments(first: 10) { nodes {
          id
          events(first: 10) { nodes { id actor { id } } }
          driftReports(first: 10) { nodes { id } }
          alerts(first: 10) { nodes { id } }
        } }
      } }
    } }
  } }
} }"""


def collect_ids(data: Any) -> list[str]:
    if isinstance(data, dict):
        return [v for k, v in data.items() if k == "id"] + [
            i for k, v in data.items() if k != "id" for i in collect_ids(v)
        ]
    if isinstance(data, list):
        return [i for v in data for i in collect_ids(v)]
    return []
