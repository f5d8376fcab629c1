"""Lists of leaf-only objects completed in one loop (app/api/graph/leaf_lists.py) answer
exactly what graphql-core's own completion answers — data and errors — for any values,
nulls where they are not allowed included, aliases, __typename, @skip/@include,
fragments, and fields with resolvers of their own (which keep the ordinary path)."""

from __future__ import annotations

import enum
from typing import Any

import orjson
import strawberry
from hypothesis import example, given, settings
from hypothesis import strategies as st
from strawberry.schema.config import StrawberryConfig
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext as ExecutionContext

from app.api.graph.leaf_lists import ColumnRows, LeafObjectLists
from app.api.scalars import SCALAR_MAP, MetricValue


@strawberry.enum
class Kind(enum.Enum):
    A = "a"
    B = "b"


@strawberry.type
class Bucket:
    step: int
    value: float | None
    label: str
    kind: Kind
    flag: bool | None
    last: MetricValue | None = None

    @strawberry.field
    def doubled(self) -> int:
        return self.step * 2


@strawberry.type
class Query:
    rows: strawberry.Private[list[Any]]

    @strawberry.field
    def buckets(self) -> list[Bucket]:
        return self.rows

    @strawberry.field
    def maybe(self) -> list[Bucket | None] | None:
        return self.rows


class Fast(LeafObjectLists, ExecutionContext):
    pass


CONFIG = StrawberryConfig(scalar_map=SCALAR_MAP)
FAST = strawberry.Schema(query=Query, execution_context_class=Fast, config=CONFIG)
PLAIN = strawberry.Schema(query=Query, config=CONFIG)

DOCUMENTS = [
    "{ buckets { step value label kind flag } }",
    "{ buckets { s: step v: value __typename step } maybe { kind } }",
    "query($no: Boolean!) { buckets { step value @skip(if: $no) ...F } } fragment F on Bucket { label }",
    "{ buckets { step doubled } }",
    "{ maybe { step value } }",
    "{ buckets { step value last } }",
]

# Columns of one Python type within range are written whole (BULK_SERIALIZERS); anything
# else — a None, a bool or a float among ints, an int among floats, NaN, values past 32
# bits or summing past a float — is serialized (or refused) value by value.
ROW = st.builds(
    lambda step, value, label, kind, flag, last: Bucket(
        step=step, value=value, label=label, kind=kind, flag=flag, last=last
    ),
    st.one_of(
        st.integers(-(2**31), 2**31 - 1),
        st.none(),
        st.integers(2**31, 2**40),
        st.booleans(),
        st.just(2.0),
    ),
    st.one_of(
        st.floats(allow_nan=False, allow_infinity=False),
        st.none(),
        st.integers(-3, 3),
        st.sampled_from([1.7e308, -1.7e308, float("nan"), float("inf")]),
    ),
    st.one_of(st.text(max_size=5), st.none()),
    st.sampled_from([Kind.A, Kind.B]),
    st.one_of(st.booleans(), st.none()),
    st.one_of(st.floats(), st.none(), st.sampled_from([1.7e308, -1.7e308])),
)


def answer(schema: strawberry.Schema, document: str, rows: list[Any]) -> Any:
    result = schema.execute_sync(
        document, root_value=Query(rows=rows), variable_values={"no": True}
    )
    errors = sorted((e.message, tuple(e.path or ())) for e in result.errors or [])
    return orjson.dumps(result.data), errors  # as written: 3.0 is not 3


@settings(max_examples=200, deadline=None)
@given(rows=st.lists(st.one_of(ROW, st.none()), max_size=8), document=st.sampled_from(DOCUMENTS))
def test_the_one_loop_answers_as_graphql_core(rows, document) -> None:  # type: ignore[no-untyped-def]
    assert answer(FAST, document, rows) == answer(PLAIN, document, rows)


FIELDS = ("step", "value", "label", "kind", "flag", "last")


def as_columns(rows: list[Bucket]) -> ColumnRows:
    columns = {name: [getattr(row, name) for row in rows] for name in FIELDS}
    return ColumnRows(lambda i: Bucket(**{k: c[i] for k, c in columns.items()}), columns)


@settings(max_examples=200, deadline=None)
@given(rows=st.lists(ROW, max_size=8), document=st.sampled_from(DOCUMENTS))
def test_items_held_as_columns_answer_as_the_objects_do(rows, document) -> None:  # type: ignore[no-untyped-def]
    """A chart's buckets are handed over as columns (never built as objects when only
    leaves are selected): the same data and errors as the objects through graphql-core."""
    assert answer(FAST, document, as_columns(rows)) == answer(PLAIN, document, rows)


def test_the_one_loop_is_taken_for_leaf_objects() -> None:
    rows = [Bucket(step=i, value=i / 2, label="x", kind=Kind.A, flag=None) for i in range(3)]
    taken: list[bool] = []

    class Spy(LeafObjectLists, ExecutionContext):
        def _leaf_fields(self, *args: Any) -> Any:
            fields = super()._leaf_fields(*args)
            taken.append(fields is not None)
            return fields

    spied = strawberry.Schema(query=Query, execution_context_class=Spy, config=CONFIG)
    assert answer(spied, DOCUMENTS[0], rows) == answer(PLAIN, DOCUMENTS[0], rows)
    assert answer(spied, DOCUMENTS[3], rows) == answer(PLAIN, DOCUMENTS[3], rows)
    assert taken == [True, False]  # `doubled` has a resolver: the ordinary way


def test_columns_are_written_without_building_the_objects() -> None:
    rows = [Bucket(step=i, value=i / 2, label="x", kind=Kind.A, flag=None) for i in range(5)]
    built: list[int] = []
    held = as_columns(rows)
    make = held.make
    held.make = lambda i: built.append(i) or make(i)  # type: ignore[func-returns-value]
    assert answer(FAST, DOCUMENTS[0], held) == answer(PLAIN, DOCUMENTS[0], rows)
    assert built == []  # the five rows came from the columns
    assert answer(FAST, DOCUMENTS[3], held) == answer(PLAIN, DOCUMENTS[3], rows)
    assert len(built) > 1  # a field with a resolver of its own: the objects are built


COLUMN_VALUE = st.one_of(
    st.integers(-(2**31), 2**31 - 1),
    st.integers(2**31, 2**40),
    st.integers(-(2**40), -(2**31) - 1),
    st.booleans(),
    st.floats(),
    st.sampled_from([1.7e308, -1.7e308, 0.0, -0.0]),
)


@settings(max_examples=500, deadline=None)
@given(values=st.lists(COLUMN_VALUE, min_size=1, max_size=6))
@example(values=[float("inf"), float("-inf")])  # fsum refuses these (found by the API test)
@example(values=[1.7e308, 1.7e308])  # finite, summing past a float
@example(values=[1.7e308, 1.7e308, float("nan")])
def test_a_column_written_whole_is_what_its_scalar_writes_of_each_value(values) -> None:  # type: ignore[no-untyped-def]
    """A column is written whole only when each value would be written unchanged by its
    scalar (Int, Float, MetricValue), down to the JSON text (3 is not 3.0)."""
    from app.api.graph.leaf_lists import BULK_SERIALIZERS

    assert len(BULK_SERIALIZERS) >= 3  # Int, Float, and MetricValue (app/api/scalars.py)
    for serialize, bulk in BULK_SERIALIZERS.items():
        whole = bulk(values)
        if whole is None:
            continue
        assert orjson.dumps(list(whole)) == orjson.dumps([serialize(v) for v in values])


@settings(max_examples=100, deadline=None)
@given(
    keys=st.lists(
        st.from_regex(r"[_A-Za-z][_0-9A-Za-z]{0,8}", fullmatch=True), min_size=1, max_size=300
    ),
    rows=st.integers(0, 5),
)
def test_rows_are_built_with_every_key_in_order(keys, rows) -> None:  # type: ignore[no-untyped-def]
    """The generated row builder (a dict display by arity) gives what ``dict(zip(...))``
    gives: any number of response keys (aliases), in their order, a repeated one last. (With no
    key at all, every field skipped, ``_complete_columns`` answers empty objects itself.)"""
    from app.api.graph.leaf_lists import row_maker

    columns = [[(i, r) for r in range(rows)] for i in range(len(keys))]
    built = list(map(row_maker(len(keys))(*keys), *columns))
    expected = [dict(zip(keys, row, strict=True)) for row in zip(*columns, strict=True)]
    assert [list(b.items()) for b in built] == [list(e.items()) for e in expected]


def test_a_list_whose_fields_are_all_skipped_answers_empty_objects() -> None:
    rows = [Bucket(step=i, value=None, label="x", kind=Kind.A, flag=None) for i in range(3)]
    document = "query($no: Boolean!) { buckets { step @skip(if: $no) } }"
    for held in (rows, as_columns(rows)):
        assert answer(FAST, document, held) == answer(PLAIN, document, rows)
        assert answer(FAST, document, held)[0] == b'{"buckets":[{},{},{}]}'
