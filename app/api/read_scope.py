"""A key without the READ scope (an ingest-only or write-only key) reads nothing: every
query and subscription it sends is refused (FORBIDDEN) before it runs, on either read path.

Its mutations run, and their payloads answer about what they changed — nothing more. The
rule, checked on the document before anything runs (so a refused mutation writes nothing):
a payload may select its scalars (counts, flags, the secret of a new key), value objects
(``userErrors``, a decision, a count per key) field by field under the same rule, and of
any *entity* — a type implementing ``Node``, or an interface or union — only ``id`` and
``__typename``. ``runMetricsLog { newCount run { id } userErrors { field code message } }``
runs; ``runMetricsLog { run { experiment { project { organization { members … } } } } }``
is refused, naming the first field past the rule."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLUnionType,
    InlineFragmentNode,
    SelectionSetNode,
    get_named_type,
    get_operation_ast,
)
from graphql import ExecutionResult as GraphQLExecutionResult
from strawberry.extensions import SchemaExtension
from strawberry.types.graphql import OperationType

REFUSED = "this API key has no READ scope: it cannot run queries or subscriptions"
ENTITY_FIELDS = frozenset({"id", "__typename"})


def refusal(message: str = REFUSED) -> GraphQLExecutionResult:
    return GraphQLExecutionResult(
        data=None, errors=[GraphQLError(message, extensions={"code": "FORBIDDEN"})]
    )


def _fields(
    selection_set: SelectionSetNode, fragments: dict[str, FragmentDefinitionNode]
) -> Iterator[FieldNode]:
    """The fields of a selection set, through inline fragments and fragment spreads."""
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            yield selection
        elif isinstance(selection, InlineFragmentNode):
            yield from _fields(selection.selection_set, fragments)
        elif isinstance(selection, FragmentSpreadNode):
            fragment = fragments.get(selection.name.value)
            if fragment is not None:  # an unknown one failed validation already
                yield from _fields(fragment.selection_set, fragments)


def _is_entity(kind: object) -> bool:
    if isinstance(kind, GraphQLInterfaceType | GraphQLUnionType):
        return True
    return isinstance(kind, GraphQLObjectType) and any(i.name == "Node" for i in kind.interfaces)


def _overreach(
    parent: GraphQLObjectType,
    selection_set: SelectionSetNode,
    fragments: dict[str, FragmentDefinitionNode],
    path: str,
) -> str | None:
    """The first field of ``selection_set`` (under ``parent``) past the rule, by path."""
    for field in _fields(selection_set, fragments):
        name = field.name.value
        definition = parent.fields.get(name)
        if definition is None or field.selection_set is None:
            continue  # a scalar, or __typename
        kind = get_named_type(definition.type)
        where = f"{path}.{name}"
        if _is_entity(kind):
            for inner in _fields(field.selection_set, fragments):
                if inner.name.value not in ENTITY_FIELDS:
                    return f"{where}.{inner.name.value}"
        elif isinstance(kind, GraphQLObjectType):
            problem = _overreach(kind, field.selection_set, fragments, where)
            if problem:
                return problem
    return None


def payload_overreach(
    schema: GraphQLSchema, document: DocumentNode, operation_name: str | None
) -> str | None:
    """Where a mutation document reads past what a key without READ may (see above)."""
    operation = get_operation_ast(document, operation_name)
    mutation = schema.mutation_type
    if operation is None or mutation is None:
        return None
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    return _overreach(mutation, operation.selection_set, fragments, "")


class ReadScope(SchemaExtension):
    async def on_execute(self) -> AsyncIterator[None]:
        context = self.execution_context
        actor = getattr(context.context, "actor", None)
        if actor is not None and not actor.can_read:
            if context.operation_type is not OperationType.MUTATION:
                context.result = refusal()
            elif context.graphql_document is not None:
                where = payload_overreach(
                    context.schema._schema, context.graphql_document, context.operation_name
                )
                if where:
                    context.result = refusal(
                        "this API key has no READ scope: a mutation's payload may select "
                        "its own scalars, userErrors and the id of what it changed, not "
                        f"{where.lstrip('.')}"
                    )
        yield
