"""Custom scalars."""

from __future__ import annotations

from typing import Any, NewType

import strawberry
from graphql import GraphQLError

MAX_VECTOR_LENGTH = 2_000


def parse_vector(value: Any) -> tuple[float, ...]:
    """A list of numbers. NaN/Infinity pass here and are refused by the domain as userErrors,
    with the vector's index (GraphQL's Float would refuse them without saying which)."""
    if not isinstance(value, list) or not value or len(value) > MAX_VECTOR_LENGTH:
        raise GraphQLError(f"a Vector is a list of 1 to {MAX_VECTOR_LENGTH} numbers")
    if not all(isinstance(x, int | float) and not isinstance(x, bool) for x in value):
        raise GraphQLError("a Vector holds numbers only")
    return tuple(float(x) for x in value)


Vector = NewType("Vector", tuple)  # annotate fields with this; the schema maps it below

SCALAR_MAP = {
    Vector: strawberry.scalar(
        name="Vector",
        description="An embedding: a JSON list of numbers, e.g. [0.12, -0.5, 0.33].",
        serialize=list,
        parse_value=parse_vector,
    )
}
