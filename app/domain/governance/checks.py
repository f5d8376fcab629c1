"""A gate's checks on the version going through it, read in the transition's transaction:

- each metric bound holds for the source run's last value of the metric (a version with
  no source run, or a run without the metric, fails: nothing shows the bound holds);
- no alert at or above the gate's severity is open (or acknowledged) on a deployment of
  the model or on the source run;
- every dataset version the source run consumed is VERIFIED or ACTIVE, and it recorded
  at least one (a version with no recorded data has no lineage to vouch for)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.alert_kinds import AlertSeverity
from app.domain.datasets.enums import DatasetVersionStatus
from app.domain.datasets.models import DatasetInput, DatasetVersion
from app.domain.experiments.models import RunMetricSummary
from app.domain.governance.models import PromotionGate
from app.domain.monitoring.enums import AlertStatus
from app.domain.monitoring.models import Alert
from app.domain.registry.models import ModelVersion
from app.domain.serving.models import Deployment

SEVERITIES = list(AlertSeverity)  # in rising order
VOUCHED = (DatasetVersionStatus.VERIFIED.value, DatasetVersionStatus.ACTIVE.value)


@dataclass(frozen=True)
class CheckResult:
    name: str  # "metric:<key>", "alerts", "datasets"
    passed: bool
    detail: str


async def run_checks(
    session: AsyncSession, gate: PromotionGate, version: ModelVersion
) -> list[CheckResult]:
    results = [await _bound(session, version, bound) for bound in gate.metric_bounds]
    if gate.max_open_alert_severity is not None:
        results.append(await _alerts(session, version, AlertSeverity(gate.max_open_alert_severity)))
    if gate.require_verified_datasets:
        results.append(await _datasets(session, version))
    return results


def failed(results: list[CheckResult]) -> str | None:
    """The failing checks in a sentence; None when every one passed."""
    failing = [f"{r.name}: {r.detail}" for r in results if not r.passed]
    return "; ".join(failing) or None


async def _bound(
    session: AsyncSession, version: ModelVersion, bound: dict[str, Any]
) -> CheckResult:
    metric, low, high = bound["metric"], bound.get("min"), bound.get("max")
    name = f"metric:{metric}"
    sides = [f">= {low:g}" if low is not None else "", f"<= {high:g}" if high is not None else ""]
    wanted = " and ".join(side for side in sides if side)
    if version.run_id is None:
        return CheckResult(name, False, "the version has no source run")
    value = await session.scalar(
        select(RunMetricSummary.last_value).where(
            RunMetricSummary.run_id == version.run_id, RunMetricSummary.key == metric
        )
    )
    if value is None:
        return CheckResult(name, False, f"the source run has no {metric}")
    ok = math.isfinite(value) and (low is None or value >= low) and (high is None or value <= high)
    return CheckResult(name, ok, f"last {metric} is {value:g} (wanted {wanted})")


async def _alerts(
    session: AsyncSession, version: ModelVersion, floor: AlertSeverity
) -> CheckResult:
    severe = [s.value for s in SEVERITIES[SEVERITIES.index(floor) :]]
    deployments = select(Deployment.id).where(
        Deployment.model_version_id.in_(
            select(ModelVersion.id).where(ModelVersion.model_id == version.model_id)
        )
    )
    about: list[ColumnElement[bool]] = [Alert.deployment_id.in_(deployments)]
    if version.run_id is not None:
        about.append(Alert.run_id == version.run_id)
    count = await session.scalar(
        select(func.count()).where(
            Alert.status.in_([AlertStatus.OPEN.value, AlertStatus.ACKNOWLEDGED.value]),
            Alert.severity.in_(severe),
            or_(*about),
        )
    )
    if count:
        return CheckResult(
            "alerts", False, f"{count} open alert(s) at {floor.value} or above on the model"
        )
    return CheckResult("alerts", True, f"no open alert at {floor.value} or above")


async def _datasets(session: AsyncSession, version: ModelVersion) -> CheckResult:
    if version.run_id is None:
        return CheckResult("datasets", False, "the version has no source run")
    rows = (
        await session.execute(
            select(DatasetVersion.id, DatasetVersion.status)
            .join(DatasetInput, DatasetInput.dataset_version_id == DatasetVersion.id)
            .where(DatasetInput.run_id == version.run_id)
        )
    ).all()
    if not rows:
        return CheckResult("datasets", False, "the source run recorded no dataset")
    unvouched = [status for _, status in rows if status not in VOUCHED]
    if unvouched:
        return CheckResult(
            "datasets",
            False,
            f"{len(unvouched)} of {len(rows)} dataset versions not verified "
            f"({', '.join(sorted(set(unvouched)))})",
        )
    return CheckResult("datasets", True, f"{len(rows)} dataset versions verified")
