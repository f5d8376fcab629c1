"""Sweep mutations: make one (contributors+), claim its trials (developers+, like any
training job), stop it (contributors+)."""

from __future__ import annotations

from typing import Any, cast

import strawberry
from strawberry import UNSET
from strawberry.scalars import JSON
from strawberry.types import Info

from app.api.errors import UserError, run_mutation
from app.api.experiments.types import Run
from app.api.graph.payloads import mutate
from app.api.ids import input_id
from app.api.sweeps.enums import SweepGoal, SweepMethod
from app.api.sweeps.types import Sweep, SweepTrial
from app.api.training.mutations import TrainingResourcesInput
from app.domain.sweeps import services
from app.domain.sweeps.enums import EarlyStopping, ParamKind
from app.domain.sweeps.space import MAX_PARAMS, Param, Scalar


@strawberry.input(description="Values tried as they are (strings, numbers, booleans).")
class SweepChoiceInput:
    values: list[JSON] = strawberry.field(description="1 to 1,000 distinct values.")


@strawberry.input(description="A float range, both ends included.")
class SweepRangeInput:
    low: float
    high: float


@strawberry.input(description="An integer range, both ends included, by step.")
class SweepIntegerInput:
    low: int
    high: int
    step: int = strawberry.field(default=1, description="high - low is a multiple of it.")


@strawberry.input(one_of=True, description="How a parameter is drawn: exactly one.")
class SweepDistributionInput:
    choice: SweepChoiceInput | None = UNSET
    uniform: SweepRangeInput | None = UNSET
    log_uniform: SweepRangeInput | None = strawberry.field(
        default=UNSET, description="Uniform in log space; low above 0 (learning rates)."
    )
    integer: SweepIntegerInput | None = UNSET


@strawberry.input
class SweepParameterInput:
    name: str = strawberry.field(
        description="The param's name in each trial's run (e.g. lr, optimizer.momentum)."
    )
    distribution: SweepDistributionInput


@strawberry.input(
    description="Stop a trial whose best value so far is worse than the median of the "
    "completed trials' values at the same step (checked at the last step of each batch it "
    "logs)."
)
class SweepMedianStoppingInput:
    min_step: int = strawberry.field(default=0, description="No stop before this step.")
    startup_trials: int = strawberry.field(
        default=5, description="Completed trials needed before any stop (0 to 100)."
    )


@strawberry.input(
    description="Asynchronous successive halving: rungs at minStep × eta^k steps; a trial "
    "reaching a rung goes on only if its value there is among the best 1/eta of the "
    "trials that reached it (the first ones always go on)."
)
class SweepAshaStoppingInput:
    min_step: int = strawberry.field(default=1, description="The first rung's step (1 or more).")
    eta: int = strawberry.field(default=3, description="2 to 10.")


@strawberry.input(one_of=True, description="The early-stopping rule: exactly one.")
class SweepEarlyStoppingInput:
    median: SweepMedianStoppingInput | None = UNSET
    asha: SweepAshaStoppingInput | None = UNSET


@strawberry.input(description="What each trial's training job runs and asks for.")
class SweepJobInput:
    image: str | None = None
    entry_point: str | None = None
    config: JSON | None = strawberry.field(
        default=None, description="Each trial's job gets it with its params under params."
    )
    resources: TrainingResourcesInput = strawberry.field(default_factory=TrainingResourcesInput)


@strawberry.input
class SweepCreateInput:
    experiment_id: strawberry.ID = strawberry.field(description="Its trials' runs go here.")
    environment_id: strawberry.ID = strawberry.field(description="Where its trials' jobs run.")
    name: str
    method: SweepMethod
    metric_key: str = strawberry.field(description="The objective: its last value in a run.")
    goal: SweepGoal
    parameters: list[SweepParameterInput] = strawberry.field(description="1 to 50.")
    max_trials: int | None = strawberry.field(
        default=None, description="1 to 1,000; a GRID defaults to its size."
    )
    max_parallel: int = strawberry.field(
        default=1, description="Trials active (queued or running) at once, 1 to 100."
    )
    early_stopping: SweepEarlyStoppingInput | None = None
    seed: int | None = strawberry.field(
        default=None, description="RANDOM and TPE: draws repeat with it (default: random)."
    )
    job: SweepJobInput


@strawberry.input
class SweepStopInput:
    sweep_id: strawberry.ID
    reason: str | None = None


@strawberry.input
class SweepTrialClaimInput:
    sweep_id: strawberry.ID
    worker: str = strawberry.field(description="Who claims (e.g. a pod name); up to 200 chars.")
    lease_seconds: int = strawberry.field(
        default=60, description="10 to 3600: heartbeats (trainingJobHeartbeat) come sooner."
    )


@strawberry.type
class SweepPayload:
    sweep: Sweep | None
    user_errors: list[UserError]


@strawberry.type
class SweepTrialClaimPayload:
    trial: SweepTrial | None = strawberry.field(
        description="The trial now RUNNING under this worker's lease; null when the sweep has "
        "none to hand out now (see sweep.status and trialsActive: others may come back to "
        "the queue)."
    )
    run: Run | None = strawberry.field(description="The run to log the trial to.")
    sweep: Sweep | None
    user_errors: list[UserError]


def _param(given: SweepParameterInput) -> Param:
    d = given.distribution
    if d.choice:
        return Param(
            given.name, ParamKind.CHOICE, values=tuple(cast(list[Scalar], d.choice.values))
        )
    if d.uniform:
        return Param(given.name, ParamKind.UNIFORM, low=d.uniform.low, high=d.uniform.high)
    if d.log_uniform:
        r = d.log_uniform
        return Param(given.name, ParamKind.LOG_UNIFORM, low=r.low, high=r.high)
    i: Any = d.integer  # oneOf: the one left
    return Param(given.name, ParamKind.INTEGER, low=i.low, high=i.high, step=i.step)


def _stopping(given: SweepEarlyStoppingInput | None) -> services.Stopping:
    if given is None:
        return services.Stopping()
    if given.median:
        m = given.median
        return services.Stopping(EarlyStopping.MEDIAN, m.min_step, startup_trials=m.startup_trials)
    a: Any = given.asha  # oneOf: the one left
    return services.Stopping(EarlyStopping.ASHA, a.min_step, eta=a.eta)


@strawberry.type
class SweepMutations:
    @strawberry.mutation(
        description="Make a sweep over an experiment: its first trials are queued at once "
        "(up to maxParallel), the next each time one ends. Contributors+."
    )
    async def sweep_create(self, info: Info, input: SweepCreateInput) -> SweepPayload:
        job = input.job
        resources = job.resources
        return await mutate(
            info,
            SweepPayload,
            "sweep",
            lambda session, actor: services.sweep_create(
                session,
                actor,
                experiment_id=input_id(input, "experiment_id", "Experiment"),
                environment_id=input_id(input, "environment_id", "Environment"),
                name=input.name,
                method=input.method,
                metric_key=input.metric_key,
                goal=input.goal,
                parameters=[_param(p) for p in input.parameters[: MAX_PARAMS + 1]],
                max_trials=input.max_trials,
                max_parallel=input.max_parallel,
                stopping=_stopping(input.early_stopping),
                seed=input.seed,
                job=services.JobInput(
                    image=job.image,
                    entry_point=job.entry_point,
                    config=job.config,
                    cpu=resources.cpu,
                    memory_mb=resources.memory_mb,
                    gpus=resources.gpus,
                    gpu_type=resources.gpu_type,
                    use_gpu=resources.use_gpu,
                ),
            ),
        )

    @strawberry.mutation(
        description="Stop a running sweep: no more trials; its unfinished ones are cancelled "
        "(their workers are told at their next heartbeat). Contributors+."
    )
    async def sweep_stop(self, info: Info, input: SweepStopInput) -> SweepPayload:
        return await mutate(
            info,
            SweepPayload,
            "sweep",
            lambda session, actor: services.sweep_stop(
                session,
                actor,
                sweep_id=input_id(input, "sweep_id", "Sweep"),
                reason=input.reason,
            ),
        )

    @strawberry.mutation(
        description="Claim the sweep's next trial for this worker: a queued one (one whose "
        "worker died comes back here), else a new one if the sweep's limits allow; it is "
        "RUNNING under the worker's lease, with a new run holding its params. FOR UPDATE "
        "SKIP LOCKED: two workers never get the same trial. Developers+."
    )
    async def sweep_trial_claim(
        self, info: Info, input: SweepTrialClaimInput
    ) -> SweepTrialClaimPayload:
        claimed, errors = await run_mutation(
            info,
            lambda session, actor: services.sweep_trial_claim(
                session,
                actor,
                sweep_id=input_id(input, "sweep_id", "Sweep"),
                worker=input.worker,
                lease_seconds=input.lease_seconds,
            ),
        )
        if claimed is None:
            return SweepTrialClaimPayload(trial=None, run=None, sweep=None, user_errors=errors)
        return SweepTrialClaimPayload(
            trial=SweepTrial.from_row(claimed.trial) if claimed.trial else None,
            run=Run.from_row(claimed.run) if claimed.run else None,
            sweep=Sweep.from_row(claimed.sweep),
            user_errors=errors,
        )
