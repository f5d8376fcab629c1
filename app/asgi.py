"""create_app(settings): the ASGI app, composed of named steps: the database, the serving
parts, the routes, the background work of the lifespan, and the middleware."""

from __future__ import annotations

import contextlib
import gc
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.pool import QueuePool
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles

from app.db.engine import (
    SessionFactory,
    make_engine,
    make_read_session_factory,
    make_session_factory,
)
from app.db.migrate import head_revision
from app.db.scope import SYSTEM, enter_scope
from app.db.statements import StatementPool
from app.domain.artifacts.store import ArtifactStore
from app.domain.health.clock import HealthWorker
from app.domain.notifications.services import seal_legacy_channel_secrets
from app.domain.notifications.worker import OutboxWorker
from app.domain.promotion.services import PromotionWorker
from app.domain.retention.archive import open_archive
from app.domain.retention.services import RetentionWorker
from app.domain.scheduler import SchedulerWorker
from app.domain.secrets import SecretBox
from app.domain.tenancy.client import parse_networks
from app.events.hubs import Broker
from app.events.listener import Listener
from app.process.gc_policy import CollectorSchedule
from app.process.log_throttle import throttle_mlgraph_logs
from app.process.tracing import trace_statements, tracer_provider
from app.server.artifacts import Artifacts, is_artifact_upload
from app.server.auth_cache import AuthCache
from app.server.bulk import BulkMetrics
from app.server.compression import CompressionMiddleware
from app.server.export import Export, is_export
from app.server.graphql_http import error_body, json_response, negotiate
from app.server.metrics import (
    HUBS,
    POOL,
    SUBSCRIPTIONS,
    MetricsMiddleware,
    count_statements,
    metrics_endpoint,
)
from app.server.middleware import ApiKeyAuthMiddleware, BodySizeLimitMiddleware, RequestIdMiddleware
from app.server.mlflow.errors import is_mlflow_path, middleware_error_body
from app.server.mlflow.routes import is_mlflow_upload, mlflow_routes
from app.server.origins import OriginPolicy
from app.server.persisted import PersistedOperations, load_manifest
from app.server.rate_limits import RateLimiter
from app.server.schema import build_schema
from app.server.static_assets import StaticAssets
from app.server.view import STATIC_DIR, GraphQLView
from app.settings import Settings, archive_dir, artifact_dir

log = logging.getLogger("mlgraph")


def is_file_transfer(path: str) -> bool:
    """An artifact's upload or download (ours, or through MLflow's proxy), or an export."""
    return is_artifact_upload(path) or is_mlflow_upload(path) or is_export(path)


def create_app(settings: Settings, on_shutdown: Callable[[], None] | None = None) -> Starlette:
    """The ASGI app. ``on_shutdown`` runs after the engine is closed (the CLI stops the
    embedded PostgreSQL there: uvicorn re-raises SIGTERM after shutdown, so a ``finally``
    in the caller would never run)."""
    secret_key = require_settings(settings)
    throttle_mlgraph_logs()
    database = open_database(settings)
    parts = serving_parts(settings, database, SecretBox(secret_key))
    app = Starlette(
        exception_handlers={HTTPException: json_http_error, Exception: json_internal_error},
        routes=routes(settings, database, parts),
        lifespan=lifespan(settings, database, parts, on_shutdown),
    )
    app.state.engine = database.engine
    app.state.statements = database.statements
    app.state.session_factory = database.session_factory
    app.state.broker = parts.broker
    add_middleware(app, settings, database, parts)
    return app


def app_from_env() -> Starlette:
    """The app of one worker of ``mlgraph serve --workers N`` (uvicorn imports it by name
    in each process): settings from the environment, which the CLI filled in."""
    return create_app(Settings.from_env().with_secret_key())


def require_settings(settings: Settings) -> str:
    """The secret key, once the settings a server cannot start without are there."""
    if not settings.database_url:
        raise ValueError("create_app needs settings.database_url (the CLI starts the embedded one)")
    if not settings.secret_key:
        raise ValueError(
            "create_app needs settings.secret_key (MLGRAPH_SECRET_KEY; the CLI keeps one in the "
            "data folder when it is unset)"
        )
    return settings.secret_key


@dataclass(frozen=True)
class Database:
    """The server's connections: the primary (as mlgraph_app, never the owner: migration
    0007), an optional replica for reads that tolerate lag, and the compiled reads' pool."""

    url: str
    engine: AsyncEngine
    session_factory: SessionFactory  # one transaction per mutation
    read_session_factory: SessionFactory  # autocommit reads
    replica_engine: AsyncEngine | None
    lagging_read_session_factory: SessionFactory  # the replica's, else the primary's
    statements: StatementPool
    tracer: Any  # the OpenTelemetry tracer provider, when tracing


def open_database(settings: Settings) -> Database:
    url = settings.server_database_url
    engine = make_engine(
        url, pool_size=settings.db_pool_size, max_overflow=settings.db_max_overflow
    )
    replica_url = settings.server_read_database_url
    replica = (
        make_engine(replica_url, pool_size=settings.db_pool_size, max_overflow=0)
        if replica_url
        else None
    )
    read_session_factory = make_read_session_factory(engine)
    tracer = tracer_provider() if settings.tracing else None
    for pooled in (engine, replica):
        if pooled is not None:
            count_statements(pooled)
            if tracer is not None:
                trace_statements(pooled, tracer)
    return Database(
        url=url,
        engine=engine,
        session_factory=make_session_factory(engine),
        read_session_factory=read_session_factory,
        replica_engine=replica,
        lagging_read_session_factory=(
            make_read_session_factory(replica) if replica else read_session_factory
        ),
        statements=StatementPool(engine, settings.db_pool_size, traced=settings.tracing),
        tracer=tracer,
    )


@dataclass(frozen=True)
class ServingParts:
    """What requests share in this process: the GraphQL view (with its schema) and what it
    is wired to."""

    view: GraphQLView
    broker: Broker
    rate_limiter: RateLimiter
    auth_cache: AuthCache
    origins: OriginPolicy
    static: StaticAssets
    secrets: SecretBox
    audit_archive: Any
    artifacts: Artifacts


def serving_parts(settings: Settings, database: Database, secrets: SecretBox) -> ServingParts:
    audit_archive = open_archive(settings.audit_archive_url, archive_dir(settings))
    broker = Broker(
        database.read_session_factory, replay_concurrency=max(1, settings.db_pool_size // 2)
    )
    rate_limiter = RateLimiter(
        database.session_factory,
        auth_failures_per_address=settings.rate_auth_failures_per_address,
        auth_failures_per_prefix=settings.rate_auth_failures_per_prefix,
        requests_per_key=settings.rate_requests_per_key,
    )
    auth_cache = AuthCache(settings.auth_cache_seconds)
    broker.rate_limiter = rate_limiter  # blocks and lost access heard from other processes
    broker.auth_cache = auth_cache
    origins = OriginPolicy(settings.cors_origins, settings.cors_credentials)
    persisted = PersistedOperations(
        settings.apq_cache_bytes,
        load_manifest(settings.trusted_documents) if settings.trusted_documents else None,
    )
    static = StaticAssets(STATIC_DIR)
    artifact_store = ArtifactStore(settings.artifact_store_url, artifact_dir(settings))
    view = GraphQLView(
        build_schema(
            settings.limits,
            persisted,
            compiled_reads=settings.compiled_reads,
            read_path_override=settings.read_path_override,
            tracing=settings.tracing,
        ),
        database.session_factory,
        database.read_session_factory,
        settings.limits,
        settings.graphiql,
        broker,
        origins=origins,
        persisted=persisted,
        rate_limiter=rate_limiter,
        secrets=secrets,
        auth_cache=auth_cache,
        static=static,
        lagging_read_session_factory=database.lagging_read_session_factory,
        statements=database.statements,
        audit_archive=audit_archive,
        artifact_store=artifact_store,
    )
    artifacts = Artifacts(
        database.session_factory,
        database.read_session_factory,
        artifact_store,
        max_bytes=settings.artifact_max_bytes,
        quota_bytes=settings.artifact_quota_bytes,
        presign_seconds=settings.artifact_presign_seconds,
    )
    return ServingParts(
        view, broker, rate_limiter, auth_cache, origins, static, secrets, audit_archive, artifacts
    )


def routes(settings: Settings, database: Database, parts: ServingParts) -> list[BaseRoute]:
    found: list[BaseRoute] = [
        Route("/healthz", healthz),
        Route("/readyz", readiness(database.engine)),
        Route(
            "/metrics",
            metrics_endpoint(
                database.read_session_factory, settings.metrics_token, gauges(database, parts)
            ),
        ),
        Route("/graphql", parts.view),  # every method: the view answers 405 itself, as JSON
        WebSocketRoute("/graphql", parts.view),
        Route("/static/{name}", parts.static.handle, methods=["GET", "HEAD"]),
        Route(
            "/v1/runs/{run_id}/metrics",
            BulkMetrics(database.session_factory, settings.limits.max_metric_points).handle,
            methods=["POST"],
        ),
        Route("/v1/runs/{run_id}/artifacts/{path:path}", parts.artifacts.upload, methods=["PUT"]),
        Route("/v1/runs/{run_id}/artifacts/{path:path}", parts.artifacts.download, methods=["GET"]),
        Route(
            "/v1/experiments/{experiment_id}/export/runs",
            Export(database.read_session_factory).runs,
            methods=["POST"],
        ),
        Route(
            "/v1/experiments/{experiment_id}/export/points",
            Export(database.read_session_factory).points,
            methods=["POST"],
        ),
        *mlflow_routes(
            database.session_factory,
            database.read_session_factory,
            parts.artifacts,
            project=settings.mlflow_project,
            max_points=settings.limits.max_metric_points,
        ),
    ]
    has_dashboard = (settings.dashboard_dir / "index.html").is_file()  # `make dashboard`
    if has_dashboard:
        found.append(Mount("/app", app=StaticFiles(directory=settings.dashboard_dir, html=True)))
    # A person who opens the server's address lands somewhere useful: the dashboard when it
    # is built, else GraphiQL (API clients never ask for "/").
    home = "/app/" if has_dashboard else "/graphql"
    found.append(
        Route("/", lambda _: RedirectResponse(home, status_code=307), methods=["GET", "HEAD"])
    )
    return found


async def healthz(request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"})


def readiness(engine: AsyncEngine) -> Callable[[Request], Any]:
    """/readyz: the database answers and its migrations are this code's."""
    expected_revision = head_revision()

    async def readyz(request: Request) -> JSONResponse:
        try:
            async with engine.connect() as conn:
                current = await conn.scalar(text("SELECT version_num FROM alembic_version"))
        except Exception as error:  # any failure means "not ready", with the reason
            return JSONResponse(
                {"status": "unavailable", "reason": f"database: {type(error).__name__}"},
                status_code=503,
            )
        if current != expected_revision:
            return JSONResponse(
                {
                    "status": "unavailable",
                    "reason": "migrations pending",
                    "revision": current,
                    "expected": expected_revision,
                },
                status_code=503,
            )
        return JSONResponse({"status": "ready", "revision": current})

    return readyz


def gauges(database: Database, parts: ServingParts) -> Callable[[], None]:
    """Read at each scrape of /metrics: pool use, open subscriptions, live hubs."""

    def read() -> None:
        for label, pooled in (("main", database.engine), ("replica", database.replica_engine)):
            if pooled is not None:  # make_engine's pools are queue pools
                POOL.labels(label).set(cast(QueuePool, pooled.pool).checkedout())
        slots = parts.view.subscription_slots
        SUBSCRIPTIONS.set(sum(slots.open.values()) if slots else 0)
        HUBS.set(len(parts.broker.hubs))

    return read


def lifespan(
    settings: Settings,
    database: Database,
    parts: ServingParts,
    on_shutdown: Callable[[], None] | None,
) -> Callable[[Starlette], contextlib.AbstractAsyncContextManager[None]]:
    """The process's background work: the NOTIFY listener, notification delivery,
    promotion, training-health and retention workers, and the garbage-collector schedule;
    then, on the way out, every pool closed."""

    @contextlib.asynccontextmanager
    async def span(app: Starlette) -> AsyncIterator[None]:
        enter_scope(SYSTEM)  # startup's own work (sealing secrets), and what it starts
        # Its own small pool: background delivery never competes with requests for connections.
        worker_engine = make_engine(database.url, pool_size=2, max_overflow=0)
        worker = OutboxWorker(
            make_session_factory(worker_engine),
            backoff_seconds=settings.notification_backoff_seconds,
            max_attempts=settings.notification_max_attempts,
            poll_seconds=settings.notification_poll_seconds,
            smtp_url=settings.smtp_url,
            allow_private_targets=settings.webhook_allow_private,
            secrets=parts.secrets,
        )
        await seal_legacy_secrets(worker.session_factory, parts.secrets)
        listener = Listener(database.url, parts.broker.on_notification, parts.broker.resync)
        listener.start()
        if settings.notification_poll_seconds > 0:  # 0: other processes deliver
            parts.broker.outbox_wake = worker.wake
            worker.start()
        promotions = PromotionWorker(worker.session_factory, settings.promotion_poll_seconds)
        if settings.promotion_poll_seconds > 0:
            promotions.start()
        health = HealthWorker(worker.session_factory, settings.health_poll_seconds)
        if settings.health_poll_seconds > 0:
            health.start()
        retention = RetentionWorker(
            worker.session_factory,
            parts.audit_archive,
            settings.retention_poll_seconds,
            artifacts=parts.artifacts.store,
        )
        if settings.retention_poll_seconds > 0:
            retention.start()
        scheduler = SchedulerWorker(worker.session_factory, settings.scheduler_poll_seconds)
        if settings.scheduler_poll_seconds > 0:
            scheduler.start()
        app.state.listener = listener
        app.state.outbox_worker = worker
        # Everything made so far (schema, modules, caches) lives as long as the process:
        # keep it out of the garbage collector's full passes, which otherwise walk it and
        # show up as latency spikes under load.
        gc.collect()
        gc.freeze()
        collector = CollectorSchedule(settings.gc_full_seconds, settings.gc_young_threshold)
        collector.start()
        app.state.collector = collector
        yield
        await collector.stop()
        await promotions.stop()
        await health.stop()
        await retention.stop()
        await scheduler.stop()
        await worker.stop()
        await worker_engine.dispose()
        await listener.stop()
        await database.statements.close()
        await database.engine.dispose()
        if database.replica_engine is not None:
            await database.replica_engine.dispose()
        if on_shutdown is not None:
            on_shutdown()

    return span


async def seal_legacy_secrets(session_factory: SessionFactory, secrets: SecretBox) -> None:
    try:
        async with session_factory() as session, session.begin():
            sealed = await seal_legacy_channel_secrets(session, secrets)
        if sealed:
            log.info("sealed the plaintext secrets of %d notification channels", sealed)
    except Exception as error:  # not migrated yet, or no database: next start seals them
        log.warning("could not seal legacy channel secrets (%s)", type(error).__name__)


async def json_http_error(request: Request, error: Exception) -> Response:
    """Starlette's own 404/405 (unknown paths, methods) as JSON like every other error."""
    status = getattr(error, "status_code", 500)
    code = {404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED"}.get(status, "BAD_REQUEST")
    message = getattr(error, "detail", None) or "error"
    if is_mlflow_path(request.url.path):  # MLflow's client reads its own error format
        text = f"{request.method} {request.url.path} is not part of this server's MLflow API"
        return json_response(middleware_error_body(code, text), status, "application/json")
    body = error_body(str(message), code, request.scope.get("state", {}).get("request_id"))
    return json_response(
        body,
        status,
        negotiate(request.headers.get("accept")),
        dict(getattr(error, "headers", None) or {}),
    )


async def json_internal_error(request: Request, error: Exception) -> Response:
    request_id = request.scope.get("state", {}).get("request_id")
    log.error("unhandled error [request_id=%s]", request_id, exc_info=error)
    body = error_body(
        f"Internal server error (request id {request_id}).", "INTERNAL_SERVER_ERROR", request_id
    )
    return json_response(body, 500, negotiate(request.headers.get("accept")))


def add_middleware(
    app: Starlette, settings: Settings, database: Database, parts: ServingParts
) -> None:
    """Added innermost first; a request meets them outermost first: tracing, request id,
    metrics, CORS (so even a 401 or 413 is readable by an allowed page), compression,
    body limit, authentication."""
    app.add_middleware(
        ApiKeyAuthMiddleware,
        session_factory=database.read_session_factory,
        rate_limiter=parts.rate_limiter,
        auth_cache=parts.auth_cache,
    )
    app.add_middleware(
        BodySizeLimitMiddleware,
        max_bytes=settings.limits.max_body_bytes,
        larger=is_file_transfer,  # limited by its endpoint (MLGRAPH_ARTIFACT_MAX_BYTES)
    )
    app.add_middleware(
        CompressionMiddleware,
        minimum_size=settings.compression_min_bytes,
        as_stored=is_file_transfer,  # artifacts go out as they were stored
    )
    if parts.origins.regex is not None:
        app.add_middleware(
            CORSMiddleware,
            allow_origin_regex=parts.origins.regex,
            allow_credentials=settings.cors_credentials,
            allow_methods=["GET", "POST", "OPTIONS"],
            allow_headers=["*"],
            expose_headers=["X-Request-ID", "Retry-After", "ETag"],
            max_age=3600,
        )
    app.add_middleware(MetricsMiddleware)
    app.add_middleware(
        RequestIdMiddleware, trusted_proxies=parse_networks(settings.trusted_proxies)
    )
    if database.tracer is not None:  # outermost: the request's span covers everything below
        from opentelemetry.instrumentation.asgi import OpenTelemetryMiddleware

        app.add_middleware(OpenTelemetryMiddleware, tracer_provider=database.tracer)
