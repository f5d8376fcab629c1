"""Run artifacts over HTTP (a file is not a GraphQL value), next to GraphQL:

    PUT /v1/runs/{runId}/artifacts/{path}   the body is the file (streamed), 201
    GET /v1/runs/{runId}/artifacts/{path}   the file (streamed)

The API key (middleware) and its rate limit apply as to GraphQL; uploading takes the WRITE
scope and a contributor's project role, downloading whoever reads the run. An upload is
checked before a byte is stored (the run, the path, the declared length against the
limit and the quota), streamed to the store while hashed and counted, and recorded only
once whole; the quota is checked again, under the organization's lock, with its real
size. A download is served as an attachment that browsers may not sniff, so an HTML
artifact never runs as this server's page. Errors are JSON with the userError codes."""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from app.api.ids import decode_id
from app.db.engine import SessionFactory
from app.domain.artifacts import services
from app.domain.artifacts.models import RunArtifact
from app.domain.artifacts.rules import artifact_path, content_type, download_url
from app.domain.artifacts.store import ArtifactStore, TooLarge
from app.domain.errors import DomainError, ErrorCode
from app.domain.tenancy.access import Actor
from app.server import rest_errors
from app.server.graphql_http import JSON, json_response
from app.server.view import actor_of

STATUS = {**rest_errors.STATUS, ErrorCode.QUOTA_EXCEEDED: 413}
PATH_PREFIX = "/v1/runs/"  # ... {runId}/artifacts/{path}


def is_artifact_upload(path: str) -> bool:
    """Whether a request path is an artifact's: its body may be as large as an artifact,
    and its answer goes out as stored (its length, no re-encoding)."""
    return path.startswith(PATH_PREFIX) and "/artifacts/" in path[len(PATH_PREFIX) :]


def described(artifact: Any, run_id: str) -> dict[str, Any]:
    return {
        "path": artifact.path,
        "sizeBytes": artifact.size_bytes,
        "sha256": artifact.sha256,
        "contentType": artifact.content_type,
        "downloadUrl": download_url(run_id, artifact.path),
    }


class Artifacts:
    def __init__(
        self,
        session_factory: SessionFactory,
        read_session_factory: SessionFactory,
        store: ArtifactStore,
        *,
        max_bytes: int,
        quota_bytes: int,
        presign_seconds: int = 0,
    ) -> None:
        self.session_factory = session_factory
        self.read_session_factory = read_session_factory
        self.store = store
        self.max_bytes = max_bytes
        self.quota_bytes = quota_bytes
        self.presign_seconds = presign_seconds

    async def upload(self, request: Request) -> Response:
        run_global_id = request.path_params["run_id"]
        try:
            run_id = decode_id(run_global_id, "Run", ["run_id"])
            artifact = await self.receive(
                actor_of(request.scope), run_id, request.path_params["path"], request
            )
        except DomainError as error:
            return rest_errors.domain_error(error, statuses=STATUS)
        except TooLarge:
            return rest_errors.rest_error(
                f"an artifact is at most {self.max_bytes:,} bytes", "PAYLOAD_TOO_LARGE", None, 413
            )
        return json_response(described(artifact, run_global_id), 201, JSON)

    async def receive(
        self, actor: Actor, run_id: uuid.UUID, raw_path: str, request: Request
    ) -> RunArtifact:
        """Store a request's body as the run's file at ``raw_path``: checked before a byte
        is stored, streamed while hashed and counted, recorded once whole (DomainError,
        or TooLarge past the size limit, when refused)."""
        header = request.headers.get("content-length", "")
        declared = int(header) if header.isdigit() else 0  # 0: streamed without a length
        if declared > self.max_bytes:
            raise TooLarge()
        actor.require_write()
        path = artifact_path(raw_path, ["path"])
        async with self.session_factory() as session, session.begin():
            run = await services.writable_run(session, actor, run_id)
            await services.check_quota(session, run.organization_id, declared, self.quota_bytes)
        key = services.storage_key(run.organization_id, run.id)
        size, sha256 = await self.store.write(key, request.stream(), self.max_bytes)
        try:
            async with self.session_factory() as session, session.begin():
                recorded = await services.artifact_record(
                    session,
                    actor,
                    run_id=run.id,
                    path=path,
                    size=size,
                    sha256=sha256,
                    content_type=content_type(request.headers.get("content-type")),
                    key=key,
                    quota=self.quota_bytes,
                )
        except BaseException:
            await self.store.delete(key)
            raise
        if recorded.replaced_key is not None:
            await self.store.delete(recorded.replaced_key)
        return recorded.artifact

    async def download(self, request: Request) -> Response:
        actor = actor_of(request.scope)
        try:
            actor.require_read()
            run_id = decode_id(request.path_params["run_id"], "Run", ["run_id"])
            path = artifact_path(request.path_params["path"], ["path"])
            async with self.read_session_factory() as session:
                artifact = await services.find_artifact(session, actor, run_id, path)
        except DomainError as error:
            return rest_errors.domain_error(error, statuses=STATUS)
        return await self.file_response(artifact)

    async def file_response(self, artifact: RunArtifact) -> Response:
        """The file's bytes, streamed from the store, as an attachment browsers may not
        sniff (an HTML artifact never runs as this server's page); or, with presigning on
        and an object store, a redirect to a presigned URL of the object, valid
        ``presign_seconds``, so the bytes do not pass through this server (the access
        checks were made before, as for a streamed answer)."""
        if self.presign_seconds > 0:
            signed = await self.store.signed_url(artifact.storage_key, self.presign_seconds)
            if signed is not None:
                return Response(
                    status_code=307,
                    headers={
                        "location": signed,
                        "cache-control": "no-store",
                        "etag": f'"{artifact.sha256}"',
                    },
                )
        name = artifact.path.rsplit("/", 1)[-1]
        headers = {
            "content-length": str(artifact.size_bytes),
            "etag": f'"{artifact.sha256}"',
            "content-disposition": f"attachment; filename*=UTF-8''{quote(name, safe='')}",
            "x-content-type-options": "nosniff",
            "cache-control": "private, max-age=0",
        }
        return StreamingResponse(
            self.store.read(artifact.storage_key),
            media_type=artifact.content_type,
            headers=headers,
        )
