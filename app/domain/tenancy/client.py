"""Who is on the other end of the current request (its address and user agent), for the
audit log: set once per request or WebSocket connection by the outermost middleware,
read by record_audit_event — no service signature has to carry it."""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from contextvars import ContextVar
from dataclasses import dataclass

MAX_USER_AGENT = 512
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True)
class Client:
    address: str | None = None
    user_agent: str | None = None


CURRENT: ContextVar[Client] = ContextVar("mlgraph_client", default=Client())  # noqa: B039 (frozen)


def parse_networks(values: Sequence[str]) -> tuple[Network, ...]:
    """``MLGRAPH_TRUSTED_PROXIES``: addresses or CIDR blocks (a bad one fails at start)."""
    return tuple(ipaddress.ip_network(v.strip(), strict=False) for v in values if v.strip())


def _address(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(value.strip())
    except ValueError:
        return None


def client_address(
    peer: str | None, forwarded_for: str | None, trusted: Sequence[Network]
) -> str | None:
    """The peer, unless the peer is a trusted proxy: then the right-most address of
    ``X-Forwarded-For`` that is not a trusted proxy itself (the left part is whatever the
    client claimed, so it is never believed)."""
    if peer is None or not trusted:
        return peer
    current = _address(peer)
    if current is None or not any(current in net for net in trusted):
        return peer
    for hop in reversed((forwarded_for or "").split(",")):
        hop_address = _address(hop)
        if hop_address is None:
            return peer  # a malformed chain: keep what we know
        if not any(hop_address in net for net in trusted):
            return str(hop_address)
    return peer


def clean_user_agent(value: str | None) -> str | None:
    if not value:
        return None
    printable = "".join(ch for ch in value if ch.isprintable())
    return printable[:MAX_USER_AGENT] or None
