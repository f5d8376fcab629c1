"""MLflow's model registry API (``/mlflow/api/2.0/mlflow/registered-models/...``,
``model-versions/...``) on mlgraph's models, versions and aliases (app/domain/mlflow/
registry.py says how they correspond)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.engine import SessionFactory
from app.domain.errors import not_found
from app.domain.experiments.models import Run
from app.domain.governance.services import governed_alias_set, governed_transition
from app.domain.mlflow import registry
from app.domain.mlflow.projects import ProjectRef, mlflow_project, mlflow_uuid
from app.domain.mlflow.uris import artifact_uri
from app.domain.registry.model_service import model_update
from app.domain.registry.models import Model, ModelAlias, ModelVersion
from app.domain.registry.version_service import model_version_update
from app.domain.tenancy.access import Actor
from app.domain.tenancy.lookup import get_visible
from app.server.mlflow import entities
from app.server.mlflow.protocol import Call


async def _aliases(session: AsyncSession, model: Model) -> list[ModelAlias]:
    return list(
        (
            await session.scalars(
                select(ModelAlias).where(ModelAlias.model_id == model.id).order_by(ModelAlias.name)
            )
        ).all()
    )


class Registry:
    def __init__(self, session_factory: SessionFactory, project: ProjectRef) -> None:
        self.session_factory = session_factory
        self.project = project

    async def _model(self, session: AsyncSession, actor: Actor, name: str | None) -> Model:
        project = await mlflow_project(session, actor, self.project)
        return await registry.registered_model(session, actor, project, name)

    async def _model_json(self, session: AsyncSession, model: Model) -> dict[str, Any]:
        versions = await registry.numbered_versions(session, model.id)
        return entities.registered_model_json(model, versions, await _aliases(session, model))

    async def _version_json(
        self, session: AsyncSession, model: Model, version: ModelVersion
    ) -> dict[str, Any]:
        number = await registry.version_number(session, version)
        aliases = [
            a.name for a in await _aliases(session, model) if a.model_version_id == version.id
        ]
        return entities.version_json(model, registry.Numbered(number, version), aliases)

    async def model_create(self, call: Call) -> dict[str, Any]:
        async with self.session_factory() as session, session.begin():
            project = await mlflow_project(session, call.actor, self.project)
            model = await registry.registered_model_create(
                session,
                call.actor,
                project,
                name=call.required("name"),
                description=call.text("description"),
                tags=call.key_values("tags"),
            )
            return {"registered_model": await self._model_json(session, model)}

    async def model_get(self, call: Call) -> dict[str, Any]:
        async with self.session_factory() as session, session.begin():
            model = await self._model(session, call.actor, call.required("name"))
            return {"registered_model": await self._model_json(session, model)}

    async def model_update(self, call: Call) -> dict[str, Any]:
        async with self.session_factory() as session, session.begin():
            model = await self._model(session, call.actor, call.required("name"))
            if "description" in call.fields:
                model = await model_update(
                    session,
                    call.actor,
                    model_id=model.id,
                    changes={"description": call.text("description")},
                )
            return {"registered_model": await self._model_json(session, model)}

    async def model_search(self, call: Call) -> dict[str, Any]:
        text = (call.text("filter") or "").strip()
        async with self.session_factory() as session, session.begin():
            project = await mlflow_project(session, call.actor, self.project)
            query = select(Model).where(Model.project_id == project.id, Model.deleted_at.is_(None))
            if text:
                query = query.where(registry.name_condition(Model.name, text))
            models = list((await session.scalars(query.order_by(Model.name).limit(1000))).all())
            return {"registered_models": [await self._model_json(session, m) for m in models]}

    async def latest_versions(self, call: Call) -> dict[str, Any]:
        stages = {registry.stage(s) for s in call.items("stages")}
        async with self.session_factory() as session, session.begin():
            model = await self._model(session, call.actor, call.required("name"))
            found = await self._model_json(session, model)
        latest = found["latest_versions"]
        if stages:
            wanted = {registry.STAGE_TO_MLFLOW[s] for s in stages}
            latest = [v for v in latest if v["current_stage"] in wanted]
        return {"model_versions": latest}

    async def version_create(self, call: Call) -> dict[str, Any]:
        async with self.session_factory() as session, session.begin():
            model = await self._model(session, call.actor, call.required("name"))
            version = await registry.version_create(
                session,
                call.actor,
                model,
                source=call.required("source"),
                run_id=mlflow_uuid(call.text("run_id")),
                description=call.text("description"),
            )
            return {"model_version": await self._version_json(session, model, version)}

    async def _version(self, session: AsyncSession, call: Call) -> tuple[Model, ModelVersion]:
        model = await self._model(session, call.actor, call.required("name"))
        number = registry.parse_version_number(call.required("version"))
        return model, await registry.version_by_number(session, model, number)

    async def version_get(self, call: Call) -> dict[str, Any]:
        async with self.session_factory() as session, session.begin():
            model, version = await self._version(session, call)
            return {"model_version": await self._version_json(session, model, version)}

    async def version_update(self, call: Call) -> dict[str, Any]:
        async with self.session_factory() as session, session.begin():
            model, version = await self._version(session, call)
            if "description" in call.fields:
                version = await model_version_update(
                    session,
                    call.actor,
                    version_id=version.id,
                    changes={"description": call.text("description")},
                )
            return {"model_version": await self._version_json(session, model, version)}

    async def version_transition(self, call: Call) -> dict[str, Any]:
        target = registry.stage(call.text("stage"))
        async with self.session_factory() as session, session.begin():
            model, version = await self._version(session, call)
            moved = await governed_transition(
                session, call.actor, version_id=version.id, stage=target
            )
            return {"model_version": await self._version_json(session, model, moved.version)}

    async def download_uri(self, call: Call) -> dict[str, Any]:
        async with self.session_factory() as session, session.begin():
            _, version = await self._version(session, call)
            uri = version.artifact_uri or ""
            if version.run_id is not None and uri.startswith("runs:/"):
                run = await get_visible(
                    session,
                    Run,
                    version.run_id,
                    call.actor,
                    what="run of the version",
                    field=["version"],
                )
                uri = artifact_uri(
                    run.experiment_id, run.id, uri[len("runs:/") :].partition("/")[2]
                )
        if not uri:
            raise not_found("files of this version", ["version"])
        return {"artifact_uri": uri}

    async def version_search(self, call: Call) -> dict[str, Any]:
        wanted = registry.version_filter(call.text("filter"))
        async with self.session_factory() as session, session.begin():
            project = await mlflow_project(session, call.actor, self.project)
            query = select(Model).where(Model.project_id == project.id, Model.deleted_at.is_(None))
            if "name" in wanted:
                query = query.where(Model.name == wanted["name"])
            found = []
            for model in (await session.scalars(query.order_by(Model.name).limit(1000))).all():
                aliases = await _aliases(session, model)
                for numbered in await registry.numbered_versions(session, model.id):
                    run_id = numbered.version.run_id
                    if "run_id" in wanted and (
                        run_id is None or run_id != mlflow_uuid(wanted["run_id"])
                    ):
                        continue
                    names = [a.name for a in aliases if a.model_version_id == numbered.version.id]
                    found.append(entities.version_json(model, numbered, names))
        return {"model_versions": found}

    async def alias_set(self, call: Call) -> dict[str, Any]:
        async with self.session_factory() as session, session.begin():
            model, version = await self._version(session, call)
            await governed_alias_set(
                session,
                call.actor,
                model_id=model.id,
                name=call.required("alias"),
                version_id=version.id,
                protected=None,
            )
        return {}

    async def alias_get(self, call: Call) -> dict[str, Any]:
        alias_name = call.required("alias")
        async with self.session_factory() as session, session.begin():
            model = await self._model(session, call.actor, call.required("name"))
            alias = next((a for a in await _aliases(session, model) if a.name == alias_name), None)
            if alias is None:
                raise not_found(f"Registered model alias {alias_name} not found.", ["alias"])
            version = await session.get(ModelVersion, alias.model_version_id)
            if version is None or version.deleted_at is not None:
                raise not_found(f"Registered model alias {alias_name} not found.", ["alias"])
            return {"model_version": await self._version_json(session, model, version)}
