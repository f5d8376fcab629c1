"""Prometheus metrics at ``/metrics`` (prometheus-client): requests by path, GraphQL
operation and outcome, latency, SQL statements per request, database pool use, open
subscriptions, live hubs, the notification outbox's backlog, and points ingested.

Operation names come from clients, so they are labels only when well formed and among the
first ``MAX_OPERATIONS`` seen (the rest are ``other``): a client cannot blow up the series
count. ``/metrics`` answers the bearer of ``MLGRAPH_METRICS_TOKEN`` when it is set, else
loopback clients only. With ``--workers N`` each process counts its own (the multiprocess
directory of prometheus-client aggregates them; see docs/operations.md)."""

from __future__ import annotations

import hmac
import os
import re
import time
from collections.abc import AsyncIterator, Callable
from contextvars import ContextVar
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.multiprocess import MultiProcessCollector
from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from strawberry.extensions import SchemaExtension

from app.api.ingest_counts import INGEST_OBSERVERS
from app.db.engine import SessionFactory
from app.events import hubs
from app.server.middleware import client_address

MAX_OPERATIONS = 200
OPERATION_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")
LOOPBACK = ("127.0.0.1", "::1")

REGISTRY = CollectorRegistry(auto_describe=True)
REQUESTS = Counter(
    "mlgraph_requests",
    "Requests by path, GraphQL operation and type, and outcome (ok, error, http_NNN).",
    ["path", "operation", "operation_type", "outcome"],
    registry=REGISTRY,
)
LATENCY = Histogram(
    "mlgraph_request_seconds",
    "Request latency by path and GraphQL operation type.",
    ["path", "operation_type"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
    registry=REGISTRY,
)
STATEMENTS = Histogram(
    "mlgraph_sql_statements_per_request",
    "SQL statements one request sent (both read paths and every write).",
    buckets=(0, 1, 2, 3, 5, 8, 13, 21, 34, 55, 100),
    registry=REGISTRY,
)
POOL = Gauge(
    "mlgraph_db_pool_connections",
    "Database pool connections checked out.",
    ["pool"],
    registry=REGISTRY,
)
SUBSCRIPTIONS = Gauge(
    "mlgraph_open_subscriptions", "Subscriptions open in this process.", registry=REGISTRY
)
HUBS = Gauge(
    "mlgraph_hubs",
    "Live event hubs (one per followed run, row or organization).",
    registry=REGISTRY,
)
HUB_LAG = Histogram(
    "mlgraph_hub_lag_seconds",
    "From a notification to the hub having read its rows and woken its subscribers, by hub "
    "kind (RunMetricsHub, StatusHub, AlertsHub).",
    ["kind"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
    registry=REGISTRY,
)
hubs.LAG_OBSERVERS.append(lambda kind, seconds: HUB_LAG.labels(kind).observe(seconds))
OUTBOX = Gauge(
    "mlgraph_outbox_pending", "Notification deliveries waiting to be sent.", registry=REGISTRY
)
INGESTED = Counter(
    "mlgraph_ingested_points",
    "Points ingested, by kind (run_metrics, monitoring_metrics, predictions, embeddings).",
    ["kind"],
    registry=REGISTRY,
)
INGEST_OBSERVERS.append(lambda kind, count: INGESTED.labels(kind).inc(count))

# The statements of the current request (None outside one).
_statements: ContextVar[list[int] | None] = ContextVar("mlgraph_statements", default=None)
_operations: set[str] = set()


def count_statements(engine: AsyncEngine) -> None:
    """Count every statement the engine (and the compiled-read pool, which reports through
    it) sends, for the request it belongs to."""

    def counted(*_: Any) -> None:
        box = _statements.get()
        if box is not None:
            box[0] += 1

    event.listen(engine.sync_engine, "before_cursor_execute", counted)


def operation_label(name: str | None) -> str:
    if not name:
        return "anonymous"
    if not OPERATION_RE.fullmatch(name):
        return "other"
    if name not in _operations:
        if len(_operations) >= MAX_OPERATIONS:
            return "other"
        _operations.add(name)
    return name


def path_label(path: str) -> str:
    if path.startswith("/graphql"):
        return "/graphql"
    if path.startswith("/v1/"):
        return "/v1"
    return "other"


class MetricsMiddleware:
    """Time and count every HTTP request; GraphQL says its operation and outcome through
    ``scope["state"]`` (app/server/view.py)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] == "/metrics":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        box = [0]
        token = _statements.set(box)
        status = [500]

        async def send_status(message: Message) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            _statements.reset(token)
            state = scope.get("state") or {}
            path = path_label(scope["path"])
            kind = state.get("operation_type", "none")
            if status[0] >= 400:
                outcome = f"http_{status[0]}"
            else:
                outcome = "error" if state.get("operation_errors") else "ok"
            REQUESTS.labels(path, operation_label(state.get("operation_name")), kind, outcome).inc()
            LATENCY.labels(path, kind).observe(time.perf_counter() - started)
            STATEMENTS.observe(box[0])


def metrics_endpoint(
    session_factory: SessionFactory,
    token: str | None,
    gauges: Callable[[], None],
) -> Callable[[Request], Any]:
    async def metrics(request: Request) -> Response:
        if token:
            given = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
            if not hmac.compare_digest(given.encode(), token.encode()):
                return Response("send the metrics token", status_code=401)
        elif client_address(request.scope) not in LOOPBACK:  # through trusted proxies
            return Response("set MLGRAPH_METRICS_TOKEN to scrape from elsewhere", 403)
        gauges()
        try:
            async with session_factory() as session:
                pending = await session.scalar(
                    text("SELECT count(*) FROM notification_deliveries WHERE status = 'pending'")
                )
            OUTBOX.set(pending or 0)
        except Exception:  # the database is down: the other figures still matter
            OUTBOX.set(float("nan"))
        registry = REGISTRY
        if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):  # every worker process's figures
            registry = CollectorRegistry()
            MultiProcessCollector(registry)
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)

    return metrics


class RecordOperation(SchemaExtension):
    """Tell MetricsMiddleware which operation ran (and whether it had errors), whether it
    executed or failed validation."""

    async def on_operation(self) -> AsyncIterator[None]:
        yield
        context = self.execution_context
        request = getattr(context.context, "request", None)
        state = getattr(request, "state", None) if isinstance(request, Request) else None
        if state is None:
            return
        try:
            kind = context.operation_type.value
            name = context.operation_name
        except Exception:  # the document did not parse: no operation to name
            kind, name = "none", None
        state.operation_type = kind
        state.operation_name = name
        state.operation_errors = bool(getattr(context.result, "errors", None)) or bool(
            getattr(context, "pre_execution_errors", None)
        )
