"""The datasets context's GraphQL enums: its domain enums, each registered in place (the
domain's class *is* the GraphQL enum, exposed by member name), and its orders."""

from __future__ import annotations

from app.api.exposing import expose
from app.domain.datasets import enums as datasets
from app.domain.datasets import lineage

expose(
    datasets.DatasetType,
    datasets.DatasetVersionStatus,
    datasets.ChecksumAlgorithm,
    (datasets.InputRole, "DatasetInputRole"),
    (lineage.Direction, "LineageDirection"),
    (lineage.EdgeKind, "LineageEdgeKind"),
)

DatasetType = datasets.DatasetType
DatasetVersionStatus = datasets.DatasetVersionStatus
ChecksumAlgorithm = datasets.ChecksumAlgorithm
DatasetInputRole = datasets.InputRole
LineageDirection = lineage.Direction
LineageEdgeKind = lineage.EdgeKind
