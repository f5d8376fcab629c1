"""Examples Hypothesis draws, as a list, for checks that run outside ``@given`` (a
database check is async; one connection then checks them all)."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st


def drawn(strategy: st.SearchStrategy[Any], count: int) -> list[Any]:
    """``count`` examples of ``strategy``, the same ones every run (derandomized)."""
    examples: list[Any] = []

    @settings(max_examples=count, database=None, derandomize=True, deadline=None)
    @given(strategy)
    def collect(value: Any) -> None:
        examples.append(value)

    collect()
    return examples
