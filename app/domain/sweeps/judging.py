"""A sweep's early stopping, judged as a trial's points arrive, in the transaction that
logs them (called by app/domain/health/watching.py with the run's ingest lock).

A project with no running sweep that stops early costs nothing more than its health
rules do: such sweeps raise the project's watching-rules version, and the sweeps that
judge are cached by (project, version) like the rules. Only a batch that holds the
metric of a sweep over the run's experiment asks which trial the run is (one
statement), then:
- MEDIAN, from the batch's last step ``s`` on ``min_step``: the run's best value so far
  (its summary) against each completed trial's value at ``s`` (its last point at or
  before ``s``, from the one chunk of its points that spans ``s``);
- ASHA, for each rung the batch reached: the trial's value at the first step at or past
  the rung, recorded on the trial, against every value recorded at that rung.
A stop marks the trial PRUNED and cancels its job with the reason: its worker's next
heartbeat is refused, and the Python client raises ``TrainingStopped``."""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass

import numpy as np
from sqlalchemy import select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.experiments.points import PointBatch
from app.domain.sweeps.enums import EarlyStopping, SweepGoal
from app.domain.sweeps.enums import TrialStatus as T
from app.domain.sweeps.models import SweepTrial
from app.domain.sweeps.stopping import asha_says_stop, median_says_stop, rung_steps
from app.domain.sweeps.trials import trial_finished
from app.domain.tenancy.access import Actor
from app.domain.training.enums import TrainingJobStatus
from app.domain.training.models import TrainingJob
from app.domain.training.rules import FINAL
from app.domain.training.services import training_job_stop
from app.process.sized_lru import SizedLRU

STOPPING_SWEEPS = text(
    """
    SELECT id, name, experiment_id, metric_key, goal, early_stopping, stopping_min_step,
           stopping_eta, stopping_startup
    FROM sweeps
    WHERE project_id = :project_id AND status = 'running' AND early_stopping <> 'none'
    ORDER BY id
    """
)


@dataclass(frozen=True)
class StoppingSweep:
    id: uuid.UUID
    name: str
    experiment_id: uuid.UUID
    metric_key: str
    goal: SweepGoal
    rule: EarlyStopping
    min_step: int
    eta: int | None
    startup_trials: int | None


# (project id, watching-rules version) -> its sweeps that stop early; never stale.
_SWEEPS: SizedLRU[tuple[uuid.UUID, int], tuple[StoppingSweep, ...]] = SizedLRU(
    4096, lambda _, sweeps: max(1, len(sweeps))
)


async def _stopping_sweeps(
    session: AsyncSession, project_id: uuid.UUID, version: int
) -> tuple[StoppingSweep, ...]:
    cached = _SWEEPS.get((project_id, version))
    if cached is not None:
        return cached
    rows = (await session.execute(STOPPING_SWEEPS, {"project_id": project_id})).all()
    sweeps = tuple(
        StoppingSweep(
            row.id,
            row.name,
            row.experiment_id,
            row.metric_key,
            SweepGoal(row.goal),
            EarlyStopping(row.early_stopping),
            row.stopping_min_step,
            row.stopping_eta,
            row.stopping_startup,
        )
        for row in rows
    )
    _SWEEPS.put((project_id, version), sweeps)
    return sweeps


TRIAL_OF_RUN = text(
    """
    SELECT t.id, t.training_job_id, cardinality(t.rung_values) AS rungs, s.trials_completed
    FROM training_jobs j
    JOIN sweep_trials t ON t.training_job_id = j.id
    JOIN sweeps s ON s.id = t.sweep_id
    WHERE j.run_id = :run_id AND t.sweep_id = :sweep_id AND t.status = 'active'
    """
)
BEST_SO_FAR = text(
    "SELECT min_value, max_value FROM run_metric_summaries WHERE run_id = :run_id AND key = :key"
)
COMPLETED_AT_STEP = text(
    """
    SELECT v.value
    FROM sweep_trials t
    JOIN training_jobs j ON j.id = t.training_job_id
    JOIN run_metric_summaries m ON m.run_id = j.run_id AND m.key = :key AND m.last_step >= :step
    CROSS JOIN LATERAL (
        SELECT u.value
        FROM run_metric_chunks c
        CROSS JOIN LATERAL unnest(c.steps, c."values") AS u(step, value)
        WHERE c.run_id = j.run_id AND c.key = :key AND c.max_step >= :step
          AND c.min_step <= :step AND u.step <= :step
        ORDER BY u.step DESC, c.seq_hi
        LIMIT 1
    ) v
    WHERE t.sweep_id = :sweep_id AND t.status = 'completed'
    """
)
RECORD_RUNG = text(
    "UPDATE sweep_trials SET rung_values = rung_values || CAST(:value AS float8) "
    "WHERE id = :trial_id"
)
AT_RUNG = text(
    "SELECT rung_values[:rung] FROM sweep_trials "
    "WHERE sweep_id = :sweep_id AND cardinality(rung_values) >= :rung"
)


async def judge_trials(
    session: AsyncSession,
    actor: Actor,
    *,
    run_id: uuid.UUID,
    project_id: uuid.UUID,
    experiment_id: uuid.UUID | None,
    rules_version: int,
    batch: PointBatch,
) -> None:
    series = {s.key: s for s in batch.series}
    for sweep in await _stopping_sweeps(session, project_id, rules_version):
        if sweep.experiment_id != experiment_id or sweep.metric_key not in series:
            continue
        trial = (
            await session.execute(TRIAL_OF_RUN, {"run_id": run_id, "sweep_id": sweep.id})
        ).first()
        if trial is None:
            continue
        s = series[sweep.metric_key]
        if sweep.rule is EarlyStopping.MEDIAN:
            reason = await _median(session, sweep, run_id, int(s.steps[-1]), trial.trials_completed)
        else:
            reason = await _asha(session, sweep, trial.id, trial.rungs, s.steps, s.values)
        if reason is not None:
            step, why = reason
            await _prune(session, actor, trial.id, trial.training_job_id, step, why)


async def _median(
    session: AsyncSession, sweep: StoppingSweep, run_id: uuid.UUID, step: int, completed: int
) -> tuple[int, str] | None:
    startup = sweep.startup_trials or 0
    if step < sweep.min_step or completed == 0 or completed < startup:
        return None
    row = (await session.execute(BEST_SO_FAR, {"run_id": run_id, "key": sweep.metric_key})).first()
    low, high = (row.min_value, row.max_value) if row is not None else (None, None)
    best = low if sweep.goal is SweepGoal.MINIMIZE else high
    best = math.nan if best is None else best
    others = list(
        await session.scalars(
            COMPLETED_AT_STEP, {"sweep_id": sweep.id, "key": sweep.metric_key, "step": step}
        )
    )
    if not median_says_stop(
        best, others, completed=completed, startup_trials=startup, goal=sweep.goal
    ):
        return None
    median = float(np.nanpercentile(np.asarray(others, dtype=np.float64), 50))
    return step, (
        f"stopped early by sweep {sweep.name}'s median rule at step {step}: its best "
        f"{sweep.metric_key} so far ({best:g}) is worse than the median of the completed "
        f"trials there ({median:g})"
    )


async def _asha(
    session: AsyncSession,
    sweep: StoppingSweep,
    trial_id: uuid.UUID,
    judged: int,
    steps: np.ndarray,
    values: np.ndarray,
) -> tuple[int, str] | None:
    eta = sweep.eta or 3
    for rung, rung_step in enumerate(rung_steps(sweep.min_step, eta, int(steps[-1]))):
        if rung < judged:
            continue
        at = int(np.searchsorted(steps, rung_step))  # the first step at or past the rung
        step, value = int(steps[at]), float(values[at])
        if math.isnan(value):
            return step, f"stopped early by sweep {sweep.name}: NaN at rung step {rung_step}"
        await session.execute(RECORD_RUNG, {"trial_id": trial_id, "value": value})
        recorded = list(await session.scalars(AT_RUNG, {"sweep_id": sweep.id, "rung": rung + 1}))
        if asha_says_stop(value, recorded, eta=eta, goal=sweep.goal):
            keep = max(1, len(recorded) // eta)
            return step, (
                f"stopped early by sweep {sweep.name}'s successive halving at rung step "
                f"{rung_step}: {sweep.metric_key} {value:g} is not among the best {keep} of "
                f"the {len(recorded)} trials that reached it"
            )
    return None


async def _prune(
    session: AsyncSession,
    actor: Actor,
    trial_id: uuid.UUID,
    job_id: uuid.UUID,
    step: int,
    reason: str,
) -> None:
    """Mark the trial PRUNED and cancel its job (locked first: the order trials.py keeps)."""
    job = await session.scalar(
        select(TrainingJob).where(TrainingJob.id == job_id).with_for_update()
    )
    if job is None or TrainingJobStatus(job.status) in FINAL:
        return
    await session.execute(
        update(SweepTrial)
        .where(SweepTrial.id == trial_id, SweepTrial.status == T.ACTIVE.value)
        .values(status=T.PRUNED.value, pruned_step=step, stop_reason=reason)
        .execution_options(synchronize_session=False)
    )
    await training_job_stop(session, actor, job, reason, trial_finished)
