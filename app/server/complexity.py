"""Refuse a query whose connections could return more than ``max_nodes`` objects, before
any SQL runs. Like GitHub's node limit: each connection costs its page size (first / last,
default 20) times the page sizes of the connections around it; nodes(ids) multiplies by
the number of ids."""

from __future__ import annotations

import sys
from collections.abc import Iterator, Mapping
from typing import Any

from graphql import ExecutionResult as GraphQLExecutionResult
from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    ListValueNode,
    SelectionSetNode,
    VariableNode,
    get_named_type,
    get_operation_ast,
)
from graphql.language import OperationType
from strawberry.extensions import SchemaExtension

DEFAULT_PAGE = 20


def _int_argument(
    field: FieldNode, names: tuple[str, ...], variables: Mapping[str, Any]
) -> int | None:
    for argument in field.arguments or ():
        if argument.name.value not in names:
            continue
        value = argument.value
        if isinstance(value, IntValueNode):
            return int(value.value)
        if isinstance(value, VariableNode):
            raw = variables.get(value.name.value)
            return raw if isinstance(raw, int) and not isinstance(raw, bool) else None
    return None


def _list_length(field: FieldNode, name: str, variables: Mapping[str, Any]) -> int | None:
    for argument in field.arguments or ():
        if argument.name.value != name:
            continue
        if isinstance(argument.value, ListValueNode):
            return len(argument.value.values)
        if isinstance(argument.value, VariableNode):
            raw = variables.get(argument.value.name.value)
            return len(raw) if isinstance(raw, list) else None
    return None


def estimate_nodes(
    schema: GraphQLSchema,
    document: Any,
    operation_name: str | None,
    variables: Mapping[str, Any] | None,
    default_page: int = DEFAULT_PAGE,
) -> int:
    operation = get_operation_ast(document, operation_name)
    if operation is None:
        return 0
    variables = variables or {}
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    root = schema.get_root_type(operation.operation)
    fragment_costs: dict[str, int] = {}

    def cost(selections: SelectionSetNode, parent: Any, visiting: frozenset[str]) -> int:
        """Nodes below this selection set for one parent object. A fragment's cost is
        computed once, however often it is spread (a fragment bomb costs its size)."""
        total = 0
        for selection in selections.selections:
            if isinstance(selection, FieldNode):
                fields = getattr(parent, "fields", {})
                definition = fields.get(selection.name.value)
                if definition is None:
                    continue
                named = get_named_type(definition.type)
                below = (
                    cost(selection.selection_set, named, visiting)
                    if selection.selection_set is not None
                    else 0
                )
                if named.name.endswith("Connection"):
                    size = _int_argument(selection, ("first", "last"), variables)
                    total += max(size if size is not None else default_page, 1) * (1 + below)
                elif selection.name.value == "nodes" and parent is root:
                    total += max(_list_length(selection, "ids", variables) or 1, 1) * below
                else:
                    total += below
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                target = schema.get_type(condition.name.value) if condition else parent
                total += cost(selection.selection_set, target, visiting)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                fragment = fragments.get(name)
                if fragment is None or name in visiting:
                    continue
                if name not in fragment_costs:
                    target = schema.get_type(fragment.type_condition.name.value)
                    fragment_costs[name] = cost(fragment.selection_set, target, visiting | {name})
                total += fragment_costs[name]
        return total

    if root is None:
        return 0
    try:
        return cost(operation.selection_set, root, frozenset())
    except RecursionError:
        return sys.maxsize


class MaxNodesLimiter(SchemaExtension):
    def __init__(self, max_nodes: int) -> None:
        self.max_nodes = max_nodes

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        operation = get_operation_ast(document, context.operation_name) if document else None
        if operation is not None and operation.operation != OperationType.SUBSCRIPTION:
            nodes = estimate_nodes(
                context.schema._schema, document, context.operation_name, context.variables
            )
            if nodes > self.max_nodes:
                context.result = GraphQLExecutionResult(
                    data=None,
                    errors=[
                        GraphQLError(
                            f"this query could return up to {nodes:,} nodes; the limit is "
                            f"{self.max_nodes:,}: ask for smaller pages (first/last)",
                            extensions={"code": "QUERY_TOO_COMPLEX"},
                        )
                    ],
                )
        yield
