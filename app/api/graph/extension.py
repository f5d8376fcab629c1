"""The one door into the compiled read path (``CompiledPath``), and the schema extension
that opens it for queries.

Three callers use it, and only it: the HTTP handler, for a request whose plan is cached
(answered before the schema runs: ``answer_cached``); the ``CompiledReads`` extension,
for a query over HTTP or a WebSocket (``answer_operation``); and a mutation payload read
back after its work has committed (``answer_entity``). The door decides once whether the
caller asked for the resolvers, finds or compiles the statement, runs it, and falls back
to the resolvers when anything fails: a compiler bug must never cost the caller an answer.

``CompiledReads`` is placed last among the schema extensions, so every check has run
(document cache and validation, token and node limits, variable safety, trusted
documents) and an earlier extension that already answered (an error, a cached
introspection) wins. The answer is the JSON text PostgreSQL built, handed to orjson as a
``Fragment``: it is never parsed into Python objects. Which path ran is recorded on the
request (the HTTP handler sends it as ``X-MLGraph-Path``) and logged at debug level.
Queries sent over a WebSocket (a graphql-transport-ws ``subscribe`` carrying a query)
take the same path; their answer goes out through the same orjson encoder
(``view.encode_json``)."""

from __future__ import annotations

import logging
import uuid
from collections.abc import AsyncIterator
from typing import Any, cast

import orjson
from graphql import ExecutionResult as GraphQLExecutionResult
from graphql import get_operation_ast
from graphql.execution.values import get_variable_values
from starlette.requests import Request
from starlette.websockets import WebSocket
from strawberry.extensions import SchemaExtension
from strawberry.types import ExecutionContext
from strawberry.types.graphql import OperationType

from app.api.graph.compiler import CompiledQuery, Compiler, Unsupported
from app.db.statements import StatementPool
from app.domain.tenancy.access import Actor
from app.process.sized_lru import SizedLRU

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
    answers a request whose key holds a plan straight from it (``answer_cached``),
    without running Strawberry's pipeline again. Who the caller is (and whether its key
    still works) is settled before, by the authentication middleware."""

    @staticmethod
    def key(
        query: str, operation_name: str | None, variables: Any, actor: Actor
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
        self, query: str, operation_name: str | None, variables: Any, actor: Actor
    ) -> tuple[tuple[Any, ...] | None, CompiledQuery | None]:
        """The plan key of a request and its cached plan, if any."""
        key = self.key(query, operation_name, variables, actor)
        return key, (self.get(key) if key is not None else None)


class CompiledPath:
    """The compiler with its caches, and the only way a request reaches it."""

    def __init__(self, cache_bytes: int, *, override: bool) -> None:
        self.compiler: Compiler | None = None  # set once the schema it compiles against exists
        self.not_compiled = NotCompiled(max_bytes=cache_bytes // 8)
        self.plans = Plans(max_bytes=cache_bytes // 2)
        self.override = override  # tests: "X-MLGraph-Path: resolvers" forces the resolvers

    def resolvers_asked(self, request: object) -> bool:
        """The request asks for the resolver path (honoured only with the override on)."""
        return (
            self.override
            and isinstance(request, Request | WebSocket)
            and request.headers.get(PATH_HEADER, "").lower() == RESOLVERS
        )

    async def fetch(
        self, statements: StatementPool, compiled: CompiledQuery, request_id: str, what: str
    ) -> str | None:
        """The answer's JSON text: one value of one statement (app/db/statements.py); None
        (logged) when the statement fails, and the caller falls back to the resolvers."""
        try:
            return str(await statements.fetchval(compiled.sql, compiled.params))
        except Exception:  # a compiler bug must not cost the caller an answer
            log.exception("compiled %s failed; resolvers answer [request_id=%s]", what, request_id)
            return None

    async def answer_cached(
        self,
        statements: StatementPool,
        request: Request,
        query: str,
        operation_name: str | None,
        variables: Any,
        actor: Actor,
    ) -> GraphQLExecutionResult | None:
        """The answer of an HTTP request whose plan is cached, or None (the schema runs)."""
        if not actor.can_read:  # refused by the schema's ReadScope check
            return None
        name = self.plans.documents.get((query, operation_name))
        if name is None or self.resolvers_asked(request):
            return None
        _, compiled = self.plans.lookup(query, operation_name, variables, actor)
        if compiled is None:
            return None
        request_id = request.scope.get("state", {}).get("request_id", "-")
        text = await self.fetch(statements, compiled, request_id, "read from a cached plan")
        if text is None:
            return None
        request.state.read_path = COMPILED
        request.state.operation_type = "query"  # for the metrics (app/server/metrics.py)
        request.state.operation_name = name or None
        # The JSON text itself, spliced in by the response encoder (app/server/view.py).
        return GraphQLExecutionResult(data=cast(Any, orjson.Fragment(text)), errors=None)

    async def answer_operation(self, ctx: ExecutionContext, request: object) -> str:
        """Answer a query operation (sets ``ctx.result``) when it compiles; which path
        then answers it."""
        if self.compiler is None or self.resolvers_asked(request):
            return RESOLVERS
        operation_name = getattr(ctx, "_provided_operation_name", None)
        key = (ctx.query or "", operation_name)
        if self.not_compiled.get(key) is not None:
            return RESOLVERS
        app_context = ctx.context
        actor: Actor = app_context.actor
        plan_key, compiled = self.plans.lookup(key[0], operation_name, ctx.variables, actor)
        if compiled is None:
            assert ctx.graphql_document is not None  # CompiledReads checked it
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
                    actor.org_ids,
                    actor.user_id,
                    actor.hidden,
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
        text = await self.fetch(app_context.statements, compiled, app_context.request_id, "read")
        if text is None:
            return FAILED
        ctx.result = GraphQLExecutionResult(data=cast(Any, orjson.Fragment(text)), errors=None)
        return COMPILED

    async def answer_entity(
        self, info: Any, field_name: str, type_name: str, row_id: uuid.UUID
    ) -> dict[str, Any] | None:
        """A mutation payload's entity, as the payload selects it under each response key;
        None when the selection does not compile, the caller asked for the resolvers, the
        read fails, or the row is not visible to a read (the resolvers then answer)."""
        context = info.context
        request = getattr(context, "request", None)
        if self.compiler is None or context.statements is None or self.resolvers_asked(request):
            return None
        actor: Actor = context.actor
        try:
            compiled = self.compiler.compile_entity(
                info._raw_info,
                field_name,
                type_name,
                row_id,
                actor.org_ids,
                actor.user_id,
                actor.hidden,
            )
        except Unsupported:
            return None
        text = await self.fetch(context.statements, compiled, context.request_id, "payload read")
        if text is None:
            return None
        by_key: dict[str, Any] = orjson.loads(text)
        if any(value is None for value in by_key.values()):
            return None
        if request is not None and hasattr(request, "state"):
            request.state.read_path = COMPILED_PAYLOAD
        return by_key


class CompiledReads(SchemaExtension):
    """Opens the compiled path for every query the schema executes."""

    def __init__(self, path: CompiledPath) -> None:
        self.path = path

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
            path = await self.path.answer_operation(context, request)
            request.state.read_path = path
            log.debug("read path %s [request_id=%s]", path, context.context.request_id)
        yield
