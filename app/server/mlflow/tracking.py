"""MLflow's tracking API (``/mlflow/api/2.0/mlflow/experiments/...``, ``runs/...``,
``metrics/get-history``) on mlgraph's experiments and runs, through the same domain
services as GraphQL: the same access checks, audit, events and idempotent metric points."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import and_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.api.scalars import metric_value_text
from app.db.arrays import NONFINITE_VALUES
from app.db.engine import SessionFactory
from app.domain.errors import DomainError, ErrorCode, not_found, validation
from app.domain.experiments import run_query
from app.domain.experiments import services as runs
from app.domain.experiments.enums import RunStatus
from app.domain.experiments.models import Experiment, Run
from app.domain.experiments.points import PointBatch, batch_from_series
from app.domain.experiments.reads import points_page
from app.domain.experiments.run_query import NAME_TAG, NOTE_TAG
from app.domain.health.watching import run_metrics_log_watched
from app.domain.mlflow import filters
from app.domain.mlflow.projects import (
    DEFAULT_EXPERIMENT_ID,
    PROJECT_TAG,
    TAGS_KEY,
    ProjectRef,
    default_experiment,
    experiment_create_mlflow,
    experiment_named,
    mlflow_project,
    mlflow_uuid,
)
from app.domain.mlflow.run_search import (
    STATUS_FROM_MLFLOW,
    page_token,
    read_page_token,
    search_runs,
    text_condition,
)
from app.domain.tenancy.access import Actor
from app.domain.tenancy.lookup import get_visible
from app.server.mlflow import entities
from app.server.mlflow.protocol import Call, MlflowError, whole_number

MAX_HISTORY = 25_000  # points per get-history page (MLflow's client asks for this many)
MAX_BATCH_METRICS, MAX_BATCH_PARAMS, MAX_BATCH_TAGS = 1_000, 100, 100  # MLflow's limits


def _when(millis: int | None, field: str) -> datetime | None:
    if millis is None:
        return None
    try:
        return datetime.fromtimestamp(millis / 1000, UTC)
    except (OverflowError, OSError, ValueError):
        raise validation("is not a time in epoch milliseconds", [field]) from None


def _value(raw: Any, index: int) -> float | str:
    if isinstance(raw, str):
        if raw in NONFINITE_VALUES:
            return raw  # read as such by the columns path
        try:
            return float(raw)
        except ValueError:
            pass
    elif isinstance(raw, int | float) and not isinstance(raw, bool):
        return float(raw)
    raise validation(
        'a metric value is a number, or "NaN", "Infinity" or "-Infinity"',
        ["metrics", str(index), "value"],
    )


def _integer(raw: Any, default: int, field: list[str]) -> int:
    if raw is None or raw == "":
        return default
    try:
        return whole_number(raw)
    except ValueError:
        raise validation("must be an integer", field) from None


def metric_batch(items: Iterable[Any], max_points: int, now: datetime) -> PointBatch | None:
    """MLflow metrics as a batch, through the columns path (``batch_from_series``: checked
    whole arrays at a time). A key logged twice at one step in one request keeps its first
    value, as a key logged again at a stored step does (mlgraph keeps one value per key and
    step; MLflow code that logs without ``step=`` logs every value at step 0)."""
    columns: dict[str, tuple[list[int], list[Any], list[int], list[int]]] = {}
    seen: set[tuple[str, int]] = set()
    now_ms = int(now.timestamp() * 1000)
    for index, item in enumerate(items):
        if not isinstance(item, Mapping) or not isinstance(item.get("key"), str):
            raise validation('give {"key", "value", "timestamp", "step"}', ["metrics", str(index)])
        key, step, millis, value = (
            item["key"],
            item.get("step"),
            item.get("timestamp"),
            item.get("value"),
        )
        if type(step) is not int:
            step = _integer(step, 0, ["metrics", str(index), "step"])
        if type(millis) is not int:
            millis = _integer(millis, 0, ["metrics", str(index), "timestamp"])
        if (key, step) in seen:
            continue
        seen.add((key, step))
        if type(value) is not float:
            value = _value(value, index)
        steps, values, stamps, indexes = columns.setdefault(key, ([], [], [], []))
        steps.append(step)
        values.append(value)
        stamps.append(millis or now_ms)
        indexes.append(index)
    if not columns:
        return None
    series = {
        key: {"steps": steps, "values": values, "timestamps": stamps}
        for key, (steps, values, stamps, _) in columns.items()
    }
    try:
        return batch_from_series(series, max_points, now)
    except DomainError as error:  # named as MLflow's request has it
        field = error.field or []
        if len(field) >= 4 and field[1] in columns and field[3].isdigit():
            place = columns[field[1]][3][int(field[3])]
            error.field = ["metrics", str(place), SERIES_TO_METRIC.get(field[2], field[2])]
        elif len(field) >= 2 and field[1] in columns:
            error.field = ["metrics", str(columns[field[1]][3][0]), "key"]
        raise


SERIES_TO_METRIC = {"steps": "step", "values": "value", "timestamps": "timestamp"}


def _tags_in(changes: Mapping[str, str]) -> dict[str, Any]:
    """MLflow tags as run changes: its name and note tags are the run's name and
    description; the rest are tags."""
    found: dict[str, Any] = {}
    tags = dict(changes)
    if NAME_TAG in tags:
        found["name"] = tags.pop(NAME_TAG)
    if NOTE_TAG in tags:
        found["description"] = tags.pop(NOTE_TAG)
    if tags:
        found["tags"] = tags
    return found


def _run_id(call: Call) -> str:
    """The run a call names (MLflow's client sends run_id, older ones run_uuid)."""
    mlflow_id = call.text("run_id") or call.text("run_uuid")
    if mlflow_id is None:
        raise MlflowError(
            "INVALID_PARAMETER_VALUE", "Missing value for required parameter 'run_id'."
        )
    return mlflow_id


class Tracking:
    def __init__(
        self,
        session_factory: SessionFactory,
        read_session_factory: SessionFactory,
        project: ProjectRef,
        max_points: int,
    ) -> None:
        self.session_factory = session_factory
        self.read_session_factory = read_session_factory
        self.project = project
        self.max_points = max_points

    # Experiments

    async def _experiment(
        self, session: AsyncSession, actor: Actor, mlflow_id: str | None
    ) -> Experiment:
        if mlflow_id == DEFAULT_EXPERIMENT_ID:
            return await default_experiment(
                session, actor, await mlflow_project(session, actor, self.project)
            )
        found = await get_visible(
            session,
            Experiment,
            mlflow_uuid(mlflow_id),
            actor,
            what=f"experiment with id={mlflow_id}",
            field=["experiment_id"],
        )
        return found

    async def experiment_get(self, call: Call) -> dict[str, Any]:
        async with self.session_factory() as session, session.begin():
            experiment = await self._experiment(session, call.actor, call.required("experiment_id"))
            return {"experiment": entities.experiment_json(experiment)}

    async def experiment_get_by_name(self, call: Call) -> dict[str, Any]:
        name = call.required("experiment_name")
        async with self.session_factory() as session, session.begin():
            project = await mlflow_project(session, call.actor, self.project)
            experiment = await experiment_named(session, project, name)
            if experiment is None and name == "Default":
                experiment = await default_experiment(session, call.actor, project)
            if experiment is None:
                raise not_found(
                    f"Could not find experiment with name '{name}'", ["experiment_name"]
                )
            return {"experiment": entities.experiment_json(experiment)}

    async def experiment_create(self, call: Call) -> dict[str, Any]:
        name = call.required("name")
        tags = call.key_values("tags")
        ref = self.project
        if PROJECT_TAG in tags:
            ref = ProjectRef.parse(tags.pop(PROJECT_TAG), [PROJECT_TAG])
        async with self.session_factory() as session, session.begin():
            project = await mlflow_project(session, call.actor, ref)
            if await experiment_named(session, project, name) is not None:
                raise MlflowError("RESOURCE_ALREADY_EXISTS", f"Experiment '{name}' already exists.")
            experiment = await experiment_create_mlflow(
                session, call.actor, project=project, name=name, tags=tags
            )
            return {"experiment_id": experiment.id.hex}

    async def experiment_search(self, call: Call) -> dict[str, Any]:
        view = (call.text("view_type") or "ACTIVE_ONLY").upper()
        found = run_query.parse(call.text("filter"))
        max_results = call.integer("max_results", 1000) or 1000
        offset = read_page_token(call.text("page_token"))
        async with self.session_factory() as session, session.begin():
            project = await mlflow_project(session, call.actor, self.project)
            if view == "DELETED_ONLY":
                return {"experiments": []}
            query = select(Experiment).where(
                Experiment.project_id == project.id, Experiment.deleted_at.is_(None)
            )
            if found is not None:
                query = query.where(_experiment_condition(found))
            limit = min(max(max_results, 1), 1000)
            rows = list(
                (
                    await session.scalars(
                        query.order_by(Experiment.id.desc()).offset(offset).limit(limit + 1)
                    )
                ).all()
            )
        reply: dict[str, Any] = {"experiments": [entities.experiment_json(e) for e in rows[:limit]]}
        if len(rows) > limit:
            reply["next_page_token"] = page_token(offset + limit)
        return reply

    async def experiment_update(self, call: Call) -> dict[str, Any]:
        async with self.session_factory() as session, session.begin():
            experiment = await self._experiment(session, call.actor, call.required("experiment_id"))
            await runs.experiment_update(
                session,
                call.actor,
                experiment_id=experiment.id,
                changes={"name": call.required("new_name")},
            )
        return {}

    async def experiment_delete(self, call: Call) -> dict[str, Any]:
        async with self.session_factory() as session, session.begin():
            experiment = await self._experiment(session, call.actor, call.required("experiment_id"))
            await runs.experiment_delete(session, call.actor, experiment_id=experiment.id)
        return {}

    async def experiment_set_tag(self, call: Call) -> dict[str, Any]:
        key, value = call.required("key"), call.text("value") or ""
        async with self.session_factory() as session, session.begin():
            experiment = await self._experiment(session, call.actor, call.required("experiment_id"))
            if key == NOTE_TAG:
                changes: dict[str, Any] = {"description": value}
            else:
                tags = {**(experiment.config.get(TAGS_KEY) or {}), key: value}
                changes = {"config": {**experiment.config, TAGS_KEY: tags}}
            await runs.experiment_update(
                session, call.actor, experiment_id=experiment.id, changes=changes
            )
        return {}

    # Runs

    async def _run(self, session: AsyncSession, actor: Actor, call: Call) -> Run:
        mlflow_id = _run_id(call)
        return await get_visible(
            session,
            Run,
            mlflow_uuid(mlflow_id),
            actor,
            what=f"Run with id={mlflow_id}",
            field=["run_id"],
        )

    async def run_create(self, call: Call) -> dict[str, Any]:
        tags = call.key_values("tags")
        started = _when(call.integer("start_time"), "start_time")
        now = datetime.now(UTC)
        async with self.session_factory() as session, session.begin():
            experiment = await self._experiment(
                session, call.actor, call.text("experiment_id") or DEFAULT_EXPERIMENT_ID
            )
            named = call.text("run_name") or tags.get(NAME_TAG)
            changes = _tags_in(tags)
            run = await runs.run_create(
                session,
                call.actor,
                experiment_id=experiment.id,
                name=named,
                description=changes.get("description"),
                params={},
                tags=changes.get("tags") or {},
                # A client's clock a little ahead of the server's is not an error here.
                started_at=min(started, now) if started is not None else None,
                tracking_system=None,
                tracking_run_id=None,
            )
            return {"run": entities.run_json(run, [])}

    async def run_get(self, call: Call) -> dict[str, Any]:
        async with self.read_session_factory() as session:
            run = await self._run(session, call.actor, call)
            return {"run": (await entities.runs_json(session, [run]))[0]}

    async def run_update(self, call: Call) -> dict[str, Any]:
        status_text = call.text("status")
        name = call.text("run_name")
        ended = _when(call.integer("end_time"), "end_time")
        async with self.session_factory() as session, session.begin():
            run = await self._run(session, call.actor, call)
            if name and name != run.name:
                run = await runs.run_update(
                    session, call.actor, run_id=run.id, changes={"name": name}
                )
            if status_text is not None:
                status = STATUS_FROM_MLFLOW.get(status_text.upper())
                if status is None:
                    raise validation(
                        "status must be RUNNING, FINISHED, FAILED or KILLED", ["status"]
                    )
                if status is not RunStatus.RUNNING and run.status != status.value:
                    if ended is not None:
                        ended = min(max(ended, run.started_at), datetime.now(UTC))
                    run = await runs.run_finish(
                        session, call.actor, run_id=run.id, status=status, ended_at=ended
                    )
            return {"run_info": entities.run_info(run)}

    async def run_delete(self, call: Call) -> dict[str, Any]:
        async with self.session_factory() as session, session.begin():
            run = await self._run(session, call.actor, call)
            await runs.run_delete(session, call.actor, run_id=run.id)
        return {}

    async def _changes(
        self, call: Call, changes: dict[str, Any], metrics: list[Any]
    ) -> dict[str, Any]:
        """Params, tags and metrics of one run in one transaction. Metrics alone are an
        ingest: an INGEST key may log them, as through runMetricsLog."""
        now = datetime.now(UTC)
        batch = metric_batch(metrics, self.max_points, now) if metrics else None
        actor = call.actor if changes else replace(call.actor, ingesting=True)
        mlflow_id = _run_id(call)
        run_id = mlflow_uuid(mlflow_id)
        try:
            async with self.session_factory() as session, session.begin():
                if changes:  # run_update finds the run; run_metrics_log locks it
                    await runs.run_update(session, actor, run_id=run_id, changes=changes)
                if batch is not None:
                    await run_metrics_log_watched(session, actor, run_id=run_id, batch=batch)
        except DomainError as error:
            if error.code is ErrorCode.NOT_FOUND and error.field == ["run_id"]:
                raise not_found(f"Run with id={mlflow_id}", ["run_id"]) from error
            raise
        return {}

    async def log_metric(self, call: Call) -> dict[str, Any]:
        item = {name: call.fields.get(name) for name in ("key", "value", "timestamp", "step")}
        if not isinstance(item["key"], str):
            raise MlflowError(
                "INVALID_PARAMETER_VALUE", "Missing value for required parameter 'key'."
            )
        return await self._changes(call, {}, [item])

    async def log_param(self, call: Call) -> dict[str, Any]:
        key = call.required("key")
        return await self._changes(call, {"params": {key: call.text("value") or ""}}, [])

    async def set_tag(self, call: Call) -> dict[str, Any]:
        key = call.required("key")
        return await self._changes(call, _tags_in({key: call.text("value") or ""}), [])

    async def delete_tag(self, call: Call) -> dict[str, Any]:
        key = call.required("key")
        async with self.session_factory() as session, session.begin():
            run = await self._run(session, call.actor, call)
            if key not in run.tags:
                raise not_found(f"No tag with name: {key} in run with id {run.id.hex}", ["key"])
            await runs.run_update(session, call.actor, run_id=run.id, changes={"tags": {key: None}})
        return {}

    async def log_batch(self, call: Call) -> dict[str, Any]:
        metrics, params, tags = (
            call.items("metrics"),
            call.key_values("params"),
            call.key_values("tags"),
        )
        if (
            len(metrics) > MAX_BATCH_METRICS
            or len(params) > MAX_BATCH_PARAMS
            or len(tags) > MAX_BATCH_TAGS
        ):
            raise MlflowError(
                "INVALID_PARAMETER_VALUE",
                f"A batch logging request can contain at most {MAX_BATCH_METRICS} metrics, "
                f"{MAX_BATCH_PARAMS} params and {MAX_BATCH_TAGS} tags.",
            )
        changes = _tags_in(tags)
        if params:
            changes["params"] = params
        return await self._changes(call, changes, metrics)

    async def log_inputs(self, call: Call) -> dict[str, Any]:
        datasets = []
        for index, item in enumerate(call.items("datasets")):
            dataset = item.get("dataset") if isinstance(item, Mapping) else None
            if not isinstance(dataset, Mapping):
                raise validation("give {dataset: {name, digest, ...}}", ["datasets", str(index)])
            kept = {
                k: str(dataset[k])
                for k in ("name", "digest", "source_type", "source")
                if k in dataset
            }
            datasets.append({"dataset": kept, "tags": item.get("tags") or []})
        if not datasets:
            return {}
        async with self.session_factory() as session, session.begin():
            run = await self._run(session, call.actor, call)
            known = run.tags.get(entities.INPUTS_TAG) or []
            fresh = [d for d in datasets if d not in known]
            if fresh:
                await runs.run_update(
                    session,
                    call.actor,
                    run_id=run.id,
                    changes={"tags": {entities.INPUTS_TAG: [*known, *fresh]}},
                )
        return {}

    async def log_outputs(self, call: Call) -> dict[str, Any]:
        """The run's logged models are already its own (their files are its files)."""
        async with self.session_factory() as session, session.begin():
            await self._run(session, call.actor, call)
        return {}

    async def run_search(self, call: Call) -> dict[str, Any]:
        found = run_query.parse(call.text("filter"))
        order = filters.parse_order_by([str(o) for o in call.items("order_by")])
        view = (call.text("run_view_type") or "ACTIVE_ONLY").upper()
        async with self.session_factory() as session, session.begin():
            ids = []
            for mlflow_id in call.items("experiment_ids"):
                if str(mlflow_id) == DEFAULT_EXPERIMENT_ID:
                    project = await mlflow_project(session, call.actor, self.project)
                    default = await experiment_named(session, project, "Default")
                    if default is not None:
                        ids.append(default.id)
                elif (named := mlflow_uuid(str(mlflow_id))) is not None:
                    ids.append(named)
            if view == "DELETED_ONLY":
                ids = []
            page = await search_runs(
                session,
                call.actor,
                experiment_ids=ids,
                query=found,
                order=order,
                max_results=call.integer("max_results", 1000) or 1000,
                page_token_text=call.text("page_token"),
            )
            reply: dict[str, Any] = {"runs": await entities.runs_json(session, page.runs)}
        if page.next_page_token:
            reply["next_page_token"] = page.next_page_token
        return reply

    async def metric_history(self, call: Call) -> dict[str, Any]:
        key = call.required("metric_key")
        want = min(call.integer("max_results", MAX_HISTORY) or MAX_HISTORY, MAX_HISTORY)
        if want < 1:
            raise validation("max_results must be at least 1", ["max_results"])
        after = read_page_token(call.text("page_token")) - 1 if call.text("page_token") else None
        async with self.read_session_factory() as session:
            run = await self._run(session, call.actor, call)
            page = await points_page(
                session, run.id, key, call.actor.org_ids, bound=after, descending=False, want=want
            )
        reply: dict[str, Any] = {
            "metrics": [
                {
                    "key": key,
                    "value": metric_value_text(point.value),
                    "timestamp": int(point.timestamp.timestamp() * 1000),
                    "step": point.step,
                }
                for point in page.points()
            ]
        }
        if len(page) == want:  # perhaps more: the next page starts after the last step
            reply["next_page_token"] = page_token(page.steps[-1] + 1)
        return reply


def _experiment_condition(query: run_query.RunQuery) -> Any:
    """MLflow's experiment filters: by name and tags, joined by AND."""
    if isinstance(query, run_query.AllOf):
        return and_(*(_experiment_condition(part) for part in query.parts))
    if isinstance(query, run_query.Compare):
        target = query.target
        if isinstance(target, run_query.Attribute) and target.name == "name":
            return text_condition(Experiment.name, query.op, query.value)
        if isinstance(target, run_query.Tag):
            column = Experiment.config[TAGS_KEY][target.key].astext
            return text_condition(column, query.op, query.value)
    raise DomainError(
        ErrorCode.VALIDATION, "experiments are filtered by name and tags, joined by AND", ["filter"]
    )
