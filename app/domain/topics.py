"""Channels and payloads. Payloads carry ids and high-water marks, never the data: a hub
reads the rows itself, once per notification, for all of its subscribers."""

from __future__ import annotations

import uuid
from typing import Any

import orjson
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

# {"run": id, "seq": metric_seq after the write, "experiment": the run's experiment id}
RUN_METRICS = "mlgraph_run_metrics"
MONITORING = "mlgraph_monitoring"  # {"deployment": id, "seq": monitoring_seq after the write}
RUN_STATUS = "mlgraph_run_status"  # {"run": id, "version": status_version}
TRAINING_STATUS = "mlgraph_training_status"  # {"job": id}: a training job's status changed
SWEEP_STATUS = "mlgraph_sweep_status"  # {"sweep": id}: a sweep or one of its trials changed
PATTERN_JOB_STATUS = "mlgraph_pattern_job_status"  # {"pattern_job": id}: its status changed
# {"workflow_run": id}: a WORKFLOW serve's run changed status
WORKFLOW_RUN_STATUS = "mlgraph_workflow_run_status"
# {"endpoint": id}: a serving endpoint's traffic, active deployment, policy or URL changed
ENDPOINT_CHANGES = "mlgraph_endpoint_changes"
# {"pipeline_run": id}: a pipeline run or one of its steps moved
PIPELINE_RUN_STATUS = "mlgraph_pipeline_run_status"
BUILD_STATUS = "mlgraph_build_status"  # {"build": id}: an artifact build's status changed
ALERTS = "mlgraph_alerts"  # {"org": id, "alert": id}
OUTBOX = "mlgraph_outbox"  # {"org": id}: notification deliveries are due
ACCESS = "mlgraph_access"  # {"user": id}: a user's keys or memberships changed
RATE_LIMITS = "mlgraph_ratelimit"  # {"bucket": name, "until": epoch seconds}: a block
# The channels of rows followed by status (app/events/hubs.py STATUS_HUBS) are listened to
# as well; these are the rest.
CHANNELS = (
    RUN_METRICS,
    MONITORING,
    ALERTS,
    OUTBOX,
    ACCESS,
    RATE_LIMITS,
)

NOTIFY = text("SELECT pg_notify(:channel, :payload)")


async def publish(session: AsyncSession, channel: str, **payload: object) -> None:
    """Queue a notification inside the writing transaction: PostgreSQL delivers it only if,
    and when, the transaction commits."""
    encoded = orjson.dumps(
        {k: str(v) if isinstance(v, uuid.UUID) else v for k, v in payload.items()}
    ).decode()
    await session.execute(NOTIFY, {"channel": channel, "payload": encoded})


async def row_changed(session: AsyncSession, row: Any, channel: str, key: str) -> None:
    """A row followed by status (app/events/hubs.py STATUS_HUBS) changed: its
    ``status_version`` grows, and ``channel`` is told {``key``: its id} on commit, for its
    hub to read it again."""
    row.status_version = (row.status_version or 0) + 1
    await session.flush()
    await publish(session, channel, **{key: row.id})
