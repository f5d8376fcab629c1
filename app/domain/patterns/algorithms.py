"""Which algorithms find which patterns, and the config each takes: every key known,
typed and bounded, so a worker never receives a config it cannot run (pure rules)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from app.domain.errors import validation
from app.domain.patterns.enums import PatternAlgorithm as A
from app.domain.patterns.enums import PatternType as T


@dataclass(frozen=True)
class Setting:
    """One config key: an integer or a number within bounds (``low_open``: above ``low``,
    not equal to it), with a default the job records when the key is left out."""

    kind: type
    low: float
    high: float
    default: float | int | None
    low_open: bool = False

    def check(self, value: Any, field: list[str]) -> float | int:
        integer = self.kind is int
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise validation("must be " + ("a whole number" if integer else "a number"), field)
        if integer and (not float(value).is_integer()):
            raise validation("must be a whole number", field)
        if not math.isfinite(value):
            raise validation("must be a finite number", field)
        above = value > self.low if self.low_open else value >= self.low
        if not (above and value <= self.high):
            opening = "(" if self.low_open else "["
            raise validation(f"must be in {opening}{self.low:g}, {self.high:g}]", field)
        return int(value) if integer else float(value)


SEED = Setting(int, 0, 2**31 - 1, None)
ALGORITHMS: dict[A, tuple[T, dict[str, Setting]]] = {
    A.KMEANS: (T.CLUSTERING, {
        "n_clusters": Setting(int, 2, 10_000, 8), "max_iter": Setting(int, 1, 100_000, 300),
        "seed": SEED}),
    A.DBSCAN: (T.CLUSTERING, {
        "eps": Setting(float, 0, 1e9, 0.5, low_open=True),
        "min_samples": Setting(int, 1, 100_000, 5)}),
    A.ISOLATION_FOREST: (T.ANOMALY_DETECTION, {
        "n_estimators": Setting(int, 1, 10_000, 100),
        "contamination": Setting(float, 0, 0.5, 0.1, low_open=True), "seed": SEED}),
    A.LOCAL_OUTLIER_FACTOR: (T.ANOMALY_DETECTION, {
        "n_neighbors": Setting(int, 1, 10_000, 20),
        "contamination": Setting(float, 0, 0.5, 0.1, low_open=True)}),
    A.APRIORI: (T.ASSOCIATION_RULES, {
        "min_support": Setting(float, 0, 1, 0.05, low_open=True),
        "min_confidence": Setting(float, 0, 1, 0.5, low_open=True),
        "max_length": Setting(int, 1, 100, 4)}),
    A.FP_GROWTH: (T.ASSOCIATION_RULES, {
        "min_support": Setting(float, 0, 1, 0.05, low_open=True),
        "max_length": Setting(int, 1, 100, 4)}),
}  # fmt: skip


def clean_config(
    pattern_type: T, algorithm: A, config: Mapping[str, Any] | None
) -> dict[str, float | int]:
    """The algorithm's full config: given keys checked, the others at their defaults. The
    algorithm must find the pattern type asked for; an unknown key is refused by name."""
    finds, settings = ALGORITHMS[algorithm]
    if finds is not pattern_type:
        fitting = ", ".join(a.name for a, (t, _) in ALGORITHMS.items() if t is pattern_type)
        raise validation(
            f"{algorithm.name} finds {finds.name}, not {pattern_type.name} (use {fitting})",
            ["algorithm"],
        )
    if not isinstance(config, Mapping | None):
        raise validation("must be a JSON object", ["config"])
    given = dict(config or {})
    unknown = sorted(set(given) - set(settings))
    if unknown:
        known = ", ".join(settings)
        raise validation(
            f"{algorithm.name} takes no {unknown[0]} (it takes: {known})", ["config", unknown[0]]
        )
    clean: dict[str, float | int] = {}
    for key, setting in settings.items():
        if key in given and given[key] is not None:
            clean[key] = setting.check(given[key], ["config", key])
        elif setting.default is not None:
            clean[key] = setting.default
    return clean
