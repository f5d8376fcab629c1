"""A batch's rollups are folded for all its keys in one numpy pass (``fold_keys``): per
(key, bucket), the same min and max of the finite values, count, non-finite count, last
step and last value as a point-by-point model, NaN and ±Infinity included."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from app.domain.experiments.points import fold_keys

VALUE = st.one_of(
    st.floats(allow_nan=False, allow_infinity=False, width=64),
    st.sampled_from([float("nan"), float("inf"), float("-inf")]),
)
KEY = st.lists(st.tuples(st.integers(0, 5_000), VALUE), max_size=40, unique_by=lambda p: p[0])


def model(keys: list[list[tuple[int, float]]], width: int) -> list[tuple]:  # type: ignore[type-arg]
    rows = []
    for index, points in enumerate(keys):
        buckets: dict[int, list[tuple[int, float]]] = {}
        for step, value in sorted(points):
            buckets.setdefault(step // width, []).append((step, value))
        for bucket, inside in sorted(buckets.items()):
            finite = [v for _, v in inside if math.isfinite(v)]
            rows.append(
                (
                    index,
                    bucket,
                    min(finite) if finite else None,
                    max(finite) if finite else None,
                    len(inside),
                    len(inside) - len(finite),
                    inside[-1][0],
                    repr(inside[-1][1]),
                )
            )
    return rows


@settings(max_examples=300, deadline=None)
@given(keys=st.lists(KEY, max_size=5), width=st.sampled_from([1, 3, 64, 4096, 262144]))
def test_one_pass_over_every_key_is_the_point_by_point_fold(keys, width) -> None:  # type: ignore[no-untyped-def]
    keys = [sorted(k) for k in keys if k]  # a batch's keys hold points, steps ascending
    steps = np.array([s for k in keys for s, _ in k], dtype=np.int64)
    values = np.array([v for k in keys for _, v in k], dtype=np.float64)
    key_of = np.repeat(np.arange(len(keys)), [len(k) for k in keys])
    owners, folded = fold_keys(steps, values, key_of, width)

    def finite_or_none(x: float) -> float | None:
        return None if math.isnan(x) else x

    got = [
        (int(o), int(b), finite_or_none(mn), finite_or_none(mx), int(n), int(nf), int(ls), repr(lv))
        for o, b, mn, mx, n, nf, ls, lv in zip(
            owners.tolist(),
            folded.buckets.tolist(),
            folded.mins.tolist(),
            folded.maxs.tolist(),
            folded.counts.tolist(),
            folded.nonfinite.tolist(),
            folded.last_steps.tolist(),
            folded.last_values.tolist(),
            strict=True,
        )
    ]
    assert got == model(keys, width)


def test_two_keys_with_the_same_bucket_stay_apart() -> None:
    steps = np.array([1, 2, 1, 2], dtype=np.int64)  # key 0: 1, 2; key 1: 1, 2
    values = np.array([1.0, 2.0, 3.0, 4.0])
    owners, folded = fold_keys(steps, values, np.array([0, 0, 1, 1]), 64)
    assert owners.tolist() == [0, 1] and folded.counts.tolist() == [2, 2]
    assert folded.mins.tolist() == [1.0, 3.0] and folded.last_values.tolist() == [2.0, 4.0]
