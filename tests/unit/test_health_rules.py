"""The health rules' judging (app/domain/health/rules.py) against the plain definitions,
point by point: the vectorised windows (cumulative sums, a sparse table of minimums) must
find the same first breach as a loop over each point's window."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from app.domain.health.rules import (
    MIN_WINDOW_POINTS,
    Window,
    first_divergence,
    first_non_finite,
    first_spike,
    throughput_drop,
)

values = st.one_of(
    st.floats(-10, 10, allow_nan=False),
    st.sampled_from([math.nan, math.inf, -math.inf, 100.0]),
)


@st.composite
def histories(draw):  # type: ignore[no-untyped-def]
    """Stored points before a batch and the batch (steps ascending, gaps allowed)."""
    steps = sorted(draw(st.sets(st.integers(0, 300), min_size=1, max_size=80)))
    split = draw(st.integers(0, len(steps) - 1))
    all_values = draw(st.lists(values, min_size=len(steps), max_size=len(steps)))
    s, v = np.asarray(steps, dtype=np.int64), np.asarray(all_values)
    return (s[:split], v[:split]), (s[split:], v[split:])


def windows_of(before, batch, steps):  # type: ignore[no-untyped-def]
    """Each new finite point with the finite values of the ``steps`` steps before it."""
    all_steps = np.concatenate([before[0], batch[0]])
    all_values = np.concatenate([before[1], batch[1]])
    finite = np.isfinite(all_values)
    for step, value in zip(*batch, strict=True):
        if not math.isfinite(value):
            continue
        inside = finite & (all_steps >= step - steps) & (all_steps < step)
        yield int(step), float(value), all_values[inside]


def plain_spike(before, batch, steps, z):  # type: ignore[no-untyped-def]
    for step, value, window in windows_of(before, batch, steps):
        if len(window) >= MIN_WINDOW_POINTS and window.std() > 0:
            if abs(value - window.mean()) / window.std() > z * (1 + 1e-9):
                return step
    return None


def plain_divergence(before, batch, steps, rise):  # type: ignore[no-untyped-def]
    for step, value, window in windows_of(before, batch, steps):
        if len(window) and value - window.min() > rise:
            return step
    return None


@settings(max_examples=300, deadline=None)
@given(histories(), st.integers(1, 60), st.floats(0.5, 5))
def test_spikes_are_the_plain_definition(history, steps, z):
    before, batch = history
    found = first_spike("k", Window.of(before, batch), steps, z)
    want = plain_spike(before, batch, steps, z)
    if want is None:  # borderline scores may differ in the last bits: none found plainly
        assert found is None or plain_spike(before, batch, steps, z * (1 - 1e-6)) is not None
    else:
        assert found is not None and found.step == want


@settings(max_examples=300, deadline=None)
@given(histories(), st.integers(1, 60), st.floats(0.01, 15))
def test_divergence_is_the_plain_definition(history, steps, rise):
    before, batch = history
    found = first_divergence("k", Window.of(before, batch), steps, rise)
    want = plain_divergence(before, batch, steps, rise)
    assert (found.step if found else None) == want


def test_non_finite_names_the_first_and_throughput_needs_a_history():
    steps = np.arange(5, dtype=np.int64)
    breach = first_non_finite("loss", steps, np.array([1.0, 2.0, -math.inf, math.nan, 0]))
    assert breach is not None and (breach.step, breach.title) == (2, "loss is -inf at step 2")
    assert first_non_finite("loss", steps, np.ones(5)) is None
    assert throughput_drop("k", [1.0] + [10.0] * 4, 0.5) is None  # too few batches to judge
    slow = throughput_drop("k", [4.0] + [10.0] * 5, 0.5)
    assert slow is not None and slow.value == 4.0
    assert throughput_drop("k", [5.0] + [10.0] * 5, 0.5) is None  # not below half
