"""Shared by the tests of api/training_queue and others (from tests/api/test_training_queue.py)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text

from app.api.ids import decode_id
from app.db.engine import make_engine
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


# The queues' tables, by the global id's type (every queue row has lease_expires_at).
QUEUE_TABLES = {"TrainingJob": "training_jobs", "PatternJob": "pattern_jobs"}


async def expire_lease(database_url: str, job: str, kind: str = "TrainingJob") -> None:
    """The job's lease runs out: moved into the past (the clock moved on), not waited for."""
    engine = make_engine(database_url, pool_size=1, max_overflow=0)
    try:
        async with engine.begin() as connection:
            await connection.execute(
                text(f"UPDATE {QUEUE_TABLES[kind]} "
                     "SET lease_expires_at = now() - interval '1 second' WHERE id = :id"),
                {"id": decode_id(job, kind, [])},
            )  # fmt: skip
    finally:
        await engine.dispose()
