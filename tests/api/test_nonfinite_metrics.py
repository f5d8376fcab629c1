"""NaN, +Infinity and -Infinity are metric values like any other (issue 24, item 1): a
diverging run is when its curves matter most. JSON carries them as the strings "NaN",
"Infinity" and "-Infinity" (what PostgreSQL's JSON writes), in every ingest shape and every
answer; summaries and chart buckets keep min and max over the finite values and count the
others; `last` may be NaN."""

from __future__ import annotations

import asyncio
import json
import math
from typing import Any

from tests.helpers import RUN_METRICS_LOG, assert_error, assert_ok, create_run, log_points
from tests.support.real_clients import TRANSPORT_WS, doc, ws_client

SERIES_LOG = """mutation($input: RunMetricsLogInput!) { runMetricsLog(input: $input) {
  newCount userErrors { field code message } } }"""
READ = """query($id: ID!, $key: String!) { node(id: $id) { ... on Run {
  metric(key: $key) {
    summary { count min max nonFinite last lastStep }
    points(first: 100) { nodes { step value } }
    pointColumns(first: 100) { steps values } }
  metricHistory(keys: [$key], maxPoints: 4) {
    buckets { stepStart stepEnd min max last count nonFinite }
    columns { min max last nonFinite } } } } }"""
NAN, INF = float("nan"), float("inf")


def same(got: Any, want: float) -> bool:
    """A value as answered ("NaN", "Infinity", "-Infinity" or a number) is ``want``."""
    names = {"NaN": NAN, "Infinity": INF, "-Infinity": -INF}
    value = names[got] if isinstance(got, str) else got
    return (math.isnan(want) and math.isnan(value)) or value == want


async def test_every_ingest_shape_stores_nan_and_infinity(tenant, http):
    ids = await create_run(tenant.client, tenant.org_id)
    run = ids["run"]
    # points: the strings, and the number literals Python's json writes (allow_nan).
    points = [{"key": "p", "step": 0, "value": "NaN"}, {"key": "p", "step": 1, "value": 2.5}]
    assert assert_ok(await tenant.client.mutate(RUN_METRICS_LOG, {"runId": run, "points": points}))
    raw = {"query": RUN_METRICS_LOG, "variables": {"input": {"runId": run, "points": [
        {"key": "p", "step": 2, "value": INF}, {"key": "p", "step": 3, "value": -INF}]}}}  # fmt: skip
    answer = (await tenant.client.post_raw(json.dumps(raw, allow_nan=True))).json()
    assert answer["data"]["runMetricsLog"]["newCount"] == 2, answer
    # columns and series.
    columns = {"keys": ["c", "c"], "steps": [0, 1], "values": ["Infinity", 1.0]}
    assert assert_ok(await tenant.client.mutate(SERIES_LOG, {"runId": run, "columns": columns}))
    series = {"s": {"steps": [0, 1, 2], "values": [1.0, "NaN", "-Infinity"]}}
    logged = await tenant.client.mutate(SERIES_LOG, {"runId": run, "series": series})
    assert assert_ok(logged)["newCount"] == 3
    # the bulk endpoint.
    bulk = await http.post(
        f"/v1/runs/{run}/metrics",
        json={"series": {"b": {"steps": [0, 1], "values": ["NaN", 0.5]}}},
        headers={"Authorization": f"Bearer {tenant.key}"},
    )
    assert bulk.status_code == 200, bulk.text
    # A spelling that is not one of the three is refused, naming where.
    bad = {"s": {"steps": [7, 8], "values": [1.0, "nan"]}}
    assert_error(await tenant.client.mutate(SERIES_LOG, {"runId": run, "series": bad}),
                 "VALIDATION", ["input", "series", "s", "values", "1"])  # fmt: skip
    wrong = await tenant.client.execute(
        RUN_METRICS_LOG,
        {"input": {"runId": run, "points": [{"key": "p", "step": 9, "value": "inf"}]}},
    )
    assert wrong["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"

    expected = {"p": [NAN, 2.5, INF, -INF], "c": [INF, 1.0], "s": [1.0, NAN, -INF], "b": [NAN, 0.5]}
    for key, values in expected.items():
        node = await read_both_paths(tenant, run, key)
        metric = node["metric"]
        stored = [p["value"] for p in metric["points"]["nodes"]]
        assert all(map(same, stored, values)), (key, stored)
        assert all(map(same, metric["pointColumns"]["values"], values))
        finite = [v for v in values if math.isfinite(v)]
        summary = metric["summary"]
        assert summary["count"] == len(values)
        assert summary["nonFinite"] == len(values) - len(finite)
        assert (summary["min"], summary["max"]) == (min(finite), max(finite))
        assert same(summary["last"], values[-1])

    # The experiment page's summaries (all keys, or some): one statement, the same bytes.
    summaries = """query($id: ID!) { node(id: $id) { ... on Run {
      metricSummary { __typename key count min max nonFinite last lastStep lastTimestamp }
      some: metricSummary(keys: ["p", "b", "never"]) { key last min } } } }"""
    compiled = await tenant.client.post(summaries, {"id": run})
    assert compiled.headers["x-mlgraph-path"] == "compiled"
    reference = await tenant.client.on_resolvers().post(summaries, {"id": run})
    assert compiled.content == reference.content
    node = compiled.json()["data"]["node"]
    assert [s["key"] for s in node["metricSummary"]] == ["b", "c", "p", "s"]
    assert [s["key"] for s in node["some"]] == ["b", "p"]


async def read_both_paths(tenant: Any, run: str, key: str) -> dict[str, Any]:
    """The run read on the compiled path and the resolver path: byte for byte the same."""
    variables = {"id": run, "key": key}
    compiled = await tenant.client.post(READ, variables)
    reference = await tenant.client.on_resolvers().post(READ, variables)
    assert "errors" not in compiled.json(), compiled.text
    assert compiled.content == reference.content
    return compiled.json()["data"]["node"]


async def test_chart_buckets_keep_finite_bounds_and_count_the_rest(tenant):
    """Through the rollups (64-step buckets) and the raw edges alike: min/max of the finite
    values, null where a bucket has none, nonFinite counted, last as logged."""
    ids = await create_run(tenant.client, tenant.org_id)
    values = [NAN if s % 10 == 3 else (INF if s == 70 else float(s)) for s in range(1024)]
    values[512:768] = [NAN] * 256  # a whole output bucket (4 rollup buckets) without one
    series = {"loss": {"steps": list(range(1024)),
                       "values": [v if math.isfinite(v) else ("NaN" if v != v else "Infinity")
                                  for v in values]}}  # fmt: skip
    assert_ok(await tenant.client.mutate(SERIES_LOG, {"runId": ids["run"], "series": series}))
    node = await read_both_paths(tenant, ids["run"], "loss")
    buckets = node["metricHistory"][0]["buckets"]
    columns = node["metricHistory"][0]["columns"]
    assert len(buckets) == 4 and sum(b["count"] for b in buckets) == 1024
    assert sum(b["nonFinite"] for b in buckets) == sum(not math.isfinite(v) for v in values)
    for bucket in buckets:
        inside = values[bucket["stepStart"] : bucket["stepEnd"] + 1]
        finite = [v for v in inside if math.isfinite(v)]
        assert (bucket["min"], bucket["max"]) == (
            (min(finite), max(finite)) if finite else (None, None)
        )
        assert same(bucket["last"], inside[-1])
    assert columns["min"] == [b["min"] for b in buckets]
    assert columns["last"] == [b["last"] for b in buckets]
    assert columns["nonFinite"] == [b["nonFinite"] for b in buckets]
    assert None in columns["min"] and "NaN" in columns["last"]


async def test_subscriptions_carry_nan_as_logged(server, tenant):
    ids = await create_run(tenant.client, tenant.org_id)
    await log_points(tenant.client, ids["run"], [{"key": "loss", "step": 0, "value": "NaN"}])
    query = "subscription($r: ID!) { runMetrics(runId: $r) { points { step value } } }"
    async with ws_client(server.base_url, tenant.key, TRANSPORT_WS) as session:
        stream = session.subscribe(doc(query, r=ids["run"]))
        first = await asyncio.wait_for(anext(stream), 15)
        await log_points(
            tenant.client, ids["run"], [{"key": "loss", "step": 1, "value": "-Infinity"}]
        )
        second = await asyncio.wait_for(anext(stream), 15)
        await stream.aclose()
    assert first["runMetrics"]["points"] == [{"step": 0, "value": "NaN"}]
    assert second["runMetrics"]["points"] == [{"step": 1, "value": "-Infinity"}]


async def test_runs_ordered_by_a_metric_put_nan_and_infinity_last(tenant):
    """NaN has no place among numbers: a run whose last value is non-finite sorts with the
    runs missing the key, last in both directions, and pages keep every run once."""
    first = await create_run(tenant.client, tenant.org_id)
    experiment = first["experiment"]
    runs = [first["run"]]
    for _ in range(4):
        made = await tenant.client.mutate(
            "mutation($input: RunCreateInput!) { runCreate(input: $input) { run { id } } }",
            {"experimentId": experiment},
        )
        runs.append(made["run"]["id"])
    lasts = ["NaN", 0.5, "Infinity", 0.9, 0.1]
    for run, last in zip(runs, lasts, strict=True):
        await log_points(tenant.client, run, [{"key": "auc", "step": 0, "value": last}])
    query = """query($id: ID!, $order: RunOrder!, $after: String) { node(id: $id) {
      ... on Experiment { runs(first: 2, after: $after, orderBy: $order, orderKey: "auc") {
        nodes { id } pageInfo { hasNextPage endCursor } } } } }"""
    for order, finite in (("METRIC_DESC", [0.9, 0.5, 0.1]), ("METRIC_ASC", [0.1, 0.5, 0.9])):
        for reader in (tenant.client, tenant.client.on_resolvers()):
            seen, after = [], None
            while True:
                page = (await reader.data(query, {"id": experiment, "order": order,
                                                  "after": after}))["node"]["runs"]  # fmt: skip
                seen += [n["id"] for n in page["nodes"]]
                if not page["pageInfo"]["hasNextPage"]:
                    break
                after = page["pageInfo"]["endCursor"]
            by_last = dict(zip(runs, lasts, strict=True))
            assert [by_last[r] for r in seen[:3]] == finite
            assert sorted(map(str, (by_last[r] for r in seen[3:]))) == ["Infinity", "NaN"]
