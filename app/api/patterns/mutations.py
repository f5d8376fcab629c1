"""Pattern job mutations: contributors ask for searches; workers (developers+) claim,
heartbeat and finish them."""

from __future__ import annotations

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from app.api.errors import UserError, run_mutation
from app.api.graph.payloads import mutate
from app.api.ids import input_id
from app.api.patterns.enums import PatternAlgorithm, PatternJobStatus, PatternType
from app.api.patterns.types import PatternJob
from app.domain.patterns import services


@strawberry.input
class PatternJobCreateInput:
    dataset_version_id: strawberry.ID
    name: str
    pattern_type: PatternType
    algorithm: PatternAlgorithm = strawberry.field(
        description="One that finds patternType: KMEANS or DBSCAN (CLUSTERING), "
        "ISOLATION_FOREST or LOCAL_OUTLIER_FACTOR (ANOMALY_DETECTION), APRIORI or FP_GROWTH "
        "(ASSOCIATION_RULES)."
    )
    config: JSON | None = strawberry.field(
        default=None,
        description="The algorithm's settings (each known key typed and bounded; the rest "
        "take their defaults), e.g. {n_clusters: 8} for KMEANS.",
    )
    max_attempts: int = strawberry.field(
        default=3, description="Claims allowed before a lost lease fails the job (1-10)."
    )


@strawberry.input
class PatternJobsClaimInput:
    worker: str = strawberry.field(description="Who claims (e.g. a pod name); up to 200 chars.")
    limit: int = strawberry.field(default=1, description="At most this many jobs (1-20).")
    lease_seconds: int = strawberry.field(
        default=120, description="10 to 3600: heartbeats must come sooner than this."
    )


@strawberry.input
class PatternJobHeartbeatInput:
    pattern_job_id: strawberry.ID
    worker: str
    lease_seconds: int = 120


@strawberry.input
class PatternJobFinishInput:
    pattern_job_id: strawberry.ID
    worker: str
    status: PatternJobStatus
    results: JSON | None = strawberry.field(
        default=None, description="With SUCCEEDED: what was found (a JSON object, ≤ 1 MiB)."
    )
    pattern_count: int | None = strawberry.field(default=None, description="With SUCCEEDED.")
    error_message: str | None = strawberry.field(default=None, description="With FAILED.")


@strawberry.input
class PatternJobCancelInput:
    pattern_job_id: strawberry.ID


@strawberry.type
class PatternJobPayload:
    pattern_job: PatternJob | None
    user_errors: list[UserError]


@strawberry.type
class PatternJobsClaimPayload:
    pattern_jobs: list[PatternJob] = strawberry.field(
        description="The claimed jobs, oldest first, now RUNNING under this worker's lease."
    )
    user_errors: list[UserError]


@strawberry.type
class PatternMutations:
    @strawberry.mutation(
        description="Search a dataset version for patterns: a PENDING job on the queue. "
        "Contributors of the dataset's project."
    )
    async def pattern_job_create(
        self, info: Info, input: PatternJobCreateInput
    ) -> PatternJobPayload:
        return await mutate(
            info,
            PatternJobPayload,
            "pattern_job",
            lambda session, actor: services.pattern_job_create(
                session,
                actor,
                dataset_version_id=input_id(input, "dataset_version_id", "DatasetVersion"),
                name=input.name,
                pattern_type=input.pattern_type,
                algorithm=input.algorithm,
                config=input.config,
                max_attempts=input.max_attempts,
            ),
        )

    @strawberry.mutation(
        description="Claim the oldest pending jobs under a lease (FOR UPDATE SKIP LOCKED: "
        "concurrent workers never get the same job). Developers+."
    )
    async def pattern_jobs_claim(
        self, info: Info, input: PatternJobsClaimInput
    ) -> PatternJobsClaimPayload:
        jobs, errors = await run_mutation(
            info,
            lambda session, actor: services.pattern_jobs_claim(
                session,
                actor,
                worker=input.worker,
                limit=input.limit,
                lease_seconds=input.lease_seconds,
            ),
        )
        return PatternJobsClaimPayload(
            pattern_jobs=[PatternJob.from_row(j) for j in jobs or []], user_errors=errors
        )

    @strawberry.mutation(description="Extend the lease of a job this worker holds.")
    async def pattern_job_heartbeat(
        self, info: Info, input: PatternJobHeartbeatInput
    ) -> PatternJobPayload:
        return await mutate(
            info,
            PatternJobPayload,
            "pattern_job",
            lambda session, actor: services.pattern_job_heartbeat(
                session,
                actor,
                job_id=input_id(input, "pattern_job_id", "PatternJob"),
                worker=input.worker,
                lease_seconds=input.lease_seconds,
            ),
        )

    @strawberry.mutation(
        description="End a job this worker holds: SUCCEEDED with its results and pattern "
        "count, or FAILED with an error."
    )
    async def pattern_job_finish(
        self, info: Info, input: PatternJobFinishInput
    ) -> PatternJobPayload:
        return await mutate(
            info,
            PatternJobPayload,
            "pattern_job",
            lambda session, actor: services.pattern_job_finish(
                session,
                actor,
                job_id=input_id(input, "pattern_job_id", "PatternJob"),
                worker=input.worker,
                status=input.status,
                results=input.results,
                pattern_count=input.pattern_count,
                error_message=input.error_message,
            ),
        )

    @strawberry.mutation(description="Stop a pending or running job. Contributors+.")
    async def pattern_job_cancel(
        self, info: Info, input: PatternJobCancelInput
    ) -> PatternJobPayload:
        return await mutate(
            info,
            PatternJobPayload,
            "pattern_job",
            lambda session, actor: services.pattern_job_cancel(
                session, actor, job_id=input_id(input, "pattern_job_id", "PatternJob")
            ),
        )
