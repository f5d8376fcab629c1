"""The pipelines context's GraphQL enums: its domain enums, each registered in place (the
domain's class *is* the GraphQL enum, exposed by member name), and its orders."""

from __future__ import annotations

from app.api.exposing import expose
from app.domain.pipelines import enums as pipelines

expose(
    (pipelines.Orchestrator, "PipelineOrchestrator"),
    (pipelines.StepKind, "PipelineStepKind"),
    pipelines.PipelineRunStatus,
    (pipelines.StepStatus, "PipelineStepStatus"),
    pipelines.PipelineStatus,
    (pipelines.WorkflowType, "PipelineWorkflowType"),
    (pipelines.MissedRuns, "ScheduleMissedRuns"),
)

Orchestrator = pipelines.Orchestrator
PipelineStepKind = pipelines.StepKind
PipelineRunStatus = pipelines.PipelineRunStatus
PipelineStepStatus = pipelines.StepStatus
PipelineStatus = pipelines.PipelineStatus
WorkflowType = pipelines.WorkflowType
MissedRuns = pipelines.MissedRuns
