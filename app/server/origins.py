"""Which browser origins may call the API: one rule for HTTP CORS and the WebSocket check.

Entries are exact origins (``https://app.example.com``) or patterns where ``*`` stands for
any port (``http://localhost:*``) or any subdomain label (``https://*.example.com``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from strawberry.http.websocket_origin import normalize_origin

_PATTERN = re.compile(r"^(https?)://((?:\*\.)?[A-Za-z0-9.\-\[\]:]+?)(?::(\*|\d{1,5}))?$")


def origin_regex(entries: Iterable[str]) -> str | None:
    """One anchored regular expression matching every allowed origin (None: no origin)."""
    alternatives: list[str] = []
    for entry in entries:
        entry = entry.strip().rstrip("/")
        if entry == "*":
            alternatives.append(r"https?://.+")
            continue
        match = _PATTERN.fullmatch(entry)
        if match is None:
            raise ValueError(
                f"invalid origin {entry!r} in MLGRAPH_CORS_ORIGINS: expected e.g. "
                "https://app.example.com, http://localhost:* or https://*.example.com"
            )
        scheme, host, port = match.groups()
        host_re = re.escape(host.lower())
        if host.startswith("*."):
            host_re = r"[a-z0-9-]+\." + re.escape(host[2:].lower())
        if port == "*":
            port_re = r"(?::\d{1,5})?"
        elif port is not None and port != {"http": "80", "https": "443"}[scheme]:
            port_re = ":" + port
        else:
            port_re = ""
        alternatives.append(f"{scheme}://{host_re}{port_re}")
    if not alternatives:
        return None
    return "^(?:" + "|".join(alternatives) + ")$"


class OriginPolicy:
    """Decides whether a cross-origin page may talk to the API."""

    def __init__(self, entries: Iterable[str], allow_credentials: bool = False) -> None:
        self.entries = tuple(entries)
        self.regex = origin_regex(self.entries)
        self._compiled = re.compile(self.regex) if self.regex else None
        self.allow_credentials = allow_credentials

    def allows(self, origin: str) -> bool:
        normalized = normalize_origin(origin)
        return bool(self._compiled and normalized and self._compiled.fullmatch(normalized))
