"""The datasets context's GraphQL enums: its domain enums, each registered in place (the
domain's class *is* the GraphQL enum, exposed by member name), and its orders."""

from __future__ import annotations

import enum

import strawberry

from app.domain.datasets import enums as datasets
from app.domain.datasets import lineage

_EXPOSED: tuple[tuple[type[enum.Enum], str | None], ...] = (
    (datasets.DatasetType, None),
    (datasets.DatasetVersionStatus, None),
    (datasets.ChecksumAlgorithm, None),
    (datasets.InputRole, "DatasetInputRole"),
    (lineage.Direction, "LineageDirection"),
    (lineage.EdgeKind, "LineageEdgeKind"),
)
for _domain_enum, _name in _EXPOSED:
    strawberry.enum(_domain_enum, name=_name)

DatasetType = datasets.DatasetType
DatasetVersionStatus = datasets.DatasetVersionStatus
ChecksumAlgorithm = datasets.ChecksumAlgorithm
DatasetInputRole = datasets.InputRole
LineageDirection = lineage.Direction
LineageEdgeKind = lineage.EdgeKind
