"""The next trial's params. GRID walks the grid in order; RANDOM and TPE ask Optuna.

Optuna's study lives for one call, in memory: it is given the sweep's finished trials
(their params and objective values) and asked for one new point. The database stays the
only state, so any server process can make the next trial of any sweep, and the same
sweep, trial number and history give the same point (the sampler is seeded with the
sweep's seed plus the trial number)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import optuna
from optuna.distributions import (
    BaseDistribution,
    CategoricalDistribution,
    FloatDistribution,
    IntDistribution,
)
from optuna.trial import create_trial

from app.domain.sweeps.enums import ParamKind, SweepGoal, SweepMethod
from app.domain.sweeps.space import Param, Scalar, grid_point

optuna.logging.set_verbosity(optuna.logging.WARNING)  # a study per call: no "created" lines

SEED_MODULUS = 2**32  # numpy's seeds are 32-bit


@dataclass(frozen=True)
class Finished:
    """A completed trial: what it tried and what it scored."""

    params: dict[str, Any]
    value: float


def distribution(param: Param) -> BaseDistribution:
    if param.kind is ParamKind.CHOICE:
        return CategoricalDistribution(param.values)
    low, high = float(param.low or 0), float(param.high or 0)
    if param.kind is ParamKind.INTEGER:
        return IntDistribution(int(low), int(high), step=param.step or 1)
    return FloatDistribution(low, high, log=param.kind is ParamKind.LOG_UNIFORM)


def next_params(
    method: SweepMethod,
    space: Sequence[Param],
    *,
    seed: int,
    number: int,
    goal: SweepGoal,
    finished: Sequence[Finished] = (),
) -> dict[str, Scalar]:
    """The params of trial ``number`` (0-based)."""
    if method is SweepMethod.GRID:
        return grid_point(space, number)
    trial_seed = (seed + number) % SEED_MODULUS
    sampler: optuna.samplers.BaseSampler = (
        optuna.samplers.RandomSampler(seed=trial_seed)
        if method is SweepMethod.RANDOM
        else optuna.samplers.TPESampler(seed=trial_seed)
    )
    distributions = {param.name: distribution(param) for param in space}
    study = optuna.create_study(direction=goal.value, sampler=sampler)
    if method is SweepMethod.TPE:
        study.add_trials(
            [made for done in finished if (made := _frozen(done, distributions)) is not None]
        )
    asked = study.ask(distributions)
    return {param.name: asked.params[param.name] for param in space}


def _frozen(
    done: Finished, distributions: dict[str, BaseDistribution]
) -> optuna.trial.FrozenTrial | None:
    """A finished trial as Optuna's; None for a non-finite score or params outside the
    space (stored JSON edited by hand): left out rather than fail the sweep."""
    if not math.isfinite(done.value):
        return None
    try:
        return create_trial(params=done.params, distributions=distributions, value=done.value)
    except (ValueError, TypeError):
        return None
