"""Pure training-health rules: what a rule's parameters may be, and whether a key's points
break it. No database here: the services hand in the points (the batch being logged and,
for the windowed kinds, the stored points of the window before it).

- NON_FINITE: a NaN or ±Infinity among the new values (of the key, or of any key).
- SPIKE: a new value farther than ``z_score`` standard deviations from the mean of the
  finite values in the ``steps`` steps before it (at least MIN_WINDOW_POINTS of them, and a
  standard deviation above zero).
- DIVERGENCE: a new value more than ``rise`` above the lowest finite value in the
  ``steps`` steps before it.
- STALL, THROUGHPUT_DROP and IDLE_GPU are judged on a clock (app/domain/health/clock.py)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from app.domain.errors import validation
from app.domain.experiments.rules import clean_metric_key
from app.domain.health.enums import HealthRuleKind

MAX_WINDOW_STEPS = 10_000  # the stored points read per batch stay few
MIN_WINDOW_POINTS = 5
MAX_Z_SCORE = 1_000.0
MIN_STALL_SECONDS = 1
MAX_STALL_SECONDS = 7 * 24 * 3600
THROUGHPUT_HISTORY = 100  # a run's median rate: over its last 100 batches of the key
MIN_THROUGHPUT_HISTORY = 5


@dataclass(frozen=True)
class Condition:
    """A rule's kind and parameters, as stored (None where the kind takes none)."""

    kind: HealthRuleKind
    metric_key: str | None = None
    steps: int | None = None
    z_score: float | None = None
    rise: float | None = None
    seconds: int | None = None
    fraction: float | None = None
    percent: float | None = None


def _key(key: str | None, field: list[str], *, required: bool) -> str | None:
    if key is None:
        if required:
            raise validation("this kind of rule watches one metric key", field)
        return None
    return clean_metric_key(key, field)


def _window(steps: int | None, field: list[str]) -> int:
    if steps is None or not 1 <= steps <= MAX_WINDOW_STEPS:
        raise validation(f"a window is 1 to {MAX_WINDOW_STEPS} steps", field)
    return steps


def _positive(value: float | None, field: list[str], most: float = math.inf) -> float:
    if value is None or not math.isfinite(value) or not 0 < value <= most:
        bound = "" if most == math.inf else f" and at most {most:g}"
        raise validation(f"must be a finite number above 0{bound}", field)
    return value


def checked(condition: Condition, field: list[str]) -> Condition:
    """The condition with its parameters checked (``field``: where the condition sits in
    the input, the kind's own name appended, as the input spells it)."""
    kind = condition.kind
    at = [*field, kind.value]
    if kind is HealthRuleKind.NON_FINITE:
        return Condition(kind, _key(condition.metric_key, [*at, "metric_key"], required=False))
    if kind is HealthRuleKind.SPIKE:
        return Condition(
            kind,
            _key(condition.metric_key, [*at, "metric_key"], required=True),
            steps=_window(condition.steps, [*at, "steps"]),
            z_score=_positive(condition.z_score, [*at, "z_score"], MAX_Z_SCORE),
        )
    if kind is HealthRuleKind.DIVERGENCE:
        return Condition(
            kind,
            _key(condition.metric_key, [*at, "metric_key"], required=True),
            steps=_window(condition.steps, [*at, "steps"]),
            rise=_positive(condition.rise, [*at, "rise"]),
        )
    if kind in (HealthRuleKind.STALL, HealthRuleKind.IDLE_GPU):
        seconds = condition.seconds
        if seconds is None or not MIN_STALL_SECONDS <= seconds <= MAX_STALL_SECONDS:
            raise validation(
                f"a period is {MIN_STALL_SECONDS} to {MAX_STALL_SECONDS} seconds",
                [*at, "seconds"],
            )
        if kind is HealthRuleKind.STALL:
            return Condition(kind, seconds=seconds)
        percent = condition.percent
        if percent is None or not math.isfinite(percent) or not 0 < percent <= 100:
            raise validation("a utilisation is above 0 and at most 100 percent", [*at, "percent"])
        return Condition(kind, seconds=seconds, percent=percent)
    fraction = condition.fraction
    if fraction is None or not math.isfinite(fraction) or not 0 < fraction < 1:
        raise validation("a fraction of the median is between 0 and 1", [*at, "fraction"])
    return Condition(
        kind, _key(condition.metric_key, [*at, "metric_key"], required=True), fraction=fraction
    )


@dataclass(frozen=True)
class Breach:
    """The first point that broke a rule, and what to tell people about it."""

    step: int | None
    value: float | None  # None when not finite (GraphQL floats carry no NaN)
    title: str


def _number(value: float) -> str:
    return f"{value:.6g}"


def first_non_finite(key: str, steps: np.ndarray, values: np.ndarray) -> Breach | None:
    bad = np.flatnonzero(~np.isfinite(values))
    if not len(bad):
        return None
    at = int(bad[0])
    return Breach(
        int(steps[at]), None, f"{key} is {_number(float(values[at]))} at step {steps[at]}"
    )


@dataclass(frozen=True)
class Window:
    """A key's finite points in step order: the stored ones before the batch, then the
    batch's; ``new_from`` is where the batch's begin."""

    steps: np.ndarray
    values: np.ndarray
    new_from: int

    @classmethod
    def of(
        cls, before: tuple[np.ndarray, np.ndarray], batch: tuple[np.ndarray, np.ndarray]
    ) -> Window:
        old_steps, old_values = before
        new_steps, new_values = batch
        keep_old, keep_new = np.isfinite(old_values), np.isfinite(new_values)
        return cls(
            np.concatenate([old_steps[keep_old], new_steps[keep_new]]).astype(np.int64),
            np.concatenate([old_values[keep_old], new_values[keep_new]]).astype(np.float64),
            int(keep_old.sum()),
        )

    def starts(self, steps: int) -> np.ndarray:
        """For each new point, where the points of the ``steps`` steps before it begin."""
        new_steps = self.steps[self.new_from :]
        return np.searchsorted(self.steps, new_steps - steps, side="left")


def first_spike(key: str, window: Window, steps: int, z_score: float) -> Breach | None:
    values = window.values
    if len(values) <= window.new_from:
        return None
    ends = np.arange(window.new_from, len(values))
    starts = window.starts(steps)
    counts = ends - starts
    shifted = values - values[0]  # sums of squares of small numbers lose less
    sums = np.concatenate([[0.0], np.cumsum(shifted)])
    squares = np.concatenate([[0.0], np.cumsum(shifted * shifted)])
    with np.errstate(invalid="ignore", divide="ignore"):
        means = (sums[ends] - sums[starts]) / counts
        variances = np.maximum((squares[ends] - squares[starts]) / counts - means * means, 0.0)
        stds = np.sqrt(variances)
        scores = np.abs(shifted[ends] - means) / stds
    broken = (counts >= MIN_WINDOW_POINTS) & (stds > 0) & (scores > z_score)
    hits = np.flatnonzero(broken)
    if not len(hits):
        return None
    at, end = int(hits[0]), int(ends[hits[0]])
    return Breach(
        int(window.steps[end]),
        float(values[end]),
        f"{key} spiked to {_number(float(values[end]))} at step {window.steps[end]} "
        f"(z = {_number(float(scores[at]))} over the {steps} steps before)",
    )


def _window_minimums(values: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """min(values[starts[i]:ends[i]]) for each i (every window non-empty): a sparse
    table, so each window is two lookups whatever its length."""
    levels = [values]
    width = 1
    while width * 2 <= len(values):
        last = levels[-1]
        levels.append(np.minimum(last[:-width], last[width:]))
        width *= 2
    lengths = ends - starts
    level = np.floor(np.log2(lengths)).astype(np.int64)
    out = np.empty(len(starts))
    for k in np.unique(level):
        picked = level == k
        table = levels[int(k)]
        out[picked] = np.minimum(table[starts[picked]], table[ends[picked] - (1 << int(k))])
    return out


def first_divergence(key: str, window: Window, steps: int, rise: float) -> Breach | None:
    values = window.values
    if len(values) <= window.new_from or values[window.new_from :].max() - values.min() <= rise:
        return None  # no new value is that far above any value: nothing to look for
    ends = np.arange(window.new_from, len(values))
    starts = window.starts(steps)
    has_window = ends > starts
    if not has_window.any():
        return None
    ends, starts = ends[has_window], starts[has_window]
    lows = _window_minimums(values, starts, ends)
    rises = values[ends] - lows
    hits = np.flatnonzero(rises > rise)
    if not len(hits):
        return None
    at, end = int(hits[0]), int(ends[hits[0]])
    return Breach(
        int(window.steps[end]),
        float(values[end]),
        f"{key} rose by {_number(float(rises[at]))} within {steps} steps "
        f"(to {_number(float(values[end]))} at step {window.steps[end]})",
    )


def throughput_drop(key: str, rates: list[float], fraction: float) -> Breach | None:
    """``rates``: steps per second of the key's batches, newest first."""
    if len(rates) < MIN_THROUGHPUT_HISTORY + 1:
        return None
    latest, median = rates[0], float(np.median(rates[1:]))
    if not latest < fraction * median:
        return None
    return Breach(
        None,
        latest,
        f"{key} at {_number(latest)} steps/s, below {fraction:g} of its median "
        f"{_number(median)} steps/s",
    )
