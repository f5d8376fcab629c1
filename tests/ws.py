"""A small graphql-transport-ws client over a real WebSocket (the `websockets` library)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import websockets

PROTOCOL = "graphql-transport-ws"


class SubscriptionError(Exception):
    def __init__(self, errors: list[dict[str, Any]]) -> None:
        super().__init__(errors[0]["message"] if errors else "subscription error")
        self.errors = errors


class WSClient:
    """One connection, one subscription (id "1" unless given)."""

    def __init__(self, socket: Any) -> None:
        self.socket = socket
        self.completed = False
        self.last_text = ""  # the last ``next`` message as it came, unparsed

    @classmethod
    async def connect(cls, base_url: str, key: str | None, **kwargs: Any) -> WSClient:
        url = base_url.replace("http://", "ws://") + "/graphql"
        socket = await websockets.connect(url, subprotocols=[PROTOCOL], **kwargs)
        payload = {"Authorization": f"Bearer {key}"} if key else {}
        await socket.send(json.dumps({"type": "connection_init", "payload": payload}))
        message = json.loads(await asyncio.wait_for(socket.recv(), 10))
        assert message["type"] == "connection_ack", message
        return cls(socket)

    async def subscribe(
        self, query: str, variables: dict[str, Any], operation_id: str = "1"
    ) -> None:
        await self.socket.send(
            json.dumps(
                {
                    "id": operation_id,
                    "type": "subscribe",
                    "payload": {"query": query, "variables": variables},
                }
            )
        )

    async def next(self, seconds: float = 10) -> dict[str, Any] | None:
        """The next result's data; None once the server completed the subscription."""
        while True:
            text = await asyncio.wait_for(self.socket.recv(), seconds)
            message = json.loads(text)
            if message["type"] == "next":
                self.last_text = text
                if message["payload"].get("errors"):
                    raise SubscriptionError(message["payload"]["errors"])
                return message["payload"]["data"]
            if message["type"] == "error":
                raise SubscriptionError(message["payload"])
            if message["type"] == "complete":
                self.completed = True
                return None
            if message["type"] == "ping":
                await self.socket.send(json.dumps({"type": "pong"}))

    async def close(self) -> None:
        await self.socket.close()
