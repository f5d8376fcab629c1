"""Shared by the tests of security/access_revocation and others (from tests/security/test_access_revocation.py)."""

from __future__ import annotations

import asyncio

import pytest
import websockets

from tests.ws import WSClient

ALERTS = "subscription($org: ID!) { alerts(organizationId: $org) { title } }"


async def closed_with(client: WSClient) -> tuple[int, str]:
    """Wait (bounded) for the server to close the socket; its close code and reason."""
    with pytest.raises(websockets.ConnectionClosed) as closed:
        while True:
            await asyncio.wait_for(client.socket.recv(), 10)
    return closed.value.rcvd.code, closed.value.rcvd.reason
