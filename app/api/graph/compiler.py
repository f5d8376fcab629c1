"""Compile a query over declared fields into ONE SQL statement that returns the whole
``data`` object as JSON text, built by PostgreSQL.

Each object is a text concatenation ``'{"key":' || value || ...'}'`` (not
``json_build_object``, whose output has spaces and whose floats and dates are not written
the way the resolver path writes them); values are written by the functions of migration
0009 so that both paths answer byte for byte the same. A to-one link is a correlated
subquery by id; a connection is a correlated subquery that reads one page with a keyset
condition and ``LIMIT size + 1`` (the extra row says whether there is a next page),
numbers its rows and aggregates them with ``string_agg``; ``totalCount`` is a
``count(*)`` beside it. Every table read carries the caller's organizations
(``organization_id = ANY($1)``) and, where the table soft-deletes, ``deleted_at IS NULL``:
tenancy is inside the SQL, as in the loaders.

What does not compile raises ``Unsupported`` and the operation runs on the resolver path,
unchanged: fields that are not declared (@from_declaration types), directives other
than @skip/@include, orders by a float key, and any argument the resolver would refuse
(``ClientError``: the resolver path then reports it, with its usual error)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLIncludeDirective,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLSkipDirective,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
)
from graphql.execution.values import get_argument_values, get_directive_values
from strawberry.types.arguments import convert_arguments

from app.api.errors import ClientError
from app.api.graph.declare import GRAPH, Children, NodeType, lookup_fragments
from app.api.graph.sql_text import (
    MARKER,
    Fragment,
    Unsupported,
    concat,
    cursor_of,
    cursor_sql,
    filter_fragments,
    global_id_sql,
    json_array_sql,
    literal,
    order_fragments,
    scalar_json,
    unwrap,
)
from app.api.ids import decode_any
from app.api.loaders.rows_by_id import CALLER, visibility_sql
from app.api.node import NODE_KINDS
from app.api.pagination import PageArgs, coerce_cursor_value, page_args
from app.domain.tenancy.visibility import visible_sql

PAGING = ("first", "after", "last", "before")
MAX_NODES_IDS = 100
MAX_SLUG = 63


BY_ID = re.compile(r"\{a\}\.id = (\$\d+)")  # a to_one join reading a row by its id


@dataclass
class CompiledQuery:
    sql: str
    params: list[Any]


@dataclass
class _Emitter:
    org_ids: list[uuid.UUID]
    user_id: uuid.UUID | None = None
    hidden: Sequence[uuid.UUID] = ()
    params: list[Any] = field(default_factory=list)
    aliases: int = 0
    # alias -> the parameter its row's id equals (a row read by id): its children's
    # parent condition names the parameter, so a partitioned child table is pruned to
    # one partition when planned (single-shard routing), not at each rescan
    known_ids: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.params.append(list(self.org_ids))  # $1: the caller's organizations
        self.params.append(self.user_id)  # $2: the caller (users see themselves)
        self.params.append(list(self.hidden))  # $3: private projects hidden from the caller

    def outside_hidden(self, table: str, alias: str) -> list[str]:
        """The private-project condition of a read of ``table`` (none if nothing is hidden)."""
        condition = visible_sql(table, alias, "$3") if self.hidden else None
        return [] if condition is None else [condition]

    def param(self, value: Any) -> str:
        self.params.append(value)
        return f"${len(self.params)}"

    def alias(self) -> str:
        self.aliases += 1
        return f"a{self.aliases}"


class Compiler:
    """One per schema. ``compile`` is pure Python and cheap; PostgreSQL caches the plan of
    each distinct statement text (asyncpg's prepared statements)."""

    def __init__(self, strawberry_schema: Any, max_page_size: int) -> None:
        self.strawberry_schema = strawberry_schema
        self.schema = strawberry_schema._schema
        self.max_page_size = max_page_size
        self.scalar_registry = strawberry_schema.schema_converter.scalar_registry
        self.config = strawberry_schema.config

    def compile(
        self,
        document: Any,
        operation: OperationDefinitionNode,
        variables: Any,
        org_ids: list[uuid.UUID],
        user_id: uuid.UUID | None = None,
        hidden: Sequence[uuid.UUID] = (),
    ) -> CompiledQuery:
        if operation.operation != OperationType.QUERY:
            raise Unsupported("not a query")
        fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        run = _Run(self, fragments, variables, _Emitter(org_ids, user_id, hidden))
        root = self.schema.query_type
        data = run.root_object(root, [operation.selection_set])
        # $1, $2 and $3 (the caller) are typed once here, and bound even when unused.
        sql = f"SELECT {data} FROM {CALLER}"
        return CompiledQuery(sql=sql, params=run.emitter.params)

    def compile_entity(
        self,
        info: Any,
        entity_field: str,
        type_name: str,
        row_id: uuid.UUID,
        org_ids: list[uuid.UUID],
        user_id: uuid.UUID | None = None,
        hidden: Sequence[uuid.UUID] = (),
    ) -> CompiledQuery:
        """A mutation payload's entity (the row ``row_id`` of ``type_name``) read back with
        the payload's selection of ``entity_field``: one JSON object keyed by each response
        key (alias) under which the payload selects it. ``info`` is the mutation field's
        graphql-core resolve info (its document's fragments and coerced variables)."""
        declared = GRAPH.get(type_name)
        if declared is None or declared.admin_only:
            raise Unsupported(type_name)
        run = _Run(self, info.fragments, info.variable_values, _Emitter(org_ids, user_id, hidden))
        payload_type = unwrap(info.return_type)
        selected = {
            key: nodes
            for key, nodes in run.selected(payload_type, info.field_nodes).items()
            if nodes[0].name.value == entity_field
        }
        if not selected:
            raise Unsupported("the entity is not selected")
        join = f"{{a}}.id = {run.emitter.param(row_id)}"
        body = run.json_object(selected, lambda _, nodes: run.to_one(type_name, nodes, join))
        sql = f"SELECT {body} FROM {CALLER}"
        return CompiledQuery(sql=sql, params=run.emitter.params)


@dataclass
class PageAggregates:
    """The aggregates of a page of rows (``alias``, ``size`` shown): each list of the
    page's items written as a JSON array in display order, and, when pageInfo is read
    (``read_cursors``), the shown rows' order keys (for its first and last cursors) and
    ``n`` (more than ``size``: there is more). Only then (``numbered``) are the rows
    numbered (``_rn``, in read order) and one more read; otherwise the rows are the
    page's, shown in ``lean_order`` (the display order by the rows' own keys; None:
    always numbered). Numbering costs PostgreSQL a window and a subquery scan at every
    level of nested pages: 29% of the benchmark's six-level query (fan-out 10)."""

    alias: str
    size: str
    display: str  # " DESC" when the page is shown reversed (read backward)
    key_types: Sequence[type]  # of the rows' order keys ``_k0``, ``_k1``, ...
    lean_order: str | None = None
    item_sql: list[str] = field(default_factory=list)
    counted: bool = False

    def items(self, item: str) -> str:
        """The JSON array of the page's rows written as ``item``, in display order."""
        self.item_sql.append(item)
        return f"('[' || g.j{len(self.item_sql)} || ']')"

    @property
    def cursor(self) -> str:
        """A row's cursor as SQL text (an edge's)."""
        return cursor_sql(self.alias, self.key_types)

    def read_cursors(self) -> None:
        """``g.n``, and the shown rows' order keys in read order (``g.c0``, ...), of
        which page_info writes the first and the last row's cursors."""
        self.counted = True

    def end_cursor(self, last: bool) -> str:
        """The cursor of the first (or last) shown row in read order; NULL for no row.
        Only these two are written: the rows' keys are aggregated as they are, not each
        row's cursor (base64 of JSON text): 12-19% of the six-level benchmark query's
        PostgreSQL time when every level asks for its pageInfo."""
        index = "array_length(g.c0, 1)" if last else "1"
        keys = [f"g.c{i}[{index}]" for i in range(len(self.key_types))]
        return f"(CASE WHEN g.c0 IS NULL THEN NULL ELSE {cursor_of(keys, self.key_types)} END)"

    @property
    def numbered(self) -> bool:
        return self.counted or self.lean_order is None or not self.item_sql

    def aggregates(self) -> str:
        a = self.alias
        if not self.numbered:
            columns = [
                f"coalesce(string_agg({item}, ',' ORDER BY {self.lean_order}), '') AS j{i}"
                for i, item in enumerate(self.item_sql, 1)
            ]
            return ", ".join(columns)
        columns = ["count(*) AS n"]
        columns += [
            f"coalesce(string_agg({item}, ',' ORDER BY {a}._rn{self.display}) "
            f"FILTER (WHERE {a}._rn <= {self.size}), '') AS j{i}"
            for i, item in enumerate(self.item_sql, 1)
        ]
        if self.counted:
            columns += [
                f"array_agg({a}._k{i} ORDER BY {a}._rn) FILTER (WHERE {a}._rn <= {self.size}) "
                f"AS c{i}"
                for i in range(len(self.key_types))
            ]
        return ", ".join(columns)

    def select(self, body: str, rows: str) -> str:
        """``body`` (reading ``g``) over the aggregates of ``rows``."""
        return f"(SELECT {body} FROM (SELECT {self.aggregates()} FROM ({rows}) {self.alias}) g)"


@dataclass
class _Run:
    compiler: Compiler
    fragments: Mapping[str, FragmentDefinitionNode]
    variables: Any
    emitter: _Emitter

    # -- selections --------------------------------------------------------------------

    def collect(
        self, parent: GraphQLObjectType, selection_sets: Sequence[SelectionSetNode]
    ) -> dict[str, list[FieldNode]]:
        """Fields by response key, in document order, as graphql-core collects them."""
        fields: dict[str, list[FieldNode]] = {}
        seen_fragments: set[str] = set()

        def visit(selection_set: SelectionSetNode) -> None:
            for selection in selection_set.selections:
                if not self._included(selection):
                    continue
                if isinstance(selection, FieldNode):
                    key = selection.alias.value if selection.alias else selection.name.value
                    fields.setdefault(key, []).append(selection)
                elif isinstance(selection, InlineFragmentNode):
                    condition = selection.type_condition
                    if condition is None or self._matches(condition.name.value, parent):
                        visit(selection.selection_set)
                elif isinstance(selection, FragmentSpreadNode):
                    name = selection.name.value
                    if name in seen_fragments:
                        continue
                    seen_fragments.add(name)
                    fragment = self.fragments.get(name)
                    if fragment is None:
                        raise Unsupported(f"unknown fragment {name}")
                    if self._matches(fragment.type_condition.name.value, parent):
                        visit(fragment.selection_set)

        for selection_set in selection_sets:
            visit(selection_set)
        return fields

    def _included(self, node: Any) -> bool:
        for directive in node.directives or ():
            if directive.name.value not in ("skip", "include"):
                raise Unsupported(f"directive @{directive.name.value}")
        skip = get_directive_values(GraphQLSkipDirective, node, self.variables)
        if skip is not None and skip.get("if") is True:
            return False
        include = get_directive_values(GraphQLIncludeDirective, node, self.variables)
        return not (include is not None and include.get("if") is False)

    def _matches(self, type_name: str, parent: GraphQLObjectType) -> bool:
        if type_name == parent.name:
            return True
        condition = self.compiler.schema.get_type(type_name)
        return isinstance(condition, GraphQLInterfaceType) and self.compiler.schema.is_sub_type(
            condition, parent
        )

    def arguments(self, parent: GraphQLObjectType, node: FieldNode) -> dict[str, Any]:
        """The field's arguments as its resolver receives them (Strawberry-converted)."""
        gql_field = parent.fields[node.name.value]
        try:
            raw = get_argument_values(gql_field, node, self.variables)
        except GraphQLError as error:
            raise Unsupported("arguments do not coerce", by_document=False) from error
        definition = (gql_field.extensions or {}).get("strawberry-definition")
        if definition is None:
            return raw
        return convert_arguments(
            raw,
            definition.arguments,
            scalar_registry=self.compiler.scalar_registry,
            config=self.compiler.config,
        )

    def selected(
        self, gql_type: GraphQLObjectType, nodes: Sequence[FieldNode]
    ) -> dict[str, list[FieldNode]]:
        """The merged sub-selections of ``nodes`` on ``gql_type``."""
        return self.collect(gql_type, [n.selection_set for n in nodes if n.selection_set])

    @staticmethod
    def json_object(
        fields: Mapping[str, list[FieldNode]], value: Callable[[str, list[FieldNode]], str]
    ) -> str:
        """``{"key": value, ...}`` in response-key order; ``value(field name, nodes)``."""
        parts: list[str] = ["'{'"]
        for index, (key, field_nodes) in enumerate(fields.items()):
            parts.append(literal(("," if index else "") + f'"{key}":'))
            parts.append(value(field_nodes[0].name.value, field_nodes))
        parts.append("'}'")
        return concat(parts)

    # -- objects -----------------------------------------------------------------------

    def root_object(
        self, root: GraphQLObjectType, selection_sets: Sequence[SelectionSetNode]
    ) -> str:
        fields = self.collect(root, selection_sets)
        return self.json_object(fields, lambda _, nodes: self.root_field(root, nodes))

    def root_field(self, root: GraphQLObjectType, nodes: list[FieldNode]) -> str:
        name = nodes[0].name.value
        if name == "__typename":
            return literal(f'"{root.name}"')
        if name not in ("organization", "node", "nodes", "viewer"):
            raise Unsupported(f"Query.{name}")
        if name == "viewer":
            if self.emitter.user_id is None:
                return "'null'"
            return self.to_one("Viewer", nodes, "{a}.id = $2")
        kwargs = self.arguments(root, nodes[0])
        if name == "organization":
            slug = kwargs["slug"]
            if len(slug) > MAX_SLUG:
                return "'null'"
            return self.to_one("Organization", nodes, f"{{a}}.slug = {self.emitter.param(slug)}")
        if name == "node":
            return self.node_by_id(kwargs["id"], nodes)
        if name == "nodes":
            ids = kwargs["ids"]
            if len(ids) > MAX_NODES_IDS:
                raise Unsupported("too many ids", by_document=False)  # the resolver reports it
            if not ids:
                return "'[]'"
            items: list[str] = ["'['"]
            for index, global_id in enumerate(ids):
                if index:
                    items.append("','")
                items.append(self.node_by_id(global_id, nodes))
            items.append("']'")
            return concat(items)
        raise Unsupported(f"Query.{name}")

    def node_by_id(self, global_id: str, nodes: list[FieldNode]) -> str:
        decoded = decode_any(global_id)
        if decoded is None or decoded[0] not in NODE_KINDS:
            return "'null'"
        declared = GRAPH.get(decoded[0])
        if declared is None or not declared.global_id or declared.admin_only:
            raise Unsupported(f"node of type {decoded[0]}", by_document=False)
        return self.to_one(declared.name, nodes, f"{{a}}.id = {self.emitter.param(decoded[1])}")

    def object(
        self,
        declared: NodeType,
        gql_type: GraphQLObjectType,
        alias: str,
        nodes: Sequence[FieldNode],
    ) -> str:
        """The JSON object of the row ``alias`` with the merged sub-selections of ``nodes``."""
        return self.json_object(
            self.selected(gql_type, nodes),
            lambda _, field_nodes: self.field(declared, gql_type, alias, field_nodes),
        )

    def field(
        self, declared: NodeType, gql_type: GraphQLObjectType, alias: str, nodes: list[FieldNode]
    ) -> str:
        name = nodes[0].name.value
        if name == "__typename":
            return literal(f'"{gql_type.name}"')
        if name == "id" and declared.global_id:
            return global_id_sql(declared.name, f"{alias}.id")
        if (name in declared.links or name in declared.lookups) and nodes[0].arguments:
            raise Unsupported(f"{gql_type.name}.{name} with arguments (time travel)")
        if name in declared.links:
            link = declared.links[name]
            return self.to_one(link.target, nodes, f"{{a}}.id = {alias}.{link.column}")
        if name in declared.lookups:
            lookup = declared.lookups[name]
            conditions = [self.bind(f) for f in lookup_fragments(declared.name, name)]
            return self.to_one(
                lookup.target, nodes, f"{{a}}.{lookup.parent_column} = {alias}.id", conditions
            )
        if name in declared.lists:
            return self.connection(declared.lists[name], gql_type, alias, nodes)
        if name in declared.built:
            return declared.built[name].build(self, gql_type, alias, nodes)
        if name in declared.python:  # e.g. a sealed secret opened in Python: never the column
            raise Unsupported(f"{gql_type.name}.{name} is computed in Python")
        if name in declared.computed:
            computed = declared.computed[name]
            sql = computed.sql.replace("{a}", alias)
            return sql if computed.json else scalar_json(gql_type.fields[name].type, sql)
        column = declared.column_of(name)
        if column is None or nodes[0].arguments:
            raise Unsupported(f"{gql_type.name}.{name}")
        return scalar_json(gql_type.fields[name].type, f"{alias}.{column}")

    def to_one(
        self, target_name: str, nodes: list[FieldNode], join: str, conditions: Sequence[str] = ()
    ) -> str:
        """The visible row of ``target_name`` for which ``join`` (and ``conditions``) hold,
        ``{a}`` standing for its alias; null if there is none."""
        target = GRAPH.get(target_name)
        if target is None or target.admin_only:  # the resolver checks the caller's role
            raise Unsupported(target_name)
        gql_type = self.compiler.schema.get_type(target_name)
        alias = self.emitter.alias()
        if by_id := BY_ID.fullmatch(join):
            self.emitter.known_ids[alias] = by_id.group(1)
        body = self.object(target, gql_type, alias, nodes)
        where = " AND ".join(
            [join.replace("{a}", alias), *(c.replace("{a}", alias) for c in conditions)]
            + [self._visible(target, alias)]
        )
        table = target.model.__table__.name
        return f"coalesce((SELECT {body} FROM {table} {alias} WHERE {where} LIMIT 1), 'null')"

    def _visible(self, declared: NodeType, alias: str) -> str:
        """Tenancy of a row read by id: the by-id loader's own condition."""
        return self.visible(declared.model, alias)

    # -- connections -------------------------------------------------------------------

    def connection(
        self,
        children: Children,
        parent_type: GraphQLObjectType,
        parent_alias: str,
        nodes: list[FieldNode],
    ) -> str:
        spec = children.spec
        kwargs = self.arguments(parent_type, nodes[0])
        try:
            args = page_args(
                *(kwargs.get(name) for name in PAGING), max_size=self.compiler.max_page_size
            )
            query = children.query({k: v for k, v in kwargs.items() if k not in PAGING})
        except ClientError as error:
            raise Unsupported("arguments refused", by_document=False) from error
        order = spec.orders.get(query.order or spec.default_order)
        if order is None:
            raise Unsupported("order")
        target = GRAPH.get(children.target)
        if target is None or target.admin_only:  # the resolver checks the caller's role
            raise Unsupported(children.target)
        connection_type = unwrap(parent_type.fields[nodes[0].name.value].type)
        selected = self.selected(connection_type, nodes)
        if not any(f[0].name.value in ("nodes", "edges", "pageInfo") for f in selected.values()):
            return self.counts_only(children, connection_type, parent_alias, query, selected)
        alias = self.emitter.alias()
        try:
            key_types = order_fragments(spec, order, query.order_argument, alias)[1]
        except ClientError as error:  # e.g. an order by a metric without its key
            raise Unsupported("order refused", by_document=False) from error
        if any(t not in (uuid.UUID, str, int, datetime, bool) for t in key_types):
            raise Unsupported("order key type")
        descending = order.descending != args.backward
        direction = " DESC" if descending else ""
        keys_sql = self.order_keys(spec, order, query.order_argument, alias)

        base = self._list_conditions(children.spec, alias, parent_alias, query.filter)
        where = list(base)
        if args.cursor is not None:
            if len(args.cursor) != len(keys_sql):
                raise Unsupported("cursor of another order", by_document=False)
            try:
                pairs = zip(args.cursor, key_types, strict=True)
                values = [coerce_cursor_value(raw, key_type) for raw, key_type in pairs]
            except ClientError as error:
                raise Unsupported("invalid cursor", by_document=False) from error
            bound = ", ".join(self.emitter.param(v) for v in values)
            comparison = "<" if descending else ">"
            where.append(f"({', '.join(keys_sql)}) {comparison} ({bound})")

        table = spec.model.__table__.name
        keys_select = ", ".join(f"{sql} AS _k{i}" for i, sql in enumerate(keys_sql))
        order_by = ", ".join(f"{sql}{direction}" for sql in keys_sql)
        size = self.emitter.param(args.size) + "::bigint"
        display = " DESC" if args.backward else ""
        # Shown in the order's own direction (read reversed when backward): by the keys,
        # when no pageInfo asks for the rows to be numbered.
        shown = " DESC" if order.descending else ""
        lean_order = ", ".join(f"{alias}._k{i}{shown}" for i in range(len(keys_sql)))
        page = PageAggregates(alias, size, display, key_types, lean_order)
        has_cursor = "'true'" if args.cursor is not None else "'false'"

        def value(name: str, field_nodes: list[FieldNode]) -> str:
            if name == "__typename":
                return literal(f'"{connection_type.name}"')
            if name == "totalCount":
                return self.total_count(children, parent_alias, query)
            if name == "nodes":
                node_type = unwrap(unwrap(connection_type.fields["nodes"].type).of_type)
                return page.items(self.object(target, node_type, alias, field_nodes))
            if name == "edges":
                edge_type = unwrap(unwrap(connection_type.fields["edges"].type).of_type)
                node_type = unwrap(edge_type.fields["node"].type)
                return page.items(
                    self.edge(
                        edge_type,
                        page.cursor,
                        field_nodes,
                        lambda selection: self.object(target, node_type, alias, selection),
                    )
                )
            if name == "pageInfo":
                page.read_cursors()
                page_type = unwrap(connection_type.fields["pageInfo"].type)
                return self.page_info(page_type, field_nodes, args, page, has_cursor)
            raise Unsupported(f"{connection_type.name}.{name}")

        body = self.json_object(selected, value)  # fills the aggregates
        # Without pageInfo, the page is its ``size`` rows as they are read; with it, one
        # more is read (is there more?) and the rows are numbered to tell it apart.
        limit = self.emitter.param(args.size + 1) + "::bigint" if page.numbered else size
        rows = (
            f"SELECT {alias}.*, {keys_select} FROM {table} {alias} "
            f"WHERE {' AND '.join(where)} ORDER BY {order_by} LIMIT {limit}"
        )
        if page.numbered:
            numbered = ", ".join(f"p._k{i}{direction}" for i in range(len(keys_sql)))
            rows = f"SELECT p.*, row_number() OVER (ORDER BY {numbered}) AS _rn FROM ({rows}) p"
        return page.select(body, rows)

    def counts_only(
        self,
        children: Children,
        connection_type: GraphQLObjectType,
        parent_alias: str,
        query: Any,
        selected: dict[str, list[FieldNode]],
    ) -> str:
        """A connection of which only totalCount (and __typename) is asked: no page read."""
        return self.json_object(
            selected,
            lambda name, _: (
                self.total_count(children, parent_alias, query)
                if name == "totalCount"
                else literal(f'"{connection_type.name}"')
            ),
        )

    def total_count(self, children: Children, parent_alias: str, query: Any) -> str:
        alias = self.emitter.alias()
        conditions = self._list_conditions(children.spec, alias, parent_alias, query.filter)
        table = children.spec.model.__table__.name
        return f"(SELECT count(*) FROM {table} {alias} WHERE {' AND '.join(conditions)})::text"

    def any_child(self, spec: Any, parent_alias: str, list_filter: Any) -> str:
        """Whether the row at ``parent_alias`` has a child of ``spec`` matching
        ``list_filter`` that the caller sees (what its count loader would count above 0)."""
        alias = self.emitter.alias()
        conditions = self._list_conditions(spec, alias, parent_alias, list_filter)
        table = spec.model.__table__.name
        return f"EXISTS (SELECT 1 FROM {table} {alias} WHERE {' AND '.join(conditions)})"

    def list_item(
        self,
        parent: GraphQLObjectType,
        nodes: list[FieldNode],
        value: Callable[[str, Any], str | None],
    ) -> str:
        """The JSON of one item of the plain list field ``nodes`` select on ``parent``:
        ``value(field name, its GraphQL type)`` for each selected field (``__typename``
        answered here); a field it has no SQL for (None) leaves the query to the resolvers."""
        item_type = unwrap(unwrap(parent.fields[nodes[0].name.value].type).of_type)

        def field(name: str, _: list[FieldNode]) -> str:
            if name == "__typename":
                return literal(f'"{item_type.name}"')
            sql = value(name, item_type.fields[name].type)
            if sql is None:
                raise Unsupported(f"{item_type.name}.{name}")
            return sql

        return self.json_object(self.selected(item_type, nodes), field)

    def child_list(
        self,
        spec: Any,
        order_name: str,
        limit: int,
        parent_alias: str,
        parent: GraphQLObjectType,
        nodes: list[FieldNode],
        columns: Mapping[str, str],
    ) -> str:
        """A plain list (no connection) of the children of ``spec`` under the row at
        ``parent_alias`` that the caller sees, in order ``order_name``, at most ``limit``,
        as its resolver reads them through the page loader; the items' leaf fields are read
        from ``columns`` (field -> column)."""
        alias = self.emitter.alias()
        conditions = self._list_conditions(spec, alias, parent_alias, None)
        keys = ", ".join(self.order_keys(spec, spec.orders[order_name], None, alias))

        def value(name: str, gql_type: Any) -> str | None:
            column = columns.get(name)
            return None if column is None else scalar_json(gql_type, f"{alias}.{column}")

        item = self.list_item(parent, nodes, value)
        table = spec.model.__table__.name
        rows = (
            f"SELECT {alias}.* FROM {table} {alias} WHERE {' AND '.join(conditions)} "
            f"ORDER BY {keys} LIMIT {int(limit)}"
        )
        return f"(SELECT {json_array_sql(item, keys)} FROM ({rows}) {alias})"

    def json_items(
        self,
        array_sql: str,
        parent: GraphQLObjectType,
        nodes: list[FieldNode],
        value: Callable[[str, Any, str], str | None],
    ) -> str:
        """A plain list its resolver reads from a JSON array kept in the row (``array_sql``,
        jsonb), in the array's order; each selected field of an item is ``value(field name,
        its GraphQL type, the item's jsonb)``."""
        alias = self.emitter.alias()
        item = self.list_item(parent, nodes, lambda name, t: value(name, t, f"{alias}.v"))
        return (
            f"(SELECT {json_array_sql(item, f'{alias}.o')} "
            f"FROM jsonb_array_elements({array_sql}) WITH ORDINALITY AS {alias}(v, o))"
        )

    def visible(self, model: Any, alias: str) -> str:
        """The by-id loader's tenancy condition on a row of ``model`` at ``alias``."""
        return visibility_sql(model, alias, bool(self.emitter.hidden))

    def _list_conditions(
        self, spec: Any, alias: str, parent_alias: str, list_filter: Any
    ) -> list[str]:
        """Parent, tenancy, liveness and filter (as app/api/loaders/child_pages)."""
        parent_id = self.emitter.known_ids.get(parent_alias, f"{parent_alias}.id")
        conditions = [
            f"{alias}.{spec.parent_column} = {parent_id}",
            f"{alias}.user_id = $2" if spec.owned_by_user else f"{alias}.organization_id = ANY($1)",
        ]
        if spec.live_only:
            conditions.append(f"{alias}.deleted_at IS NULL")
        conditions.extend(self.emitter.outside_hidden(spec.model.__table__.name, alias))
        if list_filter is not None:
            conditions.extend(self.filter_conditions(spec, list_filter, alias))
        return conditions

    def edge(
        self,
        edge_type: GraphQLObjectType,
        cursor: str,
        nodes: list[FieldNode],
        node: Callable[[list[FieldNode]], str],
    ) -> str:
        """An edge of a page: its cursor, and its node as ``node(selection)`` writes it."""

        def value(name: str, field_nodes: list[FieldNode]) -> str:
            if name == "__typename":
                return literal(f'"{edge_type.name}"')
            if name == "cursor":
                return f"('\"' || {cursor} || '\"')"
            if name == "node":
                return node(field_nodes)
            raise Unsupported(f"{edge_type.name}.{name}")

        return self.json_object(self.selected(edge_type, nodes), value)

    def page_info(
        self,
        page_type: GraphQLObjectType,
        nodes: list[FieldNode],
        args: PageArgs,
        page: PageAggregates,
        has_cursor: str,
    ) -> str:
        more = f"(CASE WHEN g.n > {page.size} THEN 'true' ELSE 'false' END)"
        first_cursor = page.end_cursor(last=False)
        last_cursor = page.end_cursor(last=True)
        start, end = (last_cursor, first_cursor) if args.backward else (first_cursor, last_cursor)
        values = {
            "hasNextPage": has_cursor if args.backward else more,
            "hasPreviousPage": more if args.backward else has_cursor,
            "startCursor": f"coalesce('\"' || {start} || '\"', 'null')",
            "endCursor": f"coalesce('\"' || {end} || '\"', 'null')",
            "__typename": literal(f'"{page_type.name}"'),
        }
        return self.json_object(self.selected(page_type, nodes), lambda name, _: values[name])

    # -- SQLAlchemy fragments ------------------------------------------------------------

    def bind(self, fragment: Fragment) -> str:
        text, values = fragment
        if not values:
            return text
        return MARKER.sub(lambda m: self.emitter.param(values[int(m.group(1))]), text)

    def order_keys(self, spec: Any, order: Any, argument: str | None, alias: str) -> list[str]:
        return [self.bind(f) for f in order_fragments(spec, order, argument, alias)[0]]

    def filter_conditions(self, spec: Any, list_filter: Any, alias: str) -> list[str]:
        return [self.bind(f) for f in filter_fragments(spec, list_filter, alias)]
