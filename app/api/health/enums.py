"""The health context's GraphQL enums: its domain enum, registered in place."""

from __future__ import annotations

from app.api.exposing import expose
from app.domain.health import enums as health

expose(health.HealthRuleKind)

HealthRuleKind = health.HealthRuleKind
