"""MLflow's REST API under ``/mlflow``: ``MLFLOW_TRACKING_URI=http://<host>:<port>/mlflow``
with ``MLFLOW_TRACKING_TOKEN=<mlgraph API key>`` points MLflow's own client here. Every
path is authenticated by the API-key middleware like GraphQL; errors are MLflow's."""

from __future__ import annotations

from starlette.routing import BaseRoute, Route

from app.db.engine import SessionFactory
from app.domain.mlflow.projects import ProjectRef
from app.server.artifacts import Artifacts
from app.server.mlflow.artifacts import ArtifactProxy, LoggedModels
from app.server.mlflow.errors import PREFIX
from app.server.mlflow.protocol import endpoint, raw_endpoint
from app.server.mlflow.registry import Registry
from app.server.mlflow.tracking import Tracking

API = PREFIX + "/api/2.0/mlflow"
ARTIFACTS = PREFIX + "/api/2.0/mlflow-artifacts/artifacts"


def is_mlflow_upload(path: str) -> bool:
    """An artifact upload through MLflow's proxy: its body may be as large as an artifact."""
    return path.startswith(ARTIFACTS + "/")


def mlflow_routes(
    session_factory: SessionFactory,
    read_session_factory: SessionFactory,
    artifacts: Artifacts,
    *,
    project: str,
    max_points: int,
) -> list[BaseRoute]:
    ref = ProjectRef.parse(project, ["MLGRAPH_MLFLOW_PROJECT"])
    tracking = Tracking(session_factory, read_session_factory, ref, max_points)
    registry = Registry(session_factory, ref)
    models = LoggedModels(session_factory)
    proxy = ArtifactProxy(artifacts)
    get, post, patch, delete = ["GET"], ["POST"], ["PATCH"], ["DELETE"]
    table = [
        ("/experiments/get", tracking.experiment_get, get),
        ("/experiments/get-by-name", tracking.experiment_get_by_name, get),
        ("/experiments/create", tracking.experiment_create, post),
        ("/experiments/search", tracking.experiment_search, ["GET", "POST"]),
        ("/experiments/update", tracking.experiment_update, post),
        ("/experiments/delete", tracking.experiment_delete, post),
        ("/experiments/set-experiment-tag", tracking.experiment_set_tag, post),
        ("/runs/create", tracking.run_create, post),
        ("/runs/get", tracking.run_get, get),
        ("/runs/update", tracking.run_update, post),
        ("/runs/delete", tracking.run_delete, post),
        ("/runs/log-metric", tracking.log_metric, post),
        ("/runs/log-parameter", tracking.log_param, post),
        ("/runs/set-tag", tracking.set_tag, post),
        ("/runs/delete-tag", tracking.delete_tag, post),
        ("/runs/log-batch", tracking.log_batch, post),
        ("/runs/log-inputs", tracking.log_inputs, post),
        ("/runs/outputs", tracking.log_outputs, post),
        ("/runs/search", tracking.run_search, post),
        ("/metrics/get-history", tracking.metric_history, get),
        ("/logged-models", models.create, post),
        ("/logged-models/search", models.search, post),
        ("/logged-models/{model_id}", models.get, get),
        ("/logged-models/{model_id}", models.finalize, patch),
        ("/logged-models/{model_id}/tags", models.set_tags, patch),
        ("/logged-models/{model_id}/tags/{tag_key:path}", models.delete_tag, delete),
        ("/registered-models/create", registry.model_create, post),
        ("/registered-models/get", registry.model_get, get),
        ("/registered-models/update", registry.model_update, patch),
        ("/registered-models/search", registry.model_search, get),
        ("/registered-models/get-latest-versions", registry.latest_versions, ["GET", "POST"]),
        ("/registered-models/alias", registry.alias_set, post),
        ("/registered-models/alias", registry.alias_get, get),
        ("/model-versions/create", registry.version_create, post),
        ("/model-versions/get", registry.version_get, get),
        ("/model-versions/update", registry.version_update, patch),
        ("/model-versions/transition-stage", registry.version_transition, post),
        ("/model-versions/get-download-uri", registry.download_uri, get),
        ("/model-versions/search", registry.version_search, get),
    ]
    # The endpoints that answer nothing but "done": a key without READ may call them.
    answer_nothing = {
        tracking.experiment_update,
        tracking.experiment_delete,
        tracking.experiment_set_tag,
        tracking.run_delete,
        tracking.log_metric,
        tracking.log_param,
        tracking.set_tag,
        tracking.delete_tag,
        tracking.log_batch,
        tracking.log_inputs,
        tracking.log_outputs,
        models.set_tags,
        models.delete_tag,
        registry.alias_set,
    }
    found: list[BaseRoute] = [
        Route(API + path, endpoint(handler, reads=handler not in answer_nothing), methods=methods)
        for path, handler, methods in table
    ]
    found += [
        Route(ARTIFACTS, raw_endpoint(proxy.listing), methods=get),
        Route(ARTIFACTS + "/{path:path}", raw_endpoint(proxy.upload), methods=["PUT"]),
        Route(ARTIFACTS + "/{path:path}", raw_endpoint(proxy.download), methods=get),
    ]
    return found
