"""Run metric ingest and chart reads through GraphQL."""

from __future__ import annotations

import bisect
import random

import pytest

from tests.helpers import (
    RUN_FINISH,
    RUN_METRICS_LOG,
    assert_error,
    assert_ok,
    create_run,
    log_points,
)
from tests.support.run_metrics import HISTORY, POINTS, SUMMARY


def series(key: str, steps: range, seed: int = 1) -> list[dict]:  # type: ignore[type-arg]
    rng = random.Random(seed)
    return [{"key": key, "step": s, "value": round(rng.gauss(0, 1), 6)} for s in steps]


async def test_retried_batches_leave_one_copy_of_each_point(tenant):
    ids = await create_run(tenant.client, tenant.org_id)
    batch = series("loss", range(10_000))
    first = await log_points(tenant.client, ids["run"], batch)
    assert (first["loggedCount"], first["newCount"]) == (10_000, 10_000)
    retry = await log_points(tenant.client, ids["run"], batch)  # a client retrying after a timeout
    assert (retry["loggedCount"], retry["newCount"]) == (10_000, 0)
    # A retry that overlaps the next batch adds only the new points.
    overlap = await log_points(tenant.client, ids["run"], series("loss", range(9_990, 10_010)))
    assert overlap["newCount"] == 10
    data = await tenant.client.data(SUMMARY, {"id": ids["run"]})
    assert data["node"]["metricKeys"] == ["loss"]
    summary = data["node"]["metricSummary"][0]
    assert summary["count"] == 10_010 and summary["lastStep"] == 10_009
    values = [p["value"] for p in batch] + [
        p["value"] for p in series("loss", range(9_990, 10_010))
    ][10:]
    assert summary["min"] == min(values) and summary["max"] == max(values)
    assert summary["last"] == values[-1]


@pytest.mark.parametrize(
    ("point", "field"),
    [
        ({"key": "bad\nkey", "step": 1, "value": 1.0}, "key"),
        ({"key": " padded", "step": 1, "value": 1.0}, "key"),
        ({"key": "x" * 251, "step": 1, "value": 1.0}, "key"),
        ({"key": "loss", "step": -1, "value": 1.0}, "step"),
        (
            {"key": "loss", "step": 1, "value": 1.0, "timestamp": "1999-01-01T00:00:00Z"},
            "timestamp",
        ),
        (
            {"key": "loss", "step": 1, "value": 1.0, "timestamp": "2999-01-01T00:00:00Z"},
            "timestamp",
        ),
        ({"key": "loss", "step": 0, "value": 1.0}, "step"),  # repeats point 0
    ],
)
async def test_a_bad_point_rejects_the_batch_with_its_index(tenant, point, field):
    ids = await create_run(tenant.client, tenant.org_id)
    points = [
        {"key": "loss", "step": 0, "value": 1.0},
        {"key": "acc", "step": 0, "value": 0.5},
        point,
    ]
    payload = await tenant.client.mutate(RUN_METRICS_LOG, {"runId": ids["run"], "points": points})
    assert_error(payload, "VALIDATION", ["input", "points", "2", field])
    assert payload["newCount"] == 0
    data = await tenant.client.data(SUMMARY, {"id": ids["run"]})
    assert data["node"]["metricKeys"] == []  # atomic: nothing of the batch was written


async def test_oversized_batches_are_refused(tenant):
    ids = await create_run(tenant.client, tenant.org_id)
    too_many = await tenant.client.mutate(
        RUN_METRICS_LOG, {"runId": ids["run"], "points": series("loss", range(10_001))}
    )
    assert_error(too_many, "VALIDATION", ["input", "points"])


async def test_every_raw_point_pages_exactly_once(tenant):
    ids = await create_run(tenant.client, tenant.org_id)
    await log_points(
        tenant.client, ids["run"], series("loss", range(0, 500, 2)) + series("acc", range(300))
    )
    steps, after = [], None
    while True:
        data = await tenant.client.data(
            POINTS, {"id": ids["run"], "key": "loss", "first": 100, "after": after}
        )
        metric = data["node"]["metric"]
        steps += [p["step"] for p in metric["points"]["nodes"]]
        if not metric["points"]["pageInfo"]["hasNextPage"]:
            break
        after = metric["points"]["pageInfo"]["endCursor"]
    assert steps == list(range(0, 500, 2))
    assert metric["points"]["totalCount"] == 250 and metric["summary"]["count"] == 250


def check_buckets(
    points: list[dict], buckets: list[dict], step_from: int, step_to: int, max_points: int
) -> None:  # type: ignore[type-arg]
    """Every bucket is exact against the raw points it covers; together they cover the range."""
    assert 0 < len(buckets) <= max_points
    by_step = {p["step"]: p["value"] for p in points}
    steps = sorted(by_step)  # each bucket's points by bisection, not a scan of them all
    covered = 0
    previous_end = step_from - 1
    for bucket in buckets:
        assert bucket["stepStart"] > previous_end and bucket["stepEnd"] >= bucket["stepStart"]
        previous_end = bucket["stepEnd"]
        first = bisect.bisect_left(steps, bucket["stepStart"])
        inside = [
            (s, by_step[s]) for s in steps[first : bisect.bisect_right(steps, bucket["stepEnd"])]
        ]
        assert bucket["count"] == len(inside)
        assert bucket["min"] == min(v for _, v in inside)
        assert bucket["max"] == max(v for _, v in inside)
        last_step, last_value = max(inside)
        assert (bucket["lastStep"], bucket["last"]) == (last_step, last_value)
        covered += len(inside)
    assert covered == sum(1 for s in by_step if step_from <= s <= step_to)


async def test_history_buckets_are_exact_and_keep_spikes(tenant):
    ids = await create_run(tenant.client, tenant.org_id)
    points = series("loss", range(60_000), seed=7)
    points[41_234]["value"] = 1_000.0  # a spike that must survive downsampling
    points[7]["value"] = -1_000.0
    await log_points(tenant.client, ids["run"], points)
    for step_from, step_to, max_points in [
        (None, None, 1000),  # whole run: reads the 64-step rollup plus edges
        (None, None, 10),  # coarse: the 4096-step rollup
        (123, 45_678, 300),  # unaligned range: raw head and tail plus rollups
        (1_000, 1_100, 1000),  # narrow: raw points only
        (59_990, 70_000, 5),  # past the end
    ]:
        data = await tenant.client.data(
            HISTORY,
            {
                "id": ids["run"],
                "keys": ["loss"],
                "max": max_points,
                "from": step_from,
                "to": step_to,
            },
        )
        history = data["node"]["metricHistory"]
        assert [h["key"] for h in history] == ["loss"]
        start = step_from if step_from is not None else 0
        end = step_to if step_to is not None else 59_999
        check_buckets(points, history[0]["buckets"], start, end, max_points)
        if start <= 41_234 <= end:
            assert max(b["max"] for b in history[0]["buckets"]) == 1_000.0


async def test_history_of_several_keys_and_unknown_keys(tenant):
    ids = await create_run(tenant.client, tenant.org_id)
    await log_points(
        tenant.client, ids["run"], series("a", range(100)) + series("b", range(50, 70))
    )
    data = await tenant.client.data(
        HISTORY, {"id": ids["run"], "keys": ["a", "b", "zzz"], "max": 7}
    )
    history = {h["key"]: h["buckets"] for h in data["node"]["metricHistory"]}
    assert sum(b["count"] for b in history["a"]) == 100
    assert sum(b["count"] for b in history["b"]) == 20
    assert history["zzz"] == []
    bad = await tenant.client.execute(HISTORY, {"id": ids["run"], "keys": ["a"], "max": 0})
    assert "maxPoints" in bad["errors"][0]["message"]


async def test_columns_input_is_the_same_batch_as_parallel_arrays(tenant):
    ids = await create_run(tenant.client, tenant.org_id)
    columns = {"keys": ["loss", "loss", "acc"], "steps": [0, 1, 0], "values": [0.9, 0.7, 0.5]}
    payload = await tenant.client.mutate(RUN_METRICS_LOG, {"runId": ids["run"], "columns": columns})
    assert (payload["loggedCount"], payload["newCount"], payload["userErrors"]) == (3, 3, [])
    again = await tenant.client.mutate(RUN_METRICS_LOG, {"runId": ids["run"], "columns": columns})
    assert (again["loggedCount"], again["newCount"]) == (3, 0)
    data = await tenant.client.data(SUMMARY, {"id": ids["run"]})
    assert {s["key"]: s["last"] for s in data["node"]["metricSummary"]} == {"acc": 0.5, "loss": 0.7}
    # Points keep their index in error paths whichever shape they came in.
    bad = {**columns, "steps": [0, -1, 0]}
    payload = await tenant.client.mutate(RUN_METRICS_LOG, {"runId": ids["run"], "columns": bad})
    assert_error(payload, "VALIDATION", ["input", "points", "1", "step"])
    ragged = {**columns, "values": [1.0]}
    payload = await tenant.client.mutate(RUN_METRICS_LOG, {"runId": ids["run"], "columns": ragged})
    assert_error(payload, "VALIDATION", ["input", "columns"])
    for both_or_neither in ({"columns": columns, "points": []}, {}):
        payload = await tenant.client.mutate(
            RUN_METRICS_LOG, {"runId": ids["run"], **both_or_neither}
        )
        assert_error(payload, "VALIDATION", ["input", "points"])


async def test_a_finished_run_takes_no_new_points_but_answers_a_retry(tenant, http):
    """COMPLETED, FAILED and KILLED runs accepted new points (newCount 1). Now a finished
    run refuses them; a batch it already holds (a retry whose answer was lost) is answered
    with nothing new, over GraphQL and the bulk endpoint alike."""
    for status in ("COMPLETED", "FAILED", "KILLED"):
        ids = await create_run(tenant.client, tenant.org_id)
        first = [{"key": "loss", "step": 0, "value": 1.0}]
        await log_points(tenant.client, ids["run"], first)
        assert_ok(await tenant.client.mutate(RUN_FINISH, {"runId": ids["run"], "status": status}))
        late = await tenant.client.mutate(
            RUN_METRICS_LOG,
            {"runId": ids["run"], "points": [{"key": "loss", "step": 1, "value": 0.5}]},
        )
        error = assert_error(late, "INVALID_TRANSITION", ["input", "runId"])
        assert error["message"] == f"the run is {status}: a finished run takes no new points"
        retry = assert_ok(
            await tenant.client.mutate(RUN_METRICS_LOG, {"runId": ids["run"], "points": first})
        )
        assert (retry["newCount"], retry["loggedCount"]) == (0, 1)
        bulk = await http.post(
            f"/v1/runs/{ids['run']}/metrics",
            json={"series": {"loss": {"steps": [2], "values": [0.1]}}},
            headers={"Authorization": f"Bearer {tenant.key}"},
        )
        assert bulk.status_code in (400, 409) and "finished run" in bulk.text, bulk.text


async def test_a_short_series_in_a_long_run_is_charted_at_its_own_resolution(tenant):
    """An evaluation logged at steps 0-19 beside a loss logged to step 9,999: asked
    together at 50 points, the evaluation was one bucket (one dot) — buckets were sized
    from the run's longest key. Each key is sized from its own steps."""
    ids = await create_run(tenant.client, tenant.org_id)
    loss = [{"key": "loss", "step": s, "value": 1.0 / (s + 1)} for s in range(0, 10_000, 10)]
    evaluation = [{"key": "eval/acc", "step": s, "value": s / 20} for s in range(20)]
    await log_points(tenant.client, ids["run"], loss + evaluation)
    query = """query($id: ID!) { node(id: $id) { ... on Run {
      metricHistory(keys: ["loss", "eval/acc"], maxPoints: 50) { key
        buckets { stepStart stepEnd } } } } }"""
    for reader in (tenant.client, tenant.client.on_resolvers()):
        histories = (await reader.data(query, {"id": ids["run"]}))["node"]["metricHistory"]
        by_key = {h["key"]: h["buckets"] for h in histories}
        assert [h["key"] for h in histories] == ["loss", "eval/acc"]  # as asked
        assert len(by_key["eval/acc"]) == 20  # every step its own bucket
        assert by_key["eval/acc"][-1]["stepEnd"] == 19
        assert 25 <= len(by_key["loss"]) <= 50 and by_key["loss"][-1]["stepEnd"] >= 9_990
