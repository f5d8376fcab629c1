"""mlgraph rows as MLflow's entities (its REST API's JSON): ids are the hex of mlgraph's
ids, times are epoch milliseconds, params and tags are strings, metric values that are not
finite are the strings "NaN", "Infinity" and "-Infinity" (as MLflow's own server sends)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.api.scalars import metric_value_text
from app.domain.experiments.enums import RunStatus
from app.domain.experiments.models import Experiment, Run, RunMetricSummary
from app.domain.experiments.run_query import NAME_TAG, NOTE_TAG
from app.domain.mlflow import uris
from app.domain.mlflow.enums import LoggedModelStatus
from app.domain.mlflow.models import LoggedModel
from app.domain.mlflow.projects import experiment_tags
from app.domain.mlflow.registry import STAGE_TO_MLFLOW, Numbered, model_tags
from app.domain.mlflow.run_search import STATUS_TO_MLFLOW
from app.domain.registry.enums import ModelStage
from app.domain.registry.models import Model, ModelAlias

INPUTS_TAG = "mlflow.inputs"  # the dataset inputs MLflow's client logged (log-inputs)
HIDDEN_TAGS = frozenset({INPUTS_TAG})


def millis(moment: datetime | None) -> int | None:
    return None if moment is None else int(moment.timestamp() * 1000)


def text_of(value: Any) -> str:
    """A param or tag as the string MLflow shows (one set through GraphQL may be JSON)."""
    return value if isinstance(value, str) else orjson.dumps(value).decode()


def key_values(values: dict[str, Any]) -> list[dict[str, str]]:
    return [{"key": key, "value": text_of(value)} for key, value in values.items()]


def experiment_json(experiment: Experiment) -> dict[str, Any]:
    return {
        "experiment_id": experiment.id.hex,
        "name": experiment.name,
        "artifact_location": f"{uris.SCHEME}{experiment.id.hex}",
        "lifecycle_stage": "active",
        "creation_time": millis(experiment.created_at),
        "last_update_time": millis(experiment.updated_at),
        "tags": key_values(experiment_tags(experiment)),
    }


def run_info(run: Run) -> dict[str, Any]:
    info = {
        "run_id": run.id.hex,
        "run_uuid": run.id.hex,
        "run_name": run.name,
        "experiment_id": run.experiment_id.hex,
        "user_id": text_of(run.tags.get("mlflow.user", "")),
        "status": STATUS_TO_MLFLOW[RunStatus(run.status)],
        "start_time": millis(run.started_at),
        "artifact_uri": uris.run_artifact_root(run.experiment_id, run.id),
        "lifecycle_stage": "active",
    }
    if run.ended_at is not None:
        info["end_time"] = millis(run.ended_at)
    return info


async def latest_metrics(
    session: AsyncSession, run_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[dict[str, Any]]]:
    """Each run's metrics at their highest step (MLflow's "latest" values), one statement."""
    found: dict[uuid.UUID, list[dict[str, Any]]] = {run_id: [] for run_id in run_ids}
    if not run_ids:
        return found
    rows = await session.execute(
        select(RunMetricSummary)
        .where(RunMetricSummary.run_id.in_(list(run_ids)))
        .order_by(RunMetricSummary.run_id, RunMetricSummary.key)
    )
    for (summary,) in rows:
        found[summary.run_id].append(
            {
                "key": summary.key,
                "value": metric_value_text(summary.last_value),
                "timestamp": millis(summary.last_timestamp),
                "step": summary.last_step,
            }
        )
    return found


def run_json(run: Run, metrics: list[dict[str, Any]]) -> dict[str, Any]:
    tags = {k: val for k, val in run.tags.items() if k not in HIDDEN_TAGS}
    tags[NAME_TAG] = run.name
    if run.description:
        tags[NOTE_TAG] = run.description
    inputs = run.tags.get(INPUTS_TAG) or []
    return {
        "info": run_info(run),
        "data": {"metrics": metrics, "params": key_values(run.params), "tags": key_values(tags)},
        "inputs": {"dataset_inputs": inputs} if inputs else {},
        "outputs": {},
    }


async def runs_json(session: AsyncSession, runs: Sequence[Run]) -> list[dict[str, Any]]:
    metrics = await latest_metrics(session, [run.id for run in runs])
    return [run_json(run, metrics[run.id]) for run in runs]


LOGGED_MODEL_STATUS = {
    LoggedModelStatus.PENDING: "LOGGED_MODEL_PENDING",
    LoggedModelStatus.READY: "LOGGED_MODEL_READY",
    LoggedModelStatus.FAILED: "LOGGED_MODEL_UPLOAD_FAILED",
}


def logged_model_json(model: LoggedModel) -> dict[str, Any]:
    return {
        "info": {
            "model_id": uris.logged_model_id(model.id),
            "experiment_id": model.experiment_id.hex,
            "name": model.name,
            "creation_timestamp_ms": millis(model.created_at),
            "last_updated_timestamp_ms": millis(model.updated_at),
            "artifact_uri": uris.artifact_uri(
                model.experiment_id, model.run_id, uris.logged_model_folder(model.id)
            ),
            "status": LOGGED_MODEL_STATUS[LoggedModelStatus(model.status)],
            "model_type": model.model_type or "",
            "source_run_id": model.run_id.hex,
            "tags": key_values(model.tags),
        },
        "data": {"params": key_values(model.params), "metrics": []},
    }


def version_source(numbered: Numbered) -> str:
    """The version's files as MLflow names them: its logged model, or its run's path."""
    version = numbered.version
    uri = version.artifact_uri or ""
    if version.run_id is not None and uri.startswith("runs:/"):
        path = uri[len("runs:/") :].partition("/")[2]
        folder, _, name = path.partition("/")
        if folder == uris.MODELS_FOLDER and uris.logged_model_uuid(name) is not None:
            return f"models:/{name}"
        return f"runs:/{version.run_id.hex}/{path}"
    return uri


def version_json(model: Model, numbered: Numbered, aliases: Sequence[str] = ()) -> dict[str, Any]:
    version = numbered.version
    found: dict[str, Any] = {
        "name": model.name,
        "version": str(numbered.number),
        "creation_timestamp": millis(version.created_at),
        "last_updated_timestamp": millis(version.updated_at),
        "current_stage": STAGE_TO_MLFLOW[ModelStage(version.stage)],
        "description": version.description or "",
        "source": version_source(numbered),
        "status": "READY",
        "run_link": "",
        "aliases": list(aliases),
        "tags": [],
    }
    if version.run_id is not None:
        found["run_id"] = version.run_id.hex
    return found


def registered_model_json(
    model: Model, versions: Sequence[Numbered], aliases: Sequence[ModelAlias]
) -> dict[str, Any]:
    number_of = {numbered.version.id: numbered.number for numbered in versions}
    latest: dict[str, Numbered] = {}
    for numbered in versions:  # in the order made: the last of each stage wins
        latest[numbered.version.stage] = numbered
    return {
        "name": model.name,
        "creation_timestamp": millis(model.created_at),
        "last_updated_timestamp": millis(model.updated_at),
        "description": model.description or "",
        "latest_versions": [version_json(model, n) for n in latest.values()],
        "tags": key_values(model_tags(model)),
        "aliases": [
            {"alias": alias.name, "version": str(number_of[alias.model_version_id])}
            for alias in aliases
            if alias.model_version_id in number_of
        ],
    }
