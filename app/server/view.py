"""The GraphQL endpoint: plain HTTP through app/server/graphql_http.py; subscriptions over
WebSocket (graphql-transport-ws and the legacy graphql-ws) and over HTTP streams
(multipart/mixed, SSE) through Strawberry's view; and the local GraphiQL page."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path
from typing import Any

import orjson
from graphql import GraphQLError, get_operation_ast, parse
from graphql import OperationType as GraphQLOperationType
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response, StreamingResponse
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.http.async_base_view import HTTPException  # cross_web or older strawberry
from strawberry.subscriptions import (
    GRAPHQL_SSE_PROTOCOL,
    GRAPHQL_TRANSPORT_WS_PROTOCOL,
    GRAPHQL_WS_PROTOCOL,
    MULTIPART_SUBSCRIPTION_PROTOCOL,
)
from strawberry.types import ExecutionResult
from strawberry.types.graphql import OperationType

from app.api.context import Context, DataLoaders
from app.api.graph.extension import CompiledPath
from app.api.shared_events import encode_next
from app.db.engine import SessionFactory
from app.db.scope import enter_scope
from app.db.statements import StatementPool
from app.domain.secrets import SecretBox
from app.domain.tenancy.access import Actor
from app.domain.tenancy.services import InvalidKey
from app.events.access import until_revoked
from app.events.hubs import Broker
from app.server.auth_cache import AuthCache
from app.server.graphql_http import (
    GraphQLHTTPHandler,
    HTTPOperation,
    RequestError,
    error_body,
    json_accepted,
    json_response,
    negotiate,
)
from app.server.middleware import TooManyAttempts, authenticate_within_limits, request_id_of
from app.server.origins import OriginPolicy
from app.server.persisted import PersistedOperations
from app.server.rate_limits import RateLimiter
from app.server.static_assets import StaticAssets
from app.server.subscription_slots import SubscriptionSlots
from app.server.ws_protocols import (
    REJECT_BAD_KEY,
    REJECT_NO_KEY,
    GraphQLTransportWSHandler,
    GraphQLWSHandler,
)
from app.settings import Limits

STATIC_DIR = Path(__file__).parent / "static"


def actor_of(scope: Scope) -> Actor:
    """Who the authentication middleware says the caller is (anonymous without a key)."""
    return scope.get("state", {}).get("actor") or Actor()


class GraphQLView(GraphQL[Context, None]):
    graphql_transport_ws_handler_class = GraphQLTransportWSHandler
    graphql_ws_handler_class = GraphQLWSHandler

    def __init__(
        self,
        schema: Any,
        session_factory: SessionFactory,
        read_session_factory: SessionFactory,
        limits: Limits,
        graphiql: bool,
        broker: Broker,
        *,
        origins: OriginPolicy | None = None,
        persisted: PersistedOperations | None = None,
        static: StaticAssets | None = None,
        rate_limiter: RateLimiter | None = None,
        secrets: SecretBox | None = None,
        auth_cache: AuthCache | None = None,
        lagging_read_session_factory: SessionFactory | None = None,
        statements: StatementPool | None = None,
        audit_archive: Any = None,
        artifact_store: Any = None,
    ) -> None:
        super().__init__(
            schema,
            graphql_ide="graphiql" if graphiql else None,
            subscription_protocols=(
                GRAPHQL_TRANSPORT_WS_PROTOCOL,
                GRAPHQL_WS_PROTOCOL,
                MULTIPART_SUBSCRIPTION_PROTOCOL,
                GRAPHQL_SSE_PROTOCOL,
            ),
            connection_init_wait_timeout=timedelta(seconds=10),
            max_subscriptions_per_connection=limits.max_subscriptions_per_connection,
            keep_alive=True,  # legacy graphql-ws: "ka" messages keep proxies from idling out
            keep_alive_interval=15,
        )
        self.broker = broker
        self.audit_archive = audit_archive
        self.artifact_store = artifact_store
        self.session_factory = session_factory
        self.read_session_factory = read_session_factory
        self.lagging_read_session_factory = lagging_read_session_factory or read_session_factory
        # The compiled read path's single statements (app/db/statements.py).
        self.statements = statements or StatementPool(read_session_factory.kw["bind"], 10)
        self.limits = limits
        self.subscription_slots = SubscriptionSlots(limits.max_subscriptions_per_key)
        self.rate_limiter = rate_limiter
        self.secrets = secrets
        self.auth_cache = auth_cache
        self.origins = origins or OriginPolicy(())
        self.persisted = persisted or PersistedOperations(16 * 1024 * 1024)
        self.http = GraphQLHTTPHandler(self._execute, self.persisted, limits.max_document_bytes)
        static = static or StaticAssets(STATIC_DIR)
        html = (STATIC_DIR / "graphiql.html").read_text()
        for name in static.urls:
            html = html.replace(f'"/static/{name}"', f'"{static.url(name)}"')
        self._graphiql_html = html

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        request = Request(scope, receive)
        media_type = negotiate(request.headers.get("accept"))
        try:
            response = await self._respond(request, media_type)
        except RequestError as error:
            status = (
                error.status
                if media_type != "application/json"
                else (error.legacy_status or error.status)
            )
            body = error_body(error.message, error.code, request_id_of(scope))
            response = json_response(body, status, media_type, error.headers)
        except HTTPException as error:  # raised by Strawberry's stream parsing
            body = error_body(error.reason, "BAD_REQUEST", request_id_of(scope))
            response = json_response(body, error.status_code, media_type)
        if not isinstance(response, StreamingResponse):
            await response(scope, receive, send)
            return
        # A subscription over an HTTP stream: it ends, like a WebSocket closes, when the key
        # or membership behind it goes (app/events/access.py).
        revoked = asyncio.Event()

        async def end_stream(code: int, reason: str) -> None:
            revoked.set()

        actor = actor_of(scope)
        live = self.broker.access.register(actor, end_stream)
        response.body_iterator = until_revoked(response.body_iterator, revoked)
        try:
            await response(scope, receive, send)
        finally:
            self.broker.access.unregister(live)

    async def _respond(self, request: Request, media_type: str) -> Response:
        if request.method not in ("GET", "POST"):
            raise RequestError(
                "use GET (queries) or POST", "METHOD_NOT_ALLOWED", 405, {"Allow": "GET, POST"}
            )
        if self.should_render_graphql_ide(self.request_adapter_class(request)):
            if self.graphql_ide:
                return await self.render_graphql_ide(request)
            raise RequestError("GraphiQL is turned off (MLGRAPH_GRAPHIQL)", "NOT_FOUND", 404)
        # Strawberry's check parses the Accept header with the email package: only when
        # it names a stream (most requests ask for JSON; the check was ~6% of a page read).
        accept = (request.headers.get("accept") or "").lower()
        streams = "multipart/" in accept or "text/event-stream" in accept
        transport = self._get_stream_transport_from_headers(request.headers) if streams else None
        if transport is not None and (
            json_accepted(request.headers.get("accept")) is None or await may_subscribe(request)
        ):
            # Strawberry's multipart transport carries subscriptions only (a query failed
            # inside it as INTERNAL): anything else is answered as JSON. SSE carries all.
            if transport.protocol != "multipart-subscription" or await is_subscription(
                request, self.limits.max_tokens
            ):
                return await self.run(request)  # subscriptions over multipart or SSE
        return await self.http(request, media_type)

    async def _execute(
        self, request: Request, operation: HTTPOperation, allowed: set[OperationType]
    ) -> ExecutionResult:
        path: CompiledPath | None = getattr(self.schema, "compiled_path", None)
        if path is not None and OperationType.QUERY in allowed:
            answer = await path.answer_cached(
                self.statements,
                request,
                operation.query,
                operation.operation_name,
                operation.variables,
                actor_of(request.scope),
            )
            if answer is not None:
                return answer  # type: ignore[return-value]  # a ready Response, which Strawberry passes on
        context = await self.get_context(request, Response())
        context.variables_checked = operation.variables_checked
        return await self.schema.execute(
            operation.query,
            variable_values=operation.variables,
            context_value=context,
            operation_name=operation.operation_name,
            allowed_operation_types=allowed,
            operation_extensions=operation.extensions,
        )

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket
    ) -> Context:
        state = request.scope.get("state", {})
        actor = actor_of(request.scope)
        return Context(
            session_factory=self.session_factory,
            read_session_factory=self.read_session_factory,
            lagging_read_session_factory=self.lagging_read_session_factory,
            actor=actor,
            loaders=self.loaders_for(actor),
            limits=self.limits,
            request_id=state.get("request_id", "-"),
            request=request,
            response=response,
            broker=self.broker,
            subscription_slots=self.subscription_slots,
            secrets=self.secrets,
            auth_cache=self.auth_cache,
            statements=self.statements,
            audit_archive=self.audit_archive,
            artifact_store=self.artifact_store,
        )

    def is_websocket_origin_allowed(self, request: WebSocket, origin: str) -> bool:
        return self.origins.allows(origin)

    async def on_ws_connect(self, context: Context) -> dict[str, object] | None:
        """Authenticate a WebSocket in connection_init: {"Authorization": "Bearer <key>"}
        (browsers cannot set headers on a WebSocket; keys never go in the URL)."""
        params = context.connection_params or {}
        raw = params.get("Authorization") or params.get("authorization")
        if raw is None:
            raise ConnectionRejectionError(
                {
                    **REJECT_NO_KEY,
                    "message": "send {Authorization: Bearer <key>} in connection_init",
                }
            )
        scheme, _, token = raw.partition(" ") if isinstance(raw, str) else ("", "", "")
        if scheme.lower() != "bearer" or not token.strip():
            raise ConnectionRejectionError(
                {**REJECT_BAD_KEY, "message": "use the Bearer scheme: Bearer <key>"}
            )
        request = context.request
        try:
            actor = await authenticate_within_limits(
                self.read_session_factory,
                token.strip(),
                address=request.client.host if request is not None and request.client else None,
                limiter=self.rate_limiter,
                cache=self.auth_cache,
            )
        except TooManyAttempts as blocked:
            raise ConnectionRejectionError(
                {
                    "code": 4429,
                    "reason": "Too many requests",
                    "message": f"retry in {blocked.wait} s",
                }
            ) from blocked
        except InvalidKey as error:
            raise ConnectionRejectionError({**REJECT_BAD_KEY, "message": str(error)}) from error
        context.actor = actor
        context.loaders = self.loaders_for(actor)
        enter_scope(actor.db_scope())  # this connection's operations start from here
        return None

    def loaders_for(self, actor: Actor) -> DataLoaders:
        return DataLoaders(
            self.read_session_factory,
            actor,
            self.session_factory,
            lagging_factory=self.lagging_read_session_factory,
            statements=self.statements,
        )

    def encode_json(self, data: object) -> str:
        # Text, never bytes: WebSocket messages must go out as text frames (graphql-ws,
        # GraphiQL and gql reject binary ones); orjson is several times faster than json.
        # A subscription event shared by many subscribers is written once (shared_events).
        shared = encode_next(data)
        return shared if shared is not None else orjson.dumps(data).decode()

    async def render_graphql_ide(self, request: Request) -> HTMLResponse:
        return HTMLResponse(self._graphiql_html, headers={"Cache-Control": "no-cache"})


async def is_subscription(request: Request, max_tokens: int) -> bool:
    """Whether the operation asked for is a subscription, read from the parsed document
    (bounded in tokens). A request that cannot be read answers False: the JSON path then
    says what is wrong with it."""
    if not await may_subscribe(request):
        return False
    if request.method == "GET":
        query = request.query_params.get("query")
        name = request.query_params.get("operationName")
    else:
        try:
            params = orjson.loads(await request.body())
        except orjson.JSONDecodeError:
            return False
        if not isinstance(params, dict):
            return False
        query, name = params.get("query"), params.get("operationName")
    if not isinstance(query, str) or not (name is None or isinstance(name, str)):
        return False
    try:
        operation = get_operation_ast(parse(query, max_tokens=max_tokens), name)
    except GraphQLError:
        return False
    return operation is not None and operation.operation == GraphQLOperationType.SUBSCRIPTION


async def may_subscribe(request: Request) -> bool:
    """False when the document cannot be a subscription (the word is nowhere in it);
    a document that only mentions it is streamed, as before. Clients such as urql accept
    JSON *and* streams on every request: their queries and mutations are answered as JSON."""
    if request.method == "GET":
        return "subscription" in request.query_params.get("query", "")
    return b"subscription" in await request.body()
