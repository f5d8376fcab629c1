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


def parse_metric_series(value: Any) -> dict[str, Any]:
    """An object of metric keys; its columns are checked whole by the domain (as userErrors
    naming key, column and index), so nothing here walks the points."""
    if not isinstance(value, dict):
        raise GraphQLError(
            'a MetricSeries is an object: {"loss": {"steps": [...], "values": [...]}}'
        )
    return value


def as_column(value: Any) -> list[Any]:
    """Columns are built as lists by the resolvers: serialised once, whole."""
    return value if isinstance(value, list) else list(value)


def output_only(value: Any) -> Any:
    raise GraphQLError("this scalar is output only")


Vector = NewType("Vector", tuple)  # annotate fields with this; the schema maps it below
MetricSeries = NewType("MetricSeries", dict)
IntColumn = NewType("IntColumn", list)
FloatColumn = NewType("FloatColumn", list)

SCALAR_MAP = {
    Vector: strawberry.scalar(
        name="Vector",
        description="An embedding: a JSON list of numbers, e.g. [0.12, -0.5, 0.33].",
        serialize=list,
        parse_value=parse_vector,
    ),
    MetricSeries: strawberry.scalar(
        name="MetricSeries",
        description="Metric points as whole columns per key (the bulk ingest format): "
        '{"loss": {"steps": [0, 1, 2], "values": [0.9, 0.7, 0.6], "timestamps": '
        "[1764300000000, 1764300000100, 1764300000200]}}. Steps are integers 0 to 2^31-1, "
        "unique per key in a call; values finite numbers; timestamps (optional, default "
        "now) epoch milliseconds. Parsed as arrays, never point by point.",
        serialize=dict,
        parse_value=parse_metric_series,
    ),
    IntColumn: strawberry.scalar(
        name="IntColumn",
        description="A column of integers as one JSON array (item i belongs to row i of its "
        "sibling columns); may exceed 32 bits. Output only.",
        serialize=as_column,
        parse_value=output_only,
    ),
    FloatColumn: strawberry.scalar(
        name="FloatColumn",
        description="A column of numbers as one JSON array (item i belongs to row i of its "
        "sibling columns), the shape chart libraries (uPlot, ECharts) take. Output only.",
        serialize=as_column,
        parse_value=output_only,
    ),
}
