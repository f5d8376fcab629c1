"""Sweeps: made over an experiment (contributors+), their trials claimed by workers
(developers+, like any training job), stopped by hand (contributors+).

A sweep's trials are training jobs on the shared queue (app/domain/sweeps/trials.py
keeps it full). ``sweep_trial_claim`` is the agent's door: the oldest queued trial of
the sweep (``FOR UPDATE SKIP LOCKED``: two workers never get the same one), else a new
one if the sweep's limits allow, now RUNNING under the worker's lease with a fresh run
in the sweep's experiment holding the trial's params. A trial whose worker died (its
lease ran out) went back to the queue: its next claim ends the dead attempt's run
FAILED and starts another."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain import validation as v
from app.domain.environments.models import Environment
from app.domain.errors import DomainError, ErrorCode, validation
from app.domain.experiments.enums import TERMINAL_RUN_STATUSES, RunStatus
from app.domain.experiments.models import Experiment, Run
from app.domain.experiments.rules import clean_metric_key
from app.domain.experiments.services import run_create, run_finish
from app.domain.sweeps.enums import EarlyStopping, SweepGoal, SweepMethod, SweepStatus
from app.domain.sweeps.enums import TrialStatus as T
from app.domain.sweeps.models import Sweep, SweepTrial
from app.domain.sweeps.space import Param, clean_space, grid_size
from app.domain.sweeps.trials import (
    end_sweep,
    locked_sweep,
    refill,
    sweep_changed,
    trial_finished,
)
from app.domain.tenancy.access import Actor
from app.domain.tenancy.audit import record_audit
from app.domain.tenancy.enums import ProjectRole
from app.domain.tenancy.lookup import get_visible
from app.domain.tenancy.projects import (
    get_contributable,
    require_project_access,
    watching_rules_changed,
)
from app.domain.training.models import TrainingJob, attach_run
from app.domain.training.queue import QUEUE
from app.domain.training.rules import FINAL
from app.domain.training.services import clean_job_spec, training_job_stop

MAX_TRIALS = 1000
MAX_PARALLEL = 100
MAX_MIN_STEP = 10**12
MAX_STARTUP = 100
ETA_RANGE = (2, 10)
SEED_MAX = 2**31 - 1


@dataclass(frozen=True)
class Stopping:
    """The early-stopping rule and its settings (app/domain/sweeps/stopping.py)."""

    rule: EarlyStopping = EarlyStopping.NONE
    min_step: int = 0
    eta: int | None = None  # ASHA
    startup_trials: int | None = None  # MEDIAN


@dataclass(frozen=True)
class JobInput:
    """What each trial's job runs and asks for (as trainingJobCreate takes it)."""

    image: str | None
    entry_point: str | None
    config: Any
    cpu: float | None
    memory_mb: int | None
    gpus: int
    gpu_type: str | None
    use_gpu: bool


def _clean_stopping(stopping: Stopping) -> Stopping:
    if stopping.rule is EarlyStopping.NONE:
        return stopping
    field = ["early_stopping", stopping.rule.value]
    if not 0 <= stopping.min_step <= MAX_MIN_STEP:
        raise validation(f"minStep is 0 to {MAX_MIN_STEP}", [*field, "min_step"])
    if stopping.rule is EarlyStopping.ASHA:
        eta = 3 if stopping.eta is None else stopping.eta
        if not ETA_RANGE[0] <= eta <= ETA_RANGE[1]:
            raise validation(f"eta is {ETA_RANGE[0]} to {ETA_RANGE[1]}", [*field, "eta"])
        if stopping.min_step < 1:
            raise validation("ASHA's first rung is at step 1 or later", [*field, "min_step"])
        return Stopping(stopping.rule, stopping.min_step, eta, None)
    startup = 5 if stopping.startup_trials is None else stopping.startup_trials
    if not 0 <= startup <= MAX_STARTUP:
        raise validation(f"startupTrials is 0 to {MAX_STARTUP}", [*field, "startup_trials"])
    return Stopping(stopping.rule, stopping.min_step, None, startup)


def _trial_limit(method: SweepMethod, space: Sequence[Param], max_trials: int | None) -> int:
    field = ["max_trials"]
    if method is SweepMethod.GRID:
        size = grid_size(space)
        if max_trials is None:
            if size > MAX_TRIALS:
                raise validation(
                    f"the grid has {size} points; a sweep runs at most {MAX_TRIALS} trials "
                    "(set maxTrials to run the first ones)",
                    field,
                )
            return size
        if max_trials > size:
            raise validation(f"the grid has {size} points: at most {size} trials", field)
    if max_trials is None:
        raise validation("give maxTrials (1 to 1000) for a RANDOM or TPE sweep", field)
    if not 1 <= max_trials <= MAX_TRIALS:
        raise validation(f"maxTrials is 1 to {MAX_TRIALS}", field)
    return max_trials


async def sweep_create(
    session: AsyncSession,
    actor: Actor,
    *,
    experiment_id: uuid.UUID | None,
    environment_id: uuid.UUID | None,
    name: str,
    method: SweepMethod,
    metric_key: str,
    goal: SweepGoal,
    parameters: Sequence[Param],
    max_trials: int | None,
    max_parallel: int,
    stopping: Stopping,
    seed: int | None,
    job: JobInput,
) -> Sweep:
    experiment = await get_visible(
        session, Experiment, experiment_id, actor, what="experiment", field=["experiment_id"]
    )
    project = await require_project_access(
        session,
        actor,
        experiment.project_id,
        ProjectRole.CONTRIBUTOR,
        what="experiment",
        field=["experiment_id"],
    )
    environment = await get_visible(
        session, Environment, environment_id, actor, what="environment", field=["environment_id"]
    )
    if environment.organization_id != project.organization_id:
        raise DomainError(ErrorCode.NOT_FOUND, "environment not found", ["environment_id"])
    space = clean_space(parameters)
    limit = _trial_limit(method, space, max_trials)
    if not 1 <= max_parallel <= MAX_PARALLEL:
        raise validation(f"maxParallel is 1 to {MAX_PARALLEL}", ["max_parallel"])
    if seed is not None and not 0 <= seed <= SEED_MAX:
        raise validation(f"a seed is 0 to {SEED_MAX}", ["seed"])
    stopping = _clean_stopping(stopping)
    try:
        spec = await clean_job_spec(
            session,
            environment,
            image=job.image,
            entry_point=job.entry_point,
            config=job.config,
            cpu=job.cpu,
            memory_mb=job.memory_mb,
            gpus=job.gpus,
            gpu_type=job.gpu_type,
            use_gpu=job.use_gpu,
        )
    except DomainError as error:  # its fields are the job's
        error.field = ["job", *(error.field or [])]
        raise
    sweep = Sweep(
        organization_id=project.organization_id,
        project_id=project.id,
        experiment_id=experiment.id,
        environment_id=environment.id,
        name=v.name(name, ["name"]),
        method=method.value,
        metric_key=clean_metric_key(metric_key, ["metric_key"]),
        goal=goal.value,
        space=[param.as_json() for param in space],
        seed=secrets.randbelow(SEED_MAX) if seed is None else seed,
        max_trials=limit,
        max_parallel=max_parallel,
        early_stopping=stopping.rule.value,
        stopping_min_step=stopping.min_step,
        stopping_eta=stopping.eta,
        stopping_startup=stopping.startup_trials,
        job_spec=spec.columns(),
        status=SweepStatus.RUNNING.value,
        created_by_id=actor.user_id,
        trials_made=0,
        trials_active=0,
        trials_completed=0,
        trials_pruned=0,
        trials_failed=0,
        trials_cancelled=0,
    )
    session.add(sweep)
    await session.flush()
    if stopping.rule is not EarlyStopping.NONE:
        await watching_rules_changed(session, project.id)  # judged as points arrive
    record_audit(
        session,
        actor,
        "sweep.create",
        sweep,
        details={"name": sweep.name, "method": sweep.method, "max_trials": limit},
    )
    await refill(session, actor, sweep)
    await sweep_changed(session, sweep)
    return sweep


async def sweep_stop(
    session: AsyncSession, actor: Actor, *, sweep_id: uuid.UUID | None, reason: str | None
) -> Sweep:
    """Stop a running sweep: no more trials; its pending, queued and running ones are
    cancelled, their workers told why at their next heartbeat."""
    sweep = await get_contributable(
        session, Sweep, sweep_id, actor, what="sweep", field=["sweep_id"]
    )
    why = v.optional_text(reason, ["reason"], 1000) or "stopped by hand"
    # The jobs first, then the sweep: the order every trial's ending takes (trials.py).
    await _unfinished_jobs(session, sweep.id)
    sweep = await locked_sweep(session, sweep.id)
    if sweep.status != SweepStatus.RUNNING.value:
        raise DomainError(
            ErrorCode.INVALID_TRANSITION, f"the sweep is {sweep.status}", ["sweep_id"]
        )
    await end_sweep(session, sweep, SweepStatus.STOPPED, why)
    for job in await _unfinished_jobs(session, sweep.id):  # with any made meanwhile
        why_stopped = f"sweep {sweep.name} was stopped: {why}"
        await training_job_stop(session, actor, job, why_stopped, trial_finished)
    record_audit(session, actor, "sweep.stop", sweep, details={"reason": why})
    await sweep_changed(session, sweep)
    return sweep


async def _unfinished_jobs(session: AsyncSession, sweep_id: uuid.UUID) -> list[TrainingJob]:
    return list(
        await session.scalars(
            select(TrainingJob)
            .join(SweepTrial, SweepTrial.training_job_id == TrainingJob.id)
            .where(
                SweepTrial.sweep_id == sweep_id,
                TrainingJob.status.not_in([s.value for s in FINAL]),
            )
            .order_by(TrainingJob.id)
            .with_for_update(of=TrainingJob)
        )
    )


@dataclass(frozen=True)
class ClaimedTrial:
    """What a worker got: the trial, its job (RUNNING under the worker's lease) and the
    run to log it to; none when the sweep has no trial to hand out now."""

    sweep: Sweep
    trial: SweepTrial | None = None
    job: TrainingJob | None = None
    run: Run | None = None


DEAD_WORKER = "its worker stopped sending heartbeats; the trial went back to the queue"


async def sweep_trial_claim(
    session: AsyncSession,
    actor: Actor,
    *,
    sweep_id: uuid.UUID | None,
    worker: str,
    lease_seconds: int,
) -> ClaimedTrial:
    orgs = QUEUE.worker_organizations(actor)
    sweep = await get_visible(session, Sweep, sweep_id, actor, what="sweep", field=["sweep_id"])
    if sweep.organization_id not in orgs:
        raise DomainError(
            ErrorCode.FORBIDDEN, "working on training jobs needs a developer role", ["sweep_id"]
        )
    trial_jobs = select(SweepTrial.training_job_id).where(
        SweepTrial.sweep_id == sweep.id, SweepTrial.status == T.ACTIVE.value
    )

    async def claim() -> list[TrainingJob]:
        return await QUEUE.claim(
            session,
            actor,
            worker=worker,
            limit=1,
            max_limit=1,
            lease_seconds=lease_seconds,
            orgs=[sweep.organization_id],
            conditions=[TrainingJob.id.in_(trial_jobs)],
        )

    jobs = await claim()
    if not jobs and sweep.status == SweepStatus.RUNNING.value:
        sweep = await locked_sweep(session, sweep.id)
        if await refill(session, actor, sweep):
            jobs = await claim()
        if not jobs:  # nothing handed out, but the refill may have finished the sweep
            await sweep_changed(session, sweep)
    if not jobs:
        return ClaimedTrial(sweep)
    job = jobs[0]
    trial = await session.scalar(
        select(SweepTrial).where(SweepTrial.training_job_id == job.id).with_for_update()
    )
    assert trial is not None  # claimed among the sweep's trials' jobs
    if job.run_id is not None:  # an earlier attempt's: its worker is gone
        status = await session.scalar(select(Run.status).where(Run.id == job.run_id))
        if status is not None and RunStatus(status) not in TERMINAL_RUN_STATUSES:
            await run_finish(
                session,
                actor,
                run_id=job.run_id,
                status=RunStatus.FAILED,
                ended_at=None,
                failure_reason=DEAD_WORKER,
            )
    run = await run_create(
        session,
        actor,
        experiment_id=sweep.experiment_id,
        name=f"{sweep.name[:180]} #{trial.number}",
        description=None,
        params=trial.params,
        tags=None,
        started_at=None,
        tracking_system=None,
        tracking_run_id=None,
    )
    attach_run(job, run)
    await session.flush()
    sweep = await locked_sweep(session, sweep.id)
    await sweep_changed(session, sweep)  # the trial has a run now
    return ClaimedTrial(sweep, trial, job, run)
