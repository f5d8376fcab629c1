"""MLflow's artifact proxy (``/mlflow/api/2.0/mlflow-artifacts/artifacts/...``) and its
logged models (``/mlflow/api/2.0/mlflow/logged-models...``) on a run's artifacts: a file
MLflow's client uploads to ``<experiment>/<run>/artifacts/<path>`` is the run's artifact at
``<path>``, stored, limited, counted and served as every run artifact is (app/server/
artifacts.py); a logged model's files are its run's under ``models/m-<id>/``."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request
from starlette.responses import Response

from app.db.engine import SessionFactory
from app.domain.artifacts import services as files
from app.domain.artifacts.store import TooLarge
from app.domain.errors import DomainError, ErrorCode, not_found
from app.domain.experiments.models import Run
from app.domain.mlflow import logged_models, uris
from app.domain.mlflow.filters import equalities
from app.domain.mlflow.projects import mlflow_uuid
from app.domain.mlflow.run_search import page_token, read_page_token
from app.domain.tenancy.access import Actor
from app.domain.tenancy.lookup import get_visible
from app.server.artifacts import Artifacts
from app.server.graphql_http import JSON, json_response
from app.server.mlflow import entities
from app.server.mlflow.protocol import Call, MlflowError


async def _run_of(session: AsyncSession, actor: Actor, found: uris.RunFiles) -> Run:
    run = await get_visible(session, Run, found.run_id, actor, what="run", field=["path"])
    if run.experiment_id != found.experiment_id:
        raise not_found("run in this experiment", ["path"])
    return run


class ArtifactProxy:
    def __init__(self, artifacts: Artifacts) -> None:
        self.artifacts = artifacts

    async def upload(self, actor: Actor, request: Request) -> Response:
        found = uris.run_files(request.path_params["path"], ["path"])
        if found.path is None:
            raise DomainError(ErrorCode.VALIDATION, "name the file: .../artifacts/<path>")
        async with self.artifacts.read_session_factory() as session:
            run = await _run_of(session, actor, found)
        try:
            await self.artifacts.receive(actor, run.id, found.path, request)
        except TooLarge:
            raise MlflowError(
                "INVALID_PARAMETER_VALUE",
                f"an artifact is at most {self.artifacts.max_bytes:,} bytes",
            ) from None
        return json_response({}, 200, JSON)

    async def download(self, actor: Actor, request: Request) -> Response:
        actor.require_read()
        found = uris.run_files(request.path_params["path"], ["path"])
        if found.path is None:
            raise not_found("file (name it: .../artifacts/<path>)", ["path"])
        async with self.artifacts.read_session_factory() as session:
            run = await _run_of(session, actor, found)
            artifact = await files.find_artifact(session, actor, run.id, found.path)
        return await self.artifacts.file_response(artifact)

    async def listing(self, actor: Actor, request: Request) -> Response:
        actor.require_read()
        found = uris.run_files(request.query_params.get("path", ""), ["path"])
        async with self.artifacts.read_session_factory() as session:
            run = await _run_of(session, actor, found)
            entries = await files.folder_entries(session, run.id, found.path)
        listed = [
            {"path": e.name, "is_dir": True}
            if e.is_dir
            else {"path": e.name, "is_dir": False, "file_size": e.size_bytes}
            for e in entries
        ]
        return json_response({"files": listed}, 200, JSON)


class LoggedModels:
    def __init__(self, session_factory: SessionFactory) -> None:
        self.session_factory = session_factory

    async def create(self, call: Call) -> dict[str, Any]:
        async with self.session_factory() as session, session.begin():
            row = await logged_models.logged_model_create(
                session,
                call.actor,
                experiment_id=mlflow_uuid(call.text("experiment_id")),
                run_id=mlflow_uuid(call.text("source_run_id")),
                name=call.text("name"),
                model_type=call.text("model_type"),
                tags=call.key_values("tags"),
                params=call.key_values("params"),
            )
            return {"model": entities.logged_model_json(row)}

    def _id(self, call: Call) -> Any:
        return uris.logged_model_uuid(call.path_params.get("model_id"))

    async def get(self, call: Call) -> dict[str, Any]:
        async with self.session_factory() as session:
            row = await logged_models.logged_model(session, call.actor, self._id(call))
            return {"model": entities.logged_model_json(row)}

    async def finalize(self, call: Call) -> dict[str, Any]:
        status = logged_models.logged_model_status(call.text("status"))
        async with self.session_factory() as session, session.begin():
            row = await logged_models.logged_model_finalize(
                session, call.actor, self._id(call), status
            )
            return {"model": entities.logged_model_json(row)}

    async def set_tags(self, call: Call) -> dict[str, Any]:
        async with self.session_factory() as session, session.begin():
            await logged_models.logged_model_set_tags(
                session, call.actor, self._id(call), call.key_values("tags")
            )
        return {}

    async def delete_tag(self, call: Call) -> dict[str, Any]:
        async with self.session_factory() as session, session.begin():
            await logged_models.logged_model_delete_tag(
                session, call.actor, self._id(call), call.path_params.get("tag_key", "")
            )
        return {}

    async def search(self, call: Call) -> dict[str, Any]:
        wanted = equalities(call.text("filter"), ("name", "source_run_id"), "logged models")
        ids = [found for i in call.items("experiment_ids") if (found := mlflow_uuid(str(i)))]
        limit = min(call.integer("max_results", 100) or 100, logged_models.MAX_SEARCH)
        offset = read_page_token(call.text("page_token"))
        if "source_run_id" in wanted and mlflow_uuid(wanted["source_run_id"]) is None:
            return {"models": []}  # no run has that id
        async with self.session_factory() as session:
            rows = await logged_models.logged_models_of(
                session,
                call.actor,
                experiment_ids=ids,
                name=wanted.get("name"),
                run_id=mlflow_uuid(wanted["source_run_id"]) if "source_run_id" in wanted else None,
                offset=offset,
                limit=limit + 1,
            )
        reply: dict[str, Any] = {"models": [entities.logged_model_json(r) for r in rows[:limit]]}
        if len(rows) > limit:
            reply["next_page_token"] = page_token(offset + limit)
        return reply
