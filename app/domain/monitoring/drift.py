"""Data drift statistics, pure (numpy/scipy, no database): PSI, Kolmogorov–Smirnov and
Jensen–Shannon per feature, from raw samples or from histograms over shared bins."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from app.domain.errors import validation

EPSILON = 1e-6  # floor for empty bins, so PSI stays finite
SAMPLE_BINS = 10
MAX_SAMPLES = 100_000
MAX_FEATURES = 200


@dataclass(frozen=True)
class FeatureInput:
    name: str
    reference: Sequence[float] | None = None
    current: Sequence[float] | None = None
    reference_counts: Sequence[float] | None = None
    current_counts: Sequence[float] | None = None


@dataclass(frozen=True)
class FeatureScore:
    name: str
    psi: float
    ks_statistic: float
    js_distance: float
    is_drifted: bool


def psi(reference: np.ndarray, current: np.ndarray) -> float:
    """Population stability index of two distributions over the same bins."""
    r = np.clip(reference, EPSILON, None)
    c = np.clip(current, EPSILON, None)
    return float(np.sum((c - r) * np.log(c / r)))


def js_distance(reference: np.ndarray, current: np.ndarray) -> float:
    """Jensen–Shannon distance, base 2: 0 for equal distributions, 1 for disjoint ones."""
    from scipy.spatial.distance import jensenshannon  # here: scipy costs every process 1 s

    return float(jensenshannon(reference, current, base=2))


def quantile_bins(reference: np.ndarray, bins: int = SAMPLE_BINS) -> np.ndarray:
    """Bin edges at the reference's quantiles, plus its min and (just past) its max, so
    current values outside the reference's range fall into bins of their own."""
    inner = np.quantile(reference, np.linspace(0, 1, bins + 1)[1:-1])
    low, high = reference.min(), np.nextafter(reference.max(), np.inf)
    return np.unique(np.concatenate(([low], inner, [high])))


def proportions(values: np.ndarray, edges: np.ndarray) -> np.ndarray:
    counts = np.bincount(np.searchsorted(edges, values, side="right"), minlength=len(edges) + 1)
    shares: np.ndarray = counts / counts.sum()
    return shares


def score_samples(
    reference: Sequence[float], current: Sequence[float]
) -> tuple[float, float, float]:
    ref = np.asarray(reference, dtype=float)
    cur = np.asarray(current, dtype=float)
    edges = quantile_bins(ref)
    ref_p, cur_p = proportions(ref, edges), proportions(cur, edges)
    from scipy.stats import ks_2samp  # here: scipy costs every process a second to import

    return psi(ref_p, cur_p), float(ks_2samp(ref, cur).statistic), js_distance(ref_p, cur_p)


def score_histogram(
    reference_counts: Sequence[float], current_counts: Sequence[float]
) -> tuple[float, float, float]:
    ref = np.asarray(reference_counts, dtype=float)
    cur = np.asarray(current_counts, dtype=float)
    ref_p, cur_p = ref / ref.sum(), cur / cur.sum()
    ks = float(np.max(np.abs(np.cumsum(ref_p) - np.cumsum(cur_p))))
    return psi(ref_p, cur_p), ks, js_distance(ref_p, cur_p)


def _finite(values: Sequence[float], field: list[str]) -> None:
    if not all(math.isfinite(v) for v in values):
        raise validation("values must be finite numbers", field)


def validate_feature(feature: FeatureInput, index: int) -> None:
    field = ["features", str(index)]
    if not feature.name or len(feature.name) > 128:
        raise validation("a feature name is 1-128 characters", [*field, "name"])
    samples = feature.reference is not None or feature.current is not None
    histogram = feature.reference_counts is not None or feature.current_counts is not None
    if samples == histogram:
        raise validation(
            "give reference and current samples, or referenceCounts and currentCounts", field
        )
    if samples:
        for name, values in (("reference", feature.reference), ("current", feature.current)):
            if values is None or not 2 <= len(values) <= MAX_SAMPLES:
                raise validation(f"give 2 to {MAX_SAMPLES} values", [*field, name])
            _finite(values, [*field, name])
        return
    ref, cur = feature.reference_counts or [], feature.current_counts or []
    if len(ref) != len(cur) or not 2 <= len(ref) <= 1000:
        raise validation("give counts for the same 2 to 1000 bins", [*field, "current_counts"])
    for name, values in (("reference_counts", ref), ("current_counts", cur)):
        _finite(values, [*field, name])
        if min(values) < 0 or sum(values) <= 0:
            raise validation("counts are >= 0 with a positive total", [*field, name])


def score_features(features: Sequence[FeatureInput], threshold: float) -> list[FeatureScore]:
    """Scores per feature; a feature drifts when its PSI reaches the threshold."""
    if not 1 <= len(features) <= MAX_FEATURES:
        raise validation(f"give 1 to {MAX_FEATURES} features", ["features"])
    if not (math.isfinite(threshold) and threshold > 0):
        raise validation("must be a positive number", ["threshold"])
    names = [f.name for f in features]
    if len(set(names)) != len(names):
        raise validation("feature names must be unique", ["features"])
    scores = []
    for index, feature in enumerate(features):
        validate_feature(feature, index)
        if feature.reference is not None and feature.current is not None:
            value_psi, ks, js = score_samples(feature.reference, feature.current)
        else:
            value_psi, ks, js = score_histogram(
                feature.reference_counts or [], feature.current_counts or []
            )
        scores.append(FeatureScore(feature.name, value_psi, ks, js, value_psi >= threshold))
    return scores
