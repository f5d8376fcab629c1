"""Shared by the tests of api/real_clients and others (from tests/api/test_real_clients.py)."""

from __future__ import annotations

from gql import Client, gql
from gql.transport.websockets import WebsocketsTransport

TRANSPORT_WS = WebsocketsTransport.GRAPHQLWS_SUBPROTOCOL  # "graphql-transport-ws"


def doc(text: str, **variables: object):  # type: ignore[no-untyped-def]
    """A gql request with its variables (gql 4 style)."""
    request = gql(text)
    request.variable_values = variables or None
    return request


def ws_client(base_url: str, key: str | None, subprotocol: str) -> Client:
    transport = WebsocketsTransport(
        url=base_url.replace("http://", "ws://") + "/graphql",
        init_payload={"Authorization": f"Bearer {key}"} if key else {},
        subprotocols=[subprotocol],
    )
    return Client(transport=transport)
