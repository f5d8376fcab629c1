"""Datasets and their versions: created under a project (contributors+), versions moved
CREATED → VERIFIED → ACTIVE → DEPRECATED, derived from earlier versions of any dataset of
the same organization (named at creation: no cycle can form), and recorded as the inputs
of runs and training jobs."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.ids import uuid7
from app.domain import validation as v
from app.domain.datasets.enums import (
    DIGEST_LENGTH,
    ChecksumAlgorithm,
    DatasetType,
    DatasetVersionStatus,
    InputRole,
)
from app.domain.datasets.models import Dataset, DatasetInput, DatasetVersion, DatasetVersionParent
from app.domain.errors import DomainError, ErrorCode, ensure_transition, not_found, validation
from app.domain.experiments.models import Run
from app.domain.tenancy.access import Actor
from app.domain.tenancy.audit import record_audit, record_audit_event
from app.domain.tenancy.enums import ProjectRole
from app.domain.tenancy.lookup import get_visible
from app.domain.tenancy.projects import get_contributable, require_project_access
from app.domain.tenancy.visibility import visible_conditions
from app.domain.training.models import TrainingJob

S = DatasetVersionStatus
TRANSITIONS: dict[S, frozenset[S]] = {
    S.CREATED: frozenset({S.VERIFIED, S.DEPRECATED}),
    S.VERIFIED: frozenset({S.ACTIVE, S.DEPRECATED}),
    S.ACTIVE: frozenset({S.DEPRECATED}),
    S.DEPRECATED: frozenset(),
}
MAX_PARENTS = 100
MAX_INPUTS = 100


@dataclass(frozen=True)
class Checksum:
    algorithm: ChecksumAlgorithm
    digest: str


@dataclass(frozen=True)
class Input:
    dataset_version_id: uuid.UUID
    role: InputRole


def clean_checksum(checksum: Checksum | None, field: list[str]) -> tuple[str, str] | None:
    """(algorithm, lower-case hex digest) of the right length for the algorithm."""
    if checksum is None:
        return None
    digest = checksum.digest.strip().lower()
    expected = DIGEST_LENGTH[checksum.algorithm]
    if len(digest) != expected or any(c not in "0123456789abcdef" for c in digest):
        raise validation(
            f"a {checksum.algorithm.name} digest is {expected} hex digits", [*field, "digest"]
        )
    return checksum.algorithm.value, digest


async def dataset_create(
    session: AsyncSession,
    actor: Actor,
    *,
    project_id: uuid.UUID | None,
    name: str,
    dataset_type: DatasetType,
    description: str | None,
    format: str | None,
    schema: Any,
    tags: list[str],
) -> Dataset:
    project = await require_project_access(
        session,
        actor,
        project_id,
        ProjectRole.CONTRIBUTOR,
        what="project",
        field=["project_id"],
    )
    name = v.name(name, ["name"])
    taken = await session.scalar(
        select(func.count())
        .select_from(Dataset)
        .where(Dataset.project_id == project.id, Dataset.name == name, Dataset.deleted_at.is_(None))
    )
    if taken:
        raise DomainError(
            ErrorCode.CONFLICT, "a live dataset in this project has this name", ["name"]
        )
    dataset = Dataset(
        organization_id=project.organization_id,
        project_id=project.id,
        name=name,
        dataset_type=dataset_type.value,
        description=v.optional_text(description, ["description"]),
        format=v.name(format, ["format"], max_length=64) if format is not None else None,
        schema_=v.json_object(schema, ["schema"]) if schema is not None else None,
        tags=v.tags(tags, ["tags"]),
        created_by_id=actor.user_id,
    )
    session.add(dataset)
    await session.flush()
    record_audit(session, actor, "dataset.create", dataset, details={"name": name})
    return dataset


async def dataset_version_create(
    session: AsyncSession,
    actor: Actor,
    *,
    dataset_id: uuid.UUID | None,
    version: str,
    versioning_system: str,
    systems: Sequence[str],
    external_version_id: str | None,
    storage_uri: str | None,
    checksum: Checksum | None,
    file_count: int | None,
    total_size_bytes: int | None,
    record_count: int | None,
    diff_summary: Any,
    parent_ids: Sequence[uuid.UUID],
) -> DatasetVersion:
    field = ["dataset_id"]
    dataset = await get_contributable(
        session, Dataset, dataset_id, actor, what="dataset", field=field
    )
    version = v.name(version, ["version"], max_length=64)
    system = versioning_system.strip().lower()
    if system not in systems:
        raise validation(
            f"a versioning system is one of {', '.join(systems)}", ["versioning_system"]
        )
    external = (
        v.name(external_version_id, ["external_version_id"], max_length=256)
        if external_version_id is not None
        else None
    )
    for count, name in (
        (file_count, "file_count"),
        (total_size_bytes, "total_size_bytes"),
        (record_count, "record_count"),
    ):
        if count is not None and count < 0:
            raise validation("must be >= 0", [name])
    if file_count is not None and file_count > 2**31 - 1:
        raise validation("must be < 2^31", ["file_count"])
    clean = clean_checksum(checksum, ["checksum"])
    if len(parent_ids) > MAX_PARENTS:
        raise validation(f"at most {MAX_PARENTS} parents", ["parent_ids"])
    live = (DatasetVersion.dataset_id == dataset.id, DatasetVersion.deleted_at.is_(None))
    if await session.scalar(
        select(DatasetVersion.id).where(*live, DatasetVersion.version == version)
    ):
        raise DomainError(ErrorCode.CONFLICT, "this dataset has this version", ["version"])
    if external is not None and await session.scalar(
        select(DatasetVersion.id).where(
            *live,
            DatasetVersion.versioning_system == system,
            DatasetVersion.external_version_id == external,
        )
    ):
        raise DomainError(
            ErrorCode.CONFLICT,
            "this dataset has a version with this external id",
            ["external_version_id"],
        )
    parents = list(dict.fromkeys(parent_ids))
    if parents:
        found = set(
            await session.scalars(
                select(DatasetVersion.id).where(
                    DatasetVersion.id.in_(parents),
                    DatasetVersion.organization_id == dataset.organization_id,
                    DatasetVersion.deleted_at.is_(None),
                    *visible_conditions(DatasetVersion, actor.hidden),
                )
            )
        )
        for index, parent in enumerate(parents):
            if parent not in found:
                raise not_found("dataset version", ["parent_ids", str(index)])
    row = DatasetVersion(
        organization_id=dataset.organization_id,
        dataset_id=dataset.id,
        version=version,
        versioning_system=system,
        external_version_id=external,
        storage_uri=v.url(storage_uri, ["storage_uri"]),
        checksum_algorithm=clean[0] if clean else None,
        checksum=clean[1] if clean else None,
        file_count=file_count,
        total_size_bytes=total_size_bytes,
        record_count=record_count,
        diff_summary=v.json_object(diff_summary, ["diff_summary"])
        if diff_summary is not None
        else None,
        status=S.CREATED.value,
        created_by_id=actor.user_id,
    )
    session.add(row)
    await session.flush()
    for parent in parents:  # parents exist already and the child is new: no cycle
        session.add(
            DatasetVersionParent(
                organization_id=dataset.organization_id, child_id=row.id, parent_id=parent
            )
        )
    await session.flush()
    record_audit(
        session,
        actor,
        "dataset_version.create",
        row,
        details={"version": version, "parents": [str(p) for p in parents]},
    )
    return row


async def dataset_version_transition(
    session: AsyncSession, actor: Actor, *, version_id: uuid.UUID | None, status: S
) -> DatasetVersion:
    field = ["dataset_version_id"]
    row = await get_visible(
        session,
        DatasetVersion,
        version_id,
        actor,
        what="dataset version",
        field=field,
        for_update=True,
    )
    dataset = await session.get_one(Dataset, row.dataset_id)
    await require_project_access(
        session,
        actor,
        dataset.project_id,
        ProjectRole.CONTRIBUTOR,
        what="dataset version",
        field=field,
    )
    current = S(row.status)
    if status is S.VERIFIED:
        raise DomainError(
            ErrorCode.INVALID_TRANSITION,
            "a version becomes VERIFIED through datasetVersionVerify, with the digest a "
            "verifier computed",
            ["status"],
        )
    ensure_transition("dataset version", current, status, TRANSITIONS[current])
    row.status = status.value
    await session.flush()
    record_audit(
        session, actor, f"dataset_version.{status.value}", row, details={"from": current.value}
    )
    return row


async def dataset_version_verify(
    session: AsyncSession, actor: Actor, *, version_id: uuid.UUID | None, checksum: Checksum
) -> DatasetVersion:
    """CREATED → VERIFIED when the digest a verifier computed over the stored data is the
    checksum the version recorded at creation (same algorithm). A version that recorded no
    checksum cannot be verified; a different digest is CHECKSUM_MISMATCH and changes
    nothing."""
    field = ["dataset_version_id"]
    row = await get_visible(
        session,
        DatasetVersion,
        version_id,
        actor,
        what="dataset version",
        field=field,
        for_update=True,
    )
    dataset = await session.get_one(Dataset, row.dataset_id)
    await require_project_access(
        session, actor, dataset.project_id, ProjectRole.CONTRIBUTOR, what="dataset version",
        field=field,
    )  # fmt: skip
    current = S(row.status)
    ensure_transition("dataset version", current, S.VERIFIED, TRANSITIONS[current], field)
    if row.checksum is None or row.checksum_algorithm is None:
        raise validation(
            "this version recorded no checksum, so there is nothing to verify against", field
        )
    if checksum.algorithm.value != row.checksum_algorithm:
        recorded = ChecksumAlgorithm(row.checksum_algorithm).name
        raise validation(f"this version's checksum is {recorded}", ["checksum", "algorithm"])
    clean = clean_checksum(checksum, ["checksum"])
    assert clean is not None
    if clean[1] != row.checksum:
        raise DomainError(
            ErrorCode.CHECKSUM_MISMATCH,
            "the digest is not the checksum this version recorded: the data changed or "
            "the verifier read other data",
            ["checksum", "digest"],
        )
    row.status = S.VERIFIED.value
    row.verified_at = datetime.now(UTC)
    row.verified_by_id = actor.user_id
    await session.flush()
    record_audit(
        session, actor, "dataset_version.verified", row,
        details={"from": current.value, "algorithm": checksum.algorithm.value},
    )  # fmt: skip
    return row


async def dataset_inputs_record(
    session: AsyncSession,
    actor: Actor,
    *,
    run_id: uuid.UUID | None,
    training_job_id: uuid.UUID | None,
    inputs: Sequence[Input],
    field: str = "inputs",
) -> int:
    """Record what a run or a training job (exactly one) consumed; idempotent per
    (consumer, version, role). Returns how many were new."""
    if (run_id is None) == (training_job_id is None):
        raise validation("name a run or a training job", ["run_id"])
    if not inputs or len(inputs) > MAX_INPUTS:
        raise validation(f"1 to {MAX_INPUTS} inputs", [field])
    consumer: Run | TrainingJob
    if run_id is not None:
        consumer = await get_visible(session, Run, run_id, actor, what="run", field=["run_id"])
    else:
        consumer = await get_visible(
            session,
            TrainingJob,
            training_job_id,
            actor,
            what="training job",
            field=["training_job_id"],
        )
    await require_project_access(
        session,
        actor,
        consumer.project_id,
        ProjectRole.CONTRIBUTOR,
        what="run",
        field=["run_id" if run_id else "training_job_id"],
    )
    wanted = [i.dataset_version_id for i in inputs]
    visible = set(
        await session.scalars(
            select(DatasetVersion.id).where(
                DatasetVersion.id.in_(wanted),
                DatasetVersion.organization_id == consumer.organization_id,
                DatasetVersion.deleted_at.is_(None),
                *visible_conditions(DatasetVersion, actor.hidden),
            )
        )
    )
    for index, wanted_id in enumerate(wanted):
        if wanted_id not in visible:
            raise not_found("dataset version", [field, str(index), "dataset_version_id"])
    rows = [
        {
            "id": uuid7(),
            "organization_id": consumer.organization_id,
            "dataset_version_id": i.dataset_version_id,
            "run_id": run_id,
            "training_job_id": training_job_id,
            "role": i.role.value,
        }
        for i in inputs
    ]
    target = ["run_id" if run_id else "training_job_id", "dataset_version_id", "role"]
    where = DatasetInput.run_id.isnot(None) if run_id else DatasetInput.training_job_id.isnot(None)
    result = await session.execute(
        insert(DatasetInput)
        .values(rows)
        .on_conflict_do_nothing(index_elements=target, index_where=where)
        .returning(DatasetInput.id)
    )
    new = len(result.all())
    record_audit_event(
        session,
        actor,
        "dataset_inputs.record",
        organization_id=consumer.organization_id,
        target_type="Run" if run_id else "TrainingJob",
        target_id=consumer.id,
        details={"inputs": len(inputs), "new": new},
    )
    return new


async def dataset_update(
    session: AsyncSession, actor: Actor, *, dataset_id: uuid.UUID | None, changes: Mapping[str, Any]
) -> Dataset:
    """Describe, set the format, the schema or the tags (contributors); the name and type
    stay (versions and lineage name the dataset by them)."""
    field = ["dataset_id"]
    dataset = await get_contributable(
        session, Dataset, dataset_id, actor, what="dataset", field=field, for_update=True
    )
    if "description" in changes:
        dataset.description = v.optional_text(changes["description"], ["description"])
    if "format" in changes:
        value = changes["format"]
        dataset.format = v.name(value, ["format"], max_length=64) if value else None
    if "schema" in changes:
        value = changes["schema"]
        dataset.schema_ = v.json_object(value, ["schema"]) if value is not None else None
    if "tags" in changes:
        dataset.tags = v.tags(changes["tags"], ["tags"])
    record_audit(session, actor, "dataset.update", dataset, details={"fields": sorted(changes)})
    await session.flush()
    await session.refresh(dataset)  # the search vector is computed by PostgreSQL
    return dataset


async def dataset_delete(
    session: AsyncSession, actor: Actor, *, dataset_id: uuid.UUID | None
) -> Dataset:
    """Retire a dataset and its versions (soft delete; contributors). Runs and training
    jobs keep the record of what they consumed; the dataset's name is free again."""
    field = ["dataset_id"]
    dataset = await get_contributable(
        session, Dataset, dataset_id, actor, what="dataset", field=field, for_update=True
    )
    now = datetime.now(UTC)
    dataset.deleted_at = now
    await session.execute(
        update(DatasetVersion)
        .where(DatasetVersion.dataset_id == dataset.id, DatasetVersion.deleted_at.is_(None))
        .values(deleted_at=now)
    )
    record_audit(session, actor, "dataset.delete", dataset, details={"name": dataset.name})
    await session.flush()
    return dataset
