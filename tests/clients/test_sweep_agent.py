"""The Python client's sweep agent (``mlgraph.sweep_agent``, issue 29) against a live
server: agents are programs of their own, as on a cluster. One is killed in the middle of
a trial; two others run the sweep to its end, and the killed one's trial comes back to the
queue and is trained again — nothing lost, nothing trained twice."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from typing import Any

import pytest

import mlgraph
from tests.conftest import RunningServer, Tenant
from tests.support.sweeps import create_sweep, read_sweep, sweep_setup
from tests.support.training_queue import expire_lease

AGENT = """
import json, pathlib, sys, time
import mlgraph
import pytest

sweep, mode, marker = sys.argv[1:4]


def train(trial):
    x = trial.params["x"]
    for step in range(5):
        trial.run.log({"val/loss": (x - 0.3) ** 2 + 1 / (step + 1)}, step=step)
    if mode == "hang":  # killed here, its points sent, its trial half done
        trial.run.flush()
        pathlib.Path(marker).write_text(trial.id)
        time.sleep(3600)
    if mode == "fail" and trial.number == 1:
        raise RuntimeError("diverged")


report = mlgraph.sweep_agent(sweep, train, poll_interval=0.2, heartbeat_interval=5,
                             system_metrics=False, capture_console=False)
print(json.dumps({"completed": report.completed, "stopped": report.stopped,
                  "failed": report.failed}))
"""
SPACE = [{"name": "x", "distribution": {"uniform": {"low": 0, "high": 1}}}]


async def start_agent(
    server: RunningServer, tenant: Tenant, tmp_path: Any, sweep: str, mode: str
) -> asyncio.subprocess.Process:
    script = tmp_path / "agent.py"
    script.write_text(AGENT)
    env = {**os.environ, "MLGRAPH_URL": server.base_url, "MLGRAPH_API_KEY": tenant.key}
    return await asyncio.create_subprocess_exec(
        sys.executable, str(script), sweep, mode, str(tmp_path / f"{mode}.marker"), env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip


async def report_of(process: asyncio.subprocess.Process) -> dict[str, list[str]]:
    out, err = await asyncio.wait_for(process.communicate(), 180)
    assert process.returncode == 0, err.decode()
    return json.loads(out.decode().strip().splitlines()[-1])  # type: ignore[no-any-return]


RUN = """query($id: ID!) { node(id: $id) { ... on Run { status failureReason params
  metric(key: "val/loss") { summary { count last } } } } }"""


async def test_two_agents_finish_a_sweep_and_a_killed_agents_trial_is_not_lost(
    server, tenant, tmp_path, database_url
):
    client = tenant.client
    ids = await sweep_setup(client, tenant.org_id)
    sweep = await create_sweep(client, ids, method="RANDOM", parameters=SPACE, maxTrials=6,
                               maxParallel=3, seed=3)  # fmt: skip
    doomed = await start_agent(server, tenant, tmp_path, sweep["id"], "hang")
    marker = tmp_path / "hang.marker"
    for _ in range(12_000):  # the state, not a duration: a stuck agent fails after 120 s
        if marker.exists() or doomed.returncode is not None:
            break
        await asyncio.sleep(0.01)
    assert marker.exists(), (await doomed.communicate())[1].decode()
    lost_trial = marker.read_text()
    doomed.send_signal(signal.SIGKILL)  # no goodbye: its lease just runs out
    await doomed.wait()
    trials = (await read_sweep(client, sweep["id"]))["trials"]["nodes"]
    [lost_job] = [t["trainingJob"]["id"] for t in trials if t["id"] == lost_trial]
    await expire_lease(database_url, lost_job)  # the clock moves past its lease

    agents = [await start_agent(server, tenant, tmp_path, sweep["id"], mode)
              for mode in ("train", "fail")]  # fmt: skip
    reports = [await report_of(agent) for agent in agents]
    done = [trial for report in reports for trial in report["completed"]]
    failed = [trial for report in reports for trial in report["failed"]]
    assert len(done) + len(failed) == 6 and len(set(done + failed)) == 6  # none twice
    assert lost_trial in done + failed

    final = await read_sweep(client, sweep["id"])
    trials = {t["id"]: t for t in final["trials"]["nodes"]}
    assert final["status"] == "FINISHED" and final["trialsMade"] == 6
    assert trials[lost_trial]["trainingJob"]["claims"] == 2  # handed out again
    assert {t["status"] for t in trials.values()} <= {"COMPLETED", "FAILED"}
    for trial in trials.values():
        run = (await client.data(RUN, {"id": trial["trainingJob"]["run"]["id"]}))["node"]
        assert run["params"] == trial["params"]
        if trial["status"] == "COMPLETED":
            assert run["status"] == "COMPLETED" and run["metric"]["summary"]["count"] == 5
            assert trial["value"] == run["metric"]["summary"]["last"]
        else:  # trial 1 in the failing agent: the run and the job say why
            assert (run["status"], run["failureReason"]) == ("FAILED", "RuntimeError: diverged")
            assert trial["stopReason"] == "RuntimeError: diverged"
    best = min(t["value"] for t in trials.values() if t["value"] is not None)
    assert final["bestValue"] == best


def test_the_agent_refuses_what_is_a_programming_error() -> None:
    """Only programming errors raise, each saying how to fix it."""
    for bad, message in [
        ({"train": "not a function"}, "train is a function"),
        ({"count": 0}, "count is at least 1"),
        ({"heartbeat_interval": 90}, "heartbeat_interval"),
    ]:
        arguments: dict[str, Any] = {"train": lambda trial: None, **bad}
        train = arguments.pop("train")
        try:
            mlgraph.sweep_agent("U3dlZXA6eA", train, url="http://127.0.0.1:9", api_key="k",
                                **arguments)  # fmt: skip
        except (TypeError, ValueError) as error:
            assert message in str(error)
        else:
            raise AssertionError(f"{bad} was taken")


async def test_a_trial_stopped_early_stops_the_agents_training_loop(server, tenant):
    """A sweep made with the client's ``create_sweep``, with ASHA: trial 1 is worse than
    trial 0 at the first rung, so the server stops it as its points arrive; the agent's
    next heartbeat is refused, ``log`` raises ``TrainingStopped`` in ``train``, the run is
    KILLED with the reason and the agent goes on to the next trial."""
    ids = await sweep_setup(tenant.client, tenant.org_id)
    async with mlgraph.Client(url=server.base_url, api_key=tenant.key) as client:
        sweep = await client.create_sweep(
            experiment_id=ids["experiment"], environment_id=ids["environment"], name="asha",
            metric_key="val/loss", goal="MINIMIZE", method="GRID",
            parameters={"x": {"choice": {"values": [0.5, 0.9, 0.3]}}},
            early_stopping={"asha": {"minStep": 1, "eta": 2}}, image="ghcr.io/acme/train:1",
        )  # fmt: skip
        with pytest.raises(ValueError, match="one distribution"):
            await client.create_sweep(
                experiment_id=ids["experiment"], environment_id=ids["environment"],
                name="bad", metric_key="loss", goal="MINIMIZE", parameters={"x": {}})  # fmt: skip
    seen: list[tuple[int, str]] = []

    def train(trial: mlgraph.Trial) -> None:
        x = trial.params["x"]
        trial.run.log({"val/loss": 1.0}, step=0)
        trial.run.log({"val/loss": (x - 0.3) ** 2}, step=1)  # the first rung
        trial.run.flush()
        step = 2
        try:
            while step < 5 or (trial.number == 1 and step < 100_000):  # until it is stopped
                trial.run.log({"val/loss": (x - 0.3) ** 2}, step=step)
                trial.run.flush()
                step += 1
        except mlgraph.TrainingStopped as stopped:
            seen.append((trial.number, str(stopped)))
            raise

    report = await asyncio.to_thread(
        mlgraph.sweep_agent, sweep, train, url=server.base_url, api_key=tenant.key,
        heartbeat_interval=0.5, lease_seconds=30, poll_interval=0.2, system_metrics=False,
        capture_console=False)  # fmt: skip
    assert (len(report.completed), len(report.stopped), report.failed) == (2, 1, [])
    [(number, why)] = seen
    assert number == 1 and "successive halving at rung step 1" in why
    final = await read_sweep(tenant.client, sweep)
    assert [t["status"] for t in final["trials"]["nodes"]] == ["COMPLETED", "PRUNED", "COMPLETED"]
    run = (
        await tenant.client.data(
            RUN, {"id": final["trials"]["nodes"][1]["trainingJob"]["run"]["id"]}
        )
    )["node"]
    assert run["status"] == "KILLED" and "successive halving" in run["failureReason"]
