"""The patterns context's GraphQL enums: its domain enums, registered in place."""

from __future__ import annotations

from app.api.exposing import expose
from app.domain.patterns import enums as patterns

expose(patterns.PatternType, patterns.PatternAlgorithm, patterns.PatternJobStatus)

PatternType = patterns.PatternType
PatternAlgorithm = patterns.PatternAlgorithm
PatternJobStatus = patterns.PatternJobStatus
