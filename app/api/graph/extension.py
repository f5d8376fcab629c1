"""Run a query on the compiled path when it compiles; otherwise leave it to the resolvers.

Placed last among the schema extensions, so every check has run (document cache and
validation, token and node limits, variable safety, trusted documents) and an earlier
extension that already answered (an error, a cached introspection) wins. The answer is
the JSON text PostgreSQL built, handed to orjson as a ``Fragment``: it is never parsed
into Python objects. Which path ran is recorded on the request (the HTTP handler sends
it as ``X-MLGraph-Path``) and logged at debug level. Queries sent over a WebSocket
(a graphql-transport-ws ``subscribe`` carrying a query) take the same path; their answer
goes out through the same orjson encoder (``view.encode_json``)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import Any, cast

import orjson
from graphql import ExecutionResult as GraphQLExecutionResult
from graphql import get_operation_ast
from graphql.execution.values import get_variable_values
from starlette.requests import Request
from starlette.websockets import WebSocket
from strawberry.extensions import SchemaExtension
from strawberry.types.graphql import OperationType

from app.api.graph.compiler import CompiledQuery, Compiler, Unsupported
from app.api.sized_lru import SizedLRU
from app.db.statements import StatementPool

log = logging.getLogger("mlgraph.graphql")

COMPILED = "compiled"
RESOLVERS = "resolvers"
FAILED = "resolvers-after-compiled-failure"
COMPILED_PAYLOAD = "resolvers+compiled-payload"  # a mutation whose payload was read back
PATH_HEADER = "x-mlgraph-path"


class NotCompiled(SizedLRU[tuple[str, str | None], str]):
    """Documents known not to compile (with the reason), so they skip the attempt."""

    def __init__(self, max_bytes: int) -> None:
        super().__init__(max_bytes, lambda key, reason: len(key[0]) + len(reason))


class Plans(SizedLRU[tuple[Any, ...], CompiledQuery]):
    """Compiled statements by (document, operation, variables, caller): a dashboard
    repeating a query skips even the compile. Bounded in bytes.

    A plan is stored only once its request passed every check of the schema's extensions
    (validation, token and node limits, variable safety, trusted documents), and those
    depend on nothing but this key and the process's fixed limits: the HTTP handler
    answers a request whose key holds a plan straight from it (``answer_from_plan``),
    without running Strawberry's pipeline again. Who the caller is (and whether its key
    still works) is settled before, by the authentication middleware."""

    @staticmethod
    def key(
        query: str, operation_name: str | None, variables: Any, actor: Any
    ) -> tuple[Any, ...] | None:
        try:
            encoded = orjson.dumps(variables or {}, option=orjson.OPT_SORT_KEYS)
        except TypeError:  # variables orjson cannot write (e.g. huge ints): no plan cache
            return None
        return (
            query,
            operation_name,
            encoded,
            tuple(actor.org_ids),
            actor.user_id,
            tuple(actor.hidden),
        )

    def __init__(self, max_bytes: int) -> None:
        super().__init__(
            max_bytes,
            # the document, the variables' JSON, the statement, and its parameters (~ as big)
            lambda key, plan: len(key[0]) + 2 * len(key[2]) + 2 * len(plan.sql) + 256,
        )
        # (document, operation) pairs that have compiled: only their requests are worth
        # encoding the variables of, to look for a plan (not an ingest mutation's).
        # Each with the operation's name as the document gives it ("" if anonymous).
        self.documents: SizedLRU[tuple[str, str | None], str] = SizedLRU(
            max_bytes // 8, lambda key, _: len(key[0]) + 64
        )

    def remember(self, key: tuple[Any, ...], plan: CompiledQuery, name: str | None) -> None:
        self.put(key, plan)
        self.documents.put((key[0], key[1]), name or "")

    def lookup(
        self, query: str, operation_name: str | None, variables: Any, actor: Any
    ) -> tuple[tuple[Any, ...] | None, CompiledQuery | None]:
        """The plan key of a request and its cached plan, if any."""
        key = self.key(query, operation_name, variables, actor)
        return key, (self.get(key) if key is not None else None)


async def fetch_text(statements: StatementPool, compiled: CompiledQuery) -> str:
    """The answer's JSON text: one value of one statement (app/db/statements.py)."""
    return str(await statements.fetchval(compiled.sql, compiled.params))


def resolvers_asked(request: Request | WebSocket, override: bool) -> bool:
    """The request asks for the resolver path (honoured only with the override on)."""
    return override and request.headers.get(PATH_HEADER, "").lower() == RESOLVERS


async def answer_from_plan(
    plans: Plans,
    statements: StatementPool,
    request: Request,
    query: str,
    operation_name: str | None,
    variables: Any,
    actor: Any,
    override: bool,
) -> GraphQLExecutionResult | None:
    """The answer of a request whose plan is cached, or None (then the schema runs)."""
    if not actor.can_read:  # refused by the schema's ReadScope check
        return None
    name = plans.documents.get((query, operation_name))
    if resolvers_asked(request, override) or name is None:
        return None
    _, compiled = plans.lookup(query, operation_name, variables, actor)
    if compiled is None:
        return None
    try:
        text = await fetch_text(statements, compiled)
    except Exception:  # a failure here is the schema path's to report
        log.exception("compiled read from a cached plan failed; running the schema")
        return None
    request.state.read_path = COMPILED
    request.state.operation_type = "query"  # for the metrics (app/server/metrics.py)
    request.state.operation_name = name or None
    # The JSON text itself, spliced in by the response encoder (app/server/view.py).
    return GraphQLExecutionResult(data=cast(Any, orjson.Fragment(text)), errors=None)


class CompiledReads(SchemaExtension):
    def __init__(
        self, compiler: Compiler, not_compiled: NotCompiled, plans: Plans, *, override: bool
    ) -> None:
        self.compiler = compiler
        self.not_compiled = not_compiled
        self.plans = plans
        self.override = override

    async def on_execute(self) -> AsyncIterator[None]:
        context = self.execution_context
        request = getattr(context.context, "request", None)
        if (
            context.result is None
            and isinstance(request, Request | WebSocket)
            and context.operation_type is OperationType.QUERY
            and context.graphql_document is not None
            and context.query is not None
        ):
            path = await self._try(context, request)
            request.state.read_path = path
            log.debug("read path %s [request_id=%s]", path, context.context.request_id)
        yield

    async def _try(self, context: object, request: Request | WebSocket) -> str:
        ctx = self.execution_context
        if resolvers_asked(request, self.override):
            return RESOLVERS
        operation_name = getattr(ctx, "_provided_operation_name", None)
        key = (ctx.query or "", operation_name)
        if self.not_compiled.get(key) is not None:
            return RESOLVERS
        app_context = ctx.context
        org_ids = app_context.actor.org_ids
        user_id = app_context.actor.user_id
        plan_key, compiled = self.plans.lookup(
            key[0], operation_name, ctx.variables, app_context.actor
        )
        if compiled is None:
            assert ctx.graphql_document is not None  # on_execute checked it
            operation = get_operation_ast(ctx.graphql_document, operation_name)
            if operation is None:
                return RESOLVERS
            variables = get_variable_values(
                self.compiler.schema, operation.variable_definitions or (), ctx.variables or {}
            )
            if isinstance(variables, list):
                return RESOLVERS  # the resolver path reports the variable errors
            try:
                compiled = self.compiler.compile(
                    ctx.graphql_document,
                    operation,
                    variables,
                    org_ids,
                    user_id,
                    app_context.actor.hidden,
                )
            except Unsupported as reason:
                if reason.by_document:
                    self.not_compiled.put(key, str(reason))
                return RESOLVERS
            except Exception:  # a compiler bug must not cost the caller an answer
                log.exception("compiling failed [request_id=%s]", app_context.request_id)
                return FAILED
            if plan_key is not None:
                self.plans.remember(
                    plan_key, compiled, operation.name.value if operation.name else None
                )
        try:
            text = await fetch_text(app_context.statements, compiled)
        except Exception:  # a compiler bug must not cost the caller an answer
            log.exception(
                "compiled read failed; answering on the resolver path [request_id=%s]",
                app_context.request_id,
            )
            return FAILED
        ctx.result = GraphQLExecutionResult(data=cast(Any, orjson.Fragment(text)), errors=None)
        return COMPILED
