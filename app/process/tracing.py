"""OpenTelemetry tracing, off by default (``MLGRAPH_TRACING=1`` turns it on): a span per
HTTP request and WebSocket (the ASGI instrumentation), per GraphQL operation and its
phases (Strawberry's extension), and per SQL statement — those sent through SQLAlchemy and
those of the compiled-read pool. Spans go to an OTLP/HTTP exporter configured by the
standard ``OTEL_EXPORTER_OTLP_*`` variables (``OTEL_SERVICE_NAME`` names the service),
unless the host process already set a tracer provider."""

from __future__ import annotations

import os
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

TRACER_NAME = "mlgraph"
MAX_STATEMENT = 2000


def tracer_provider() -> Any:
    """The process's provider: the host's if it set one, else ours with the OTLP exporter."""
    from opentelemetry import trace
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider

    current = trace.get_tracer_provider()
    if isinstance(current, TracerProvider):
        return current
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    provider = TracerProvider(
        resource=Resource.create({"service.name": os.environ.get("OTEL_SERVICE_NAME", "mlgraph")})
    )
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    trace.set_tracer_provider(provider)
    return provider


def trace_statements(engine: AsyncEngine, provider: Any) -> None:
    """A CLIENT span per statement the engine sends (the compiled-read pool reports its
    statements through the engine without a connection: it traces itself instead)."""
    from opentelemetry.trace import SpanKind, Status, StatusCode

    tracer = provider.get_tracer(TRACER_NAME)

    def before(conn: Any, cursor: Any, statement: str, params: Any, context: Any, *_: Any) -> None:
        if context is None:  # app/db/statements.py: its own span
            return
        context._mlgraph_span = tracer.start_span(
            statement.split(None, 1)[0].upper() if statement else "SQL",
            kind=SpanKind.CLIENT,
            attributes={"db.system": "postgresql", "db.statement": statement[:MAX_STATEMENT]},
        )

    def after(conn: Any, cursor: Any, statement: str, params: Any, context: Any, *_: Any) -> None:
        span = getattr(context, "_mlgraph_span", None)
        if span is not None:
            span.end()

    def failed(exception_context: Any) -> None:
        span = getattr(exception_context.execution_context, "_mlgraph_span", None)
        if span is not None:
            span.set_status(
                Status(StatusCode.ERROR, type(exception_context.original_exception).__name__)
            )
            span.end()

    sync = engine.sync_engine
    event.listen(sync, "before_cursor_execute", before)
    event.listen(sync, "after_cursor_execute", after)
    event.listen(sync, "handle_error", failed)


def statement_span(sql: str) -> Any:
    """The compiled-read pool's span for one statement (a no-op span when tracing is off)."""
    from opentelemetry import trace
    from opentelemetry.trace import SpanKind

    return trace.get_tracer(TRACER_NAME).start_as_current_span(
        "SELECT compiled",
        kind=SpanKind.CLIENT,
        attributes={"db.system": "postgresql", "db.statement": sql[:MAX_STATEMENT]},
    )
