"""The async client: the generated typed operations (``mlgraph.generated``) behind a few
calls that turn ``userErrors`` into exceptions, plus live streams over graphql-transport-ws.

    async with mlgraph.Client() as client:          # MLGRAPH_URL, MLGRAPH_API_KEY
        version = await client.register_model_version(model_id, "1.2.0", run_id=run.id)
        await client.set_alias(model_id, "champion", version.id)
        async for batch in client.run_metrics(run.id, keys=["loss"]):
            ...

Everything the schema offers stays reachable through ``client.graphql`` (the generated
``GraphQLClient``) or ``client.execute`` for a hand-written document."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx

from mlgraph.generated import GraphQLClient
from mlgraph.generated.alerts import AlertsAlerts
from mlgraph.generated.compare_runs import CompareRunsNodeExperimentComparison
from mlgraph.generated.enums import (
    AlertSeverity,
    Comparator,
    Framework,
    GpuUsageGroup,
    ModelStage,
    ModelType,
    RunOrder,
    SweepGoal,
    SweepMethod,
)
from mlgraph.generated.exceptions import GraphQLClientGraphQLMultiError, GraphQLClientHttpError
from mlgraph.generated.gpu_usage import GpuUsageOrganizationGpuUsage
from mlgraph.generated.input_types import (
    AlertRuleCreateInput,
    DeploymentCreateInput,
    ExperimentCreateInput,
    HealthConditionInput,
    HealthRuleCreateInput,
    ModelAliasSetInput,
    ModelCreateInput,
    ModelVersionCreateInput,
    ModelVersionTransitionInput,
    MonitoringMetricPointInput,
    MonitoringMetricsRecordInput,
    PredictionInput,
    PredictionsRecordInput,
    ProjectCreateInput,
    SweepCreateInput,
    SweepDistributionInput,
    SweepEarlyStoppingInput,
    SweepJobInput,
    SweepParameterInput,
    TrainingResourcesInput,
)
from mlgraph.generated.model_alias_set import ModelAliasSetModelAliasSetModelAlias
from mlgraph.generated.model_version_create import (
    ModelVersionCreateModelVersionCreateModelVersion,
)
from mlgraph.generated.model_version_transition import (
    ModelVersionTransitionModelVersionTransition,
)
from mlgraph.generated.predictions_record import PredictionsRecordPredictionsRecord
from mlgraph.generated.run_logs import RunLogsRunLogs
from mlgraph.generated.run_metrics import RunMetricsRunMetrics
from mlgraph.generated.search_runs import SearchRunsNodeExperimentRunsNodes
from mlgraph.generated.watch_comparison import WatchComparisonExperimentComparison

DEFAULT_URL = "http://127.0.0.1:8000"


HEALTH_CONDITIONS = frozenset(
    HealthConditionInput.model_fields[name].alias or name
    for name in HealthConditionInput.model_fields
)
SWEEP_DISTRIBUTIONS = frozenset(
    SweepDistributionInput.model_fields[name].alias or name
    for name in SweepDistributionInput.model_fields
)
EARLY_STOPPING_RULES = frozenset(
    SweepEarlyStoppingInput.model_fields[name].alias or name
    for name in SweepEarlyStoppingInput.model_fields
)


def check_one_of(
    given: Mapping[str, Any], allowed: frozenset[str], what: str, example: str
) -> None:
    """A oneOf input written as a dict takes exactly one of its keys (a programming error
    otherwise: ValueError saying which keys there are)."""
    if len(given) != 1 or next(iter(given)) not in allowed:
        raise ValueError(f"{what}, one of {sorted(allowed)}, e.g. {example} (got {sorted(given)})")


class MlgraphError(Exception):
    """Something the server refused or could not do."""


class UserErrors(MlgraphError):
    """The mutation answered ``userErrors`` (bad input, not found, forbidden...)."""

    def __init__(self, errors: Sequence[Any]) -> None:
        self.errors = list(errors)
        details = "; ".join(
            f"{e.code.value if hasattr(e.code, 'value') else e.code}"
            f" at {'.'.join(e.field or [])}: {e.message}"
            for e in self.errors
        )
        super().__init__(details)

    @property
    def codes(self) -> list[str]:
        return [e.code.value if hasattr(e.code, "value") else str(e.code) for e in self.errors]


def check(payload: Any) -> Any:
    """The payload, or UserErrors when it has any."""
    errors = getattr(payload, "user_errors", None)
    if errors:
        raise UserErrors(errors)
    return payload


def settings(url: str | None, api_key: str | None) -> tuple[str, str]:
    url = (url or os.environ.get("MLGRAPH_URL") or DEFAULT_URL).rstrip("/")
    key = api_key or os.environ.get("MLGRAPH_API_KEY")
    if not key:
        raise MlgraphError("give an API key: api_key=... or the MLGRAPH_API_KEY variable")
    if url.endswith("/graphql"):
        url = url[: -len("/graphql")]
    if not url.startswith(("http://", "https://")):
        raise MlgraphError(f"the server URL must start with http:// or https://: {url!r}")
    return url, key


class ExplainingTransport(httpx.AsyncBaseTransport):
    """httpx's transport, whose connection errors name the server they could not reach
    (a bare "All connection attempts failed" says neither where nor what to check). They
    stay httpx.ConnectError, so the run's sender still retries them."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.inner = httpx.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        try:
            return await self.inner.handle_async_request(request)
        except httpx.ConnectError as error:
            raise httpx.ConnectError(
                f"cannot reach the mlgraph server at {self.url} ({error or 'refused'}): is it "
                "running, and is MLGRAPH_URL (or url=) right?",
                request=request,
            ) from error

    async def aclose(self) -> None:
        await self.inner.aclose()


async def _explain_refused_key(response: httpx.Response) -> None:
    """A 401 names its cause: the server's own reason, and where the key comes from."""
    if response.status_code == 401:
        await response.aread()
        try:
            reason = response.json()["errors"][0]["message"]
        except (ValueError, KeyError, IndexError, TypeError):
            reason = response.text[:200]
        raise MlgraphError(
            f"the mlgraph server at {response.request.url.copy_with(path='/')} refused the "
            f"API key (HTTP 401: {reason}); check MLGRAPH_API_KEY (or api_key=): it may be "
            "mistyped, revoked or expired"
        )


def graphql_client(url: str, api_key: str, *, timeout: float = 30.0) -> GraphQLClient:
    """The generated client, authenticated over HTTP and WebSocket."""
    headers = {"Authorization": f"Bearer {api_key}"}
    return GraphQLClient(
        url=f"{url}/graphql",
        http_client=httpx.AsyncClient(
            headers=headers,
            timeout=timeout,
            transport=ExplainingTransport(url),
            event_hooks={"response": [_explain_refused_key]},
        ),
        ws_url=url.replace("http", "ws", 1) + "/graphql",
        ws_connection_init_payload=headers,
    )


async def find_in_pages(
    read_page: Callable[[str | None], Awaitable[Any]], matches: Callable[[Any], bool]
) -> str | None:
    """The id of the first node that ``matches`` in a listing read a page at a time
    (``read_page(after)`` answers one with ``nodes`` and ``page_info``); None when no
    page holds one."""
    after = None
    while True:
        listing = await read_page(after)
        found = next((node.id for node in listing.nodes if matches(node)), None)
        if found is not None or not listing.page_info.has_next_page:
            return found
        after = listing.page_info.end_cursor


async def find_project(graphql: GraphQLClient, organization: str, slug: str) -> str | None:
    """The id of the project ``slug`` of ``organization`` (a slug), or None."""

    async def page(after: str | None) -> Any:
        found = await graphql.organization_projects(slug=organization, after=after)
        if found.organization is None:
            raise MlgraphError(f"no organization {organization!r} for this key")
        return found.organization.projects

    return await find_in_pages(page, lambda project: project.slug == slug)


async def experiment_id(graphql: GraphQLClient, project_id: str, name: str) -> str:
    """The id of the experiment ``name`` of a project, made if missing (found again when
    another script made it at the same moment)."""

    async def page(after: str | None) -> Any:
        found = await graphql.project_experiments(project_id=project_id, after=after)
        listing = getattr(found.node, "experiments", None)
        if listing is None:
            raise MlgraphError(f"no project {project_id!r} for this key")
        return listing

    found = await find_in_pages(page, lambda experiment: experiment.name == name)
    if found is not None:
        return found
    made = await graphql.experiment_create(ExperimentCreateInput(projectId=project_id, name=name))
    try:
        created = check(made.experiment_create).experiment
    except UserErrors as error:
        if "CONFLICT" in error.codes:
            return await experiment_id(graphql, project_id, name)
        raise
    assert created is not None
    return created.id


class Client:
    """Async access to one mlgraph server with one API key."""

    def __init__(
        self, url: str | None = None, api_key: str | None = None, *, timeout: float = 30.0
    ) -> None:
        self.url, api_key = settings(url, api_key)
        self.graphql = graphql_client(self.url, api_key, timeout=timeout)

    async def __aenter__(self) -> Client:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self.graphql.http_client.aclose()

    async def execute(self, document: str, variables: Mapping[str, Any] | None = None) -> Any:
        """Any document; its ``data`` (GraphQL errors raise)."""
        response = await self.graphql.execute(document, variables=dict(variables or {}))
        try:
            return self.graphql.get_data(response)
        except GraphQLClientHttpError as error:
            raise MlgraphError(f"HTTP {error.status_code}: {error.response.text[:500]}") from error

    # -- the lifecycle by name ---------------------------------------------------------

    async def organization_id(self, slug: str) -> str:
        found = await self.graphql.organization_by_name(slug=slug)
        if found.organization is None:
            raise MlgraphError(f"no organization {slug!r} for this key")
        return found.organization.id

    async def project(
        self, slug: str, *, organization: str, name: str | None = None, private: bool = False
    ) -> str:
        """The id of the project ``slug`` of ``organization`` (a slug), made if missing."""
        found = await find_project(self.graphql, organization, slug)
        if found is not None:
            return found
        payload = await self.graphql.project_create(
            ProjectCreateInput(
                organizationId=await self.organization_id(organization),
                slug=slug,
                name=name or slug,
                visibility="PRIVATE" if private else "ORGANIZATION",
            )  # fmt: skip
        )
        try:
            made = check(payload.project_create).project
        except UserErrors as error:
            if "CONFLICT" in error.codes:  # made by another script at the same moment
                return await self.project(slug, organization=organization, name=name)
            raise
        assert made is not None
        return made.id

    async def experiment(self, name: str, *, project_id: str) -> str:
        """The id of the experiment ``name`` of a project, made if missing."""
        return await experiment_id(self.graphql, project_id, name)

    async def model(
        self,
        name: str,
        *,
        project_id: str,
        model_type: ModelType | str = ModelType.CLASSIFICATION,
        framework: Framework | str = Framework.OTHER,
    ) -> str:
        """The id of the model ``name`` of a project, made (with this type and framework)
        if missing."""

        async def page(after: str | None) -> Any:
            listing = getattr(
                (await self.graphql.project_models(project_id=project_id, after=after)).node,
                "models",
                None,
            )
            if listing is None:
                raise MlgraphError(f"no project {project_id!r} for this key")
            return listing

        found = await find_in_pages(page, lambda model: model.name == name)
        if found is not None:
            return found
        payload = await self.graphql.model_create(
            ModelCreateInput(
                projectId=project_id,
                name=name,
                modelType=ModelType(model_type),
                framework=Framework(framework),
            )  # fmt: skip
        )
        made = check(payload.model_create).model
        assert made is not None
        return made.id

    async def register_version_of(
        self,
        model_name: str,
        version: str,
        *,
        project_id: str,
        run_id: str | None = None,
        run_artifact_path: str | None = None,
    ) -> ModelVersionCreateModelVersionCreateModelVersion:
        """A new version of the model named ``model_name`` (made if missing), from a run
        and, with ``run_artifact_path``, its files (the run's artifacts there)."""
        model_id = await self.model(model_name, project_id=project_id)
        payload = await self.graphql.model_version_create(
            ModelVersionCreateInput(
                modelId=model_id,
                version=version,
                runId=run_id,
                runArtifactPath=run_artifact_path,
            )  # fmt: skip
        )
        created = check(payload.model_version_create).model_version
        assert created is not None
        return created

    async def deploy(
        self, model_version_id: str, *, environment: str, organization: str, name: str
    ) -> str:
        """Deploy a version to the environment named ``environment`` of ``organization``
        (a slug); the deployment's id."""

        async def page(after: str | None) -> Any:
            found = await self.graphql.organization_environments(slug=organization, after=after)
            if found.organization is None:
                raise MlgraphError(f"no organization {organization!r} for this key")
            return found.organization.environments

        environment_id = await find_in_pages(page, lambda e: e.name == environment)
        if environment_id is None:
            raise MlgraphError(f"no environment {environment!r} in {organization!r}")
        payload = await self.graphql.deployment_create(
            DeploymentCreateInput(
                modelVersionId=model_version_id, environmentId=environment_id, name=name
            )
        )
        made = check(payload.deployment_create).deployment
        assert made is not None
        return made.id

    async def add_alert_rule(
        self,
        *,
        project_id: str,
        name: str,
        metric: str,
        comparator: Comparator | str,
        threshold: float,
        deployment_id: str | None = None,
        severity: AlertSeverity | str = AlertSeverity.MEDIUM,
        window_seconds: int = 300,
    ) -> str:
        """A rule raising an alert when ``metric`` (of the project's deployments, or of one)
        crosses ``threshold``; its id."""
        payload = await self.graphql.alert_rule_create(
            AlertRuleCreateInput(
                projectId=project_id,
                deploymentId=deployment_id,
                name=name,
                metricName=metric,
                comparator=Comparator(comparator),
                threshold=threshold,
                severity=AlertSeverity(severity),
                windowSeconds=window_seconds,
            )  # fmt: skip
        )
        made = check(payload.alert_rule_create).alert_rule
        assert made is not None
        return made.id

    async def add_health_rule(
        self,
        *,
        project_id: str,
        name: str,
        condition: Mapping[str, Mapping[str, Any]],
        experiment_id: str | None = None,
        severity: AlertSeverity | str = AlertSeverity.HIGH,
        cancel_job: bool = False,
    ) -> str:
        """A training-health rule on the project's runs (or one experiment's); its id.
        ``condition`` is one kind and its parameters as the schema names them, e.g.
        ``{"nonFinite": {"metricKey": "loss"}}``, ``{"spike": {"metricKey": "loss",
        "steps": 100, "zScore": 6}}``, ``{"stall": {"seconds": 600}}``. ``cancel_job``:
        a firing also cancels the run's training job."""
        check_one_of(condition, HEALTH_CONDITIONS, "give one condition",
                     "{'nonFinite': {'metricKey': 'loss'}}")  # fmt: skip
        payload = await self.graphql.health_rule_create(
            HealthRuleCreateInput(
                projectId=project_id,
                experimentId=experiment_id,
                name=name,
                condition=HealthConditionInput.model_validate(dict(condition)),
                severity=AlertSeverity(severity),
                cancelJob=cancel_job,
            )  # fmt: skip
        )
        made = check(payload.health_rule_create).health_rule
        assert made is not None
        return made.id

    async def create_sweep(
        self,
        *,
        experiment_id: str,
        environment_id: str,
        name: str,
        metric_key: str,
        goal: SweepGoal | str,
        parameters: Mapping[str, Mapping[str, Any]],
        method: SweepMethod | str = SweepMethod.TPE,
        max_trials: int | None = None,
        max_parallel: int = 1,
        early_stopping: Mapping[str, Mapping[str, Any]] | None = None,
        seed: int | None = None,
        image: str | None = None,
        entry_point: str | None = None,
        config: Mapping[str, Any] | None = None,
        resources: Mapping[str, Any] | None = None,
    ) -> str:
        """A sweep over the experiment (its trials run as training jobs in the
        environment); its id. ``parameters`` maps each name to one distribution as the
        schema names it: ``{"lr": {"logUniform": {"low": 1e-5, "high": 0.1}}, "layers":
        {"integer": {"low": 2, "high": 8}}, "opt": {"choice": {"values": ["adam", "sgd"]}}}``;
        ``early_stopping``: ``{"median": {"minStep": 10}}`` or ``{"asha": {"minStep": 100,
        "eta": 3}}``. Train its trials with ``mlgraph.sweep_agent(sweep_id, train)``."""
        for param, distribution in parameters.items():
            check_one_of(distribution, SWEEP_DISTRIBUTIONS,
                         f"parameter {param!r} takes one distribution",
                         "{'uniform': {'low': 0, 'high': 1}}")  # fmt: skip
        if early_stopping is not None:
            check_one_of(early_stopping, EARLY_STOPPING_RULES, "early_stopping takes one rule",
                         "{'asha': {'minStep': 100, 'eta': 3}}")  # fmt: skip
        payload = await self.graphql.sweep_create(
            SweepCreateInput(
                experimentId=experiment_id,
                environmentId=environment_id,
                name=name,
                method=SweepMethod(method),
                metricKey=metric_key,
                goal=SweepGoal(goal),
                parameters=[
                    SweepParameterInput(
                        name=param,
                        distribution=SweepDistributionInput.model_validate(dict(distribution)),
                    )
                    for param, distribution in parameters.items()
                ],
                maxTrials=max_trials,
                maxParallel=max_parallel,
                earlyStopping=SweepEarlyStoppingInput.model_validate(dict(early_stopping))
                if early_stopping is not None
                else None,
                seed=seed,
                job=SweepJobInput(
                    image=image,
                    entryPoint=entry_point,
                    config=dict(config) if config is not None else None,
                    resources=TrainingResourcesInput.model_validate(dict(resources or {})),
                ),
            )  # fmt: skip
        )
        made = check(payload.sweep_create).sweep
        assert made is not None
        return made.id

    async def gpu_usage(
        self,
        organization: str,
        group_by: Sequence[GpuUsageGroup | str] = (),
        project_id: str | None = None,
    ) -> list[GpuUsageOrganizationGpuUsage]:
        """GPU-hours of the organization's training jobs, summed per combination of
        ``group_by`` (PROJECT, GPU_TYPE, RUN, MODEL_VERSION; none: the total)."""
        found = await self.graphql.gpu_usage(
            slug=organization,
            group_by=[GpuUsageGroup(group) for group in group_by],
            project_id=project_id,
        )
        if found.organization is None:
            raise MlgraphError(f"no organization {organization!r} for this key")
        return found.organization.gpu_usage

    async def record_monitoring_metrics(
        self, deployment_id: str, values: Mapping[str, float], at: datetime | None = None
    ) -> int:
        """Monitoring values of a deployment at one instant (default now); how many were
        recorded."""
        when = at or datetime.now(UTC)
        payload = await self.graphql.monitoring_metrics_record(
            MonitoringMetricsRecordInput(
                deploymentId=deployment_id,
                points=[
                    MonitoringMetricPointInput(name=k, value=float(v), recordedAt=when)
                    for k, v in values.items()
                ],
            )
        )
        return check(payload.monitoring_metrics_record).recorded_count

    # -- artifacts and logs -------------------------------------------------------------

    async def log_artifact(self, run_id: str, local_path: str | Path, path: str) -> dict[str, Any]:
        """Upload a file as the run's artifact at ``path`` (streamed from disk); what the
        server stored: ``{path, sizeBytes, sha256, contentType, downloadUrl}``."""
        source = Path(local_path)

        async def chunks() -> AsyncIterator[bytes]:
            file = await asyncio.to_thread(source.open, "rb")
            try:
                while chunk := await asyncio.to_thread(file.read, 1024 * 1024):
                    yield chunk
            finally:
                file.close()

        response = await self.graphql.http_client.put(
            self._artifact_url(run_id, path), content=chunks()
        )
        body: dict[str, Any] = response.json()
        if response.status_code != 201:
            raise MlgraphError(f"HTTP {response.status_code}: {body.get('errors')}")
        return body

    async def download_artifact(self, run_id: str, path: str, destination: str | Path) -> Path:
        """The run's artifact at ``path``, streamed to ``destination``."""
        target = Path(destination)
        request = self.graphql.http_client.build_request("GET", self._artifact_url(run_id, path))
        response = await self.graphql.http_client.send(request, stream=True)
        try:
            if response.status_code != 200:
                await response.aread()
                raise MlgraphError(f"HTTP {response.status_code}: {response.text[:500]}")
            file = await asyncio.to_thread(target.open, "wb")
            try:
                async for chunk in response.aiter_raw():
                    await asyncio.to_thread(file.write, chunk)
            finally:
                file.close()
        finally:
            await response.aclose()
        return target

    async def follow_logs(
        self, run_id: str, *, after: str | None = None
    ) -> AsyncIterator[RunLogsRunLogs]:
        """A run's console: the stored lines (after a batch's ``cursor``), then new ones as
        they are committed. Resubscribe with ``after=batch.cursor`` to resume."""
        async for message in self.graphql.run_logs(run_id=run_id, after=after):
            yield message.run_logs

    def _artifact_url(self, run_id: str, path: str) -> str:
        return f"{self.url}/v1/runs/{quote(run_id, safe='')}/artifacts/{quote(path, safe='/')}"

    # -- comparing runs -----------------------------------------------------------------

    async def search_runs(
        self,
        experiment_id: str,
        query: str | None = None,
        *,
        order_by: RunOrder | str = RunOrder.CREATED_DESC,
        order_key: str | None = None,
        limit: int | None = None,
    ) -> list[SearchRunsNodeExperimentRunsNodes]:
        """The experiment's runs the run query language picks (``"metrics.val/auc.max >
        0.9 and params.lr in (0.1, 0.01)"``; None: all), in ``order_by`` (``METRIC_DESC``
        with ``order_key`` the metric), every page read up to ``limit``. A bad query raises
        MlgraphError naming the character where it went wrong."""
        found: list[SearchRunsNodeExperimentRunsNodes] = []
        after: str | None = None
        while limit is None or len(found) < limit:
            try:
                page = await self.graphql.search_runs(
                    experiment_id=experiment_id,
                    query=query,
                    order_by=RunOrder(order_by),
                    order_key=order_key,
                    first=100 if limit is None else min(100, limit - len(found)),
                    after=after,
                )
            except GraphQLClientGraphQLMultiError as error:
                raise MlgraphError(str(error)) from error
            node = page.node
            if node is None or not hasattr(node, "runs"):
                raise MlgraphError(f"no experiment {experiment_id!r} visible to this key")
            found += node.runs.nodes
            if not node.runs.page_info.has_next_page:
                break
            after = node.runs.page_info.end_cursor
        return found

    async def compare_runs(
        self,
        experiment_id: str,
        keys: Sequence[str],
        *,
        group_by: Sequence[str] = (),
        query: str | None = None,
        max_points: int = 500,
    ) -> CompareRunsNodeExperimentComparison:
        """The runs ``query`` picks, grouped by the ``group_by`` params, compared per
        metric key and step bucket on the server: ``groups[i].series[j]`` holds columns
        ``step_start``, ``mean``, ``std``, ``min``, ``max`` and ``runs`` (how many runs had
        a value), ready for a chart (mean ± std bands)."""
        try:
            found = await self.graphql.compare_runs(
                experiment_id=experiment_id,
                keys=list(keys),
                group_by=list(group_by),
                query=query,
                max_points=max_points,
            )
        except GraphQLClientGraphQLMultiError as error:
            raise MlgraphError(str(error)) from error
        node = found.node
        if node is None or not hasattr(node, "comparison"):
            raise MlgraphError(f"no experiment {experiment_id!r} visible to this key")
        return node.comparison

    # -- bulk export ---------------------------------------------------------------------

    async def export_runs(self, experiment_id: str, query: str | None = None) -> Any:
        """The experiment's runs ``query`` picks (all: None) as a ``pyarrow.Table``: id,
        name, status, times, params and tags (JSON text), metrics (per key: last, min,
        max, count). ``.to_pandas()`` makes it a DataFrame. Needs ``mlgraph-client[arrow]``."""
        return await self._export(experiment_id, "runs", {"query": query})

    async def export_points(
        self,
        experiment_id: str,
        query: str | None = None,
        keys: Sequence[str] | None = None,
        bucket_size: int | None = None,
    ) -> Any:
        """Every metric point of those runs (of ``keys``; all: None) as a ``pyarrow.Table``:
        run_id, key, step, value, time. With ``bucket_size``, each run's points cut into
        buckets of that many steps instead, exactly: run_id, key, step_start, min, max (of
        the finite values), last, last_step, count, nonfinite. Streamed from the server a
        page of runs at a time; a broken stream is resumed after the last run it delivered
        whole."""
        if bucket_size is not None and (type(bucket_size) is not int or bucket_size < 1):
            raise TypeError(f"bucket_size is a whole number of steps >= 1, not {bucket_size!r}")
        body = {"query": query, "keys": list(keys) if keys else None, "bucketSize": bucket_size}
        return await self._export(experiment_id, "points", body)

    async def _export(self, experiment_id: str, what: str, body: dict[str, Any]) -> Any:
        try:
            import pyarrow as pa
        except ImportError as error:
            raise ImportError(
                'exports need pyarrow: pip install "mlgraph-client[arrow]"'
            ) from error
        url = f"{self.url}/v1/experiments/{quote(experiment_id, safe='')}/export/{what}"
        batches: list[Any] = []
        after: str | None = None
        for _ in range(100):  # each try resumes after the last whole page
            request = self.graphql.http_client.build_request(
                "POST", url, json={k: v for k, v in {**body, "after": after}.items() if v}
            )
            received = bytearray()
            broken = False
            response = await self.graphql.http_client.send(request, stream=True)
            try:
                if response.status_code != 200:
                    await response.aread()
                    raise MlgraphError(f"HTTP {response.status_code}: {response.text[:500]}")
                try:
                    async for chunk in response.aiter_raw():
                        received += chunk
                except httpx.TransportError:
                    broken = True
            finally:
                await response.aclose()
            try:
                reader = pa.ipc.open_stream(bytes(received))
                schema = reader.schema
                while True:
                    batches.append(reader.read_next_batch())
            except StopIteration:
                pass
            except (pa.ArrowInvalid, OSError):  # it ended inside a batch: that page again
                broken = True
            if not broken:
                return pa.Table.from_batches(batches, schema=schema)
            if batches:  # a batch is a page of whole runs: go on after its last
                ids = batches[-1].column("id" if what == "runs" else "run_id")
                after = ids[len(ids) - 1].as_py() if len(ids) else after
        raise MlgraphError("the export broke off 100 times; try again later")

    # -- registry -----------------------------------------------------------------------

    async def register_model_version(
        self,
        model_id: str,
        version: str,
        *,
        run_id: str | None = None,
        artifact_uri: str | None = None,
        metrics: Mapping[str, Any] | None = None,
        description: str | None = None,
    ) -> ModelVersionCreateModelVersionCreateModelVersion:
        """A new version of a model, linked to the run that trained it."""
        payload = await self.graphql.model_version_create(
            ModelVersionCreateInput(
                modelId=model_id,
                version=version,
                runId=run_id,
                artifactUri=artifact_uri,
                metrics=dict(metrics) if metrics is not None else None,
                description=description,
            )  # fmt: skip
        )
        created = check(payload.model_version_create).model_version
        assert created is not None
        return created

    async def set_alias(
        self, model_id: str, name: str, model_version_id: str
    ) -> ModelAliasSetModelAliasSetModelAlias:
        """Point an alias (``champion``) at a version; the move is kept in its history."""
        payload = await self.graphql.model_alias_set(
            ModelAliasSetInput(modelId=model_id, name=name, modelVersionId=model_version_id)
        )
        alias = check(payload.model_alias_set).model_alias
        assert alias is not None
        return alias

    async def transition(
        self, model_version_id: str, stage: ModelStage | str
    ) -> ModelVersionTransitionModelVersionTransition:
        """Move a version to a stage (``PRODUCTION`` archives the previous one)."""
        payload = await self.graphql.model_version_transition(
            ModelVersionTransitionInput(modelVersionId=model_version_id, stage=ModelStage(stage))
        )
        return check(payload.model_version_transition)

    async def record_predictions(
        self, deployment_id: str, predictions: Sequence[Mapping[str, Any]]
    ) -> PredictionsRecordPredictionsRecord:
        """Predictions a deployment served: ``{"latencyMs": 12.5, "input": ..., "output":
        ..., "confidence": 0.9}`` each (camelCase keys, as in the schema)."""
        payload = await self.graphql.predictions_record(
            PredictionsRecordInput(
                deploymentId=deployment_id,
                predictions=[PredictionInput.model_validate(dict(p)) for p in predictions],
            )
        )
        return check(payload.predictions_record)

    # -- live streams -------------------------------------------------------------------

    async def run_metrics(
        self,
        run_id: str,
        *,
        keys: Sequence[str] | None = None,
        after_step: int | None = None,
        after: str | None = None,
    ) -> AsyncIterator[RunMetricsRunMetrics]:
        """Stored points (after ``after_step`` or a batch's ``cursor``), then new ones as
        they are committed. Resubscribe with ``after=batch.cursor`` to resume with no gap."""
        stream = self.graphql.run_metrics(
            run_id=run_id, keys=list(keys) if keys is not None else None,
            after_step=after_step, after=after,
        )  # fmt: skip
        async for message in stream:
            yield message.run_metrics

    async def watch_comparison(
        self,
        experiment_id: str,
        keys: Sequence[str],
        *,
        group_by: Sequence[str] = (),
        query: str | None = None,
        max_points: int = 500,
    ) -> AsyncIterator[WatchComparisonExperimentComparison]:
        """``compare_runs`` live while the runs train: first the whole comparison
        (``reset`` true), then only the groups and buckets that changed — replace them by
        group ``params``, ``key`` and ``step_start`` — or, when the runs outgrew the
        planned steps (``comparison.step_to``), the whole comparison again (``reset``)."""
        stream = self.graphql.watch_comparison(
            experiment_id=experiment_id, keys=list(keys), group_by=list(group_by),
            query=query, max_points=max_points,
        )  # fmt: skip
        async for message in stream:
            yield message.experiment_comparison

    async def alerts(
        self, organization_id: str, *, min_severity: AlertSeverity | str = AlertSeverity.LOW
    ) -> AsyncIterator[AlertsAlerts]:
        """Alerts of an organization as they open or change."""
        stream = self.graphql.alerts(
            organization_id=organization_id, min_severity=AlertSeverity(min_severity)
        )
        async for message in stream:
            yield message.alerts
