"""``Run.metric(key:) { key pointColumns(...) { ... } points(...) { ... } }`` on the
compiled path: a page of raw points is a subquery of the one statement (the same chunk
query as the resolver's, app/domain/experiments/reads.py), written as JSON by PostgreSQL
as the resolver path writes it — columns for ``pointColumns``, a Relay connection (edges,
nodes, pageInfo, totalCount from the key's summary) for ``points`` — so a chart or a
table paging through raw points costs what any compiled read costs: one statement. The
series' ``summary`` is not compiled: a document selecting it runs on the resolver path."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson
from graphql import FieldNode, GraphQLObjectType

from app.api.errors import ClientError
from app.api.experiments.enums import StepOrder
from app.api.graph.compiler import PageAggregates
from app.api.graph.sql_text import Unsupported, literal, unwrap
from app.api.pagination import coerce_cursor_value, page_args
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
        if name == "points":
            return point_connection(run, series_type, alias, key, field_nodes)
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
        run_id=_run_id(run, alias),
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
        "values": lambda: column(metric_json(f"{inner}.value")),
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


def _run_id(run: Any, alias: str) -> str:
    """The run's id: the parameter it was read by where there is one, so the chunk reads
    name their partition when the statement is planned."""
    return str(run.emitter.known_ids.get(alias, f"{alias}.id"))


def metric_json(value: str) -> str:
    """A metric value as the resolver path writes it (``MetricValue``/``MetricColumn``): a
    number, or the strings "NaN", "Infinity" and "-Infinity"."""
    return (
        f"(CASE WHEN {value} = 'NaN'::float8 THEN '\"NaN\"' "
        f"WHEN {value} = 'Infinity'::float8 THEN '\"Infinity\"' "
        f"WHEN {value} = '-Infinity'::float8 THEN '\"-Infinity\"' "
        f"ELSE mlgraph_json_float({value}) END)"
    )


def point_connection(
    run: Any, series_type: GraphQLObjectType, alias: str, key: str, nodes: list[FieldNode]
) -> str:
    """``points(first, after, last, before, orderBy)``: a Relay page of raw points, keyed
    by step, as RunMetricSeries.points answers it (``size + 1`` points read, the extra one
    only says there is more; backward pages read the other way and are shown reversed)."""
    arguments = run.arguments(series_type, nodes[0])
    try:
        args = page_args(
            arguments.get("first"),
            arguments.get("after"),
            arguments.get("last"),
            arguments.get("before"),
            max_size=run.compiler.max_page_size,
        )
        bound = None
        if args.cursor is not None:
            if len(args.cursor) != 1:
                raise ClientError("invalid cursor for this list and order")
            bound = coerce_cursor_value(args.cursor[0], int)
    except ClientError as error:  # the resolver path reports it, with its usual error
        raise Unsupported("arguments refused", by_document=False) from error
    descending = (arguments.get("order_by", StepOrder.STEP_ASC) == StepOrder.STEP_DESC) != (
        args.backward
    )
    emitter = run.emitter
    run_id = _run_id(run, alias)
    key_sql = emitter.param(key) + "::text"
    size = emitter.param(args.size) + "::bigint"
    points = page_statement(
        descending,
        run_id=run_id,
        org_ids="$1",
        key=key_sql,
        bound=emitter.param(NO_BOUND[descending] if bound is None else bound) + "::bigint",
        want=emitter.param(args.size + 1) + "::bigint",
    )
    inner = emitter.alias()
    direction = " DESC" if descending else ""
    display = " DESC" if args.backward else ""
    rows = (
        f"SELECT p.*, p.step AS _k0, row_number() OVER (ORDER BY p.step{direction}) AS _rn "
        f"FROM ({points}) p"
    )
    page = PageAggregates(inner, size, display, (int,))

    connection_type = unwrap(series_type.fields[nodes[0].name.value].type)
    edge_type = unwrap(unwrap(connection_type.fields["edges"].type).of_type)
    point_type = unwrap(edge_type.fields["node"].type)
    page_type = unwrap(connection_type.fields["pageInfo"].type)
    point_values: dict[str, Callable[[], str]] = {
        "__typename": lambda: literal(f'"{point_type.name}"'),
        "key": lambda: literal(orjson.dumps(key).decode()),
        "step": lambda: f"{inner}.step::text",
        "value": lambda: metric_json(f"{inner}.value"),
        "timestamp": lambda: (
            f"mlgraph_json_time(timestamptz 'epoch' + {inner}.t * interval '1 microsecond')"
        ),
    }

    def point(field_nodes: list[FieldNode]) -> str:
        def value(name: str, _: list[FieldNode]) -> str:
            if name not in point_values:
                raise Unsupported(f"{point_type.name}.{name}")
            return point_values[name]()

        return run.json_object(run.selected(point_type, field_nodes), value)

    total = (
        f"coalesce((SELECT s.count FROM run_metric_summaries s WHERE s.run_id = {run_id} "
        f"AND s.organization_id = ANY($1) AND s.key = {key_sql}), 0)::text"
    )

    def value(name: str, field_nodes: list[FieldNode]) -> str:
        if name == "__typename":
            return literal(f'"{connection_type.name}"')
        if name == "totalCount":
            return total
        if name == "nodes":
            return page.items(point(field_nodes))
        if name == "edges":
            return page.items(run.edge(edge_type, page.cursor, field_nodes, point))
        if name == "pageInfo":
            page.read_cursors()
            given = "'true'" if args.cursor is not None else "'false'"
            return run.page_info(page_type, field_nodes, args, page, given)
        raise Unsupported(f"{connection_type.name}.{name}")

    body = run.json_object(run.selected(connection_type, nodes), value)  # fills the aggregates
    return page.select(body, rows)
