"""The early-stopping rules (app/domain/sweeps/stopping.py) against Optuna's own pruners:
the same trials, reporting the same values at every step one after another, must be
stopped at the same step by ours as by ``MedianPruner`` and ``SuccessiveHalvingPruner``."""

from __future__ import annotations

import math

import optuna
from hypothesis import given, settings
from hypothesis import strategies as st

from app.domain.sweeps.enums import SweepGoal
from app.domain.sweeps.stopping import asha_says_stop, median_says_stop, rung_steps

optuna.logging.set_verbosity(optuna.logging.WARNING)

values = st.one_of(st.integers(0, 20).map(float), st.just(math.nan))
histories = st.lists(
    st.lists(values, min_size=1, max_size=12), min_size=1, max_size=8
)  # trials, in the order they run; each its values at steps 0, 1, ...
goals = st.sampled_from(list(SweepGoal))


def optuna_stops(pruner, goal, history):  # type: ignore[no-untyped-def]
    """For each trial, the step Optuna stopped it at (None: it completed)."""
    study = optuna.create_study(direction=goal.value, pruner=pruner)
    stopped = []
    for trial_values in history:
        trial = study.ask()
        at = None
        for step, value in enumerate(trial_values):
            trial.report(value, step)
            if trial.should_prune():
                at = step
                break
        if at is None:
            study.tell(trial, 0.0)
        else:
            study.tell(trial, state=optuna.trial.TrialState.PRUNED)
        stopped.append(at)
    return stopped


def nan_best(values, goal):  # type: ignore[no-untyped-def]
    finite = [v for v in values if not math.isnan(v)]
    if not finite:
        return math.nan
    return min(finite) if goal is SweepGoal.MINIMIZE else max(finite)


def median_stops(history, goal, startup, min_step):  # type: ignore[no-untyped-def]
    completed: list[list[float]] = []
    stopped = []
    for trial_values in history:
        at = None
        for step in range(len(trial_values)):
            if step < min_step:
                continue
            at_step = [done[step] for done in completed if len(done) > step]
            if median_says_stop(
                nan_best(trial_values[: step + 1], goal),
                at_step,
                completed=len(completed),
                startup_trials=startup,
                goal=goal,
            ):
                at = step
                break
        if at is None:
            completed.append(trial_values)
        stopped.append(at)
    return stopped


def asha_stops(history, goal, min_step, eta):  # type: ignore[no-untyped-def]
    recorded: list[list[float]] = []  # per trial, its value at each rung it reached
    stopped = []
    for trial_values in history:
        mine: list[float] = []
        recorded.append(mine)
        at = None
        for step, value in enumerate(trial_values):
            for rung, _ in enumerate(rung_steps(min_step, eta, step)):
                if rung < len(mine):
                    continue
                if math.isnan(value):
                    at = step
                    break
                mine.append(value)
                others = [r[rung] for r in recorded if len(r) > rung]
                if asha_says_stop(value, others, eta=eta, goal=goal):
                    at = step
                    break
            if at is not None:
                break
        stopped.append(at)
    return stopped


@settings(max_examples=150, deadline=None)
@given(history=histories, goal=goals, startup=st.integers(0, 3), min_step=st.integers(0, 4))
def test_median_rule_stops_where_optunas_median_pruner_does(history, goal, startup, min_step):  # type: ignore[no-untyped-def]
    pruner = optuna.pruners.MedianPruner(n_startup_trials=startup, n_warmup_steps=min_step)
    assert median_stops(history, goal, startup, min_step) == optuna_stops(pruner, goal, history)


@settings(max_examples=150, deadline=None)
@given(history=histories, goal=goals, min_step=st.integers(1, 3), eta=st.integers(2, 4))
def test_asha_stops_where_optunas_successive_halving_does(history, goal, min_step, eta):  # type: ignore[no-untyped-def]
    pruner = optuna.pruners.SuccessiveHalvingPruner(min_resource=min_step, reduction_factor=eta)
    assert asha_stops(history, goal, min_step, eta) == optuna_stops(pruner, goal, history)


def test_rungs_grow_by_eta_from_the_first() -> None:
    assert rung_steps(10, 3, 1000) == [10, 30, 90, 270, 810]
    assert rung_steps(10, 3, 9) == []


def test_the_first_trial_at_a_rung_goes_on_and_a_worse_second_stops() -> None:
    assert not asha_says_stop(0.5, [0.5], eta=3, goal=SweepGoal.MINIMIZE)
    assert asha_says_stop(0.7, [0.5, 0.7], eta=3, goal=SweepGoal.MINIMIZE)
    assert asha_says_stop(0.7, [0.5, 0.7, 0.9], eta=3, goal=SweepGoal.MAXIMIZE)


def test_both_rules_do_stop_a_bad_trial_as_optuna_does() -> None:
    """The comparisons above are not vacuous: here both stop the third trial."""
    history = [[5.0, 4.0, 3.0, 2.0], [5.0, 4.0, 3.0, 2.0], [9.0, 9.0, 9.0, 9.0]]
    goal = SweepGoal.MINIMIZE
    median = optuna.pruners.MedianPruner(n_startup_trials=2, n_warmup_steps=1)
    assert median_stops(history, goal, 2, 1) == optuna_stops(median, goal, history)
    assert median_stops(history, goal, 2, 1) == [None, None, 1]
    halving = optuna.pruners.SuccessiveHalvingPruner(min_resource=1, reduction_factor=2)
    assert asha_stops(history, goal, 1, 2) == optuna_stops(halving, goal, history)
    assert asha_stops(history, goal, 1, 2)[2] == 1
