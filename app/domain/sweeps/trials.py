"""A sweep's trials as they are made and end, under the sweep's row lock.

``refill`` keeps the sweep's queue full: while fewer than ``max_parallel`` trials are
active and fewer than ``max_trials`` were made, it samples the next params (TPE from the
completed trials) and makes each trial's training job, QUEUED on the shared queue, where
any worker may claim it (``sweepTrialClaim`` or ``trainingJobClaim``). ``trial_finished``
runs in the transaction that ends a trial's job (app/domain/training/services.py): it
records the trial's result, counts it, and refills, so the next trial is queued the
moment one ends; the last one to end finishes the sweep.

Locks, always in this order: the run (ingest), the training job, the trial, the sweep.
The training services reach ``trial_finished`` only as the ``finished`` callable their
callers pass: training never imports this context."""

from __future__ import annotations

import math
import uuid
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain import topics
from app.domain.experiments.models import RunMetricSummary
from app.domain.sweeps.enums import EarlyStopping, SweepGoal, SweepMethod, SweepStatus
from app.domain.sweeps.enums import TrialStatus as T
from app.domain.sweeps.models import Sweep, SweepTrial
from app.domain.sweeps.space import Param
from app.domain.tenancy.access import Actor
from app.domain.tenancy.audit import record_audit
from app.domain.tenancy.projects import watching_rules_changed
from app.domain.training.enums import TrainingJobStatus
from app.domain.training.models import TrainingJob
from app.domain.training.services import status_changed
from app.domain.training.spec import JobSpec

if TYPE_CHECKING:
    from app.domain.sweeps.sampling import Finished

ENDED_BY_JOB = {
    TrainingJobStatus.SUCCEEDED.value: T.COMPLETED,
    TrainingJobStatus.FAILED.value: T.FAILED,
    TrainingJobStatus.CANCELLED.value: T.CANCELLED,
}
COUNTERS = {
    T.ACTIVE: "trials_active",
    T.COMPLETED: "trials_completed",
    T.PRUNED: "trials_pruned",
    T.FAILED: "trials_failed",
    T.CANCELLED: "trials_cancelled",
}


async def locked_sweep(session: AsyncSession, sweep_id: uuid.UUID) -> Sweep:
    sweep = await session.scalar(
        select(Sweep)
        .where(Sweep.id == sweep_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    assert sweep is not None  # a trial's sweep (cascade: they go together)
    return sweep


async def sweep_changed(session: AsyncSession, sweep: Sweep) -> None:
    """Bump the sweep's version and tell its sweepStatus subscribers (on commit)."""
    await topics.row_changed(session, sweep, topics.SWEEP_STATUS, "sweep")


def _count(sweep: Sweep, status: T, change: int) -> None:
    name = COUNTERS[status]
    setattr(sweep, name, getattr(sweep, name) + change)


def better(goal: SweepGoal, value: float, than: float | None) -> bool:
    if than is None:
        return True
    return value < than if goal is SweepGoal.MINIMIZE else value > than


async def _objective(session: AsyncSession, sweep: Sweep, job: TrainingJob) -> float | None:
    """The last value of the sweep's metric in the job's run (None: none, or not finite)."""
    if job.run_id is None:
        return None
    value = await session.scalar(
        select(RunMetricSummary.last_value).where(
            RunMetricSummary.run_id == job.run_id, RunMetricSummary.key == sweep.metric_key
        )
    )
    return value if value is not None and math.isfinite(value) else None


async def trial_finished(session: AsyncSession, actor: Actor, job: TrainingJob) -> None:
    """The job (locked, now final) ended; if it is a sweep's trial, record how."""
    trial = await session.scalar(
        select(SweepTrial)
        .where(SweepTrial.training_job_id == job.id)
        .with_for_update()
        .execution_options(populate_existing=True)  # PRUNED may have been set in SQL
    )
    if trial is None or trial.ended_at is not None:
        return
    sweep = await locked_sweep(session, trial.sweep_id)
    # A trial the sweep's rule stopped is PRUNED already (judging.py); else the job says.
    status = T.PRUNED if trial.status == T.PRUNED.value else ENDED_BY_JOB[job.status]
    trial.status = status.value
    trial.ended_at = datetime.now(UTC)
    if status is T.COMPLETED:
        trial.value = await _objective(session, sweep, job)
        if trial.value is not None and better(SweepGoal(sweep.goal), trial.value, sweep.best_value):
            sweep.best_value, sweep.best_trial_id = trial.value, trial.id
    elif status is not T.PRUNED:
        trial.stop_reason = job.error_message
    _count(sweep, T.ACTIVE, -1)
    _count(sweep, status, +1)
    await session.flush()  # the next trial's sampler reads this one's result
    await refill(session, actor, sweep)
    await sweep_changed(session, sweep)


async def _completed(session: AsyncSession, sweep_id: uuid.UUID) -> list[Finished]:
    from app.domain.sweeps.sampling import Finished

    rows = (
        await session.execute(
            select(SweepTrial.params, SweepTrial.value)
            .where(
                SweepTrial.sweep_id == sweep_id,
                SweepTrial.status == T.COMPLETED.value,
                SweepTrial.value.is_not(None),
            )
            .order_by(SweepTrial.number)  # TPE reads them in order (its mixture's order)
        )
    ).all()
    return [Finished(params, value) for params, value in rows]


async def refill(session: AsyncSession, actor: Actor, sweep: Sweep) -> list[SweepTrial]:
    """Under the sweep's lock: make its next trials, as many as its limits allow; with
    none left to make and none active, the sweep is FINISHED."""
    if sweep.status != SweepStatus.RUNNING.value:
        return []
    room = min(sweep.max_parallel - sweep.trials_active, sweep.max_trials - sweep.trials_made)
    if room <= 0:
        if sweep.trials_active == 0:
            await end_sweep(session, sweep, SweepStatus.FINISHED, None)
        return []
    # Optuna is imported when a sweep first needs a trial, not by every process at start.
    from app.domain.sweeps.sampling import next_params

    method = SweepMethod(sweep.method)
    space = [Param.from_json(param) for param in sweep.space]
    completed = await _completed(session, sweep.id) if method is SweepMethod.TPE else []
    spec = JobSpec.from_json(sweep.job_spec)
    made = []
    for _ in range(room):
        number = sweep.trials_made
        params = next_params(
            method,
            space,
            seed=sweep.seed,
            number=number,
            goal=SweepGoal(sweep.goal),
            finished=completed,
        )
        columns = spec.columns()
        # The executor reads the trial's params from its job's config.
        columns["config"] = {**spec.config, "params": params}
        job = TrainingJob(
            organization_id=sweep.organization_id,
            project_id=sweep.project_id,
            experiment_id=sweep.experiment_id,
            environment_id=sweep.environment_id,
            name=f"{sweep.name[:180]} #{number}",
            **columns,
            status=TrainingJobStatus.QUEUED.value,
            created_by_id=sweep.created_by_id,
        )
        session.add(job)
        await status_changed(session, job)  # its first version, for trainingJobStatus
        trial = SweepTrial(
            organization_id=sweep.organization_id,
            sweep_id=sweep.id,
            number=number,
            params=params,
            training_job_id=job.id,
            status=T.ACTIVE.value,
        )
        session.add(trial)
        sweep.trials_made += 1
        _count(sweep, T.ACTIVE, +1)
        record_audit(
            session,
            actor,
            "training_job.create",
            job,
            details={"sweep_id": str(sweep.id), "trial": number, "params": params},
        )
        made.append(trial)
    await session.flush()
    return made


async def end_sweep(
    session: AsyncSession, sweep: Sweep, status: SweepStatus, reason: str | None
) -> None:
    sweep.status = status.value
    sweep.stop_reason = reason
    sweep.ended_at = datetime.now(UTC)
    if sweep.early_stopping != EarlyStopping.NONE.value:
        await watching_rules_changed(session, sweep.project_id)  # no longer judged
