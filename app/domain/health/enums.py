"""Training-health enums."""

from __future__ import annotations

import enum


class HealthRuleKind(enum.Enum):
    """What a rule watches for. The first three are judged on each batch as it is logged
    (in the ingest transaction); the others by the health worker, on a clock."""

    NON_FINITE = "non_finite"
    SPIKE = "spike"
    DIVERGENCE = "divergence"
    STALL = "stall"
    THROUGHPUT_DROP = "throughput_drop"
    IDLE_GPU = "idle_gpu"


ON_INGEST = frozenset({HealthRuleKind.NON_FINITE, HealthRuleKind.SPIKE, HealthRuleKind.DIVERGENCE})
ON_CLOCK = frozenset(
    {HealthRuleKind.STALL, HealthRuleKind.THROUGHPUT_DROP, HealthRuleKind.IDLE_GPU}
)
