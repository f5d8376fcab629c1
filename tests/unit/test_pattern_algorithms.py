"""Pattern job configs (app/domain/patterns/algorithms.py): every algorithm takes exactly
its known keys, each within its bounds, for the one pattern type it finds."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.domain.errors import DomainError
from app.domain.patterns.algorithms import ALGORITHMS, Setting, clean_config
from app.domain.patterns.enums import PatternAlgorithm, PatternType


def inside(setting: Setting) -> st.SearchStrategy[float | int]:
    if setting.kind is int:
        return st.integers(int(setting.low), int(setting.high))
    return st.floats(setting.low, setting.high, exclude_min=setting.low_open)


@given(st.data())
def test_a_config_within_bounds_is_kept_and_completed(data: st.DataObject) -> None:
    algorithm = data.draw(st.sampled_from(list(PatternAlgorithm)))
    finds, settings = ALGORITHMS[algorithm]
    keys = data.draw(st.sets(st.sampled_from(sorted(settings))))
    given_config = {key: data.draw(inside(settings[key])) for key in keys}
    clean = clean_config(finds, algorithm, given_config)
    assert {k: clean[k] for k in keys} == given_config
    assert set(clean) == {k for k, s in settings.items() if k in keys or s.default is not None}


@given(st.data())
def test_a_value_outside_its_bounds_names_its_key(data: st.DataObject) -> None:
    algorithm = data.draw(st.sampled_from(list(PatternAlgorithm)))
    finds, settings = ALGORITHMS[algorithm]
    key = data.draw(st.sampled_from(sorted(settings)))
    setting = settings[key]
    outside = data.draw(
        st.sampled_from(
            [setting.high + 1, setting.low - 1, *([setting.low] if setting.low_open else [])]
        )
    )
    with pytest.raises(DomainError) as raised:
        clean_config(finds, algorithm, {key: outside})
    assert raised.value.field == ["config", key]


@pytest.mark.parametrize("algorithm", list(PatternAlgorithm))
def test_an_algorithm_finds_one_pattern_type(algorithm: PatternAlgorithm) -> None:
    finds, _ = ALGORITHMS[algorithm]
    for other in set(PatternType) - {finds}:
        with pytest.raises(DomainError) as raised:
            clean_config(other, algorithm, None)
        assert raised.value.field == ["algorithm"]
