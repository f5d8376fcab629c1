"""How MLflow's client names a run's files on this server, and back.

A run's artifact root is ``mlflow-artifacts:/<experiment>/<run>/artifacts``; MLflow's
client sends its files to ``/api/2.0/mlflow-artifacts/artifacts/<experiment>/<run>/
artifacts/<path>`` of the tracking URI, which is the run's artifact at ``<path>``. A logged
model's files are its run's under ``models/m-<id>``."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from app.domain.artifacts.rules import artifact_path
from app.domain.errors import not_found, validation

SCHEME = "mlflow-artifacts:/"
MODEL_PREFIX = "m-"
MODELS_FOLDER = "models"


def hex_id(value: uuid.UUID) -> str:
    return value.hex


def run_artifact_root(experiment_id: uuid.UUID, run_id: uuid.UUID) -> str:
    return f"{SCHEME}{experiment_id.hex}/{run_id.hex}/artifacts"


def artifact_uri(experiment_id: uuid.UUID, run_id: uuid.UUID, path: str | None) -> str:
    root = run_artifact_root(experiment_id, run_id)
    return f"{root}/{path}" if path else root


def logged_model_id(value: uuid.UUID) -> str:
    return f"{MODEL_PREFIX}{value.hex}"


def logged_model_uuid(text: str | None) -> uuid.UUID | None:
    if not text or not text.startswith(MODEL_PREFIX) or len(text) != len(MODEL_PREFIX) + 32:
        return None
    try:
        return uuid.UUID(text[len(MODEL_PREFIX) :])
    except ValueError:
        return None


def logged_model_folder(model_id: uuid.UUID) -> str:
    return f"{MODELS_FOLDER}/{logged_model_id(model_id)}"


@dataclass(frozen=True)
class RunFiles:
    """Files of a run named by an artifact-proxy path: the folder or file ``path`` (None:
    the run's whole artifact root)."""

    experiment_id: uuid.UUID
    run_id: uuid.UUID
    path: str | None


def _uuid(text: str, what: str, field: list[str]) -> uuid.UUID:
    try:
        if len(text) == 32:
            return uuid.UUID(text)
    except ValueError:
        pass
    raise not_found(what, field)


def run_files(proxy_path: str, field: list[str]) -> RunFiles:
    """``<experiment>/<run>/artifacts[/<path>]`` (the path normalised and checked as any
    artifact path is)."""
    parts = proxy_path.strip("/").split("/", 3)
    if len(parts) < 3 or parts[2] != "artifacts":
        raise not_found(
            "artifact location (this server keeps files at <experiment>/<run>/artifacts/...)",
            field,
        )
    experiment_id = _uuid(parts[0], "experiment", field)
    run_id = _uuid(parts[1], "run", field)
    rest = parts[3] if len(parts) == 4 else ""
    path = artifact_path(rest.rstrip("/"), field) if rest.strip("/") else None
    return RunFiles(experiment_id, run_id, path)


def source_files(source: str, field: list[str]) -> tuple[str, str] | None:
    """A model version's ``source`` that names a run's files: ``runs:/<run>/<path>`` or
    ``mlflow-artifacts:/<experiment>/<run>/artifacts/<path>`` as (run hex, path);
    ``models:/m-...`` as ("m-...", ""); None for any other URI (kept as it is)."""
    if source.startswith("runs:/"):
        run, _, path = source[len("runs:/") :].strip("/").partition("/")
        if not path:
            raise validation("runs:/<run id>/<path>: give the path in the run", field)
        return run, artifact_path(path.rstrip("/"), field)
    if source.startswith(SCHEME):
        files = run_files(source[len(SCHEME) :], field)
        if files.path is None:
            raise validation("name a folder or file of the run, not its whole root", field)
        return files.run_id.hex, files.path
    if source.startswith("models:/"):
        name = source[len("models:/") :].strip("/")
        if logged_model_uuid(name) is None:
            raise validation("models:/ sources name a logged model: models:/m-<id>", field)
        return name, ""
    return None
