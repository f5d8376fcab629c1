"""The pipelines context's GraphQL enums: its domain enums, each registered in place (the
domain's class *is* the GraphQL enum, exposed by member name), and its orders."""

from __future__ import annotations

import enum

import strawberry

from app.domain.pipelines import enums as pipelines

_EXPOSED: tuple[tuple[type[enum.Enum], str | None], ...] = (
    (pipelines.Orchestrator, "PipelineOrchestrator"),
    (pipelines.StepKind, "PipelineStepKind"),
    (pipelines.PipelineRunStatus, None),
    (pipelines.StepStatus, "PipelineStepStatus"),
)
for _domain_enum, _name in _EXPOSED:
    strawberry.enum(_domain_enum, name=_name)

Orchestrator = pipelines.Orchestrator
PipelineStepKind = pipelines.StepKind
PipelineRunStatus = pipelines.PipelineRunStatus
PipelineStepStatus = pipelines.StepStatus
