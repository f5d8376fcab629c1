"""Recording and reading monitoring metrics through GraphQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.helpers import METRICS_RECORD, assert_error, assert_ok, build_graph

T0 = datetime(2026, 1, 1, tzinfo=UTC)

METRICS = """
query($id: ID!, $names: [String!], $from: DateTime, $to: DateTime, $first: Int, $after: String,
      $last: Int, $before: String, $order: MetricOrder! = RECORDED_AT_ASC) {
  node(id: $id) { ... on Deployment {
    monitoringMetrics(names: $names, from: $from, to: $to, first: $first, after: $after,
                      last: $last, before: $before, orderBy: $order) {
      totalCount
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      edges { cursor node { name value recordedAt } }
    }
  } }
}"""


def points(
    n: int, name: str = "latency_ms", start: datetime = T0, value: float = 1.0
) -> list[dict]:  # type: ignore[type-arg]
    return [
        {"name": name, "value": value + i, "recordedAt": (start + timedelta(minutes=i)).isoformat()}
        for i in range(n)
    ]


async def metrics(client, deployment_id: str, **variables):  # type: ignore[no-untyped-def]
    data = await client.data(METRICS, {"id": deployment_id, **variables})
    return data["node"]["monitoringMetrics"]


async def test_record_is_idempotent_on_retry(tenant):
    ids = await build_graph(tenant.client, tenant.org_id)
    batch = {"deploymentId": ids["deployment"], "points": points(5) + points(5, name="error_rate")}
    first = assert_ok(await tenant.client.mutate(METRICS_RECORD, batch))
    assert first["recordedCount"] == 10
    assert_ok(await tenant.client.mutate(METRICS_RECORD, batch))  # a retried request
    page = await metrics(tenant.client, ids["deployment"], first=100)
    assert page["totalCount"] == 10
    # A re-sent point replaces the stored value rather than adding a row.
    batch["points"] = points(1, value=99.0)
    assert_ok(await tenant.client.mutate(METRICS_RECORD, batch))
    page = await metrics(tenant.client, ids["deployment"], names=["latency_ms"], first=1)
    assert page["totalCount"] == 5
    assert page["edges"][0]["node"]["value"] == 99.0


async def test_one_bad_point_rejects_the_whole_batch_naming_its_index(tenant):
    ids = await build_graph(tenant.client, tenant.org_id)
    batch = points(3)
    batch[2]["name"] = "not a name"
    payload = await tenant.client.mutate(
        METRICS_RECORD, {"deploymentId": ids["deployment"], "points": batch}
    )
    assert_error(payload, "VALIDATION", ["input", "points", "2", "name"])
    assert payload["recordedCount"] == 0
    batch = points(3)
    batch[1]["recordedAt"] = batch[0]["recordedAt"]
    payload = await tenant.client.mutate(
        METRICS_RECORD, {"deploymentId": ids["deployment"], "points": batch}
    )
    assert_error(payload, "VALIDATION", ["input", "points", "1", "recordedAt"])
    future = points(1, start=datetime.now(UTC) + timedelta(days=3))
    payload = await tenant.client.mutate(
        METRICS_RECORD, {"deploymentId": ids["deployment"], "points": points(2) + future}
    )
    assert_error(payload, "VALIDATION", ["input", "points", "2", "recordedAt"])
    assert (await metrics(tenant.client, ids["deployment"], first=1))["totalCount"] == 0


async def test_non_finite_values_are_a_clear_graphql_error(tenant):
    ids = await build_graph(tenant.client, tenant.org_id)
    import json

    for bad in (float("nan"), float("inf")):
        batch = points(4)
        batch[3]["value"] = bad
        body = {
            "query": METRICS_RECORD,
            "variables": {"input": {"deploymentId": ids["deployment"], "points": batch}},
        }
        response = await tenant.client.post_raw(json.dumps(body, allow_nan=True))
        assert response.status_code == 200
        result = response.json()
        assert result["data"] is None
        message = result["errors"][0]["message"]
        assert "points[3].value" in message and "cannot represent" in message
    assert (await metrics(tenant.client, ids["deployment"], first=1))["totalCount"] == 0


async def test_batch_limit_is_ten_thousand_points(tenant):
    ids = await build_graph(tenant.client, tenant.org_id)
    too_many = await tenant.client.mutate(
        METRICS_RECORD, {"deploymentId": ids["deployment"], "points": points(10_001)}
    )
    assert_error(too_many, "VALIDATION", ["input", "points"])
    full = await tenant.client.mutate(
        METRICS_RECORD, {"deploymentId": ids["deployment"], "points": points(10_000)}
    )
    assert assert_ok(full)["recordedCount"] == 10_000
    assert (await metrics(tenant.client, ids["deployment"], first=0))["totalCount"] == 10_000


async def test_names_and_time_range_filter(tenant):
    ids = await build_graph(tenant.client, tenant.org_id)
    batch = points(10) + points(10, name="accuracy")
    assert_ok(
        await tenant.client.mutate(
            METRICS_RECORD, {"deploymentId": ids["deployment"], "points": batch}
        )
    )
    page = await metrics(
        tenant.client,
        ids["deployment"],
        names=["accuracy"],
        **{
            "from": (T0 + timedelta(minutes=2)).isoformat(),
            "to": (T0 + timedelta(minutes=5)).isoformat(),
        },
        first=50,
    )
    assert page["totalCount"] == 3
    assert [e["node"]["value"] for e in page["edges"]] == [3.0, 4.0, 5.0]
    assert {e["node"]["name"] for e in page["edges"]} == {"accuracy"}
    inverted = await tenant.client.execute(
        METRICS,
        {
            "id": ids["deployment"],
            "from": T0.isoformat(),
            "to": (T0 - timedelta(days=1)).isoformat(),
        },
    )
    assert "from must not be after to" in inverted["errors"][0]["message"]


async def test_pages_cover_every_point_once_forward_and_backward(tenant):
    ids = await build_graph(tenant.client, tenant.org_id)
    batch = points(25) + points(25, name="accuracy")
    assert_ok(
        await tenant.client.mutate(
            METRICS_RECORD, {"deploymentId": ids["deployment"], "points": batch}
        )
    )
    seen, after = [], None
    while True:
        page = await metrics(tenant.client, ids["deployment"], first=7, after=after)
        seen += [(e["node"]["recordedAt"], e["node"]["name"]) for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert len(seen) == 50 and len(set(seen)) == 50 and seen == sorted(seen)

    backward, before = [], None
    while True:
        page = await metrics(tenant.client, ids["deployment"], last=9, before=before)
        backward = [(e["node"]["recordedAt"], e["node"]["name"]) for e in page["edges"]] + backward
        if not page["pageInfo"]["hasPreviousPage"]:
            break
        before = page["pageInfo"]["startCursor"]
    assert backward == seen

    newest = await metrics(tenant.client, ids["deployment"], first=2, order="RECORDED_AT_DESC")
    assert [(e["node"]["recordedAt"], e["node"]["name"]) for e in newest["edges"]] == seen[::-1][:2]


THRESHOLDS = """query($id: ID!) { node(id: $id) { ... on Deployment {
  monitoringMetrics(first: 10) { nodes { value thresholdLow thresholdHigh isAnomaly } } } } }"""


async def test_each_point_carries_its_thresholds_and_says_whether_it_is_an_anomaly(tenant):
    client = tenant.client
    ids = await build_graph(client, tenant.org_id)
    batch = points(5)  # values 1..5
    ranges = [(2.0, 4.0), (2.0, 4.0), (None, 2.5), (3.5, None), (None, None)]
    for point, (low, high) in zip(batch, ranges, strict=True):
        point.update(thresholdLow=low, thresholdHigh=high)
    assert_ok(await client.mutate(METRICS_RECORD, {"deploymentId": ids["deployment"],
                                                   "points": batch}))  # fmt: skip
    compiled = await client.post(THRESHOLDS, {"id": ids["deployment"]})
    reference = await client.on_resolvers().post(THRESHOLDS, {"id": ids["deployment"]})
    assert compiled.headers["x-mlgraph-path"] == "compiled"
    assert compiled.content == reference.content
    nodes = compiled.json()["data"]["node"]["monitoringMetrics"]["nodes"]
    assert [n["isAnomaly"] for n in nodes] == [True, False, True, False, False]
    # A re-sent point takes its new thresholds; a range upside down, or not finite, refused.
    resent = [{**batch[0], "thresholdLow": 0.5, "thresholdHigh": None}]
    assert_ok(await client.mutate(METRICS_RECORD, {"deploymentId": ids["deployment"],
                                                   "points": resent}))  # fmt: skip
    first = (await client.data(THRESHOLDS, {"id": ids["deployment"]}))["node"]
    assert first["monitoringMetrics"]["nodes"][0]["isAnomaly"] is False
    bad = [{**batch[1], "thresholdLow": 3.0, "thresholdHigh": 2.0}]
    assert_error(await client.mutate(METRICS_RECORD, {"deploymentId": ids["deployment"],
                                                      "points": bad}), "VALIDATION",
                 ["input", "points", "0", "thresholdHigh"])  # fmt: skip
