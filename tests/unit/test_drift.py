"""Drift statistics against values worked out by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from app.domain.errors import DomainError
from app.domain.monitoring.drift import FeatureInput, score_features, score_histogram, score_samples


def test_psi_ks_js_of_a_known_histogram():
    reference, current = [25, 25, 25, 25], [10, 20, 30, 40]
    psi, ks, js = score_histogram(reference, current)
    r, c = [0.25] * 4, [0.1, 0.2, 0.3, 0.4]
    assert psi == pytest.approx(
        sum((ci - ri) * math.log(ci / ri) for ri, ci in zip(r, c, strict=True))
    )
    assert psi == pytest.approx(0.228217, abs=1e-6)
    assert ks == pytest.approx(0.2)  # |0.5 - 0.3| at the second bin
    m = [(ri + ci) / 2 for ri, ci in zip(r, c, strict=True)]
    kl = lambda p, q: sum(pi * math.log2(pi / qi) for pi, qi in zip(p, q, strict=True))  # noqa: E731
    assert js == pytest.approx(math.sqrt((kl(r, m) + kl(c, m)) / 2))


def test_identical_samples_do_not_drift():
    values = np.random.default_rng(1).normal(size=5_000)
    psi, ks, js = score_samples(values, values)
    assert (psi, ks, js) == (pytest.approx(0), pytest.approx(0), pytest.approx(0))


def test_disjoint_samples_drift_completely():
    psi, ks, js = score_samples(np.linspace(0, 1, 1_000), np.linspace(10, 11, 1_000))
    assert ks == 1.0
    assert js == pytest.approx(1.0)
    assert psi > 5


def test_a_shifted_normal_is_flagged_and_a_resample_is_not():
    rng = np.random.default_rng(7)
    reference = rng.normal(0, 1, 20_000)
    scores = score_features(
        [
            FeatureInput("same", reference=reference, current=rng.normal(0, 1, 20_000)),
            FeatureInput("shifted", reference=reference, current=rng.normal(1, 1, 20_000)),
        ],
        threshold=0.2,
    )
    same, shifted = scores
    assert not same.is_drifted and same.psi < 0.01 and same.ks_statistic < 0.03
    assert (
        shifted.is_drifted
        and shifted.psi > 0.5
        and shifted.ks_statistic == pytest.approx(0.38, abs=0.03)
    )


@pytest.mark.parametrize(
    "feature",
    [
        FeatureInput("x", reference=[1.0], current=[1.0, 2.0]),
        FeatureInput("x", reference=[1.0, math.nan], current=[1.0, 2.0]),
        FeatureInput("x", reference_counts=[1, 2], current_counts=[1, 2, 3]),
        FeatureInput("x", reference_counts=[0, 0], current_counts=[1, 2]),
        FeatureInput("x", reference=[1.0, 2.0], current=[1.0, 2.0], reference_counts=[1, 1]),
        FeatureInput("x"),
    ],
)
def test_bad_features_are_rejected(feature):
    with pytest.raises(DomainError):
        score_features([feature], threshold=0.2)
