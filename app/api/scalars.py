"""Custom scalars."""

from __future__ import annotations

import math
from typing import Any, NewType

import strawberry
from graphql import FloatValueNode, GraphQLError, IntValueNode, StringValueNode, ValueNode
from strawberry.types.scalar import ScalarDefinition

from app.api.graph.leaf_lists import BULK_SERIALIZERS, finite_floats_as_they_are
from app.db.arrays import NONFINITE_VALUES, nonfinite_text

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


def metric_value_text(value: float) -> float | str:
    """A metric value as JSON carries it: a number, or "NaN", "Infinity", "-Infinity" (the
    strings PostgreSQL's JSON writes for them, so both read paths answer alike)."""
    return value if math.isfinite(value) else nonfinite_text(value)


# A column of finite floats is what metric_value_text would write of each (leaf_lists).
BULK_SERIALIZERS[metric_value_text] = finite_floats_as_they_are


def as_metric_column(value: Any) -> list[Any]:
    """A column of metric values: numbers, the three strings for non-finite ones, and null
    where a bucket has no value (min and max of a bucket holding no finite value)."""
    column = as_column(value)
    try:
        if math.isfinite(math.fsum(column)):
            return column  # all finite: no copy
    except (TypeError, ValueError, OverflowError):
        pass  # a None, -inf + inf, or finite values summing past a float
    return [v if v is None or math.isfinite(v) else nonfinite_text(v) for v in column]


def parse_metric_value(value: Any) -> float:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str) and value in NONFINITE_VALUES:
        return NONFINITE_VALUES[value]
    raise GraphQLError('a MetricValue is a number, or "NaN", "Infinity" or "-Infinity"')


def parse_metric_value_literal(node: ValueNode, _variables: Any = None) -> float:
    if isinstance(node, IntValueNode | FloatValueNode):
        return float(node.value)
    if isinstance(node, StringValueNode):
        return parse_metric_value(node.value)
    raise GraphQLError('a MetricValue is a number, or "NaN", "Infinity" or "-Infinity"')


def output_only(value: Any) -> Any:
    raise GraphQLError("this scalar is output only")


Vector = NewType("Vector", tuple)  # annotate fields with this; the schema maps it below
MetricSeries = NewType("MetricSeries", dict)
IntColumn = NewType("IntColumn", list)
FloatColumn = NewType("FloatColumn", list)
MetricValue = NewType("MetricValue", float)
MetricColumn = NewType("MetricColumn", list)

SCALAR_MAP: dict[object, ScalarDefinition] = {
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
        'unique per key in a call; values numbers, or the strings "NaN", "Infinity", '
        '"-Infinity" (JSON has no such numbers); timestamps (optional, default '
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
    MetricValue: strawberry.scalar(
        name="MetricValue",
        description='A metric value: a number, or "NaN", "Infinity" or "-Infinity" (JSON '
        "cannot carry those as numbers; a diverging run logs them, and they are kept as "
        "they are).",
        serialize=metric_value_text,
        parse_value=parse_metric_value,
        parse_literal=parse_metric_value_literal,
    ),
    MetricColumn: strawberry.scalar(
        name="MetricColumn",
        description='A column of metric values as one JSON array: numbers, "NaN", '
        '"Infinity" or "-Infinity", and null where a bucket holds no finite value (its min '
        "and max). Output only.",
        serialize=as_metric_column,
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
