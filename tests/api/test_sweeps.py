"""Sweeps (issue 29, item 2): a search space over an experiment, tried by trials that are
training jobs on the shared queue. GRID walks the grid, RANDOM and TPE ask Optuna; a
trial's job is claimed by a worker (sweepTrialClaim) with a fresh run holding its params;
its end records its objective and queues the next; the median rule and ASHA stop trials as
their points arrive; stopping the sweep cancels what is left; a worker that dies loses
nothing (its trial goes back to the queue)."""

from __future__ import annotations

from tests.helpers import assert_error, assert_ok
from tests.support.sweeps import (
    CREATE,
    claim_trial,
    create_sweep,
    finish_trial,
    log_loss,
    read_sweep,
    sweep_input,
    sweep_setup,
)


async def test_a_sweep_is_checked_and_errors_name_the_field(tenant, make_tenant):
    client = tenant.client
    ids = await sweep_setup(client, tenant.org_id)

    async def create(**fields):  # type: ignore[no-untyped-def]
        return await client.mutate(CREATE, sweep_input(ids, **fields))

    uniform = {"name": "lr", "distribution": {"uniform": {"low": 0, "high": 1}}}
    cases = [
        ({"parameters": []}, ["parameters"]),
        ({"parameters": [{"name": "1lr", "distribution": {"choice": {"values": [1]}}}]},
         ["parameters", "0", "name"]),
        ({"parameters": [{"name": "a", "distribution": {"choice": {"values": [1, 1]}}}]},
         ["parameters", "0", "distribution", "choice", "values"]),
        ({"parameters": [{"name": "a", "distribution": {"choice": {"values": [{"x": 1}]}}}]},
         ["parameters", "0", "distribution", "choice", "values", "0"]),
        ({"parameters": [{"name": "a", "distribution": {"uniform": {"low": 1, "high": 1}}}]},
         ["parameters", "0", "distribution", "uniform", "high"]),
        ({"parameters": [{"name": "a", "distribution": {"logUniform": {"low": 0, "high": 1}}}]},
         ["parameters", "0", "distribution", "logUniform", "low"]),
        ({"parameters": [{"name": "a", "distribution": {"integer": {"low": 0, "high": 5,
                                                                     "step": 2}}}]},
         ["parameters", "0", "distribution", "integer", "step"]),
        ({"parameters": [uniform, {**uniform}], "method": "RANDOM", "maxTrials": 5},
         ["parameters", "1", "name"]),
        ({"parameters": [uniform]}, ["parameters", "0", "distribution"]),  # a GRID of floats
        ({"maxTrials": 5}, ["maxTrials"]),  # the grid has 4 points
        ({"method": "TPE"}, ["maxTrials"]),
        ({"maxParallel": 0}, ["maxParallel"]),
        ({"metricKey": " loss"}, ["metricKey"]),
        ({"earlyStopping": {"asha": {"minStep": 0}}}, ["earlyStopping", "asha", "minStep"]),
        ({"earlyStopping": {"asha": {"eta": 1}}}, ["earlyStopping", "asha", "eta"]),
        ({"earlyStopping": {"median": {"startupTrials": 101}}},
         ["earlyStopping", "median", "startupTrials"]),
        ({"job": {"config": {}}}, ["job", "image"]),
        ({"job": {"image": "x", "resources": {"useGpu": True, "gpus": 1, "gpuType": "h100"}}},
         ["job", "resources", "gpuType"]),
    ]  # fmt: skip
    for fields, field in cases:
        assert_error(await create(**fields), "VALIDATION", ["input", *field])
    both = await client.execute(CREATE, {"input": sweep_input(ids, parameters=[
        {"name": "a", "distribution": {"choice": {"values": [1]},
                                       "uniform": {"low": 0, "high": 1}}}])})  # fmt: skip
    assert both["errors"] and "exactly one" in both["errors"][0]["message"].lower()

    stranger = (await make_tenant("sweep-stranger")).client
    theirs = await stranger.mutate(CREATE, sweep_input(ids))
    assert_error(theirs, "NOT_FOUND", ["input", "experimentId"])


async def test_a_grid_sweep_runs_its_trials_as_jobs_and_finishes(tenant):
    client = tenant.client
    ids = await sweep_setup(client, tenant.org_id)
    sweep = await create_sweep(client, ids, maxParallel=2)
    assert (sweep["status"], sweep["maxTrials"], sweep["trialsMade"], sweep["trialsActive"]) == (
        "RUNNING", 4, 2, 2)  # fmt: skip
    assert sweep["parameters"] == [
        {"name": "lr", "kind": "CHOICE", "values": [0.1, 0.01], "low": None, "high": None,
         "step": None},
        {"name": "layers", "kind": "INTEGER", "values": None, "low": 1, "high": 2, "step": 1},
    ]  # fmt: skip
    trials = (await read_sweep(client, sweep["id"]))["trials"]["nodes"]
    assert [(t["number"], t["params"], t["status"]) for t in trials] == [
        (0, {"lr": 0.1, "layers": 1}, "ACTIVE"),
        (1, {"lr": 0.1, "layers": 2}, "ACTIVE"),
    ]
    # Each trial is a queued training job carrying its params in its config.
    assert [(t["trainingJob"]["status"], t["trainingJob"]["config"]) for t in trials] == [
        ("QUEUED", {"epochs": 3, "params": {"lr": 0.1, "layers": 1}}),
        ("QUEUED", {"epochs": 3, "params": {"lr": 0.1, "layers": 2}})]  # fmt: skip

    first = await claim_trial(client, sweep["id"], "w1")
    second = await claim_trial(client, sweep["id"], "w2")
    assert (first["trial"]["number"], second["trial"]["number"]) == (0, 1)
    assert first["run"]["params"] == {"lr": 0.1, "layers": 1}
    assert first["trial"]["trainingJob"]["run"]["id"] == first["run"]["id"]
    assert first["trial"]["trainingJob"]["leaseOwner"] == "w1"
    none = await claim_trial(client, sweep["id"], "w3")  # maxParallel: both are out
    assert none["trial"] is None and none["sweep"]["trialsActive"] == 2

    await log_loss(client, first["run"]["id"], [0, 1, 2], [0.9, 0.5, 0.4])
    assert_ok(await finish_trial(client, first["trial"]))
    after = await read_sweep(client, sweep["id"])
    done = after["trials"]["nodes"][0]
    assert (done["status"], done["value"], done["endedAt"] is not None) == ("COMPLETED", 0.4, True)
    assert (after["trialsMade"], after["trialsCompleted"], after["bestValue"]) == (3, 1, 0.4)
    assert after["trials"]["nodes"][2]["params"] == {"lr": 0.01, "layers": 1}  # queued at once

    failed = await finish_trial(client, second["trial"], "FAILED", errorMessage="OOM")
    assert_ok(failed)
    third = await claim_trial(client, sweep["id"], "w2")
    fourth = await claim_trial(client, sweep["id"], "w3")
    assert (third["trial"]["number"], fourth["trial"]["number"]) == (2, 3)
    await log_loss(client, third["run"]["id"], [0, 1], [0.8, 0.3])
    assert_ok(await finish_trial(client, third["trial"]))
    await log_loss(client, fourth["run"]["id"], [0, 1], [0.8, 0.6])
    assert_ok(await finish_trial(client, fourth["trial"]))

    final = await read_sweep(client, sweep["id"])
    assert (final["status"], final["endedAt"] is not None) == ("FINISHED", True)
    assert [(t["status"], t["value"], t["stopReason"]) for t in final["trials"]["nodes"]] == [
        ("COMPLETED", 0.4, None), ("FAILED", None, "OOM"), ("COMPLETED", 0.3, None),
        ("COMPLETED", 0.6, None)]  # fmt: skip
    counts = [final[k] for k in ("trialsMade", "trialsActive", "trialsCompleted",
                                 "trialsFailed", "bestValue")]  # fmt: skip
    assert counts == [4, 0, 3, 1, 0.3]
    assert (await claim_trial(client, sweep["id"]))["trial"] is None
