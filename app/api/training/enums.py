"""The training context's GraphQL enums: its domain enums, each registered in place (the
domain's class *is* the GraphQL enum, exposed by member name), and its orders."""

from __future__ import annotations

import enum

import strawberry

from app.domain.training import enums as training

_EXPOSED: tuple[tuple[type[enum.Enum], str | None], ...] = (
    (training.TrainingJobStatus, None),
    (training.Executor, "TrainingExecutor"),
)
for _domain_enum, _name in _EXPOSED:
    strawberry.enum(_domain_enum, name=_name)

TrainingJobStatus = training.TrainingJobStatus
TrainingExecutor = training.Executor
