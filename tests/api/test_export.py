"""Bulk export: an experiment's runs and metric points streamed as Arrow or Parquet over
HTTP, read back with pyarrow; filtered with the run query language, resumable after a run,
kept to the caller's runs."""

from __future__ import annotations

import io
import json
import math

import httpx
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tests.helpers import (
    EXPERIMENT_CREATE,
    RUN_CREATE,
    RUN_FINISH,
    assert_ok,
    create_project,
    log_points,
)


@pytest.fixture(scope="module")
async def exported(make_tenant):  # type: ignore[no-untyped-def]
    """Three runs: lr 0.1 / 0.01 / 0.001, loss at steps 0-99 (a NaN in the last run), acc
    at steps 0-9; the first finished."""
    tenant = await make_tenant("export")
    project = await create_project(tenant.client, tenant.org_id)
    made = await tenant.client.mutate(EXPERIMENT_CREATE, {"projectId": project["id"], "name": "x"})
    experiment = assert_ok(made)["experiment"]["id"]
    runs = []
    for index, lr in enumerate((0.1, 0.01, 0.001)):
        run = assert_ok(
            await tenant.client.mutate(
                RUN_CREATE,
                {"experimentId": experiment, "name": f"run-{index}", "params": {"lr": lr},
                 "tags": {"team": "vision"}},
            )
        )["run"]  # fmt: skip
        points = [{"key": "loss", "step": s, "value": 1 / (1 + s)} for s in range(100)]
        if index == 2:
            points[50]["value"] = "NaN"
        points += [{"key": "acc", "step": s, "value": s / 10} for s in range(10)]
        await log_points(tenant.client, run["id"], points)
        runs.append(run["id"])
    assert_ok(await tenant.client.mutate(RUN_FINISH, {"runId": runs[0], "status": "COMPLETED"}))
    return tenant, experiment, runs


async def export(
    http: httpx.AsyncClient, key: str, experiment: str, what: str, **body: object
) -> httpx.Response:
    return await http.post(
        f"/v1/experiments/{experiment}/export/{what}",
        json=body,
        headers={"Authorization": f"Bearer {key}"},
    )


def arrow(reply: httpx.Response) -> pa.Table:
    assert reply.status_code == 200, reply.text
    assert reply.headers["content-type"] == "application/vnd.apache.arrow.stream"
    return pa.ipc.open_stream(reply.content).read_all()


async def test_runs_with_params_and_summaries(http, exported) -> None:  # type: ignore[no-untyped-def]
    tenant, experiment, runs = exported
    table = arrow(await export(http, tenant.key, experiment, "runs"))
    assert table.column("id").to_pylist() == runs
    assert table.column("status").to_pylist() == ["COMPLETED", "RUNNING", "RUNNING"]
    assert [json.loads(p)["lr"] for p in table.column("params").to_pylist()] == [0.1, 0.01, 0.001]
    metrics = table.column("metrics").to_pylist()[2]
    loss = next(m for m in metrics if m["key"] == "loss")
    assert loss["count"] == 100 and loss["last"] == pytest.approx(1 / 100)
    assert loss["min"] == pytest.approx(1 / 100) and loss["max"] == 1.0


async def test_points_as_columns_nan_included(http, exported) -> None:  # type: ignore[no-untyped-def]
    tenant, experiment, runs = exported
    table = arrow(await export(http, tenant.key, experiment, "points"))
    assert table.num_rows == 3 * 110
    last = table.filter(pa.compute.equal(table.column("run_id").cast(pa.string()), runs[2]))
    loss = last.filter(pa.compute.equal(last.column("key").cast(pa.string()), "loss"))
    values = loss.column("value").to_pylist()
    assert loss.column("step").to_pylist() == list(range(100))
    assert math.isnan(values[50]) and values[0] == 1.0
    only_acc = arrow(await export(http, tenant.key, experiment, "points", keys=["acc"]))
    assert set(only_acc.column("key").cast(pa.string()).to_pylist()) == {"acc"}
    assert only_acc.num_rows == 30


async def test_a_query_picks_the_runs_and_after_resumes(http, exported) -> None:  # type: ignore[no-untyped-def]
    tenant, experiment, runs = exported
    picked = arrow(await export(http, tenant.key, experiment, "runs", query="params.lr < 0.05"))
    assert picked.column("id").to_pylist() == runs[1:]
    resumed = arrow(await export(http, tenant.key, experiment, "points", after=runs[0]))
    assert set(resumed.column("run_id").cast(pa.string()).to_pylist()) == set(runs[1:])


async def test_parquet(http, exported) -> None:  # type: ignore[no-untyped-def]
    tenant, experiment, runs = exported
    reply = await export(http, tenant.key, experiment, "points", format="parquet")
    assert reply.headers["content-type"] == "application/vnd.apache.parquet"
    table = pq.read_table(io.BytesIO(reply.content))
    assert table.num_rows == 330 and table.column_names == [
        "run_id",
        "key",
        "step",
        "value",
        "time",
    ]


async def test_points_in_buckets(http, exported) -> None:  # type: ignore[no-untyped-def]
    tenant, experiment, runs = exported
    table = arrow(await export(http, tenant.key, experiment, "points", bucketSize=16))
    assert table.column_names == [
        "run_id", "key", "step_start", "min", "max", "last", "last_step", "count", "nonfinite",
    ]  # fmt: skip
    rows = {(row["run_id"], row["key"], row["step_start"]): row for row in table.to_pylist()}
    assert len(rows) == 3 * (7 + 1)  # loss: 0-99 in 7 buckets of 16; acc: 0-9 in one
    first = rows[(runs[0], "loss", 0)]
    assert first["count"] == 16 and first["last_step"] == 15 and first["nonfinite"] == 0
    assert first["max"] == 1.0 and first["min"] == pytest.approx(1 / 16)
    assert first["last"] == pytest.approx(1 / 16)
    nan_bucket = rows[(runs[2], "loss", 48)]  # step 50 is NaN: left out of min and max
    assert nan_bucket["count"] == 16 and nan_bucket["nonfinite"] == 1
    assert nan_bucket["max"] == pytest.approx(1 / 49) and nan_bucket["min"] == pytest.approx(1 / 64)
    tail = rows[(runs[1], "loss", 96)]
    assert tail["count"] == 4 and tail["last_step"] == 99
    for size in (0, 1.5, "16", True):
        bad = await export(http, tenant.key, experiment, "points", bucketSize=size)
        assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == ["bucketSize"]


async def test_refusals(http, exported, make_tenant) -> None:  # type: ignore[no-untyped-def]
    tenant, experiment, _ = exported
    bad = await export(http, tenant.key, experiment, "runs", query="params.lr <")
    assert bad.status_code == 400 and "at character 12" in bad.json()["errors"][0]["message"]
    wrong = await export(http, tenant.key, experiment, "runs", format="csv")
    assert wrong.status_code == 400 and wrong.json()["errors"][0]["field"] == ["format"]
    other = await make_tenant()
    hidden = await export(http, other.key, experiment, "points")
    assert hidden.status_code == 404 and hidden.json()["errors"][0]["code"] == "NOT_FOUND"
    nobody = await http.post(f"/v1/experiments/{experiment}/export/runs", json={})
    assert nobody.status_code == 401
