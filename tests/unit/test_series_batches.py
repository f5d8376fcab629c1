"""The bulk `series` format is read for all its keys at once when the batch is as a
training loop sends it, and key by key otherwise. Both readings must agree: for any body,
the same keys, steps, values and times, or the same error naming the same item."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import numpy as np
from hypothesis import example, given, settings
from hypothesis import strategies as st

from app.domain.errors import DomainError
from app.domain.experiments.points import _all_keys_at_once, _key_by_key, batch_from_series
from app.domain.experiments.rules import MAX_STEP

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
NOW_MS = NOW.timestamp() * 1000

VALID_KEYS = ["loss", "acc", "val/auc", "lr 1", "z"]
STAMP = st.floats(NOW_MS - 1e9, NOW_MS + 1e6)
# What can be wrong with one item of a body (the key-by-key reading names it).
BAD_KEYS = [" loss", "bad\nkey", "", "x" * 251]
BAD_STEPS = [-1, -(2**70), MAX_STEP + 1, 2**70, True, 1.5, "1", None]
BAD_VALUES = ["NaN", "Infinity", "-Infinity", "nan", False, None, [1]]
BAD_STAMPS = [0, NOW_MS + 1e12, float("nan"), float("inf"), "1", None, True]


@st.composite
def valid_bodies(draw: st.DrawFn) -> dict[str, Any]:
    """A training loop's batch: ascending steps, numbers, timestamps on every key or none."""
    keys = draw(st.lists(st.sampled_from(VALID_KEYS), min_size=1, max_size=4, unique=True))
    stamped = draw(st.booleans())
    body = {}
    for key in keys:
        length = draw(st.integers(1, 6))
        start = draw(st.integers(0, 1_000) | st.just(MAX_STEP - length + 1))
        steps = list(range(start, start + length))
        values = draw(
            st.lists(
                st.floats(width=64) | st.integers(-(2**70), 2**70), min_size=length, max_size=length
            )
        )
        body[key] = {"steps": steps, "values": values}
        if stamped:
            body[key]["timestamps"] = draw(st.lists(STAMP, min_size=length, max_size=length))
    return body


@st.composite
def bodies(draw: st.DrawFn) -> Any:
    """A valid body, half the time with one thing wrong (or merely unusual) in it."""
    body = draw(valid_bodies())
    if draw(st.booleans()):
        return body
    key = draw(st.sampled_from(sorted(body)))
    columns = body[key]
    n = len(columns["steps"])
    i = draw(st.integers(0, n - 1))
    change = draw(
        st.sampled_from(
            ["key", "step", "value", "stamp", "stamps", "no stamps", "null stamps", "short",
             "missing", "extra", "order", "repeat", "not a list", "too many", "whole"]
        )
    )  # fmt: skip
    if change == "key":
        body[draw(st.sampled_from(BAD_KEYS))] = body.pop(key)
    elif change == "step":
        columns["steps"][i] = draw(st.sampled_from(BAD_STEPS))
    elif change == "value":
        columns["values"][i] = draw(st.sampled_from(BAD_VALUES))
    elif change == "stamp" and "timestamps" in columns:
        columns["timestamps"][i] = draw(st.sampled_from(BAD_STAMPS))
    elif change == "stamps":  # this key stamped, others perhaps not
        columns["timestamps"] = draw(st.lists(STAMP, min_size=n, max_size=n))
    elif change == "no stamps":
        columns.pop("timestamps", None)
    elif change == "null stamps":
        columns["timestamps"] = None
    elif change == "short":
        column = draw(st.sampled_from(sorted(columns)))
        columns[column] = columns[column][1:]
    elif change == "missing":
        del columns[draw(st.sampled_from(["steps", "values"]))]
    elif change == "extra":
        columns["x"] = []
    elif change == "order" and n > 1:
        columns["steps"].reverse()
    elif change == "repeat" and n > 1:
        columns["steps"][i] = columns["steps"][i - 1]
    elif change == "not a list":
        columns[draw(st.sampled_from(sorted(columns)))] = draw(st.sampled_from([1, "x", {}, None]))
    elif change == "too many":
        return {**body, "more": {"steps": list(range(2_000)), "values": [1.0] * 2_000}}
    elif change == "whole":
        return draw(st.sampled_from([{}, [], "x", {"loss": []}, {"loss": {"steps": 1}}]))
    return body


def read(reader: Any, body: Any, max_points: int) -> Any:
    try:
        batch = reader(body, max_points, NOW)
    except DomainError as error:
        return ("error", error.message, error.field)
    return [
        (
            s.key,
            s.steps.dtype,
            s.steps.tolist(),
            s.values.dtype,
            s.values.tobytes(),
            s.times.tolist(),
        )
        for s in batch.series
    ]


def key_by_key(body: Any, max_points: int, now: datetime) -> Any:
    if not isinstance(body, dict) or not body:
        return batch_from_series(body, max_points, now)  # (the one check both share)
    return _key_by_key(body, max_points, now)


@settings(max_examples=200, deadline=None)
@given(body=bodies(), max_points=st.sampled_from([3, 10, 1_000]))
@example(
    body={"a": {"steps": [1, 2], "values": [1, 2]}, "b": {"steps": [0], "values": [3]}},
    max_points=10,
)
@example(
    body={"a": {"steps": [5], "values": [1]}, "b": {"steps": [-1], "values": [3]}}, max_points=10
)
@example(body={"a": {"steps": [MAX_STEP, MAX_STEP + 1], "values": [1, 2]}}, max_points=10)
@example(body={"a": {"steps": [1], "values": [1], "timestamps": [NOW_MS + 1e12]}}, max_points=10)
@example(body={"a": {"steps": [1], "values": [1], "timestamps": [float("nan")]}}, max_points=10)
@example(body={"a": {"steps": [1], "values": [1], "timestamps": [0]}}, max_points=10)
@example(body={"a": {"steps": [1, 2], "values": [1, 2]}}, max_points=1)
def test_every_body_reads_the_same_at_once_and_key_by_key(body: Any, max_points: int) -> None:
    assert read(batch_from_series, body, max_points) == read(key_by_key, body, max_points)


def test_a_training_loops_batch_is_read_at_once() -> None:
    """10 keys × 100 ascending steps, with timestamps and without: no key-by-key reading."""
    steps = list(range(500, 600))
    for stamps in (None, [NOW_MS - 1_000 + s for s in steps]):
        body = {
            f"k{k}": {"steps": steps, "values": [1.0 / (s + k + 1) for s in steps]}
            | ({"timestamps": stamps} if stamps else {})
            for k in range(10)
        }
        batch = _all_keys_at_once(body, 1_000, NOW)
        assert batch is not None
        assert [s.key for s in batch.series] == sorted(body)
        assert all(np.array_equal(s.steps, steps) for s in batch.series)
