"""Sweeps (issue 29, item 2): a search space over an experiment, tried by trials that are
training jobs on the shared queue. GRID walks the grid, RANDOM and TPE ask Optuna; a
trial's job is claimed by a worker (sweepTrialClaim) with a fresh run holding its params;
its end records its objective and queues the next; the median rule and ASHA stop trials as
their points arrive; stopping the sweep cancels what is left; a worker that dies loses
nothing (its trial goes back to the queue)."""

from __future__ import annotations

import asyncio
import math
from typing import Any

import httpx
import optuna
import pytest
from gql import gql
from gql.transport.exceptions import TransportQueryError

from tests.conftest import GraphQLClient
from tests.helpers import assert_error, assert_ok
from tests.support.real_clients import TRANSPORT_WS, ws_client
from tests.support.sweeps import (
    CREATE,
    HEARTBEAT,
    LOG,
    STOP,
    claim_trial,
    create_sweep,
    finish_trial,
    log_loss,
    read_sweep,
    sweep_input,
    sweep_setup,
)
from tests.support.training_queue import expire_lease


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
        ({"parameters": [{"name": "a", "distribution": {"choice": {"values": [1.0, 2.5e20]}}}]},
         ["parameters", "0", "distribution", "choice", "values", "1"]),
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


def optuna_distributions():  # type: ignore[no-untyped-def]
    from optuna.distributions import (
        CategoricalDistribution,
        FloatDistribution,
        IntDistribution,
    )

    return {
        "lr": FloatDistribution(1e-4, 1e-1, log=True),
        "optimizer": CategoricalDistribution(("adam", "sgd")),
        "layers": IntDistribution(1, 8),
    }


SPACE = [
    {"name": "lr", "distribution": {"logUniform": {"low": 1e-4, "high": 1e-1}}},
    {"name": "optimizer", "distribution": {"choice": {"values": ["adam", "sgd"]}}},
    {"name": "layers", "distribution": {"integer": {"low": 1, "high": 8}}},
]


def score(params) -> float:  # type: ignore[no-untyped-def]
    """A made-up objective with a minimum at lr = 0.01, 4 layers, adam."""
    return (
        (math.log10(params["lr"]) + 2) ** 2
        + (params["layers"] - 4) ** 2 / 10
        + (0.5 if params["optimizer"] == "sgd" else 0.0)
    )


def optuna_asks(sampler, history):  # type: ignore[no-untyped-def]
    """What Optuna itself proposes after ``history`` (params, value) with ``sampler``."""
    study = optuna.create_study(direction="minimize", sampler=sampler)
    distributions = optuna_distributions()
    study.add_trials([optuna.trial.create_trial(params=p, distributions=distributions, value=v)
                      for p, v in history])  # fmt: skip
    return study.ask(distributions).params


async def test_random_and_tpe_trials_are_what_optuna_proposes(tenant):
    """RANDOM: each trial is Optuna's RandomSampler seeded with seed + number. TPE: Optuna's
    TPESampler, given the trials completed before it (after its 10 random start-up trials,
    the model's proposals): the server's trials are exactly what Optuna proposes."""
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    client = tenant.client
    ids = await sweep_setup(client, tenant.org_id)
    drawn = await create_sweep(client, ids, method="RANDOM", parameters=SPACE, seed=7,
                               maxTrials=3, maxParallel=3)  # fmt: skip
    # Its space as the sweep page reads it: the same bytes on both paths.
    space = """query($id: ID!) { node(id: $id) { ... on Sweep {
      parameters { __typename name kind values low high step } p: parameters { step name } } } }"""
    compiled = await client.post(space, {"id": drawn["id"]})
    assert compiled.headers["x-mlgraph-path"] == "compiled"
    assert (
        compiled.content == (await client.on_resolvers().post(space, {"id": drawn["id"]})).content
    )
    kinds = {p["kind"] for p in compiled.json()["data"]["node"]["parameters"]}
    assert len(kinds) >= 3, kinds
    trials = (await read_sweep(client, drawn["id"]))["trials"]["nodes"]
    assert [t["params"] for t in trials] == [
        optuna_asks(optuna.samplers.RandomSampler(seed=7 + n), []) for n in range(3)
    ]

    tpe = await create_sweep(client, ids, method="TPE", parameters=SPACE, seed=11,
                             maxTrials=12)  # fmt: skip
    history = []
    for n in range(12):
        claimed = await claim_trial(client, tpe["id"])
        params = claimed["trial"]["params"]
        assert params == optuna_asks(optuna.samplers.TPESampler(seed=11 + n), history), n
        await log_loss(client, claimed["run"]["id"], [0], [score(params)])
        assert_ok(await finish_trial(client, claimed["trial"]))
        history.append((params, score(params)))
    final = await read_sweep(client, tpe["id"])
    assert (final["status"], final["trialsCompleted"]) == ("FINISHED", 12)
    assert final["bestValue"] == min(v for _, v in history)


MEDIAN = {"median": {"minStep": 2, "startupTrials": 1}}
CHOICE = [{"name": "seed", "distribution": {"choice": {"values": [1, 2, 3]}}}]


async def test_the_median_rule_stops_a_trial_worse_than_the_completed_ones(tenant):
    client = tenant.client
    ids = await sweep_setup(client, tenant.org_id)
    sweep = await create_sweep(client, ids, parameters=CHOICE, earlyStopping=MEDIAN)
    first = await claim_trial(client, sweep["id"])
    falling = [1.0, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1]
    await log_loss(client, first["run"]["id"], list(range(10)), falling)
    assert_ok(await finish_trial(client, first["trial"]))  # completed: the rule may start

    bad = await claim_trial(client, sweep["id"], "w2")
    run = bad["run"]["id"]
    await log_loss(client, run, [0, 1], [5.0, 5.0])  # before minStep: not judged
    heartbeat = {"trainingJobId": bad["trial"]["trainingJob"]["id"], "worker": "w2"}
    assert_ok(await client.mutate(HEARTBEAT, heartbeat))
    await log_loss(client, run, [2, 3], [5.0, 5.0])  # best 5 > the median at step 3 (0.7)
    trial = (await read_sweep(client, sweep["id"]))["trials"]["nodes"][1]
    reason = (f"stopped early by sweep {sweep['name']}'s median rule at step 3: its best "
              "val/loss so far (5) is worse than the median of the completed trials there (0.7)")  # fmt: skip
    assert (trial["status"], trial["prunedStep"], trial["stopReason"]) == ("PRUNED", 3, reason)
    assert (trial["trainingJob"]["status"], trial["trainingJob"]["errorMessage"]) == (
        "CANCELLED", reason)  # fmt: skip
    refused = await client.mutate(HEARTBEAT, heartbeat)  # the worker learns why
    assert_error(refused, "CONFLICT", ["input", "worker"])
    assert reason in refused["userErrors"][0]["message"]

    good = await claim_trial(client, sweep["id"], "w3")  # the next trial was queued
    await log_loss(client, good["run"]["id"], [0, 1, 2, 3], [0.9, 0.8, 0.6, 0.5])
    assert_ok(await finish_trial(client, good["trial"]))
    final = await read_sweep(client, sweep["id"])
    assert [t["status"] for t in final["trials"]["nodes"]] == ["COMPLETED", "PRUNED", "COMPLETED"]
    assert (final["status"], final["trialsPruned"], final["bestValue"]) == ("FINISHED", 1, 0.1)


async def test_asha_stops_a_trial_not_among_the_best_at_a_rung(tenant):
    client = tenant.client
    ids = await sweep_setup(client, tenant.org_id)
    asha = {"asha": {"minStep": 1, "eta": 2}}  # rungs at steps 1, 2, 4, 8, ...
    sweep = await create_sweep(client, ids, parameters=CHOICE, earlyStopping=asha)
    first = await claim_trial(client, sweep["id"])
    await log_loss(client, first["run"]["id"], [0, 1, 2, 3, 4], [1.0, 0.5, 0.4, 0.3, 0.2])
    assert_ok(await finish_trial(client, first["trial"]))  # first at each rung: goes on

    worse = await claim_trial(client, sweep["id"])
    await log_loss(client, worse["run"]["id"], [0, 1], [1.0, 0.9])  # 0.9 vs 0.5 at rung 1
    better = await claim_trial(client, sweep["id"])
    await log_loss(client, better["run"]["id"], [0, 1, 2], [1.0, 0.3, 0.35])
    trials = (await read_sweep(client, sweep["id"]))["trials"]["nodes"]
    assert [(t["status"], t["rungValues"], t["prunedStep"]) for t in trials] == [
        ("COMPLETED", [0.5, 0.4, 0.2], None),
        ("PRUNED", [0.9], 1),
        ("ACTIVE", [0.3, 0.35], None),  # the best at rung 1 (of 3) and at rung 2 (of 2)
    ]  # fmt: skip
    assert "is not among the best 1 of the 2 trials that reached it" in trials[1]["stopReason"]


async def test_stopping_a_sweep_cancels_its_trials_and_tells_their_workers(tenant, make_tenant):
    client = tenant.client
    ids = await sweep_setup(client, tenant.org_id)
    sweep = await create_sweep(client, ids, maxParallel=2)
    running = await claim_trial(client, sweep["id"], "w1")
    stranger = (await make_tenant("sweep-stopper")).client
    assert_error(await stranger.mutate(STOP, {"sweepId": sweep["id"]}), "NOT_FOUND",
                 ["input", "sweepId"])  # fmt: skip

    stopped = assert_ok(await client.mutate(STOP, {"sweepId": sweep["id"], "reason": "budget"}))
    assert (stopped["sweep"]["status"], stopped["sweep"]["stopReason"]) == ("STOPPED", "budget")
    why = f"sweep {sweep['name']} was stopped: budget"
    trials = (await read_sweep(client, sweep["id"]))["trials"]["nodes"]
    assert [(t["status"], t["stopReason"], t["trainingJob"]["status"]) for t in trials] == [
        ("CANCELLED", why, "CANCELLED"), ("CANCELLED", why, "CANCELLED")]  # fmt: skip
    heartbeat = {"trainingJobId": running["trial"]["trainingJob"]["id"], "worker": "w1"}
    refused = await client.mutate(HEARTBEAT, heartbeat)
    assert_error(refused, "CONFLICT", ["input", "worker"])
    assert why in refused["userErrors"][0]["message"]
    assert (await claim_trial(client, sweep["id"]))["trial"] is None
    again = await client.mutate(STOP, {"sweepId": sweep["id"]})
    assert_error(again, "INVALID_TRANSITION", ["input", "sweepId"])
    final = await read_sweep(client, sweep["id"])
    assert (final["trialsMade"], final["trialsActive"], final["trialsCancelled"]) == (2, 0, 2)


JOB_RUNS = """query($id: ID!) { node(id: $id) { ... on TrainingJob {
  runs { nodes { id trainingJob { id } } } } } }"""


async def test_a_trial_whose_worker_died_goes_back_to_the_queue(tenant, database_url):
    client = tenant.client
    ids = await sweep_setup(client, tenant.org_id)
    sweep = await create_sweep(client, ids)
    lost = await claim_trial(client, sweep["id"], "w1")
    await log_loss(client, lost["run"]["id"], [0, 1], [0.9, 0.8])
    await expire_lease(database_url, lost["trial"]["trainingJob"]["id"])
    again = await claim_trial(client, sweep["id"], "w2")
    assert again["trial"]["id"] == lost["trial"]["id"]  # the same trial, not a new one
    assert again["trial"]["trainingJob"]["claims"] == 2
    assert again["run"]["id"] != lost["run"]["id"]
    # Both attempts are the job's runs, first to last; each run knows its job.
    attempts = await client.data(JOB_RUNS, {"id": lost["trial"]["trainingJob"]["id"]})
    assert [r["id"] for r in attempts["node"]["runs"]["nodes"]] == [
        lost["run"]["id"], again["run"]["id"]]  # fmt: skip
    assert {r["trainingJob"]["id"] for r in attempts["node"]["runs"]["nodes"]} == {
        lost["trial"]["trainingJob"]["id"]}  # fmt: skip
    old = await client.data("query($id: ID!) { node(id: $id) { ... on Run { status "
                            "failureReason } } }", {"id": lost["run"]["id"]})  # fmt: skip
    assert old["node"] == {
        "status": "FAILED",
        "failureReason": "its worker stopped sending heartbeats; the trial went back to the queue",
    }
    heartbeat = {"trainingJobId": lost["trial"]["trainingJob"]["id"], "worker": "w1"}
    assert_error(await client.mutate(HEARTBEAT, heartbeat), "CONFLICT", ["input", "worker"])
    await log_loss(client, again["run"]["id"], [0, 1], [0.9, 0.7])
    assert_ok(await finish_trial(client, again["trial"]))
    trial = (await read_sweep(client, sweep["id"]))["trials"]["nodes"][0]
    assert (trial["status"], trial["value"]) == ("COMPLETED", 0.7)


async def test_claims_at_once_through_two_processes_never_share_a_trial(tenant, other_servers):
    client = tenant.client
    ids = await sweep_setup(client, tenant.org_id)
    sweep = await create_sweep(client, ids, maxParallel=4)

    async def claims(base_url: str, worker: str) -> list[dict]:  # type: ignore[type-arg]
        async with httpx.AsyncClient(base_url=base_url, timeout=60) as http:
            there = GraphQLClient(http, tenant.key)
            return [await claim_trial(there, sweep["id"], f"{worker}-{i}") for i in range(3)]

    first, second = other_servers
    got = await asyncio.gather(*(claims(s.base_url, f"{n}{i}") for n, s in
                                 (("a", first), ("b", second)) for i in range(2)))  # fmt: skip
    claimed = [c for worker in got for c in worker if c["trial"] is not None]
    assert len(claimed) == 4  # maxParallel: the 8 other claims got none
    assert len({c["trial"]["id"] for c in claimed}) == len({c["run"]["id"] for c in claimed}) == 4
    assert {c["trial"]["number"] for c in claimed} == {0, 1, 2, 3}


STATUS = """subscription($id: ID!) { sweepStatus(sweepId: $id) {
  sweepId status trialsMade trialsActive trialsCompleted bestValue version } }"""


async def test_a_sweeps_progress_streams_to_a_subscriber_until_it_finishes(
    server, tenant, make_tenant
):
    client = tenant.client
    ids = await sweep_setup(client, tenant.org_id)
    grid = [{"name": "lr", "distribution": {"choice": {"values": [0.1, 0.01]}}}]
    sweep = await create_sweep(client, ids, parameters=grid)
    request = gql(STATUS)
    request.variable_values = {"id": sweep["id"]}
    seen: list[dict[str, Any]] = []
    arrived = asyncio.Condition()

    async def reached(check: Any) -> None:
        async with arrived:
            await asyncio.wait_for(arrived.wait_for(lambda: seen and check(seen[-1])), 30)

    async with ws_client(server.base_url, tenant.key, TRANSPORT_WS) as session:

        async def read() -> None:
            async for result in session.subscribe(request):
                async with arrived:
                    seen.append(result["sweepStatus"])
                    arrived.notify_all()

        reader = asyncio.create_task(read())
        await reached(lambda s: s["trialsMade"] == 1)  # the current state: live
        first = await claim_trial(client, sweep["id"])
        await log_loss(client, first["run"]["id"], [0], [0.5])
        assert_ok(await finish_trial(client, first["trial"]))
        await reached(lambda s: s["trialsCompleted"] == 1)
        second = await claim_trial(client, sweep["id"])
        await log_loss(client, second["run"]["id"], [0], [0.25])
        assert_ok(await finish_trial(client, second["trial"]))
        await asyncio.wait_for(reader, 30)  # the stream ends with the sweep
    assert seen[-1] == {"sweepId": sweep["id"], "status": "FINISHED", "trialsMade": 2,
                        "trialsActive": 0, "trialsCompleted": 2, "bestValue": 0.25,
                        "version": seen[-1]["version"]}  # fmt: skip
    versions = [s["version"] for s in seen]
    assert versions == sorted(set(versions))  # each state newer than the last

    outsider = await make_tenant("sweep-watcher")
    async with ws_client(server.base_url, outsider.key, TRANSPORT_WS) as session:
        with pytest.raises(TransportQueryError) as refused:
            async for _ in session.subscribe(request):
                raise AssertionError("another organization saw the sweep")
    assert refused.value.errors[0]["extensions"]["code"] == "NOT_FOUND"


async def test_what_judging_trials_costs_a_batch_in_statements(tenant, count_statements):
    """A project's stopping sweeps are read once per change, like its health rules (and
    cached); a batch without the sweep's metric asks nothing more; one with it asks which trial its run
    is; a trial's batch under the median rule reads its summary and the completed trials'
    values at its last step — three statements, whatever the number of completed trials."""
    client = tenant.client
    ids = await sweep_setup(client, tenant.org_id)
    sweep = await create_sweep(client, ids, parameters=CHOICE, earlyStopping=MEDIAN,
                               maxParallel=3)  # fmt: skip
    first = await claim_trial(client, sweep["id"])
    await log_loss(client, first["run"]["id"], [0, 1, 2, 3], [1.0, 0.9, 0.8, 0.7])
    assert_ok(await finish_trial(client, first["trial"]))
    trial = await claim_trial(client, sweep["id"])
    run = trial["run"]["id"]

    async def statements(key: str, step: int) -> list[str]:
        series = {key: {"steps": [step], "values": [0.5]}}
        with count_statements() as counter:
            assert_ok(await client.mutate(LOG, {"runId": run, "series": series}))
        return [s for s in counter.statements if "api_keys" not in s]

    # The sweeps were read when the first trial logged (tests/api/test_training_health.py
    # counts that read): a batch without the metric is the lock and the write.
    assert len(await statements("other", 0)) == 2
    assert len(await statements("val/loss", 0)) == 3  # + which trial (before minStep)
    assert len(await statements("val/loss", 3)) == 5  # + its summary, the others at step 3
