"""Helpers for input objects."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from strawberry import UNSET

from app.domain.errors import validation


def provided(input_object: Any, *names: str) -> dict[str, Any]:
    """The fields a client actually sent (UNSET ones are left out), by snake_case name."""
    return {
        name: getattr(input_object, name)
        for name in names
        if getattr(input_object, name) is not UNSET
    }


def whole_number(
    value: float | None, field: str, noun: str = "a whole number", at: Sequence[str] = ()
) -> int | None:
    """A count given as a Float (GraphQL's Int stops at 2^31): it must still be whole.
    ``at``: where in the input the object holding ``field`` is (a nested input)."""
    if value is None:
        return None
    if not math.isfinite(value) or not value.is_integer():
        raise validation(f"must be {noun}", [*at, field])
    if abs(value) >= 2**63:  # stored as bigint: beyond it PostgreSQL answers an overflow
        raise validation(f"must be {noun} below 2^63", [*at, field])
    return int(value)
