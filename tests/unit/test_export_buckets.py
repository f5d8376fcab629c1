"""Bucketed export points (app/domain/experiments/export.py, ``buckets_of``) agree with
the same statistics computed point by point, whatever the points' order, steps and
values (NaN and ±Infinity included)."""

from __future__ import annotations

import math
import uuid

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from app.domain.experiments.export import PointsPage, buckets_of

VALUES = st.one_of(
    st.floats(allow_nan=False, allow_infinity=False, width=64),
    st.sampled_from([math.nan, math.inf, -math.inf]),
)
POINTS = st.lists(
    st.tuples(st.integers(0, 2), st.integers(0, 1), st.integers(0, 300), VALUES),
    max_size=200,
    unique_by=lambda p: (p[0], p[1], p[2]),  # a step is stored once per run and key
)


@settings(max_examples=300, deadline=None)
@given(points=POINTS, size=st.integers(1, 70))
def test_buckets_match_a_point_by_point_count(points, size) -> None:  # type: ignore[no-untyped-def]
    page = PointsPage(
        run_ids=np.array([p[0] for p in points], dtype=np.int32),
        runs=[uuid.uuid4() for _ in range(3)],
        keys=["a", "b"],
        key_index=np.array([p[1] for p in points], dtype=np.int32),
        steps=np.array([p[2] for p in points], dtype=np.int64),
        values=np.array([p[3] for p in points], dtype=np.float64),
        times=np.zeros(len(points), dtype=np.int64),
    )
    cut = buckets_of(page, size)
    want: dict[tuple[int, int, int], list[tuple[int, float]]] = {}
    for run, key, step, value in points:
        want.setdefault((run, key, step // size * size), []).append((step, value))
    got = list(zip(cut.run_ids, cut.key_index, cut.step_start, strict=True))
    assert got == sorted(want)  # run, key and step order; every bucket holding a point
    for i, where in enumerate(got):
        held = sorted(want[tuple(int(x) for x in where)])
        finite = [v for _, v in held if math.isfinite(v)]
        assert cut.count[i] == len(held) and cut.nonfinite[i] == len(held) - len(finite)
        assert cut.last_step[i] == held[-1][0]
        last = held[-1][1]
        assert (math.isnan(cut.last[i]) and math.isnan(last)) or cut.last[i] == last
        if finite:
            assert cut.min[i] == min(finite) and cut.max[i] == max(finite)
        else:
            assert math.isnan(cut.min[i]) and math.isnan(cut.max[i])
