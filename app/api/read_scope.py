"""A key without the READ scope (an ingest-only or write-only key) reads nothing: every
query and subscription it sends is refused (FORBIDDEN) before it runs, on either read path.
Mutations run, and their payloads answer about what they changed."""

from __future__ import annotations

from collections.abc import AsyncIterator

from graphql import ExecutionResult as GraphQLExecutionResult
from graphql import GraphQLError
from strawberry.extensions import SchemaExtension
from strawberry.types.graphql import OperationType

REFUSED = "this API key has no READ scope: it cannot run queries or subscriptions"


def refusal() -> GraphQLExecutionResult:
    return GraphQLExecutionResult(
        data=None, errors=[GraphQLError(REFUSED, extensions={"code": "FORBIDDEN"})]
    )


class ReadScope(SchemaExtension):
    async def on_execute(self) -> AsyncIterator[None]:
        context = self.execution_context
        actor = getattr(context.context, "actor", None)
        if (
            actor is not None
            and not actor.can_read
            and context.operation_type is not OperationType.MUTATION
        ):
            context.result = refusal()
        yield
