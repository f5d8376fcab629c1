"""Early-stopping rules, pure: given what a trial scored and what the others did, stop it
or not. They decide as Optuna's ``MedianPruner`` and ``SuccessiveHalvingPruner`` do
(tests/unit/test_sweep_stopping.py runs both on the same histories); the server feeds
them from the stored points (app/domain/sweeps/judging.py).

- MEDIAN: at step ``s`` (no earlier than ``min_step``), once ``startup_trials`` trials
  have completed, a trial whose best value so far is worse than the median of the
  completed trials' values at ``s`` stops.
- ASHA: rungs at ``min_step * eta**k`` steps. A trial reaching a rung records its value
  there and goes on only if that value is among the best ``max(1, n // eta)`` of the ``n``
  values recorded at that rung so far (its own included): asynchronous successive
  halving, never waiting for a rung to fill.
A NaN score stops a trial under either rule."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from app.domain.sweeps.enums import SweepGoal

MAX_RUNGS = 64


def median_says_stop(
    best_so_far: float,
    completed_at_step: Sequence[float],
    *,
    completed: int,
    startup_trials: int,
    goal: SweepGoal,
) -> bool:
    """``best_so_far``: the trial's best value up to the step (NaN when it logged no finite
    one); ``completed_at_step``: each completed trial's value at that step (those that
    got that far); ``completed``: how many trials completed."""
    if completed == 0 or completed < startup_trials:
        return False
    if math.isnan(best_so_far):
        return True
    values = np.asarray(completed_at_step, dtype=np.float64)
    if not len(values) or np.isnan(values).all():
        return False
    median = float(np.nanpercentile(values, 50))
    if goal is SweepGoal.MAXIMIZE:
        return best_so_far < median
    return best_so_far > median


def rung_steps(min_step: int, eta: int, through: int) -> list[int]:
    """The rungs' steps up to ``through``."""
    steps: list[int] = []
    step = min_step
    while step <= through and len(steps) < MAX_RUNGS:
        steps.append(step)
        step *= eta
    return steps


def asha_says_stop(value: float, at_rung: Sequence[float], *, eta: int, goal: SweepGoal) -> bool:
    """``value``: the trial's value at the rung; ``at_rung``: every value recorded at the
    rung, the trial's own included."""
    if math.isnan(value):
        return True
    ranked = sorted(v for v in at_rung if not math.isnan(v))
    keep = max(1, len(ranked) // eta)
    if goal is SweepGoal.MAXIMIZE:
        return value < ranked[-keep]
    return value > ranked[keep - 1]
