"""Prometheus metrics (issue 13): requests by operation and outcome, latency, SQL
statements per request, pool and subscriptions, outbox backlog and ingested points — with
client-chosen operation names bounded, and the endpoint closed to strangers."""

from __future__ import annotations

import json
import re
from typing import Any

import httpx
from prometheus_client.parser import text_string_to_metric_families

from app.settings import REPO_ROOT, Settings
from tests.conftest import TEST_SETTINGS, GraphQLClient, serve, server_process
from tests.helpers import create_run

LOG = """mutation Train($input: RunMetricsLogInput!) { runMetricsLog(input: $input) {
  loggedCount userErrors { code } } }"""


async def scrape(http: httpx.AsyncClient, **headers: str) -> dict[str, list[Any]]:
    response = await http.get("/metrics", headers=headers)
    assert response.status_code == 200, response.text
    families: dict[str, list[Any]] = {}
    for family in text_string_to_metric_families(response.text):
        families[family.name] = list(family.samples)
    return families


def value(families: dict[str, list[Any]], name: str, **labels: str) -> float:
    return sum(
        s.value
        for samples in families.values()
        for s in samples
        if s.name == name and all(s.labels.get(k) == v for k, v in labels.items())
    )


async def test_requests_statements_and_ingest_are_counted(tenant, http):
    client = tenant.client
    run = (await create_run(client, tenant.org_id))["run"]
    before = await scrape(http)
    query = "query Dashboard($slug: String!) { organization(slug: $slug) { id } }"
    for _ in range(3):
        await client.data(query, {"slug": tenant.org_slug})
    points = [{"key": "loss", "step": s, "value": 0.5} for s in range(7)]
    await client.data(LOG, {"input": {"runId": run, "points": points}})
    failed = await client.execute("query Broken { organization(slug: 1) { id } }")
    assert failed["errors"]
    after = await scrape(http)

    def grew(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert grew("mlgraph_requests_total", operation="Dashboard", operation_type="query",
                outcome="ok") == 3  # fmt: skip
    assert grew("mlgraph_requests_total", operation="Train", operation_type="mutation",
                outcome="ok") == 1  # fmt: skip
    assert grew("mlgraph_requests_total", operation="Broken", outcome="error") == 1
    assert grew("mlgraph_ingested_points_total", kind="run_metrics") == 7
    assert grew("mlgraph_request_seconds_count", path="/graphql") >= 5
    assert grew("mlgraph_sql_statements_per_request_count") >= 5
    assert grew("mlgraph_sql_statements_per_request_sum") >= 5  # each request read or wrote
    assert "mlgraph_db_pool_connections" in after and "mlgraph_outbox_pending" in after
    assert value(after, "mlgraph_open_subscriptions") >= 0


async def test_client_chosen_operation_names_cannot_grow_the_series_without_bound(tenant, http):
    client = tenant.client
    for i in range(230):
        await client.execute(f"query Op{i} {{ viewer {{ user {{ id }} }} }}")
    await client.execute("query __proto__x { viewer { user { id } } }")
    await client.execute("query " + "A" * 100 + " { viewer { user { id } } }")
    families = await scrape(http)
    names = {s.labels["operation"] for s in families["mlgraph_requests"]
             if s.name == "mlgraph_requests_total"}  # fmt: skip
    assert len(names) <= 200 + 2  # the cap, plus "other" and "anonymous"
    assert "other" in names and "A" * 100 not in names


async def test_the_endpoint_wants_its_token_when_one_is_set(database_url):
    async with server_process(database_url, MLGRAPH_METRICS_TOKEN="s3cret-token") as running:
        async with httpx.AsyncClient(base_url=running.base_url) as raw:
            assert (await raw.get("/metrics")).status_code == 401
            wrong = await raw.get("/metrics", headers={"Authorization": "Bearer nope"})
            assert wrong.status_code == 401
            families = await scrape(raw, Authorization="Bearer s3cret-token")
            assert "mlgraph_requests" in families
            await GraphQLClient(raw, None).execute("{ viewer { user { id } } }")


async def test_the_grafana_dashboard_reads_series_that_exist(tenant, http):
    """docs/grafana-dashboard.json charts only metrics the server exports."""
    await tenant.client.data("{ viewer { user { id } } }")
    exported = {s.name for samples in (await scrape(http)).values() for s in samples}
    dashboard = json.loads((REPO_ROOT / "docs" / "grafana-dashboard.json").read_text())
    used = {
        name
        for panel in dashboard["panels"]
        for target in panel["targets"]
        for name in re.findall(r"mlgraph_[a-z_]+", target["expr"])
    }
    assert len(used) >= 8 and used <= exported, used - exported


async def test_worker_processes_share_their_figures_in_multiprocess_mode(database_url, tmp_path):
    folder = tmp_path / "prometheus"
    folder.mkdir()
    async with server_process(database_url, PROMETHEUS_MULTIPROC_DIR=str(folder)) as running:
        async with httpx.AsyncClient(base_url=running.base_url) as raw:
            for _ in range(3):
                await GraphQLClient(raw, None).execute("query Ping { viewer { user { id } } }")
            families = await scrape(raw)
    assert value(families, "mlgraph_requests_total", operation="Ping") == 3
    assert any(folder.iterdir())  # the figures went through the shared folder


async def test_hub_lag_is_measured_per_hub_kind(server, tenant, http):
    from tests.helpers import log_points
    from tests.support.real_clients import TRANSPORT_WS, doc, ws_client
    from tests.support.subscriptions import RUN_METRICS, points

    ids = await create_run(tenant.client, tenant.org_id)
    await log_points(tenant.client, ids["run"], points("loss", range(1)))
    async with ws_client(server.base_url, tenant.key, TRANSPORT_WS) as session:
        stream = session.subscribe(doc(RUN_METRICS, runId=ids["run"]))
        first = await anext(stream)  # the stored point: the subscription is live now
        assert [p["step"] for p in first["runMetrics"]["points"]] == [0]
        before = value(await scrape(http), "mlgraph_hub_lag_seconds_count", kind="RunMetricsHub")
        await log_points(tenant.client, ids["run"], points("loss", range(1, 4)))
        seen = 0
        async for batch in stream:  # these went through the hub: one notification, one read
            seen += len(batch["runMetrics"]["points"])
            if seen == 3:
                break
        await stream.aclose()  # complete it, or leaving the session waits for a timeout
    after = await scrape(http)
    assert value(after, "mlgraph_hub_lag_seconds_count", kind="RunMetricsHub") == before + 1
    assert value(after, "mlgraph_hub_lag_seconds_sum", kind="RunMetricsHub") > 0


async def test_without_a_token_only_local_clients_scrape_even_through_a_trusted_proxy(
    database_url,
):
    """Behind a same-host proxy (trusted, so its X-Forwarded-For is believed) the socket
    peer is loopback for everyone: the client the proxy names decides."""
    proxied = Settings(
        database_url=database_url, **{**TEST_SETTINGS, "trusted_proxies": ("127.0.0.1/32",)}
    )  # type: ignore[arg-type]
    async with serve(proxied) as running, httpx.AsyncClient(base_url=running.base_url) as raw:
        remote = await raw.get("/metrics", headers={"X-Forwarded-For": "203.0.113.9"})
        assert remote.status_code == 403
        assert "MLGRAPH_METRICS_TOKEN" in remote.text
        assert (
            await raw.get("/metrics", headers={"X-Forwarded-For": "127.0.0.1"})
        ).status_code == 200
        assert (await raw.get("/metrics")).status_code == 200  # the host itself
