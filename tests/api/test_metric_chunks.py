"""Points stored as per-batch chunks: the bulk `series` format, out-of-order and retried
batches against a model (hypothesis), paging in both directions, the stream cut inside a
chunk, and a server killed mid-ingest (kill -9) losing or duplicating nothing."""

from __future__ import annotations

import asyncio
import signal
from datetime import UTC, datetime

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import GraphQLClient, server_process
from tests.helpers import RUN_CREATE, assert_error, assert_ok, create_run, log_points

LOG = """mutation($input: RunMetricsLogInput!) { runMetricsLog(input: $input) {
  loggedCount newCount userErrors { field code message } } }"""

PAGE = """query($id: ID!, $key: String!, $first: Int, $after: String, $last: Int,
  $before: String, $order: StepOrder) { node(id: $id) { ... on Run { metric(key: $key) {
  points(first: $first, after: $after, last: $last, before: $before, orderBy: $order) {
    totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    nodes { step value timestamp } } } } } }"""

SUMMARY = """query($id: ID!) { node(id: $id) { ... on Run {
  metricSummary { key count min max last lastStep lastTimestamp } } } }"""


def log_series(run: str, series: dict) -> dict:  # type: ignore[type-arg]
    return {"runId": run, "series": series}


async def all_points(client: GraphQLClient, run: str, key: str, **how: object) -> list[tuple]:  # type: ignore[type-arg]
    """Every point, page by page, in the order asked (forward or backward paging)."""
    backward = how.pop("backward", False)
    size = how.pop("size", 100)
    out: list[tuple] = []  # type: ignore[type-arg]
    cursor = None
    while True:
        variables = {"id": run, "key": key, **how}
        if backward:
            variables.update(last=size, before=cursor)
        else:
            variables.update(first=size, after=cursor)
        page = (await client.data(PAGE, variables))["node"]["metric"]["points"]
        nodes = [(n["step"], n["value"], n["timestamp"]) for n in page["nodes"]]
        out = nodes + out if backward else out + nodes
        info = page["pageInfo"]
        more = info["hasPreviousPage"] if backward else info["hasNextPage"]
        if not more:
            return out
        cursor = info["startCursor"] if backward else info["endCursor"]


async def test_series_is_the_same_batch_as_points(tenant):
    run_a = (await create_run(tenant.client, tenant.org_id))["run"]
    run_b = (await create_run(tenant.client, tenant.org_id))["run"]
    stamp = datetime(2026, 11, 1, 12, 0, 0, 123000, tzinfo=UTC)
    millis = int(stamp.timestamp() * 1000)
    points = [
        {"key": key, "step": step, "value": value, "timestamp": stamp.isoformat()}
        for key, step, value in [
            ("loss", 5, 0.5),
            ("acc", 2, 0.25),
            ("loss", 1, 0.9),
            ("acc", 7, 1),
        ]
    ]
    await log_points(tenant.client, run_a, points)
    series = {
        "loss": {"steps": [5, 1], "values": [0.5, 0.9], "timestamps": [millis, millis]},
        "acc": {"steps": [2, 7], "values": [0.25, 1], "timestamps": [millis, millis]},
    }
    payload = assert_ok(await tenant.client.mutate(LOG, log_series(run_b, series)))
    assert (payload["loggedCount"], payload["newCount"]) == (4, 4)
    for key in ("loss", "acc"):
        assert await all_points(tenant.client, run_a, key) == await all_points(
            tenant.client, run_b, key
        )
    summary_a = (await tenant.client.data(SUMMARY, {"id": run_a}))["node"]["metricSummary"]
    summary_b = (await tenant.client.data(SUMMARY, {"id": run_b}))["node"]["metricSummary"]
    assert summary_a == summary_b
    assert summary_b[0]["lastTimestamp"] == stamp.isoformat()
    retry = assert_ok(await tenant.client.mutate(LOG, log_series(run_b, series)))
    assert (retry["loggedCount"], retry["newCount"]) == (4, 0)


@pytest.mark.parametrize(
    ("series", "field", "message"),
    [
        ({}, ["input", "series"], "at least one"),
        ({"bad\nkey": {"steps": [1], "values": [1]}}, ["input", "series", "bad\nkey"], "metric key"),
        ({"loss": {"steps": [1]}}, ["input", "series", "loss"], "steps and values"),
        ({"loss": {"steps": [1], "values": [1], "x": []}}, ["input", "series", "loss"], "'x'"),
        ({"loss": {"steps": [1, 2.5], "values": [1, 2]}}, ["input", "series", "loss", "steps", "1"], "integer"),
        ({"loss": {"steps": [1, True], "values": [1, 2]}}, ["input", "series", "loss", "steps", "1"], "integer"),
        ({"loss": {"steps": [0, -1], "values": [1, 2]}}, ["input", "series", "loss", "steps", "1"], "between"),
        ({"loss": {"steps": [0, 2**31], "values": [1, 2]}}, ["input", "series", "loss", "steps", "1"], "between"),
        ({"loss": {"steps": [3, 4, 3], "values": [1, 2, 3]}}, ["input", "series", "loss", "steps", "2"], "repeats"),
        ({"loss": {"steps": [1], "values": ["1"]}}, ["input", "series", "loss", "values", "0"], "number"),
        ({"loss": {"steps": [1], "values": [False]}}, ["input", "series", "loss", "values", "0"], "number"),
        ({"loss": {"steps": [1, 2], "values": [1]}}, ["input", "series", "loss"], "same length"),
        ({"loss": {"steps": "1", "values": [1]}}, ["input", "series", "loss", "steps"], "array"),
        ({"loss": {"steps": [1, 2], "values": [1, 2], "timestamps": [1]}}, ["input", "series", "loss"], "one item per step"),
        ({"loss": {"steps": [1], "values": [1], "timestamps": [5]}}, ["input", "series", "loss", "timestamps", "0"], "epoch milliseconds"),
        ({"loss": {"steps": [1], "values": [1], "timestamps": [4e15]}}, ["input", "series", "loss", "timestamps", "0"], "epoch milliseconds"),
    ],
)  # fmt: skip
async def test_a_bad_series_is_refused_whole_naming_key_column_and_index(
    tenant, series, field, message
):
    run = (await create_run(tenant.client, tenant.org_id))["run"]
    payload = await tenant.client.mutate(LOG, log_series(run, series))
    error = assert_error(payload, "VALIDATION", field)
    assert message in error["message"]
    summary = (await tenant.client.data(SUMMARY, {"id": run}))["node"]["metricSummary"]
    assert summary == []


async def test_series_limits_and_shape(tenant):
    run = (await create_run(tenant.client, tenant.org_id))["run"]
    too_many = {
        "a": {"steps": list(range(6_000)), "values": [0.0] * 6_000},
        "b": {"steps": list(range(6_000)), "values": [0.0] * 6_000},
    }
    payload = await tenant.client.mutate(LOG, log_series(run, too_many))
    assert (
        "at most 10000 points"
        in assert_error(payload, "VALIDATION", ["input", "series"])["message"]
    )
    both = {"runId": run, "series": {"a": {"steps": [1], "values": [1]}}, "points": []}
    assert_error(await tenant.client.mutate(LOG, both), "VALIDATION", ["input", "points"])
    not_an_object = await tenant.client.post(LOG, {"input": {"runId": run, "series": [1, 2]}})
    assert "MetricSeries is an object" in not_an_object.json()["errors"][0]["message"]


async def test_the_stream_resumes_inside_a_chunk_without_gap_or_duplicate(server, tenant):
    from tests.ws import WSClient

    run = (await create_run(tenant.client, tenant.org_id))["run"]
    for start in (0, 1000, 2000):
        steps = list(range(start, start + 1000))
        series = {
            "a": {"steps": steps, "values": [float(s) for s in steps]},
            "b": {"steps": steps, "values": [-float(s) for s in steps]},
        }
        assert_ok(await tenant.client.mutate(LOG, log_series(run, series)))
    # 6,000 points in 6 chunks of 1,000; resume at 2,500 (the middle of the third chunk).
    client = await WSClient.connect(server.base_url, tenant.key)
    try:
        await client.subscribe(
            "subscription($r: ID!, $a: String) { runMetrics(runId: $r, after: $a) "
            "{ cursor replay points { key step value } } }",
            {"r": run, "a": "2500"},
        )
        seen: list[tuple[str, int, float]] = []
        cursor = "2500"
        while cursor != "6000":
            batch = (await client.next())["runMetrics"]
            assert batch["replay"] and len(batch["points"]) <= 250
            seen += [(p["key"], p["step"], p["value"]) for p in batch["points"]]
            cursor = batch["cursor"]
    finally:
        await client.close()

    # Within a batch points go by key, then step: seq 2,501 is key "a", step 1,500.
    def chunk(key: str, steps: range) -> list[tuple[str, int, float]]:
        return [(key, s, float(s) if key == "a" else -float(s)) for s in steps]

    expected = chunk("a", range(1500, 2000)) + chunk("b", range(1000, 2000))
    expected += chunk("a", range(2000, 3000)) + chunk("b", range(2000, 3000))
    assert seen == expected


async def test_a_run_killed_mid_ingest_keeps_whole_batches_and_retries_add_exactly_the_rest(
    tenant, database_url
):
    """kill -9 with batches in flight: each batch is stored whole or not at all, and
    retrying every batch leaves exactly one copy of each point."""
    run = (await create_run(tenant.client, tenant.org_id))["run"]
    batches = [
        {"loss": {"steps": list(range(i * 500, i * 500 + 500)), "values": [float(i)] * 500}}
        for i in range(40)
    ]
    acknowledged: set[int] = set()
    some_acknowledged = asyncio.Event()
    async with server_process(database_url) as doomed:
        async with httpx.AsyncClient(base_url=doomed.base_url, timeout=30) as raw:
            client = GraphQLClient(raw, tenant.key)

            async def send(i: int) -> None:
                payload = await client.mutate(LOG, log_series(run, batches[i]))
                assert_ok(payload)
                acknowledged.add(i)
                if len(acknowledged) == 5:
                    some_acknowledged.set()

            tasks = [asyncio.create_task(send(i)) for i in range(40)]
            await some_acknowledged.wait()  # some acknowledged, the rest in flight
            doomed.process.send_signal(signal.SIGKILL)
            await asyncio.wait_for(doomed.process.wait(), 10)
            await asyncio.gather(*tasks, return_exceptions=True)
    stored = await all_points(tenant.client, run, "loss", size=100)
    steps = {step for step, _, _ in stored}
    assert len(steps) == len(stored)  # no duplicate
    for i in range(40):
        batch_steps = set(range(i * 500, i * 500 + 500))
        assert batch_steps <= steps or not (batch_steps & steps), f"batch {i} is partial"
        if i in acknowledged:
            assert batch_steps <= steps, f"acknowledged batch {i} was lost"
    new = 0
    for batch in batches:  # the client retries everything it is unsure of
        new += assert_ok(await tenant.client.mutate(LOG, log_series(run, batch)))["newCount"]
    assert new == 20_000 - len(stored)
    final = await all_points(tenant.client, run, "loss", size=100)
    assert [s for s, _, _ in final] == list(range(20_000))
    assert [v for _, v, _ in final] == [float(s // 500) for s in range(20_000)]


async def test_out_of_order_and_retried_batches_match_a_model(server, tenant):
    """Random batches (steps in any order, overlapping, retried, several keys), then every
    read — pages forward and backward in both orders, summaries — against a dict."""
    experiment = (await create_run(tenant.client, tenant.org_id))["experiment"]
    client = httpx.Client(base_url=server.base_url, timeout=60)
    headers = {"Authorization": f"Bearer {tenant.key}"}

    def call(query: str, variables: dict) -> dict:  # type: ignore[type-arg]
        body = client.post(
            "/graphql", json={"query": query, "variables": variables}, headers=headers
        ).json()
        assert "errors" not in body, body
        return body["data"]

    batch = st.dictionaries(
        st.sampled_from(["a", "b"]),
        st.lists(st.integers(0, 400), min_size=1, max_size=60, unique=True),
        min_size=1,
    )

    @settings(max_examples=25, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))  # fmt: skip
    @given(
        batches=st.lists(batch, min_size=1, max_size=8),
        sizes=st.lists(st.integers(1, 40), min_size=4, max_size=4),
    )
    def matches(batches: list[dict[str, list[int]]], sizes: list[int]) -> None:
        run = call(RUN_CREATE, {"input": {"experimentId": experiment}})["runCreate"]["run"]["id"]
        model: dict[str, dict[int, float]] = {}
        for number, keys in enumerate(batches):
            series = {
                k: {"steps": s, "values": [number + s / 1000 for s in s]} for k, s in keys.items()
            }
            for repeat in range(2 if number % 3 == 0 else 1):  # some batches are retried
                payload = call(LOG, {"input": log_series(run, series)})["runMetricsLog"]
                assert payload["userErrors"] == []
                expected_new = (
                    0
                    if repeat
                    else sum(1 for k, s in keys.items() for x in s if x not in model.get(k, {}))
                )
                assert payload["newCount"] == expected_new
            for k, s in keys.items():
                for x in s:
                    model.setdefault(k, {}).setdefault(x, number + x / 1000)
        for key, points in model.items():
            ascending = sorted(points.items())
            for order, size, backward in (("STEP_ASC", sizes[0], False), ("STEP_DESC", sizes[1], False),
                                          ("STEP_ASC", sizes[2], True), ("STEP_DESC", sizes[3], True)):  # fmt: skip
                expected = ascending if order == "STEP_ASC" else ascending[::-1]
                got, cursor = [], None
                while True:
                    variables = {"id": run, "key": key, "order": order}
                    variables.update(
                        {"last": size, "before": cursor}
                        if backward
                        else {"first": size, "after": cursor}
                    )
                    page = call(PAGE, variables)["node"]["metric"]["points"]
                    nodes = [(n["step"], n["value"]) for n in page["nodes"]]
                    got = nodes + got if backward else got + nodes
                    assert page["totalCount"] == len(points)
                    info = page["pageInfo"]
                    if not (info["hasPreviousPage"] if backward else info["hasNextPage"]):
                        break
                    cursor = info["startCursor"] if backward else info["endCursor"]
                assert got == expected, (order, size, backward)
        summary = {s["key"]: s for s in call(SUMMARY, {"id": run})["node"]["metricSummary"]}
        for key, points in model.items():
            values = list(points.values())
            last_step = max(points)
            assert (summary[key]["count"], summary[key]["min"], summary[key]["max"]) == (
                len(points),
                min(values),
                max(values),
            )
            assert (summary[key]["lastStep"], summary[key]["last"]) == (
                last_step,
                points[last_step],
            )

    def run_examples() -> None:
        try:
            matches()
        finally:
            client.close()

    await asyncio.to_thread(run_examples)


HISTORY_BOTH = """query($id: ID!, $max: Int!) { node(id: $id) { ... on Run {
  metricHistory(keys: ["loss", "acc"], maxPoints: $max) { key runId
    buckets { stepStart stepEnd min max last lastStep count }
    columns { stepStart stepEnd min max last lastStep count } } } } }"""

POINT_COLUMNS = """query($id: ID!, $first: Int!, $after: Int, $order: StepOrder) {
  node(id: $id) { ... on Run { metric(key: "loss") {
    pointColumns(first: $first, afterStep: $after, orderBy: $order) {
      steps values timestamps hasMore } } } } }"""

COMPARE = """query($ids: [ID!]!, $keys: [String!]!, $max: Int!) {
  runMetricHistories(runIds: $ids, keys: $keys, maxPoints: $max) {
    runId key columns { stepStart stepEnd min max last count } } }"""


def noisy(start: int, stop: int, scale: float) -> dict:  # type: ignore[type-arg]
    steps = list(range(start, stop))
    return {"steps": steps, "values": [scale * ((s * 7919) % 1000) / 1000 for s in steps]}


async def test_history_columns_are_the_buckets_transposed(tenant):
    run = (await create_run(tenant.client, tenant.org_id))["run"]
    for start in range(0, 30_000, 5_000):
        series = {"loss": noisy(start, start + 5_000, 1.0)}
        series["acc"] = noisy(start // 2, start // 2 + 2_500, 2.0)
        assert_ok(await tenant.client.mutate(LOG, log_series(run, series)))
    for max_points in (7, 1000, 5000):
        data = await tenant.client.data(HISTORY_BOTH, {"id": run, "max": max_points})
        for history in data["node"]["metricHistory"]:
            assert history["runId"] == run
            buckets, columns = history["buckets"], history["columns"]
            assert 0 < len(buckets) <= max_points
            for field, column in columns.items():
                assert column == [b[field] for b in buckets], field
            assert sum(columns["count"]) == (30_000 if history["key"] == "loss" else 15_000)


async def test_point_columns_page_through_every_point_in_both_orders(tenant):
    run = (await create_run(tenant.client, tenant.org_id))["run"]
    stamp = 1_764_300_000_000
    steps = list(range(0, 3_000, 3))
    series = {"loss": {"steps": steps, "values": [s / 7 for s in steps],
                       "timestamps": [stamp + s for s in steps]}}  # fmt: skip
    assert_ok(await tenant.client.mutate(LOG, log_series(run, series)))
    for order, expected in (("STEP_ASC", steps), ("STEP_DESC", steps[::-1])):
        seen, values, stamps, after = [], [], [], None
        while True:
            page = (
                await tenant.client.data(
                    POINT_COLUMNS, {"id": run, "first": 333, "after": after, "order": order}
                )
            )["node"]["metric"]["pointColumns"]
            seen += page["steps"]
            values += page["values"]
            stamps += page["timestamps"]
            if not page["hasMore"]:
                break
            after = page["steps"][-1]
        assert seen == expected
        assert values == [s / 7 for s in expected]
        assert stamps == [float(stamp + s) for s in expected]
    bad = await tenant.client.execute(POINT_COLUMNS, {"id": run, "first": 10_001})
    assert "first must be between 1 and 10000" in bad["errors"][0]["message"]


async def test_compare_runs_share_one_range_and_one_statement(
    tenant, make_tenant, count_statements
):
    runs = []
    for length in (1_000, 4_000, 2_500):
        run = (await create_run(tenant.client, tenant.org_id))["run"]
        assert_ok(await tenant.client.mutate(LOG, log_series(run, {"loss": noisy(0, length, 1)})))
        runs.append(run)
    with count_statements() as counter:
        data = await tenant.client.data(COMPARE, {"ids": runs, "keys": ["loss"], "max": 100})
    reads = [s for s in counter.statements if "run_metric_rollups" in s]
    assert len(reads) == 1, reads
    histories = data["runMetricHistories"]
    assert [h["runId"] for h in histories] == runs
    for history, length in zip(histories, (1_000, 4_000, 2_500), strict=True):
        columns = history["columns"]
        assert sum(columns["count"]) == length
        # One x axis: every run is bucketed over 0..3,999 (the longest run), 40 steps a bucket.
        assert all(start % 40 == 0 for start in columns["stepStart"])
        assert columns["stepStart"][-1] == (length - 1) // 40 * 40
        own = (
            await tenant.client.data(
                """query($id: ID!) { node(id: $id) { ... on Run { metricHistory(keys: ["loss"],
                maxPoints: 100, stepTo: 3999) { columns { stepStart min max last count } } } } }""",
                {"id": history["runId"]},
            )
        )["node"]["metricHistory"][0]["columns"]
        assert own == {k: v for k, v in columns.items() if k != "stepEnd"}
    # Someone else's run is not found (as a run that does not exist), nothing leaks.
    other = await make_tenant("cmp")
    theirs = (await create_run(other.client, other.org_id))["run"]
    refused = await tenant.client.execute(
        COMPARE, {"ids": [runs[0], theirs], "keys": ["loss"], "max": 10}
    )
    assert refused["data"] is None and refused["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    too_many = await tenant.client.execute(COMPARE, {"ids": runs * 34, "keys": ["loss"], "max": 10})
    assert "runIds takes 1 to 100" in too_many["errors"][0]["message"]
    budget = await tenant.client.execute(
        COMPARE, {"ids": runs, "keys": [f"k{i}" for i in range(20)], "max": 5000}
    )
    assert "at most 200 000" in budget["errors"][0]["message"]


async def test_ingest_checks_the_caller_in_one_statement_as_every_write_does(
    tenant, http, database_url, count_statements
):
    """The ingest path's own access check (one locking statement): an org viewer is
    refused until a project role lifts them, a read-only key is refused, a run of a deleted
    project is not found; and the whole batch costs a fixed number of statements."""
    from tests.support.registry import PROJECT_DELETE
    from tests.support.tenancy import INVITE, MEMBER_SET, bootstrap_key_for, key_for

    ids = await create_run(tenant.client, tenant.org_id)
    email = f"ingest-{tenant.org_slug}@example.com"
    invite = {"organizationId": tenant.org_id, "email": email, "role": "VIEWER"}
    assert_ok(await tenant.client.mutate(INVITE, invite))
    viewer = await bootstrap_key_for(database_url, http, email)
    batch = log_series(ids["run"], {"loss": {"steps": [1, 2], "values": [1, 2]}})
    assert_error(await viewer.mutate(LOG, batch), "FORBIDDEN", ["input", "runId"])
    role = {"projectId": ids["project"], "email": email, "role": "CONTRIBUTOR"}
    assert_ok(await tenant.client.mutate(MEMBER_SET, role))
    with count_statements() as counter:
        payload = assert_ok(await viewer.mutate(LOG, batch))
    assert payload["newCount"] == 2
    # lock + access, then one write (chunks, rollups, summaries, audit row, NOTIFY); BEGIN
    # and COMMIT are not statements
    writes = [s for s in counter.statements if "api_keys" not in s]
    assert len(writes) == 2, writes
    retried = log_series(ids["run"], {"loss": {"steps": [2, 3], "values": [2, 3]}})
    with count_statements() as counter:
        payload = assert_ok(await viewer.mutate(LOG, retried))
    assert payload["newCount"] == 1  # step 2 is stored: the write finds it, writes nothing,
    writes = [s for s in counter.statements if "api_keys" not in s]  # and the new one goes
    assert len(writes) == 4, writes  # after the stored steps are read
    stored = await all_points(tenant.client, ids["run"], "loss")
    assert [(step, value) for step, value, _ in stored] == [(1, 1.0), (2, 2.0), (3, 3.0)]
    # Each batch has its audit row, written by the same statement: who, from where, how many.
    audit = await tenant.client.data(
        """query($slug: String!, $run: ID!) { organization(slug: $slug) {
             auditLogs(filter: {targetId: $run}, first: 10) {
               nodes { action targetType details ipAddress userAgent actor { email } } } } }""",
        {"slug": tenant.org_slug, "run": ids["run"]},
    )
    logged = [e for e in audit["organization"]["auditLogs"]["nodes"]
              if e["action"] == "run_metrics.log"]  # fmt: skip
    assert [e["details"] for e in logged] == [{"points": 2, "new": 1}, {"points": 2, "new": 2}]
    for entry in logged:
        assert (entry["targetType"], entry["ipAddress"], entry["actor"]) == (
            "Run", "127.0.0.1", {"email": email})  # fmt: skip
        assert entry["userAgent"].startswith("python-httpx/")
    read_only = await key_for(tenant.client, http, scopes=["READ"])
    assert_error(await read_only.mutate(LOG, batch), "FORBIDDEN")
    assert_ok(await tenant.client.mutate(PROJECT_DELETE, {"projectId": ids["project"]}))
    assert_error(await tenant.client.mutate(LOG, batch), "NOT_FOUND", ["input", "runId"])


async def test_the_bulk_endpoint_is_the_series_input_without_graphql(tenant, http, make_tenant):
    """POST /v1/runs/{id}/metrics: the same service (idempotent, audited, streamed), the
    same auth and rules, errors as JSON with the userError codes and fields."""
    from tests.support.tenancy import key_for

    run = (await create_run(tenant.client, tenant.org_id))["run"]
    url = f"/v1/runs/{run}/metrics"
    auth = {"Authorization": f"Bearer {tenant.key}"}
    body = {"series": {"loss": {"steps": [0, 1, 2], "values": [0.5, 0.4, 0.3]}}}
    first = await http.post(url, json=body, headers=auth)
    assert (first.status_code, first.json()) == (200, {"loggedCount": 3, "newCount": 3})
    again = await http.post(url, json=body, headers=auth)
    assert again.json() == {"loggedCount": 3, "newCount": 0}
    assert [s for s, _, _ in await all_points(tenant.client, run, "loss")] == [0, 1, 2]

    def error(response: httpx.Response) -> tuple[int, str, list[str] | None]:
        found = response.json()["errors"][0]
        return response.status_code, found["code"], found["field"]

    bad = {"series": {"loss": {"steps": [0, -1], "values": [1, 2]}}}
    assert error(await http.post(url, json=bad, headers=auth)) == (
        400, "VALIDATION", ["input", "series", "loss", "steps", "1"],
    )  # fmt: skip
    assert error(await http.post(url, json={"points": []}, headers=auth))[:2] == (400, "VALIDATION")
    not_json = await http.post(
        url, content=b"{", headers={**auth, "Content-Type": "application/json"}
    )
    assert error(not_json)[:2] == (400, "BAD_REQUEST")
    text_body = await http.post(url, content=b"{}", headers={**auth, "Content-Type": "text/plain"})
    assert error(text_body)[:2] == (415, "UNSUPPORTED_MEDIA_TYPE")
    assert (await http.post(url, json=body)).status_code == 401  # no key
    bad_key = await http.post(url, json=body, headers={"Authorization": "Bearer mlg_x_y"})
    assert bad_key.status_code == 401
    read_only = await key_for(tenant.client, http, scopes=["READ"])
    refused = await http.post(url, json=body, headers={"Authorization": f"Bearer {read_only.key}"})
    assert error(refused)[:2] == (403, "FORBIDDEN")
    other = await make_tenant("bulk")
    theirs = await http.post(url, json=body, headers={"Authorization": f"Bearer {other.key}"})
    assert error(theirs) == (404, "NOT_FOUND", ["input", "runId"])
    nonsense = await http.post("/v1/runs/nope/metrics", json=body, headers=auth)
    assert error(nonsense) == (404, "NOT_FOUND", ["input", "runId"])
    assert (await http.get(url, headers=auth)).status_code == 405
    from tests.conftest import TEST_LIMITS

    oversized = b'{"series": {"loss": ' + b" " * TEST_LIMITS.max_body_bytes + b"{}}}"
    too_big = await http.post(
        url, content=oversized, headers={**auth, "Content-Type": "application/json"}
    )
    assert too_big.status_code == 413  # the body limit holds here as on /graphql


async def test_concurrent_copies_of_a_batch_are_stored_once(tenant, http):
    """The same batches sent 6 times at once (a client retrying over several connections):
    whatever the interleaving, each point is stored once, newCount adds up to the batch,
    and the summary counts each point once. The write's own range check runs in a statement
    after the run's lock, so it sees what the copy before it committed."""
    run = (await create_run(tenant.client, tenant.org_id))["run"]
    url = f"/v1/runs/{run}/metrics"
    auth = {"Authorization": f"Bearer {tenant.key}"}
    for start in (0, 50, 25):  # the third overlaps both
        steps = list(range(start, start + 50))
        body = {"series": {"loss": {"steps": steps, "values": [s / 2 for s in steps]},
                           "acc": {"steps": steps, "values": [s / 3 for s in steps]}}}  # fmt: skip
        answers = await asyncio.gather(*(http.post(url, json=body, headers=auth) for _ in range(6)))
        assert {a.status_code for a in answers} == {200}
        new = sorted(a.json()["newCount"] for a in answers)
        assert new == ([0] * 6 if start == 25 else [0] * 5 + [100]), new
    for key, scale in (("loss", 2), ("acc", 3)):
        stored = await all_points(tenant.client, run, key)
        assert [(s, v) for s, v, _ in stored] == [(s, s / scale) for s in range(100)]
    summary = (await tenant.client.data(SUMMARY, {"id": run}))["node"]["metricSummary"]
    assert sorted((s["key"], s["count"]) for s in summary) == [("acc", 100), ("loss", 100)]
