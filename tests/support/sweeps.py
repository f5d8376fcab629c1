"""Shared by the sweep tests (tests/api/test_sweeps.py, the Python client's agent tests):
documents, a sweep maker, and a trial's life through the public API."""

from __future__ import annotations

from typing import Any

from tests.conftest import GraphQLClient
from tests.helpers import (
    EXPERIMENT_CREATE,
    USER_ERRORS,
    assert_ok,
    create_environment,
    create_project,
    unique,
)

SWEEP = """id name method metricKey goal seed maxTrials maxParallel earlyStopping
  stoppingMinStep stoppingEta stoppingStartupTrials status stopReason endedAt trialsMade
  trialsActive trialsCompleted trialsPruned trialsFailed trialsCancelled bestValue job
  parameters { name kind values low high step } experiment { id } environment { id }"""
TRIAL = """id number params status value prunedStep stopReason rungValues endedAt
  trainingJob { id status config leaseOwner errorMessage claims run { id name params status } }"""
CREATE = f"""mutation($input: SweepCreateInput!) {{
  sweepCreate(input: $input) {{ sweep {{ {SWEEP} }} {USER_ERRORS} }} }}"""
STOP = f"""mutation($input: SweepStopInput!) {{
  sweepStop(input: $input) {{ sweep {{ {SWEEP} }} {USER_ERRORS} }} }}"""
CLAIM = f"""mutation($input: SweepTrialClaimInput!) {{
  sweepTrialClaim(input: $input) {{
    trial {{ {TRIAL} }} run {{ id name params status }} sweep {{ id status trialsActive }}
    {USER_ERRORS} }} }}"""
READ = f"""query($id: ID!) {{ node(id: $id) {{ ... on Sweep {{ {SWEEP}
  trials(first: 100) {{ totalCount nodes {{ {TRIAL} }} }} }} }} }}"""
FINISH_JOB = f"""mutation($input: TrainingJobTransitionInput!) {{
  trainingJobTransition(input: $input) {{ trainingJob {{ id status }} {USER_ERRORS} }} }}"""
HEARTBEAT = f"""mutation($input: TrainingJobHeartbeatInput!) {{
  trainingJobHeartbeat(input: $input) {{ trainingJob {{ id status }} {USER_ERRORS} }} }}"""
LOG = f"""mutation($input: RunMetricsLogInput!) {{
  runMetricsLog(input: $input) {{ newCount {USER_ERRORS} }} }}"""

GRID = [
    {"name": "lr", "distribution": {"choice": {"values": [0.1, 0.01]}}},
    {"name": "layers", "distribution": {"integer": {"low": 1, "high": 2}}},
]


async def sweep_setup(client: GraphQLClient, org_id: str) -> dict[str, str]:
    project = (await create_project(client, org_id))["id"]
    experiment = assert_ok(
        await client.mutate(EXPERIMENT_CREATE, {"projectId": project, "name": unique("exp")})
    )["experiment"]["id"]
    environment = (await create_environment(client, org_id))["id"]
    return {"project": project, "experiment": experiment, "environment": environment}


def sweep_input(ids: dict[str, str], **fields: Any) -> dict[str, Any]:
    return {
        "experimentId": ids["experiment"],
        "environmentId": ids["environment"],
        "name": unique("sweep"),
        "method": "GRID",
        "metricKey": "val/loss",
        "goal": "MINIMIZE",
        "parameters": GRID,
        "job": {"image": "ghcr.io/acme/train:1", "config": {"epochs": 3}},
        **fields,
    }


async def create_sweep(client: GraphQLClient, ids: dict[str, str], **fields: Any) -> dict[str, Any]:
    return assert_ok(await client.mutate(CREATE, sweep_input(ids, **fields)))["sweep"]  # type: ignore[no-any-return]


async def read_sweep(client: GraphQLClient, sweep: str) -> dict[str, Any]:
    return (await client.data(READ, {"id": sweep}))["node"]  # type: ignore[no-any-return]


async def claim_trial(
    client: GraphQLClient, sweep: str, worker: str = "w1", **fields: Any
) -> dict[str, Any]:
    payload = await client.mutate(CLAIM, {"sweepId": sweep, "worker": worker, **fields})
    return assert_ok(payload)  # type: ignore[no-any-return]


async def log_loss(client: GraphQLClient, run: str, steps: list[int], values: list[float]) -> None:
    assert_ok(
        await client.mutate(
            LOG, {"runId": run, "series": {"val/loss": {"steps": steps, "values": values}}}
        )
    )


async def finish_trial(
    client: GraphQLClient, trial: dict[str, Any], status: str = "SUCCEEDED", **fields: Any
) -> dict[str, Any]:
    job = trial["trainingJob"]["id"]
    return await client.mutate(FINISH_JOB, {"trainingJobId": job, "status": status, **fields})
