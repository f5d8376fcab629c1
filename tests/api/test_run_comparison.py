"""`Experiment.comparison`: runs grouped by params, compared per step bucket on the server —
checked against the same statistics computed here from the points the test logged, on the
raw-point path (short runs) and on the rollup path (long ones)."""

from __future__ import annotations

import math
import statistics
from typing import Any

import pytest

from tests.helpers import EXPERIMENT_CREATE, RUN_CREATE, assert_ok, create_project, log_points
from tests.ws import SubscriptionError, WSClient

COMPARISON = """query($id: ID!, $keys: [String!]!, $groupBy: [String!], $filter: RunFilterInput,
                     $maxPoints: Int!) {
  node(id: $id) { ... on Experiment {
    comparison(keys: $keys, groupBy: $groupBy, filter: $filter, maxPoints: $maxPoints) {
      bucketSize
      groups { params runCount series { key stepStart mean std min max runs } }
    } } } }"""


def value(optimizer: str, seed: int, step: int) -> float:
    base = 1.0 if optimizer == "adam" else 2.0
    return base / (1 + step) + seed * 0.01 + (step % 7) * 0.001


RUN_IDS: dict[tuple[str, str, int], str] = {}  # (experiment, optimizer, seed) -> run id


async def experiment_with(tenant: Any, steps: list[int], nan_at: int | None) -> tuple[str, dict]:  # type: ignore[type-arg]
    """Six runs: optimizer adam or sgd × seed 1-3, loss at ``steps``; one sgd run logs NaN
    at ``nan_at``. Returns the experiment and the points logged, by run (their ids are
    in RUN_IDS)."""
    project = await create_project(tenant.client, tenant.org_id)
    made = await tenant.client.mutate(EXPERIMENT_CREATE, {"projectId": project["id"], "name": "c"})
    experiment = assert_ok(made)["experiment"]["id"]
    logged: dict[tuple[str, int], dict[int, float]] = {}
    for optimizer in ("adam", "sgd"):
        for seed in (1, 2, 3):
            params = {"optimizer": optimizer, "seed": seed}
            run = assert_ok(
                await tenant.client.mutate(
                    RUN_CREATE, {"experimentId": experiment, "params": params}
                )
            )["run"]
            RUN_IDS[(experiment, optimizer, seed)] = run["id"]
            points = {step: value(optimizer, seed, step) for step in steps}
            if nan_at is not None and (optimizer, seed) == ("sgd", 2):
                points[nan_at] = math.nan
            logged[(optimizer, seed)] = points
            await log_points(
                tenant.client,
                run["id"],
                [
                    {"key": "loss", "step": s, "value": "NaN" if math.isnan(v) else v}
                    for s, v in points.items()
                ],
            )
    return experiment, logged


def expected(logged: dict, optimizer: str, size: int) -> dict[str, list[Any]]:  # type: ignore[type-arg]
    """The statistics the server must give, from the raw points."""
    runs = [points for (opt, _), points in logged.items() if opt == optimizer]
    buckets = sorted({step // size for points in runs for step in points})
    out: dict[str, list[Any]] = {k: [] for k in ("stepStart", "mean", "std", "min", "max", "runs")}
    for bucket in buckets:
        lasts, everything = [], []
        for points in runs:
            inside = {s: v for s, v in points.items() if s // size == bucket}
            if inside:
                last = inside[max(inside)]
                if math.isfinite(last):
                    lasts.append(last)
                everything += [v for v in inside.values() if math.isfinite(v)]
        out["stepStart"].append(bucket * size)
        out["mean"].append(statistics.fmean(lasts) if lasts else None)
        out["std"].append(statistics.stdev(lasts) if len(lasts) > 1 else None)
        out["min"].append(min(everything) if everything else None)
        out["max"].append(max(everything) if everything else None)
        out["runs"].append(len(lasts))
    return out


def close(got: list[Any], want: list[Any]) -> bool:
    return len(got) == len(want) and all(
        (g is None and w is None)
        or (g is not None and w is not None and math.isclose(g, w, rel_tol=1e-9, abs_tol=1e-12))
        for g, w in zip(got, want, strict=True)
    )


@pytest.mark.parametrize(
    ("steps", "max_points", "size"),
    [
        (list(range(200)), 4, 50),  # short runs: raw points, 50-step buckets
        (list(range(0, 20_000, 100)), 10, 2048),  # long: the 64-step rollups, 2,048 a bucket
    ],
)
async def test_groups_compare_exactly(tenant, steps, max_points, size) -> None:  # type: ignore[no-untyped-def]
    experiment, logged = await experiment_with(tenant, steps, nan_at=steps[-1])
    variables = {
        "id": experiment,
        "keys": ["loss"],
        "groupBy": ["optimizer"],
        "maxPoints": max_points,
    }
    found = (await tenant.client.data(COMPARISON, variables))["node"]["comparison"]
    assert found["bucketSize"] == size
    groups = {g["params"]["optimizer"]: g for g in found["groups"]}
    assert set(groups) == {"adam", "sgd"}
    for optimizer, group in groups.items():
        assert group["runCount"] == 3
        [series] = group["series"]
        want = expected(logged, optimizer, size)
        assert series["stepStart"] == want["stepStart"] and series["runs"] == want["runs"]
        for column in ("mean", "std", "min", "max"):
            assert close(series[column], want[column]), (optimizer, column)
    # The last bucket: one sgd run's last value there is NaN, so two runs count.
    assert groups["sgd"]["series"][0]["runs"][-1] == 2
    assert groups["adam"]["series"][0]["runs"][-1] == 3


async def test_a_filter_and_no_grouping(tenant) -> None:  # type: ignore[no-untyped-def]
    experiment, logged = await experiment_with(tenant, list(range(10)), nan_at=None)
    variables = {
        "id": experiment, "keys": ["loss"], "groupBy": [], "maxPoints": 10,
        "filter": {"query": "params.seed >= 2"},
    }  # fmt: skip
    [group] = (await tenant.client.data(COMPARISON, variables))["node"]["comparison"]["groups"]
    assert group["params"] == {} and group["runCount"] == 4
    series = group["series"][0]
    picked = [points for (_, seed), points in logged.items() if seed >= 2]
    assert series["runs"] == [4] * 10
    assert close(series["mean"], [statistics.fmean(p[s] for p in picked) for s in range(10)])


async def test_bad_arguments_are_refused(tenant) -> None:  # type: ignore[no-untyped-def]
    experiment, _ = await experiment_with(tenant, [0], nan_at=None)
    for variables, says in (
        ({"keys": [], "maxPoints": 10}, "give 1 to 20 metric keys"),
        ({"keys": ["loss"], "maxPoints": 0}, "maxPoints must be between 1 and 5000"),
        (
            {"keys": ["loss"], "groupBy": ["a", "b", "c", "d", "e", "f"], "maxPoints": 5},
            "at most 5",
        ),
    ):
        body = await tenant.client.execute(COMPARISON, {"id": experiment, **variables})
        assert says in body["errors"][0]["message"]


async def test_another_tenant_compares_nothing_of_it(tenant, make_tenant) -> None:  # type: ignore[no-untyped-def]
    experiment, _ = await experiment_with(tenant, [0, 1], nan_at=None)
    other = await make_tenant()
    variables = {"id": experiment, "keys": ["loss"], "maxPoints": 10}
    assert (await other.client.data(COMPARISON, variables))["node"] is None


LIVE = """subscription($id: ID!, $keys: [String!]!, $groupBy: [String!], $maxPoints: Int!,
                      $filter: RunFilterInput) {
  experimentComparison(experimentId: $id, keys: $keys, groupBy: $groupBy,
                       maxPoints: $maxPoints, filter: $filter) {
    reset comparison { bucketSize stepTo
      groups { params runCount series { key stepStart mean std min max runs } } } } }"""

PLANNED = """query($id: ID!, $keys: [String!]!, $groupBy: [String!], $maxPoints: Int!,
                 $to: Int!, $filter: RunFilterInput) {
  node(id: $id) { ... on Experiment {
    comparison(keys: $keys, groupBy: $groupBy, maxPoints: $maxPoints, stepTo: $to,
               filter: $filter) {
      bucketSize stepTo groups { params runCount series { key stepStart mean std min max runs } }
    } } } }"""

Chart = dict[tuple[str, str, int], tuple[Any, ...]]  # (group, key, stepStart) -> row


def rows_of(comparison: dict[str, Any]) -> Chart:
    return {
        (group["params"]["optimizer"], series["key"], start): tuple(
            series[c][i] for c in ("mean", "std", "min", "max", "runs")
        )
        for group in comparison["groups"]
        for series in group["series"]
        for i, start in enumerate(series["stepStart"])
    }


async def test_a_live_comparison_sends_only_what_changed(server, tenant) -> None:  # type: ignore[no-untyped-def]
    experiment, _ = await experiment_with(tenant, list(range(100)), nan_at=None)
    variables = {"id": experiment, "keys": ["loss"], "groupBy": ["optimizer"], "maxPoints": 50}
    chart: Chart = {}
    plan: dict[str, int] = {}
    client = await WSClient.connect(server.base_url, tenant.key)

    async def apply() -> dict[str, Any]:
        update = (await client.next())["experimentComparison"]
        found = update["comparison"]
        if update["reset"]:
            chart.clear()
        plan.update(size=found["bucketSize"], to=found["stepTo"])
        chart.update(rows_of(found))
        return update

    async def matches_a_fresh_read() -> None:
        fresh = await tenant.client.data(PLANNED, {**variables, "to": plan["to"]})
        comparison = fresh["node"]["comparison"]
        assert comparison["bucketSize"] == plan["size"]
        assert chart == rows_of(comparison)

    async def log(optimizer: str, seed: int, steps: list[int]) -> None:
        run = RUN_IDS[(experiment, optimizer, seed)]
        await log_points(
            tenant.client, run, [{"key": "loss", "step": s, "value": -s} for s in steps]
        )

    try:
        await client.subscribe(LIVE, variables)
        first = await apply()
        # Planned over twice the steps logged (0..199) in 50 buckets: 4 steps each, raw.
        assert first["reset"] and plan == {"size": 4, "to": 199}
        assert len(chart) == 2 * 25
        await matches_a_fresh_read()
        # One adam run logs into a new bucket: that bucket of that group alone comes.
        await log("adam", 1, [100, 101])
        update = await apply()
        assert not update["reset"]
        [group] = update["comparison"]["groups"]
        assert group["params"] == {"optimizer": "adam"} and group["runCount"] == 3
        assert group["series"][0]["stepStart"] == [100]
        assert group["series"][0]["runs"] == [1] and group["series"][0]["min"] == [-101]
        # Two sgd runs log into one bucket: one update, one bucket, two runs.
        await log("sgd", 1, [104])
        await log("sgd", 2, [105])
        seen = 0
        while seen < 2:  # the commits may come as one update or two
            update = await apply()
            assert not update["reset"]
            [group] = update["comparison"]["groups"]
            assert group["params"] == {"optimizer": "sgd"}
            assert group["series"][0]["stepStart"] == [104]
            seen = group["series"][0]["runs"][0]
        await matches_a_fresh_read()
        # A run outgrows the plan: planned again, over 0..1,001, and sent whole.
        await log("adam", 2, [500])
        update = await apply()
        assert update["reset"] and plan == {"size": 21, "to": 1001}
        await matches_a_fresh_read()
    finally:
        await client.close()


async def test_a_live_comparison_of_another_tenant_is_refused(server, tenant, make_tenant) -> None:  # type: ignore[no-untyped-def]
    experiment, _ = await experiment_with(tenant, [0, 1], nan_at=None)
    other = await make_tenant()
    client = await WSClient.connect(server.base_url, other.key)
    try:
        await client.subscribe(LIVE, {"id": experiment, "keys": ["loss"], "maxPoints": 10})
        with pytest.raises(SubscriptionError, match="experiment not found"):
            await client.next()
    finally:
        await client.close()
