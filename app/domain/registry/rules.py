"""Pure registry rules: semantic versions, stage transitions, plan quotas."""

from __future__ import annotations

import re
from collections.abc import Sequence

from app.domain.errors import DomainError, ErrorCode, ensure_transition, validation
from app.domain.registry.enums import ModelStage
from app.domain.tenancy.enums import PLAN_QUOTAS, Plan

# https://semver.org/#is-there-a-suggested-regular-expression-regex-to-check-a-semver-string
SEMVER_RE = re.compile(
    r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
    r"(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?"
    r"(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$"
)

STAGE_TRANSITIONS: dict[ModelStage, frozenset[ModelStage]] = {
    ModelStage.DEVELOPMENT: frozenset({ModelStage.STAGING, ModelStage.ARCHIVED}),
    ModelStage.STAGING: frozenset(
        {ModelStage.PRODUCTION, ModelStage.DEVELOPMENT, ModelStage.ARCHIVED}
    ),
    ModelStage.PRODUCTION: frozenset({ModelStage.STAGING, ModelStage.ARCHIVED}),
    ModelStage.ARCHIVED: frozenset({ModelStage.STAGING, ModelStage.DEVELOPMENT}),
}


def semver(version: str, field: Sequence[str]) -> str:
    if len(version) > 64 or not SEMVER_RE.fullmatch(version):
        raise validation("must be a semantic version such as 1.2.0 or 2.0.0-rc.1", field)
    return version


def ensure_stage_transition(current: ModelStage, target: ModelStage, field: Sequence[str]) -> None:
    ensure_transition("version", current, target, STAGE_TRANSITIONS[current], field)


def ensure_model_quota(plan: Plan, live_models: int, field: Sequence[str]) -> None:
    limit = PLAN_QUOTAS[plan].max_models
    if limit is not None and live_models >= limit:
        raise DomainError(
            ErrorCode.QUOTA_EXCEEDED,
            f"the {plan.value} plan allows {limit} models; upgrade the plan or delete a model",
            field,
        )
