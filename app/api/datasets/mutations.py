"""Dataset mutations: datasets (create, change, retire) and versions (contributors+),
version status, and the dataset versions runs and training jobs consumed."""

from __future__ import annotations

import strawberry
from strawberry import UNSET
from strawberry.scalars import JSON
from strawberry.types import Info

from app.api.datasets.enums import (
    ChecksumAlgorithm,
    DatasetInputRole,
    DatasetType,
    DatasetVersionStatus,
)
from app.api.datasets.types import Dataset, DatasetVersion
from app.api.errors import UserError, run_mutation
from app.api.graph.payloads import mutate
from app.api.ids import decode_id, input_id
from app.api.inputs import provided, whole_number
from app.domain.datasets import services


@strawberry.input
class DatasetCreateInput:
    project_id: strawberry.ID
    name: str
    type: DatasetType
    description: str | None = None
    format: str | None = strawberry.field(default=None, description="e.g. parquet, jsonl.")
    schema: JSON | None = None
    tags: list[str] = strawberry.field(default_factory=list)


@strawberry.input(description="A checksum: the algorithm and its hex digest.")
class ChecksumInput:
    algorithm: ChecksumAlgorithm
    digest: str


@strawberry.input
class DatasetVersionCreateInput:
    dataset_id: strawberry.ID
    version: str
    versioning_system: str = strawberry.field(
        default="manual",
        description="One of the server's versioning systems (MLGRAPH_DATASET_VERSIONING_"
        "SYSTEMS; by default dvc, lakefs, delta, huggingface, manual).",
    )
    external_version_id: str | None = strawberry.field(
        default=None, description="Unique per versioning system within the dataset."
    )
    storage_uri: str | None = None
    checksum: ChecksumInput | None = None
    file_count: int | None = None
    total_size_bytes: float | None = None
    record_count: float | None = None
    diff_summary: JSON | None = None
    parent_ids: list[strawberry.ID] = strawberry.field(
        default_factory=list,
        description="Earlier versions (of any dataset of the organization) this one derives from.",
    )


@strawberry.input
class DatasetVersionTransitionInput:
    dataset_version_id: strawberry.ID
    status: DatasetVersionStatus


@strawberry.input
class DatasetVersionVerifyInput:
    dataset_version_id: strawberry.ID
    checksum: ChecksumInput = strawberry.field(
        description="The digest the verifier computed over the stored data, with the "
        "algorithm the version recorded."
    )


@strawberry.input
class DatasetInputInput:
    dataset_version_id: strawberry.ID
    role: DatasetInputRole = strawberry.field(default=DatasetInputRole.TRAIN)


@strawberry.input
class DatasetInputsRecordInput:
    run_id: strawberry.ID | None = None
    training_job_id: strawberry.ID | None = None
    inputs: list[DatasetInputInput]


@strawberry.type
class DatasetPayload:
    dataset: Dataset | None
    user_errors: list[UserError]


@strawberry.type
class DatasetVersionPayload:
    dataset_version: DatasetVersion | None
    user_errors: list[UserError]


@strawberry.type
class DatasetInputsRecordPayload:
    new_count: int | None = strawberry.field(description="Inputs not recorded before.")
    user_errors: list[UserError]


def dataset_inputs(given: list[DatasetInputInput], field: str) -> list[services.Input]:
    return [
        services.Input(
            decode_id(
                i.dataset_version_id, "DatasetVersion", [field, str(n), "dataset_version_id"]
            ),
            i.role,
        )
        for n, i in enumerate(given)
    ]


@strawberry.input(description="Only the fields given change.")
class DatasetUpdateInput:
    dataset_id: strawberry.ID
    description: str | None = UNSET
    format: str | None = UNSET
    schema: JSON | None = UNSET
    tags: list[str] | None = strawberry.field(default=UNSET, description="Replaces the tags.")


@strawberry.type
class DatasetUpdatePayload:
    dataset: Dataset | None
    user_errors: list[UserError]


@strawberry.input
class DatasetDeleteInput:
    dataset_id: strawberry.ID


@strawberry.type
class DatasetDeletePayload:
    dataset: Dataset | None
    user_errors: list[UserError]


@strawberry.type
class DatasetMutations:
    @strawberry.mutation(description="Create a dataset in a project. Contributors+.")
    async def dataset_create(self, info: Info, input: DatasetCreateInput) -> DatasetPayload:
        return await mutate(
            info,
            DatasetPayload,
            "dataset",
            lambda session, actor: services.dataset_create(
                session,
                actor,
                project_id=input_id(input, "project_id", "Project"),
                name=input.name,
                dataset_type=input.type,
                description=input.description,
                format=input.format,
                schema=input.schema,
                tags=list(input.tags),
            ),
        )

    @strawberry.mutation(
        description="Describe a dataset, set its format, schema or tags (its name and type "
        "stay). Contributors+."
    )
    async def dataset_update(self, info: Info, input: DatasetUpdateInput) -> DatasetUpdatePayload:
        return await mutate(
            info,
            DatasetUpdatePayload,
            "dataset",
            lambda session, actor: services.dataset_update(
                session,
                actor,
                dataset_id=input_id(input, "dataset_id", "Dataset"),
                changes=provided(input, "description", "format", "schema", "tags"),
            ),
        )

    @strawberry.mutation(
        description="Retire a dataset and its versions (soft delete); runs and jobs keep "
        "the record of what they consumed. Contributors+."
    )
    async def dataset_delete(self, info: Info, input: DatasetDeleteInput) -> DatasetDeletePayload:
        return await mutate(
            info,
            DatasetDeletePayload,
            "dataset",
            lambda session, actor: services.dataset_delete(
                session, actor, dataset_id=input_id(input, "dataset_id", "Dataset")
            ),
        )

    @strawberry.mutation(
        description="Add a version to a dataset (CREATED), optionally derived from earlier "
        "versions. Contributors+."
    )
    async def dataset_version_create(
        self, info: Info, input: DatasetVersionCreateInput
    ) -> DatasetVersionPayload:
        checksum = input.checksum
        return await mutate(
            info,
            DatasetVersionPayload,
            "dataset_version",
            lambda session, actor: services.dataset_version_create(
                session,
                actor,
                dataset_id=input_id(input, "dataset_id", "Dataset"),
                version=input.version,
                versioning_system=input.versioning_system,
                systems=info.context.limits.dataset_versioning_systems,
                external_version_id=input.external_version_id,
                storage_uri=input.storage_uri,
                checksum=services.Checksum(checksum.algorithm, checksum.digest)
                if checksum
                else None,
                file_count=input.file_count,
                total_size_bytes=whole_number(input.total_size_bytes, "total_size_bytes"),
                record_count=whole_number(input.record_count, "record_count"),
                diff_summary=input.diff_summary,
                parent_ids=[
                    decode_id(p, "DatasetVersion", ["parent_ids", str(i)])
                    for i, p in enumerate(input.parent_ids)
                ],
            ),
        )

    @strawberry.mutation(
        description="Move a dataset version: VERIFIED → ACTIVE → DEPRECATED (CREATED and "
        "VERIFIED may be deprecated directly; VERIFIED itself is reached through "
        "datasetVersionVerify). Contributors+."
    )
    async def dataset_version_transition(
        self, info: Info, input: DatasetVersionTransitionInput
    ) -> DatasetVersionPayload:
        return await mutate(
            info,
            DatasetVersionPayload,
            "dataset_version",
            lambda session, actor: services.dataset_version_transition(
                session,
                actor,
                version_id=input_id(input, "dataset_version_id", "DatasetVersion"),
                status=input.status,
            ),
        )

    @strawberry.mutation(
        description="CREATED → VERIFIED: the digest a verifier computed over the stored "
        "data must be the checksum the version recorded (CHECKSUM_MISMATCH otherwise; a "
        "version without a checksum cannot be verified). Records who verified it and when. "
        "Contributors+."
    )
    async def dataset_version_verify(
        self, info: Info, input: DatasetVersionVerifyInput
    ) -> DatasetVersionPayload:
        checksum = services.Checksum(input.checksum.algorithm, input.checksum.digest)
        return await mutate(
            info,
            DatasetVersionPayload,
            "dataset_version",
            lambda session, actor: services.dataset_version_verify(
                session,
                actor,
                version_id=input_id(input, "dataset_version_id", "DatasetVersion"),
                checksum=checksum,
            ),
        )

    @strawberry.mutation(
        description="Record the dataset versions a run or a training job (one of them) "
        "consumed, each in a role; recording one again changes nothing. Contributors+."
    )
    async def dataset_inputs_record(
        self, info: Info, input: DatasetInputsRecordInput
    ) -> DatasetInputsRecordPayload:
        run, job = input.run_id, input.training_job_id
        new, errors = await run_mutation(
            info,
            lambda session, actor: services.dataset_inputs_record(
                session,
                actor,
                run_id=decode_id(run, "Run", ["run_id"]) if run else None,
                training_job_id=decode_id(job, "TrainingJob", ["training_job_id"]) if job else None,
                inputs=dataset_inputs(input.inputs, "inputs"),
            ),
        )
        return DatasetInputsRecordPayload(new_count=new, user_errors=errors)
