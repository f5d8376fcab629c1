"""MLflow's filter strings and order_by clauses, parsed as MLflow's client writes them;
anything else refused with the character it stopped at, never an exception of another kind."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.domain.errors import DomainError
from app.domain.mlflow.filters import (
    Comparison,
    Entity,
    OrderBy,
    equalities,
    parse_filter,
    parse_order_by,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("metrics.loss < 0.5", [Comparison(Entity.METRIC, "loss", "<", 0.5)]),
        ("metric.val/auc >= 1e-3", [Comparison(Entity.METRIC, "val/auc", ">=", 0.001)]),
        ("params.lr = '0.1'", [Comparison(Entity.PARAM, "lr", "=", "0.1")]),
        ('params.lr="0.1"', [Comparison(Entity.PARAM, "lr", "=", "0.1")]),
        ("tags.mlflow.user != 'bob'", [Comparison(Entity.TAG, "mlflow.user", "!=", "bob")]),
        ("tags.`my tag` LIKE 'a%'", [Comparison(Entity.TAG, "my tag", "LIKE", "a%")]),
        ('params."learning rate" ilike \'%E-3\'', [
            Comparison(Entity.PARAM, "learning rate", "ILIKE", "%E-3")
        ]),
        ("attributes.status = 'FINISHED'", [
            Comparison(Entity.ATTRIBUTE, "status", "=", "FINISHED")
        ]),
        ("status IN ('RUNNING', 'FAILED')", [
            Comparison(Entity.ATTRIBUTE, "status", "IN", ("RUNNING", "FAILED"))
        ]),
        ("attributes.run_name = 'it''s'", [Comparison(Entity.ATTRIBUTE, "run_name", "=", "it's")]),
        ("attributes.start_time > 1700000000000", [
            Comparison(Entity.ATTRIBUTE, "start_time", ">", 1.7e12)
        ]),
        ("tags.team IS NULL", [Comparison(Entity.TAG, "team", "IS NULL", None)]),
        ("params.a IS NOT NULL", [Comparison(Entity.PARAM, "a", "IS NOT NULL", None)]),
        ("run_id NOT IN ('a', 'b')", [
            Comparison(Entity.ATTRIBUTE, "run_id", "NOT IN", ("a", "b"))
        ]),
        ("metrics.a > 1 and params.b = 'x' AND tags.c = 'y'", [
            Comparison(Entity.METRIC, "a", ">", 1.0),
            Comparison(Entity.PARAM, "b", "=", "x"),
            Comparison(Entity.TAG, "c", "=", "y"),
        ]),
        ("", []),
        ("   ", []),
    ],
)  # fmt: skip
def test_mlflows_filters_parse(text: str, expected: list[Comparison]) -> None:
    assert parse_filter(text) == expected


@pytest.mark.parametrize(
    ("text", "where", "says"),
    [
        ("metrics.loss >", 15, "found the end"),
        ("metrics.loss = 'low'", 1, "compares with a number"),
        ("params.lr > '0.1'", 1, "does not apply"),
        ("params.a = '1' or params.b = '2'", 16, "OR is not supported"),
        ("loss < 1", 1, "is not metrics.<key>"),
        ("attributes.color = 'red'", 1, "unknown attribute"),
        ("metrics.loss < 1 metrics.acc > 2", 18, "expected AND"),
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
        OrderBy(Entity.ATTRIBUTE, "start_time", False),
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
    for comparison in found:
        assert comparison.key


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
        Comparison(Entity.PARAM if entity == "params" else Entity.TAG, key, "=", value)
        for entity, key, value in clauses
    ]
    assert parse_filter(text) == expected
