"""A sweep's space (app/domain/sweeps/space.py): a grid is walked in order without ever
being built, so a huge integer range is refused by its size, at once."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.domain.errors import DomainError
from app.domain.sweeps.enums import ParamKind
from app.domain.sweeps.space import MAX_GRID, Param, clean_space, grid_point, grid_size


def test_a_huge_integer_grid_is_refused_by_its_size() -> None:
    space = clean_space([Param("n", ParamKind.INTEGER, low=-(2**31), high=2**31 - 1)])
    with pytest.raises(DomainError) as refused:
        grid_size(space)  # 2^32 points: counted, not listed
    assert refused.value.field == ["parameters", "0"]
    assert f"more than {MAX_GRID} points" in refused.value.message


dimensions = st.lists(
    st.one_of(
        st.lists(st.integers(-5, 5), min_size=1, max_size=4, unique=True).map(
            lambda v: ("choice", v)
        ),
        st.tuples(st.integers(-5, 5), st.integers(0, 4), st.integers(1, 3)).map(
            lambda t: ("integer", (t[0], t[0] + t[1] * t[2], t[2]))
        ),
    ),
    min_size=1,
    max_size=4,
)


@given(dimensions)
def test_the_grid_is_itertools_product_in_order(dims) -> None:  # type: ignore[no-untyped-def]
    params = []
    for i, (kind, spec) in enumerate(dims):
        if kind == "choice":
            params.append(Param(f"p{i}", ParamKind.CHOICE, values=tuple(spec)))
        else:
            params.append(
                Param(f"p{i}", ParamKind.INTEGER, low=spec[0], high=spec[1], step=spec[2])
            )
    space = clean_space(params)
    expected = list(itertools.product(*(p.grid_values() or () for p in space)))
    assert grid_size(space) == len(expected)
    assert [tuple(grid_point(space, n).values()) for n in range(len(expected))] == expected
