"""``mlgraph import-mlflow``: copy experiments, runs (params, tags, full metric
histories), registered models, versions and aliases from a running MLflow tracking server,
read over its REST API, into mlgraph — through the domain services, as the API key's
owner, into the MLflow project (``MLGRAPH_MLFLOW_PROJECT`` or ``--project``).

Idempotent: a run is linked to the MLflow run it came from (``trackingSystem: mlflow``,
``trackingRunId``: the MLflow run id), experiments and models are found by name, versions
by their name (MLflow's version ``n`` is mlgraph's ``n.0.0``), metric points by (key,
step); a second import adds only what is new. MLflow may keep several values at one step
of a key and negative steps; mlgraph keeps one value per step (the first) and steps from
0: the others are counted and reported, never silently dropped. Artifacts stay where they
are: a version points at its files on the MLflow server."""

from __future__ import annotations

import re
import sys
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TextIO

import httpx
from sqlalchemy import select

from app.db.arrays import NONFINITE_VALUES
from app.db.engine import SessionFactory
from app.domain.errors import DomainError
from app.domain.experiments import services as runs
from app.domain.experiments.enums import RunStatus
from app.domain.experiments.models import Run
from app.domain.experiments.points import batch_from_points
from app.domain.experiments.rules import EARLIEST, MAX_STEP, RunMetricPoint
from app.domain.experiments.run_query import NAME_TAG, NOTE_TAG
from app.domain.governance.services import governed_alias_set, governed_transition
from app.domain.mlflow.projects import (
    ProjectRef,
    experiment_create_mlflow,
    experiment_named,
    mlflow_project,
)
from app.domain.mlflow.registry import registered_model, registered_model_create
from app.domain.mlflow.run_search import STATUS_FROM_MLFLOW
from app.domain.registry.enums import ModelStage
from app.domain.registry.models import ModelVersion
from app.domain.registry.version_service import model_version_create
from app.domain.tenancy.access import Actor
from app.domain.tenancy.models import Project

TRACKING_SYSTEM = "mlflow"
PAGE = 1000
HISTORY_PAGE = 25_000
BATCH_POINTS = 10_000
ABSOLUTE = re.compile(r"^[a-z][a-z0-9+.-]*://\S+$")
RELATIVE = "mlflow-artifacts:/"
STAGE_PATHS = {  # from DEVELOPMENT, by MLflow's stage
    "staging": [ModelStage.STAGING],
    "production": [ModelStage.STAGING, ModelStage.PRODUCTION],
    "archived": [ModelStage.ARCHIVED],
}


class SourceError(Exception):
    """The MLflow server refused or could not be reached."""


class MlflowSource:
    """MLflow's REST API, read page by page."""

    def __init__(self, url: str, token: str | None, client: httpx.AsyncClient | None = None):
        self.url = url.rstrip("/")
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.client = client or httpx.AsyncClient(headers=headers, timeout=60)

    async def close(self) -> None:
        await self.client.aclose()

    async def call(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        try:
            reply = await self.client.request(method, f"{self.url}/api/2.0/mlflow/{path}", **kwargs)
        except httpx.HTTPError as error:
            raise SourceError(f"{self.url}: {type(error).__name__}: {error}") from error
        if reply.status_code != 200:
            raise SourceError(f"{method} {path}: {reply.status_code} {reply.text[:300]}")
        found: dict[str, Any] = reply.json()
        return found

    async def pages(
        self, method: str, path: str, items: str, body: dict[str, Any]
    ) -> AsyncIterator[dict[str, Any]]:
        token = None
        while True:
            page = {**body, "max_results": PAGE, **({"page_token": token} if token else {})}
            if method == "GET":
                reply = await self.call(method, path, params=page)
            else:
                reply = await self.call(method, path, json=page)
            for item in reply.get(items, []):
                yield item
            token = reply.get("next_page_token")
            if not token:
                return

    async def experiments(self) -> list[dict[str, Any]]:
        body = {"view_type": "ACTIVE_ONLY"}
        return [e async for e in self.pages("POST", "experiments/search", "experiments", body)]

    def runs(self, experiment_id: str) -> AsyncIterator[dict[str, Any]]:
        body = {"experiment_ids": [experiment_id], "run_view_type": "ACTIVE_ONLY"}
        return self.pages("POST", "runs/search", "runs", body)

    async def history(self, run_id: str, key: str) -> list[dict[str, Any]]:
        points: list[dict[str, Any]] = []
        token = None
        while True:
            params = {"run_id": run_id, "metric_key": key, "max_results": HISTORY_PAGE}
            if token:
                params["page_token"] = token
            reply = await self.call("GET", "metrics/get-history", params=params)
            points += reply.get("metrics", [])
            token = reply.get("next_page_token")
            if not token:
                return points

    async def registered_models(self) -> list[dict[str, Any]]:
        return [
            m async for m in self.pages("GET", "registered-models/search", "registered_models", {})
        ]

    async def versions(self, name: str) -> list[dict[str, Any]]:
        quoted = name.replace("'", "\\'")
        body = {"filter": f"name = '{quoted}'"}
        found = [
            v async for v in self.pages("GET", "model-versions/search", "model_versions", body)
        ]
        return sorted(found, key=lambda v: int(v["version"]))

    async def files_of(self, version: dict[str, Any]) -> str | None:
        """Where a version's files are, as an absolute URI (None: only on the MLflow
        server's own disk)."""
        source = str(version.get("source") or "")
        if ABSOLUTE.match(source):
            return source
        if source.startswith("runs:/"):
            run_id, _, path = source[len("runs:/") :].strip("/").partition("/")
            info = (await self.call("GET", "runs/get", params={"run_id": run_id}))["run"]["info"]
            return self.absolute(f"{str(info['artifact_uri']).rstrip('/')}/{path}".rstrip("/"))
        if source.startswith("models:/m-"):
            model_id = source[len("models:/") :].strip("/")
            reply = await self.call("GET", f"logged-models/{model_id}")
            return self.absolute(str(reply["model"]["info"]["artifact_uri"]))
        if source.startswith(RELATIVE):
            return self.absolute(source)
        params = {"name": version["name"], "version": version["version"]}
        reply = await self.call("GET", "model-versions/get-download-uri", params=params)
        return self.absolute(str(reply.get("artifact_uri") or ""))

    def absolute(self, uri: str) -> str | None:
        """``mlflow-artifacts:/...`` (relative to the MLflow server) as its proxy's URL; an
        absolute URI as it is; None for a path on the server's own disk."""
        if uri.startswith(RELATIVE):
            return (
                f"{self.url}/api/2.0/mlflow-artifacts/artifacts/{uri[len(RELATIVE) :].lstrip('/')}"
            )
        return uri if ABSOLUTE.match(uri) else None


@dataclass
class Counts:
    seen: int = 0
    new: int = 0

    def __str__(self) -> str:
        return f"{self.seen:,} ({self.new:,} new)"


@dataclass
class ImportReport:
    experiments: Counts = field(default_factory=Counts)
    runs: Counts = field(default_factory=Counts)
    points: Counts = field(default_factory=Counts)
    models: Counts = field(default_factory=Counts)
    versions: Counts = field(default_factory=Counts)
    aliases: int = 0
    warnings: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        return [
            f"experiments: {self.experiments}",
            f"runs: {self.runs}",
            f"metric points: {self.points}",
            f"registered models: {self.models}",
            f"versions: {self.versions}",
            f"aliases set: {self.aliases}",
            *(f"warning: {w}" for w in self.warnings),
        ]


class Progress:
    """One line on the terminal, redrawn: ``runs [#####-----] 5/10 'name'``."""

    def __init__(self, out: TextIO = sys.stderr, width: int = 30) -> None:
        self.out = out
        self.width = width

    def show(self, what: str, done: int, total: int, label: str = "") -> None:
        filled = self.width * done // max(total, 1)
        bar = "#" * filled + "-" * (self.width - filled)
        self.out.write(f"\r{what} [{bar}] {done}/{total} {label[:40]:<40}")
        if done >= total:
            self.out.write("\n")
        self.out.flush()


def _millis(value: Any) -> datetime | None:
    if value in (None, "", 0, "0"):
        return None
    return datetime.fromtimestamp(int(value) / 1000, UTC)


def _value(raw: Any) -> float:
    """A value of MLflow's JSON: a number, or its strings for NaN and ±Infinity."""
    return NONFINITE_VALUES[raw] if raw in NONFINITE_VALUES else float(raw)


def _key_values(items: list[dict[str, Any]] | None) -> dict[str, str]:
    return {item["key"]: str(item.get("value", "")) for item in items or []}


class Importer:
    def __init__(
        self,
        source: MlflowSource,
        session_factory: SessionFactory,
        actor: Actor,
        project: ProjectRef,
        *,
        experiments: list[str] | None = None,
        progress: Progress | None = None,
        max_points: int = BATCH_POINTS,
    ) -> None:
        self.source = source
        self.session_factory = session_factory
        self.actor = actor
        self.project_ref = project
        self.wanted = set(experiments) if experiments else None
        self.progress = progress or Progress()
        self.max_points = max_points
        self.report = ImportReport()
        self.linked: dict[str, uuid.UUID] = {}  # MLflow run id -> mlgraph run id

    async def run(self) -> ImportReport:
        async with self.session_factory() as session, session.begin():
            project = await mlflow_project(session, self.actor, self.project_ref)
        experiments = await self.source.experiments()
        known = {e["name"] for e in experiments} | {e["experiment_id"] for e in experiments}
        for name in sorted((self.wanted or set()) - known):
            self.report.warnings.append(f"no experiment {name!r} on the MLflow server")
        for experiment in experiments:
            if (
                self.wanted is None
                or {experiment["name"], experiment["experiment_id"]} & self.wanted
            ):
                await self.experiment(project, experiment)
        for model in await self.source.registered_models():
            await self.model(project, model)
        return self.report

    async def experiment(self, project: Project, source: dict[str, Any]) -> None:
        name = source["name"]
        async with self.session_factory() as session, session.begin():
            found = await experiment_named(session, project, name)
            if found is None:
                tags = _key_values(source.get("tags"))
                tags = {
                    k: v for k, v in tags.items() if not k.startswith("mlflow.") or k == NOTE_TAG
                }
                found = await experiment_create_mlflow(
                    session, self.actor, project=project, name=name, tags=tags
                )
                self.report.experiments.new += 1
            experiment_id = found.id
        self.report.experiments.seen += 1
        source_runs = [r async for r in self.source.runs(source["experiment_id"])]
        for done, source_run in enumerate(source_runs, start=1):
            await self.import_run(project, experiment_id, source_run)
            self.progress.show(
                f"experiment {name!r}: runs",
                done,
                len(source_runs),
                source_run["info"].get("run_name", ""),
            )

    async def _linked_run(self, session: Any, project: Project, mlflow_id: str) -> Run | None:
        found: Run | None = await session.scalar(
            select(Run).where(
                Run.project_id == project.id,
                Run.tracking_system == TRACKING_SYSTEM,
                Run.tracking_run_id == mlflow_id,
                Run.deleted_at.is_(None),
            )
        )
        return found

    async def import_run(
        self, project: Project, experiment_id: uuid.UUID, source: dict[str, Any]
    ) -> None:
        info, data = source["info"], source.get("data", {})
        mlflow_id = info["run_id"]
        tags = _key_values(data.get("tags"))
        name = tags.pop(NAME_TAG, None) or info.get("run_name") or None
        description = tags.pop(NOTE_TAG, None)
        params = _key_values(data.get("params"))
        async with self.session_factory() as session, session.begin():
            run = await self._linked_run(session, project, mlflow_id)
            if run is None:
                run = await runs.run_create(
                    session,
                    self.actor,
                    experiment_id=experiment_id,
                    name=name,
                    description=description,
                    params=params,
                    tags=tags,
                    started_at=_millis(info.get("start_time")),
                    tracking_system=TRACKING_SYSTEM,
                    tracking_run_id=mlflow_id,
                )
                self.report.runs.new += 1
            else:
                try:
                    await runs.run_update(
                        session, self.actor, run_id=run.id, changes={"params": params, "tags": tags}
                    )
                except DomainError as error:
                    self.report.warnings.append(f"run {mlflow_id}: {error.message}")
            run_id, started = run.id, run.started_at
        self.report.runs.seen += 1
        self.linked[mlflow_id] = run_id
        for metric in data.get("metrics") or []:
            await self.history(run_id, started, mlflow_id, metric["key"])
        status = STATUS_FROM_MLFLOW.get(str(info.get("status", "")).upper(), RunStatus.RUNNING)
        if status is not RunStatus.RUNNING:
            async with self.session_factory() as session, session.begin():
                current = await session.get(Run, run_id)
                if current is not None and current.status == RunStatus.RUNNING.value:
                    ended = _millis(info.get("end_time")) or datetime.now(UTC)
                    await runs.run_finish(
                        session,
                        self.actor,
                        run_id=run_id,
                        status=status,
                        ended_at=max(ended, started),
                    )

    async def history(self, run_id: uuid.UUID, started: datetime, mlflow_id: str, key: str) -> None:
        points: list[RunMetricPoint] = []
        seen: set[int] = set()
        repeated = out_of_range = 0
        now = datetime.now(UTC)
        for point in sorted(
            await self.source.history(mlflow_id, key),
            key=lambda p: (int(p.get("timestamp", 0)), int(p.get("step", 0))),
        ):
            step = int(point.get("step", 0))
            if not 0 <= step <= MAX_STEP:
                out_of_range += 1
                continue
            if step in seen:
                repeated += 1
                continue
            seen.add(step)
            moment = _millis(point.get("timestamp")) or started
            if not EARLIEST <= moment <= now:
                moment = started
            points.append(RunMetricPoint(key, step, _value(point.get("value")), moment))
        if repeated:
            self.report.warnings.append(
                f"run {mlflow_id}, {key}: {repeated} value(s) at steps already holding one "
                "(mlgraph keeps the first value per step)"
            )
        if out_of_range:
            self.report.warnings.append(
                f"run {mlflow_id}, {key}: {out_of_range} value(s) at steps outside 0..{MAX_STEP}"
            )
        points.sort(key=lambda p: p.step)
        for start in range(0, len(points), self.max_points):
            try:
                batch = batch_from_points(
                    points[start : start + self.max_points], self.max_points, now
                )
                async with self.session_factory() as session, session.begin():
                    done = await runs.run_metrics_log(
                        session, self.actor, run_id=run_id, batch=batch
                    )
            except DomainError as error:
                self.report.warnings.append(f"run {mlflow_id}, {key}: {error.message}")
                continue
            self.report.points.seen += done.logged_count
            self.report.points.new += done.new_count

    async def model(self, project: Project, source: dict[str, Any]) -> None:
        name = source["name"]
        async with self.session_factory() as session, session.begin():
            try:
                model = await registered_model(session, self.actor, project, name)
            except DomainError:
                model = await registered_model_create(
                    session,
                    self.actor,
                    project,
                    name=name,
                    description=source.get("description") or None,
                    tags=_key_values(source.get("tags")),
                )
                self.report.models.new += 1
            model_id = model.id
        self.report.models.seen += 1
        versions = await self.source.versions(name)
        named: dict[str, uuid.UUID] = {}
        for done, version in enumerate(versions, start=1):
            found = await self.version(project, model_id, name, version)
            if found is not None:
                named[version["version"]] = found
            self.progress.show(f"model {name!r}: versions", done, len(versions))
        for alias in source.get("aliases") or []:
            target = named.get(str(alias.get("version")))
            if target is None:
                continue
            try:
                async with self.session_factory() as session, session.begin():
                    await governed_alias_set(
                        session,
                        self.actor,
                        model_id=model_id,
                        name=alias["alias"],
                        version_id=target,
                        protected=None,
                    )
                self.report.aliases += 1
            except DomainError as error:
                self.report.warnings.append(
                    f"model {name!r}, alias {alias['alias']!r}: {error.message}"
                )

    async def version(
        self, project: Project, model_id: uuid.UUID, name: str, source: dict[str, Any]
    ) -> uuid.UUID | None:
        semantic = f"{int(source['version'])}.0.0"
        self.report.versions.seen += 1
        async with self.session_factory() as session, session.begin():
            existing = await session.scalar(
                select(ModelVersion.id).where(
                    ModelVersion.model_id == model_id,
                    ModelVersion.version == semantic,
                    ModelVersion.deleted_at.is_(None),
                )
            )
        if existing is not None:
            return existing
        uri = await self.source.files_of(source)
        if uri is None:
            self.report.warnings.append(
                f"model {name!r} version {source['version']}: its files are on the MLflow "
                "server's own disk, not reachable by URI: the version has no artifactUri"
            )
        run_id = self.linked.get(source.get("run_id") or "")
        if run_id is None and source.get("run_id"):  # imported by an earlier import
            async with self.session_factory() as session:
                linked = await self._linked_run(session, project, source["run_id"])
            run_id = linked.id if linked is not None else None
        try:
            async with self.session_factory() as session, session.begin():
                row = await model_version_create(
                    session,
                    self.actor,
                    model_id=model_id,
                    version=semantic,
                    description=source.get("description") or None,
                    artifact_uri=uri or None,
                    artifact_size_bytes=None,
                    metrics=None,
                    signature=None,
                    run_id=run_id,
                )
                for stage in STAGE_PATHS.get(str(source.get("current_stage", "")).lower(), []):
                    await governed_transition(session, self.actor, version_id=row.id, stage=stage)
                version_id = row.id
        except DomainError as error:
            self.report.warnings.append(
                f"model {name!r} version {source['version']}: {error.message}"
            )
            return None
        self.report.versions.new += 1
        return version_id
