"""OpenTelemetry tracing (issue 13), on when asked: a span for the request, the GraphQL
operation and each SQL statement — the compiled read's too — all in one trace."""

from __future__ import annotations

import httpx
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from app.settings import Settings
from tests.conftest import TEST_SETTINGS, GraphQLClient, serve

QUERY = "query Slugged($slug: String!) { organization(slug: $slug) { id name } }"


async def test_a_traced_request_has_operation_and_sql_spans_in_one_trace(tenant, database_url):
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    trace.set_tracer_provider(provider)  # the host's provider: mlgraph uses it
    settings = Settings(database_url=database_url, tracing=True, **TEST_SETTINGS)  # type: ignore[arg-type]
    async with serve(settings) as running:
        async with httpx.AsyncClient(base_url=running.base_url) as raw:
            client = GraphQLClient(raw, tenant.key)
            for _ in range(2):  # the second answers from the cached plan
                await client.data(QUERY, {"slug": tenant.org_slug})
            await client.data(
                "mutation($input: ProjectCreateInput!) { projectCreate(input: $input) {"
                " project { id } userErrors { code } } }",
                {"input": {"organizationId": tenant.org_id, "slug": "traced", "name": "T"}},
            )
    spans = exporter.get_finished_spans()
    names = [span.name for span in spans]
    assert any(name.startswith("POST /graphql") or name == "POST" for name in names), names
    assert any("Slugged" in name or name == "GraphQL Query" for name in names), names
    compiled = [s for s in spans if s.name == "SELECT compiled"]
    assert len(compiled) >= 2 and "organization" in compiled[0].attributes["db.statement"]
    writes = [s for s in spans if s.name == "INSERT"]
    assert writes and all(s.parent is not None for s in writes), names  # inside the request
    request_traces = {s.context.trace_id for s in spans if s.parent is None}
    assert {s.context.trace_id for s in compiled} <= request_traces
