"""Dataset types."""

from __future__ import annotations

import uuid
from datetime import datetime

import strawberry
from strawberry.scalars import JSON

from app.api.datasets.enums import (
    ChecksumAlgorithm,
    DatasetInputRole,
    DatasetType,
    DatasetVersionStatus,
)
from app.api.datasets.lineage import LINEAGE_IN_SQL, lineage_field
from app.api.datasets.lists import VERSIONS_OF_DATASET, DatasetFilter
from app.api.errors import ClientError
from app.api.evaluations.lists import EVALUATIONS_OF_DATASET_VERSION
from app.api.graph.converters import FromRow, from_declaration
from app.api.graph.declare import created_range, status_query
from app.api.graph.fields import PAGING, children, related
from app.api.node import Node
from app.api.orders import CreatedOrder
from app.api.patterns.lists import PATTERN_JOBS_OF_DATASET_VERSION
from app.domain.datasets.models import Dataset as DatasetRow
from app.domain.datasets.models import DatasetInput as DatasetInputRow
from app.domain.datasets.models import DatasetVersion as DatasetVersionRow

MAX_SEARCH_LENGTH = 200


@strawberry.input
class DatasetFilterInput:
    type: list[DatasetType] | None = None
    tags: list[str] | None = strawberry.field(
        default=None, description="Datasets with all these tags."
    )
    search: str | None = strawberry.field(
        default=None, description="Full-text search over name and description (web syntax)."
    )
    created_from: datetime | None = None
    created_to: datetime | None = None

    def to_filter(self) -> DatasetFilter:
        if self.search is not None and len(self.search) > MAX_SEARCH_LENGTH:
            raise ClientError(f"search must be at most {MAX_SEARCH_LENGTH} characters")
        if self.tags is not None and len(self.tags) > 20:
            raise ClientError("tags takes at most 20 entries")
        created_from, created_to = created_range(self.created_from, self.created_to)
        return DatasetFilter(
            created_from=created_from,
            created_to=created_to,
            types=tuple(t.value for t in self.type or []),
            tags=tuple(sorted(set(self.tags or []))),
            search=(self.search or "").strip() or None,
        )


@from_declaration(DatasetRow, columns={"type": "dataset_type"})
@strawberry.type(description="A dataset of a project; its versions hold the data.")
class Dataset(Node, FromRow):
    name: str
    type: DatasetType
    description: str | None
    format: str | None
    schema: JSON | None
    tags: list[str]
    created_at: datetime
    updated_at: datetime
    db_id: strawberry.Private[uuid.UUID]
    project_id: strawberry.Private[uuid.UUID]
    created_by_id: strawberry.Private[uuid.UUID | None]

    created_by = related()
    project = related()
    versions = children(
        VERSIONS_OF_DATASET,
        [
            *PAGING,
            ("status", list[DatasetVersionStatus] | None, None),
            ("created_from", datetime | None, None),
            ("created_to", datetime | None, None),
            ("order_by", CreatedOrder, CreatedOrder.CREATED_DESC),
        ],
        query=status_query,
        description="Versions of this dataset, newest first.",
    )


@from_declaration(DatasetVersionRow, python={"lineage": LINEAGE_IN_SQL})
@strawberry.type(description="One version of a dataset: where it is, what it holds.")
class DatasetVersion(Node, FromRow):
    version: str
    versioning_system: str = strawberry.field(description="e.g. dvc, lakefs, huggingface.")
    external_version_id: str | None = strawberry.field(
        description="The versioning system's id (a DVC hash, a lakeFS commit...)."
    )
    storage_uri: str | None
    checksum_algorithm: ChecksumAlgorithm | None
    checksum: str | None = strawberry.field(description="Lower-case hex digest.")
    file_count: int | None
    total_size_bytes: float | None = strawberry.field(
        description="Bytes (a Float: sizes pass 2^31)."
    )
    record_count: float | None
    diff_summary: JSON | None
    status: DatasetVersionStatus
    created_at: datetime
    db_id: strawberry.Private[uuid.UUID]
    dataset_id: strawberry.Private[uuid.UUID]
    created_by_id: strawberry.Private[uuid.UUID | None]
    verified_at: datetime | None = strawberry.field(
        description="When a verifier's digest matched the checksum (datasetVersionVerify)."
    )
    verified_by_id: strawberry.Private[uuid.UUID | None]

    created_by = related()
    verified_by = related(description="Who verified it (null: not verified, or since removed).")
    dataset = related()
    lineage = lineage_field("DatasetVersion")
    evaluations = children(
        EVALUATIONS_OF_DATASET_VERSION,
        [*PAGING, ("order_by", CreatedOrder, CreatedOrder.CREATED_DESC)],
        description="The evaluation runs of model versions on it, newest first.",
    )
    pattern_jobs = children(
        PATTERN_JOBS_OF_DATASET_VERSION,
        [*PAGING, ("order_by", CreatedOrder, CreatedOrder.CREATED_DESC)],
        description="The pattern searches over it, newest first.",
    )


@from_declaration(DatasetInputRow)
@strawberry.type(description="A dataset version a run or a training job consumed, and as what.")
class DatasetInput(FromRow):
    role: DatasetInputRole
    dataset_version_id: strawberry.Private[uuid.UUID]

    dataset_version = related()
