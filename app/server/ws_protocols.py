"""WebSocket subprotocol handlers: Strawberry's, with connection_init rewritten so the
close code tells a missing key (4401) from a bad one (4403), with the reason spelled out
for the client to show (Strawberry closes every rejection with 4403 "Forbidden", or 1011
on the legacy protocol)."""

from __future__ import annotations

import asyncio
from typing import Any, cast

from strawberry.exceptions import ConnectionRejectionError
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
    Operation,
)
from strawberry.subscriptions.protocols.graphql_transport_ws.types import (
    ConnectionAckMessage,
    ConnectionInitMessage,
)
from strawberry.subscriptions.protocols.graphql_ws.handlers import BaseGraphQLWSHandler
from strawberry.subscriptions.protocols.graphql_ws.types import (
    ConnectionInitMessage as LegacyConnectionInitMessage,
)
from strawberry.types.execution import PreExecutionError

from app.api.shared_events import OPERATION

REJECT_NO_KEY: dict[str, Any] = {"code": 4401, "reason": "Unauthorized"}
REJECT_BAD_KEY: dict[str, Any] = {"code": 4403, "reason": "Forbidden"}
MAX_REASON_BYTES = 123  # RFC 6455: a close frame's reason is at most 123 bytes


def close_reason(payload: dict[str, Any]) -> tuple[int, str]:
    code = int(payload.get("code", 4403))
    reason = str(payload.get("reason", "Forbidden"))
    if payload.get("message"):
        reason = f"{reason}: {payload['message']}"
    return code, reason.encode()[:MAX_REASON_BYTES].decode(errors="ignore")


class WatchedAccess:
    """Registers the connection once its key is accepted, so revoking the key or removing
    the member closes it (app/events/access.py); unregisters when it ends."""

    live: Any = None

    def watch_access(self: Any) -> None:
        self.live = self.view.broker.access.register(self.context.actor, self.close_socket)

    async def close_socket(self: Any, code: int, reason: str) -> None:
        await self.websocket.close(code=code, reason=reason)

    async def handle(self: Any) -> None:
        try:
            await super().handle()  # type: ignore[misc]  # a mixin: super() is Strawberry's handler
        finally:
            self.view.broker.access.unregister(self.live)


class GraphQLTransportWSHandler(WatchedAccess, BaseGraphQLTransportWSHandler[Any, Any]):
    async def run_operation(self, operation: Operation[Any, Any]) -> None:
        OPERATION.set(operation)  # this operation's task: shared events may go straight out
        await super().run_operation(operation)

    async def handle_connection_init(self, message: ConnectionInitMessage) -> None:
        if self.connection_timed_out:
            return
        if self.connection_init_timeout_task:
            self.connection_init_timeout_task.cancel()
        payload = message.get("payload") or {}
        if not isinstance(payload, dict):
            await self.websocket.close(code=4400, reason="Invalid connection init payload")
            return
        if self.connection_init_received:
            await self.websocket.close(code=4429, reason="Too many initialisation requests")
            return
        self.connection_init_received = True
        self.context.connection_params = payload
        try:
            ack_payload = await self.view.on_ws_connect(self.context)
        except ConnectionRejectionError as error:
            await self.websocket.close(*close_reason(error.payload))
            return
        ack: ConnectionAckMessage = {"type": "connection_ack"}
        if ack_payload:
            ack["payload"] = cast(dict[str, object], ack_payload)
        await self.send_message(ack)
        self.connection_acknowledged = True
        self.watch_access()


class GraphQLWSHandler(WatchedAccess, BaseGraphQLWSHandler[Any, Any]):
    """The legacy ``graphql-ws`` subprotocol (Apollo's subscriptions-transport-ws)."""

    async def handle_connection_init(self, message: LegacyConnectionInitMessage) -> None:
        payload = message.get("payload") or {}
        if not isinstance(payload, dict):
            await self.send_message({"type": "connection_error"})
            await self.websocket.close(code=4400, reason="Invalid connection init payload")
            return
        self.context.connection_params = payload
        try:
            await self.view.on_ws_connect(self.context)
        except ConnectionRejectionError as error:
            code, reason = close_reason(error.payload)
            await self.send_message({"type": "connection_error", "payload": {"message": reason}})
            await self.websocket.close(code=code, reason=reason)
            return
        await self.send_message({"type": "connection_ack"})
        self.connection_acknowledged = True
        self.watch_access()
        if self.keep_alive:
            self.keep_alive_task = asyncio.create_task(self.handle_keep_alive())

    async def handle_async_results(
        self,
        operation_id: str,
        query: str,
        operation_name: str | None,
        variables: dict[str, object] | None,
    ) -> None:
        """Run any operation, as subscriptions-transport-ws clients expect (Strawberry's
        handler runs subscriptions only and answers a query with an internal error)."""
        try:
            results = await self.schema.stream(
                query,
                variable_values=variables,
                operation_name=operation_name,
                context_value=self.context,
                root_value=self.root_value,
            )
            self.subscriptions[operation_id] = results
            first = True
            async for result in results:
                if first and isinstance(result, PreExecutionError):
                    assert result.errors
                    error = result.errors[0].formatted
                    await self.send_message({"type": "error", "id": operation_id, "payload": error})
                    return
                await self.send_data_message(result, operation_id)  # type: ignore[arg-type]  # no incremental delivery (@defer) is enabled
                first = False
            await self.send_message({"type": "complete", "id": operation_id})
        except asyncio.CancelledError:
            await self.send_message({"type": "complete", "id": operation_id})
        finally:
            self.subscriptions.pop(operation_id, None)
            self.tasks.pop(operation_id, None)
