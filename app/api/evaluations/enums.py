"""The evaluations context's GraphQL enums: its domain enums, registered in place."""

from __future__ import annotations

from app.api.exposing import expose
from app.domain.evaluations import enums as evaluations

expose(evaluations.EvaluationStatus)

EvaluationStatus = evaluations.EvaluationStatus
