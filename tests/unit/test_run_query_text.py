"""The run query language's text (a superset of MLflow's filter strings) and MLflow's
order_by clauses, parsed as people and MLflow's client write them; anything else refused
with the character it stopped at, never an exception of another kind."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.domain.errors import DomainError
from app.domain.experiments.run_query import (
    AllOf,
    AnyOf,
    Attribute,
    Compare,
    Metric,
    Not,
    Param,
    Search,
    Stat,
    Tag,
)
from app.domain.experiments.run_query import parse as parse_filter
from app.domain.mlflow.filters import Entity, OrderBy, equalities, parse_order_by


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("metrics.loss < 0.5", [Compare(Metric("loss"), "<", 0.5)]),
        ("metric.val/auc >= 1e-3", [Compare(Metric("val/auc"), ">=", 0.001)]),
        ("params.lr = '0.1'", [Compare(Param("lr"), "=", "0.1")]),
        ('params.lr="0.1"', [Compare(Param("lr"), "=", "0.1")]),
        ("tags.mlflow.user != 'bob'", [Compare(Tag("mlflow.user"), "!=", "bob")]),
        ("tags.`my tag` LIKE 'a%'", [Compare(Tag("my tag"), "LIKE", "a%")]),
        ('params."learning rate" ilike \'%E-3\'', [
            Compare(Param("learning rate"), "ILIKE", "%E-3")
        ]),
        ("attributes.status = 'FINISHED'", [
            Compare(Attribute("status"), "=", "FINISHED")
        ]),
        ("status IN ('RUNNING', 'FAILED')", [
            Compare(Attribute("status"), "IN", ("RUNNING", "FAILED"))
        ]),
        ("attributes.run_name = 'it''s'", [Compare(Attribute("name"), "=", "it's")]),
        ("attributes.start_time > 1700000000000", [
            Compare(Attribute("started_at"), ">", 1.7e12)
        ]),
        ("tags.team IS NULL", [Compare(Tag("team"), "IS NULL", None)]),
        ("params.a IS NOT NULL", [Compare(Param("a"), "IS NOT NULL", None)]),
        ("run_id NOT IN ('a', 'b')", [
            Compare(Attribute("id"), "NOT IN", ("a", "b"))
        ]),
        ("metrics.a > 1 and params.b = 'x' AND tags.c = 'y'", [
            Compare(Metric("a"), ">", 1.0),
            Compare(Param("b"), "=", "x"),
            Compare(Tag("c"), "=", "y"),
        ]),
        ("", []),
        ("   ", []),
    ],
)  # fmt: skip
def test_mlflows_filters_parse(text: str, expected: list[Compare]) -> None:
    assert parse_filter(text) == as_query(expected)


def as_query(parts: list[Any]) -> Any:
    """Comparisons joined by AND, as the parser builds them."""
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else AllOf(tuple(parts))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            'metrics.val/auc.max > 0.9 and params.lr in (0.1, 0.01) or tags.team = "vision"',
            AnyOf((
                AllOf((
                    Compare(Metric("val/auc", Stat.MAX), ">", 0.9),
                    Compare(Param("lr"), "IN", (0.1, 0.01)),
                )),
                Compare(Tag("team"), "=", "vision"),
            )),
        ),
        (
            "not (status = 'FAILED' or params.a = '1') and search = \"resnet\"",
            AllOf((
                Not(AnyOf((
                    Compare(Attribute("status"), "=", "FAILED"),
                    Compare(Param("a"), "=", "1"),
                ))),
                Search("resnet"),
            )),
        ),
        ("metrics.`a.max`.min <= 2", Compare(Metric("a.max", Stat.MIN), "<=", 2.0)),
        ("metrics.`a.max` <= 2", Compare(Metric("a.max"), "<=", 2.0)),
        ("metrics.loss.last = 1", Compare(Metric("loss"), "=", 1.0)),
        ("start_time > '2026-01-01T00:00:00Z'", Compare(
            Attribute("started_at"), ">", "2026-01-01T00:00:00Z"
        )),
        ("params.a = '1' OR params.b = '2'", AnyOf((
            Compare(Param("a"), "=", "1"), Compare(Param("b"), "=", "2")
        ))),
    ],
)  # fmt: skip
def test_the_language_beyond_mlflow(text: str, expected: Any) -> None:
    assert parse_filter(text) == expected


@pytest.mark.parametrize(
    ("text", "where", "says"),
    [
        ("metrics.loss >", 15, "found the end"),
        ("metrics.loss = 'low'", 1, "compares with numbers"),
        ("params.lr like 0.1", 1, "takes =, !=, <, <=, >, >=, in with this value"),
        ("params.a = '1' or or", 19, "is not metrics.<key>"),
        ("loss < 1", 1, "is not metrics.<key>"),
        ("attributes.color = 'red'", 1, "unknown attribute"),
        ("metrics.loss < 1 metrics.acc > 2", 18, "expected and, or or the end"),
        ("tags.a IN 'x'", 11, "list in parentheses"),
        ("tags.a = 'unterminated", 10, "unexpected"),
        ("metrics. < 1", 1, "give a key"),
        ("metrics.a IS NULL", 1, "applies to params and tags"),
    ],
)
def test_bad_filters_say_where(text: str, where: int, says: str) -> None:
    with pytest.raises(DomainError) as refused:
        parse_filter(text)
    assert f"at character {where}" in refused.value.message
    assert says in refused.value.message
    assert refused.value.field == ["filter"]


def test_order_by_clauses() -> None:
    assert parse_order_by(["metrics.loss", "attributes.start_time DESC", "params.lr asc"]) == [
        OrderBy(Entity.METRIC, "loss", True),
        OrderBy(Entity.ATTRIBUTE, "started_at", False),
        OrderBy(Entity.PARAM, "lr", True),
    ]
    with pytest.raises(DomainError) as refused:
        parse_order_by(["metrics.loss DOWN"])
    assert refused.value.field == ["order_by", "0"]


def test_equality_filters() -> None:
    assert equalities(
        "name = 'model' AND source_run_id = \"abc\"", ("name", "source_run_id"), "x"
    ) == {
        "name": "model",
        "source_run_id": "abc",
    }
    with pytest.raises(DomainError):
        equalities("name LIKE 'm%'", ("name",), "logged models")


@given(st.text(max_size=200))
def test_any_text_parses_or_is_refused_as_a_validation_error(text: str) -> None:
    try:
        found = parse_filter(text)
    except DomainError as error:
        assert error.code.value == "VALIDATION" and "at character" in error.message
        return
    assert found is None or isinstance(found, Compare | AllOf | AnyOf | Not | Search)


KEYS = st.text(
    alphabet=st.characters(whitelist_categories=("Ll", "Lu", "Nd"), whitelist_characters="_./:-"),
    min_size=1,
    max_size=30,
).filter(lambda key: not key.startswith(("-", "+", ".")))
VALUES = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=30)


@given(
    st.lists(st.tuples(st.sampled_from(["params", "tags"]), KEYS, VALUES), min_size=1, max_size=5)
)
def test_written_comparisons_read_back(clauses: list[tuple[str, str, str]]) -> None:
    """What a person (or MLflow's client) writes with quoting as MLflow documents is what
    the parser reads: keys in backticks, values in quotes with '' for a quote."""
    text = " AND ".join(
        f"{entity}.`{key}` = '{value.replace(chr(39), chr(39) * 2)}'"
        for entity, key, value in clauses
    )
    expected = [
        Compare(Param(key) if entity == "params" else Tag(key), "=", value)
        for entity, key, value in clauses
    ]
    assert parse_filter(text) == as_query(expected)
