"""The Strawberry ASGI view: builds the per-request Context and serves the local GraphiQL."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.http.async_base_view import HTTPException  # cross_web or older strawberry
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL

from app.api.context import Context, DataLoaders
from app.api.middleware import actor_for_token
from app.db.engine import SessionFactory
from app.domain.tenancy.access import Actor
from app.domain.tenancy.services import InvalidKey
from app.events.hubs import Broker
from app.settings import Limits

STATIC_DIR = Path(__file__).parent / "static"


class GraphQLView(GraphQL[Context, None]):
    def __init__(
        self,
        schema: Any,
        session_factory: SessionFactory,
        read_session_factory: SessionFactory,
        limits: Limits,
        graphiql: bool,
        broker: Broker,
    ) -> None:
        super().__init__(
            schema,
            graphql_ide="graphiql" if graphiql else None,
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
            connection_init_wait_timeout=timedelta(seconds=10),
        )
        self.broker = broker
        self.session_factory = session_factory
        self.read_session_factory = read_session_factory
        self.limits = limits
        self._graphiql_html = (STATIC_DIR / "graphiql.html").read_text()

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket
    ) -> Context:
        state = request.scope.get("state", {})
        actor = state.get("actor") or Actor()
        return Context(
            session_factory=self.session_factory,
            read_session_factory=self.read_session_factory,
            actor=actor,
            loaders=DataLoaders(self.read_session_factory, actor, self.session_factory),
            limits=self.limits,
            request_id=state.get("request_id", "-"),
            request=request,
            response=response,
            broker=self.broker,
        )

    async def on_ws_connect(self, context: Context) -> dict[str, object] | None:
        """Authenticate a WebSocket in connection_init: {"Authorization": "Bearer <key>"}."""
        params = context.connection_params or {}
        raw = params.get("Authorization") or params.get("authorization")
        if not isinstance(raw, str):
            raise ConnectionRejectionError({"message": "send Authorization: Bearer <key>"})
        scheme, _, token = raw.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise ConnectionRejectionError({"message": "use the Bearer scheme"})
        try:
            actor = await actor_for_token(self.read_session_factory, token.strip())
        except InvalidKey as error:
            raise ConnectionRejectionError({"message": str(error)}) from error
        context.actor = actor
        context.loaders = DataLoaders(self.read_session_factory, actor, self.session_factory)
        return None

    def parse_json(self, data: str | bytes) -> Any:
        parsed = super().parse_json(data)
        if not isinstance(parsed, dict):  # Strawberry would fail on e.g. `null` with a 500
            raise HTTPException(400, "the request body must be a JSON object")
        return parsed

    def encode_json(self, data: object) -> bytes:
        # orjson: several times faster than json.dumps on large nested results.
        return orjson.dumps(data)

    async def render_graphql_ide(self, request: Request) -> HTMLResponse:
        return HTMLResponse(self._graphiql_html)
