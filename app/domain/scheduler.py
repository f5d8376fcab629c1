"""The scheduler: every schedule due at a moment fires — pipelines' (a pipeline run;
app/domain/pipelines/schedules.py) and WORKFLOW serves' (a workflow run on the queue;
app/domain/serving/workflow_runs.py) — each fire time once, however many schedulers run.
Above the two contexts; neither imports it."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime

from app.db.engine import SessionFactory
from app.db.scope import SYSTEM, enter_scope
from app.domain.cron import Fired
from app.domain.pipelines.schedules import schedules_fire
from app.domain.serving.workflow_runs import workflow_schedules_fire
from app.process.background import stop_task

log = logging.getLogger("mlgraph.scheduler")


async def fire_all(session_factory: SessionFactory, now: datetime) -> Fired:
    """One pass over every kind of schedule: what started, and what moved on without."""
    pipelines = await schedules_fire(session_factory, now)
    workflows = await workflow_schedules_fire(session_factory, now)
    return Fired(pipelines.started + workflows.started, pipelines.skipped + workflows.skipped)


class SchedulerWorker:
    """Fires due schedules every ``poll_seconds`` in the server process (schedulers in
    other processes only find fewer due: each fire time starts one run)."""

    def __init__(self, session_factory: SessionFactory, poll_seconds: float) -> None:
        self.session_factory = session_factory
        self.poll_seconds = poll_seconds
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="mlgraph-scheduler")

    async def stop(self) -> None:
        await stop_task(self._task)

    async def _run(self) -> None:
        enter_scope(SYSTEM)  # the server's own work: every organization's schedules
        while True:
            try:
                await fire_all(self.session_factory, datetime.now(UTC))
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("scheduler pass failed")
            await asyncio.sleep(self.poll_seconds)
