"""Drift reports: score features, store the scores, open a data_drift alert when detected."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.domain import validation as v
from app.domain.alert_kinds import AlertSeverity, AlertType
from app.domain.errors import validation
from app.domain.monitoring.drift import FeatureInput, score_features
from app.domain.monitoring.models import DriftFeatureScore, DriftReport
from app.domain.monitoring.opening import open_alert
from app.domain.serving.models import Deployment
from app.domain.tenancy.access import Actor
from app.domain.tenancy.audit import record_audit_event
from app.domain.tenancy.enums import ProjectRole
from app.domain.tenancy.lookup import get_visible
from app.domain.tenancy.projects import require_project_access

MAX_REPORT_BYTES = 256 * 1024


async def drift_report_create(
    session: AsyncSession,
    actor: Actor,
    *,
    deployment_id: uuid.UUID | None,
    features: Sequence[FeatureInput],
    threshold: float,
    period_start: datetime | None = None,
    period_end: datetime | None = None,
    report_data: Any = None,
) -> DriftReport:
    """Overall score = mean PSI over features; drift is detected when any feature's PSI
    reaches the threshold, and then a data_drift alert opens. ``period_start`` and
    ``period_end``: the traffic the current distributions come from; ``report_data`` the
    drift tool's own report (a JSON object, at most 256 KiB)."""
    field = ["deployment_id"]
    deployment = await get_visible(
        session, Deployment, deployment_id, actor, what="deployment", field=field
    )
    await require_project_access(
        session,
        actor,
        deployment.project_id,
        ProjectRole.CONTRIBUTOR,
        what="deployment",
        field=field,
    )
    if period_start is not None and period_end is not None and period_start > period_end:
        raise validation("must be at or after periodStart", ["period_end"])
    if period_end is not None and period_end > datetime.now(UTC) + timedelta(days=1):
        raise validation("must not be more than a day in the future", ["period_end"])
    if report_data is not None:
        v.json_value(v.json_object(report_data, ["report_data"]), ["report_data"],
                     max_bytes=MAX_REPORT_BYTES)  # fmt: skip
    scores = score_features(features, threshold)
    drifted = [s for s in scores if s.is_drifted]
    report = DriftReport(
        organization_id=deployment.organization_id,
        deployment_id=deployment.id,
        threshold=threshold,
        overall_score=sum(s.psi for s in scores) / len(scores),
        is_drift_detected=bool(drifted),
        created_by_id=actor.user_id,
        period_start=period_start,
        period_end=period_end,
        report_data=report_data,
    )
    session.add(report)
    await session.flush()
    session.add_all(
        DriftFeatureScore(
            organization_id=deployment.organization_id,
            report_id=report.id,
            name=s.name,
            psi=s.psi,
            ks_statistic=s.ks_statistic,
            js_distance=s.js_distance,
            is_drifted=s.is_drifted,
        )
        for s in scores
    )
    if drifted:
        worst = max(s.psi for s in drifted)
        severity = AlertSeverity.HIGH if worst >= 2 * threshold else AlertSeverity.MEDIUM
        now = datetime.now(UTC)
        names = ", ".join(s.name for s in drifted[:10])
        alert = await open_alert(
            session,
            organization_id=deployment.organization_id,
            deployment=deployment,
            alert_type=AlertType.DATA_DRIFT,
            severity=severity,
            title=f"Data drift on {deployment.name}: {names}",
            message=f"{len(drifted)} of {len(scores)} features drifted (max PSI {worst:.3f})",
            metric_name="psi",
            metric_value=worst,
            opened_at=now,
            details={"features": [s.name for s in drifted]},
        )
        report.alert_id = alert.id
    record_audit_event(
        session,
        actor,
        "drift_report.create",
        organization_id=deployment.organization_id,
        target_type="DriftReport",
        target_id=report.id,
        details={"features": len(scores), "drifted": len(drifted)},
    )
    await session.flush()
    return report
