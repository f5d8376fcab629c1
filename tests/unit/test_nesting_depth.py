"""nested_deeper_than: exact at the boundary, whether the deepest level holds containers or
a long column of scalars (which it skips without walking item by item)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from app.server.input_safety import nested_deeper_than


def depth(value: object) -> int:
    if isinstance(value, dict) and value:
        return 1 + max(depth(v) for v in value.values())
    if isinstance(value, list) and value:
        return 1 + max(depth(v) for v in value)
    return 1


def nest(levels: int, inner: object) -> object:
    for i in range(levels):
        inner = [inner] if i % 2 else {"k": inner}
    return inner


def test_a_column_of_numbers_is_one_level_below_its_list():
    column = list(range(10_000))
    assert depth(nest(3, column)) == 5
    assert not nested_deeper_than(nest(3, column), 5)
    assert nested_deeper_than(nest(3, column), 4)
    assert not nested_deeper_than([], 1) and nested_deeper_than([1], 1)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=3),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=2), inner, max_size=4)
    ),
    max_leaves=30,
)


@given(json_values, st.integers(1, 8))
def test_agrees_with_the_recursive_definition(value, limit):
    assert nested_deeper_than(value, limit) == (depth(value) > limit)
