"""``Run.metric(key:) { key pointColumns(first, afterStep, orderBy) { ... } }`` on the
compiled path: a page of raw points is a subquery of the one statement (the same chunk
query as the resolver's, app/domain/experiments/reads.py), its columns written as JSON
arrays by PostgreSQL, as the resolver path writes them — a chart paging through raw points
then costs what any compiled read costs. Other fields of the series (``summary``,
``points``) are not compiled: a document selecting them runs on the resolver path."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson
from graphql import FieldNode, GraphQLObjectType

from app.api.errors import ClientError
from app.api.experiments.enums import StepOrder
from app.api.graph.sql_text import Unsupported, literal, unwrap
from app.domain.experiments.reads import NO_BOUND, page_statement
from app.domain.experiments.rules import MAX_POINT_COLUMNS, METRIC_KEY_RE


def series_key(key: str) -> str:
    """``Run.metric``'s key, checked (the resolver and the compiler both ask here)."""
    if not METRIC_KEY_RE.fullmatch(key):
        raise ClientError("invalid metric key")
    return key


def page_size(first: int) -> int:
    """``pointColumns``' ``first``, checked (the resolver and the compiler both ask here)."""
    if not 1 <= first <= MAX_POINT_COLUMNS:
        raise ClientError(f"first must be between 1 and {MAX_POINT_COLUMNS}")
    return first


def metric_series(run: Any, parent: GraphQLObjectType, alias: str, nodes: list[FieldNode]) -> str:
    """``Run.metric``: the series object of one key of the run at ``alias``."""
    try:
        key = series_key(run.arguments(parent, nodes[0])["key"])
    except ClientError as error:  # the resolver path reports it, with its usual error
        raise Unsupported("invalid metric key", by_document=False) from error
    series_type = unwrap(parent.fields[nodes[0].name.value].type)

    def value(name: str, field_nodes: list[FieldNode]) -> str:
        if name == "__typename":
            return literal(f'"{series_type.name}"')
        if name == "key":
            return literal(orjson.dumps(key).decode())
        if name == "pointColumns":
            return point_columns(run, series_type, alias, key, field_nodes)
        raise Unsupported(f"{series_type.name}.{name}")

    return run.json_object(run.selected(series_type, nodes), value)


def point_columns(
    run: Any, series_type: GraphQLObjectType, alias: str, key: str, nodes: list[FieldNode]
) -> str:
    """Up to ``first`` points beyond ``afterStep`` as columns, and whether more lie beyond:
    ``first + 1`` points are read, numbered, and the extra one only counted."""
    arguments = run.arguments(series_type, nodes[0])
    try:
        first = page_size(arguments.get("first", 1000))
    except ClientError as error:  # the resolver path reports it, with its usual error
        raise Unsupported("first out of range", by_document=False) from error
    descending = arguments.get("order_by", StepOrder.STEP_ASC) == StepOrder.STEP_DESC
    after = arguments.get("after_step")
    emitter = run.emitter
    size = emitter.param(first) + "::bigint"
    points = page_statement(
        descending,
        run_id=f"{alias}.id",
        org_ids="$1",
        key=emitter.param(key) + "::text",
        bound=emitter.param(NO_BOUND[descending] if after is None else after) + "::bigint",
        want=emitter.param(first + 1) + "::bigint",
    )
    direction = " DESC" if descending else ""
    inner = emitter.alias()
    page = f"SELECT p.*, row_number() OVER (ORDER BY p.step{direction}) AS rn FROM ({points}) p"

    def column(item: str) -> str:
        return (
            f"'[' || coalesce(string_agg({item}, ',' ORDER BY {inner}.rn) "
            f"FILTER (WHERE {inner}.rn <= {size}), '') || ']'"
        )

    columns_type = unwrap(series_type.fields[nodes[0].name.value].type)
    columns: dict[str, Callable[[], str]] = {
        "__typename": lambda: literal(f'"{columns_type.name}"'),
        "steps": lambda: column(f"{inner}.step::text"),
        "values": lambda: column(f"mlgraph_json_float({inner}.value)"),
        # epoch microseconds to milliseconds, divided as Python divides (IEEE doubles)
        "timestamps": lambda: column(f"mlgraph_json_float({inner}.t::float8 / 1000)"),
        "hasMore": lambda: f"CASE WHEN count(*) > {size} THEN 'true' ELSE 'false' END",
    }

    def value(name: str, _: list[FieldNode]) -> str:
        if name not in columns:
            raise Unsupported(f"{columns_type.name}.{name}")
        return columns[name]()

    body = run.json_object(run.selected(columns_type, nodes), value)
    return f"(SELECT {body} FROM ({page}) {inner})"
