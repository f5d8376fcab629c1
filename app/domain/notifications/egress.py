"""Outbound requests to user-given URLs (webhooks, Slack) without server-side request
forgery: the host is resolved once, every address it resolves to must be public (not
loopback, private, link-local, multicast, reserved, shared or unspecified, in IPv4 or IPv6,
whatever the spelling: ``127.1``, ``2130706433``, ``0x7f.1``, ``[::ffff:127.0.0.1]``), and
the request goes to the address that was checked (no second lookup an attacker's DNS
could answer differently), with redirects never followed. A refusal and an unreachable
target look the same in the delivery log, so it cannot be used to scan ports."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from typing import Any

import httpx

UNREACHABLE = "target unreachable"
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class EgressRefused(Exception):
    """The target is not a public address (or cannot be resolved)."""


def is_public(address: IPAddress) -> bool:
    if isinstance(address, ipaddress.IPv6Address):
        embedded = (
            address.ipv4_mapped
            or address.sixtofour
            or (address.teredo[1] if address.teredo else None)
        )
        if embedded is not None and not is_public(embedded):
            return False
    return address.is_global and not address.is_multicast


async def resolve_public(host: str, port: int) -> IPAddress:
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise EgressRefused(host) from error
    addresses = [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]
    if not addresses or not all(is_public(address) for address in addresses):
        raise EgressRefused(host)
    return addresses[0]


async def post_public(
    client: httpx.AsyncClient,
    url: str,
    *,
    content: bytes,
    headers: dict[str, str],
    allow_private: bool = False,
) -> httpx.Response:
    """POST to ``url`` at an address checked to be public (any address with
    ``allow_private``, for development). Raises EgressRefused or httpx errors."""
    target = httpx.URL(url)
    if target.scheme not in ("http", "https") or not target.host or target.userinfo:
        raise EgressRefused(url)
    port = target.port or (443 if target.scheme == "https" else 80)
    if allow_private:
        return await client.post(target, content=content, headers=headers)
    address = await resolve_public(target.host, port)
    pinned = target.copy_with(host=str(address))
    host_header = target.host if target.port is None else f"{target.host}:{target.port}"
    extensions: dict[str, Any] = {}
    if target.scheme == "https":
        extensions["sni_hostname"] = target.host  # the certificate is checked for the name
    return await client.post(
        pinned,
        content=content,
        headers={**headers, "Host": host_header},
        extensions=extensions,
    )
