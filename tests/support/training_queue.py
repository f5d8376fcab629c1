"""Shared by the tests of api/training_queue and others (from tests/api/test_training_queue.py)."""

from __future__ import annotations

from typing import Any

from tests.conftest import GraphQLClient
from tests.helpers import USER_ERRORS, assert_ok
from tests.support.training_jobs import TRANSITION, create_job

JOB = "id name gpuType status leaseOwner leaseExpiresAt claims startedAt"


CLAIM = f"""mutation($input: TrainingJobClaimInput!) {{
  trainingJobClaim(input: $input) {{ trainingJobs {{ {JOB} }} {USER_ERRORS} }} }}"""


async def queued_job(client: GraphQLClient, ids: dict[str, str], **fields: Any) -> str:
    job = assert_ok(await create_job(client, ids, **fields))["trainingJob"]["id"]
    assert_ok(await client.mutate(TRANSITION, {"trainingJobId": job, "status": "QUEUED"}))
    return job
