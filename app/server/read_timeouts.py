"""Read timeouts for HTTP/1.1 connections, which uvicorn does not have: a client trickling
a request's head (its request line and headers) or its body kept the connection, and a
server slot, forever (slowloris). This protocol is uvicorn's own (httptools) with two
deadlines, each ``MLGRAPH_READ_TIMEOUT_SECONDS`` (default 30, like nginx's
``client_header_timeout``/``client_body_timeout``; 0 turns them off):

- the head must be complete that long after the connection opened or the request began;
- the body must be complete that long after the head — not counting time during which the
  server itself stopped reading (flow control while the app is slow to consume it).

A connection that misses one is answered ``408 Request Timeout`` when no response has
started, and closed. Keep-alive idling between requests stays uvicorn's
(``timeout_keep_alive``). ``mlgraph serve`` names this class as uvicorn's ``http``."""

from __future__ import annotations

import asyncio
import os
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

DEFAULT_READ_TIMEOUT_SECONDS = 30.0
TIMEOUT_BODY = b"the request was not received in time"


def read_timeout_seconds() -> float:
    raw = os.environ.get("MLGRAPH_READ_TIMEOUT_SECONDS")
    return float(raw) if raw else DEFAULT_READ_TIMEOUT_SECONDS


class ReadTimeoutProtocol(HttpToolsProtocol):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.read_timeout = read_timeout_seconds()
        self.read_deadline: asyncio.TimerHandle | None = None

    def _arm(self) -> None:
        self._disarm()
        if self.read_timeout > 0:
            self.read_deadline = self.loop.call_later(self.read_timeout, self._read_too_slow)

    def _disarm(self) -> None:
        if self.read_deadline is not None:
            self.read_deadline.cancel()
            self.read_deadline = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]  # uvicorn's narrower type
        super().connection_made(transport)
        self._arm()  # the first request's head must come

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        if self.read_deadline is None:
            self._arm()  # a later request on a kept-alive connection

    def on_headers_complete(self) -> None:
        self._disarm()  # before an upgrade hands the socket to the WebSocket protocol
        super().on_headers_complete()
        if self.cycle is not None and self.cycle.more_body and not self.parser.should_upgrade():
            self._arm()  # now the body

    def on_message_complete(self) -> None:
        self._disarm()
        super().on_message_complete()

    def _read_too_slow(self) -> None:
        self.read_deadline = None
        if self.transport.is_closing():
            return
        if self.flow.read_paused:  # the server stopped reading, not the client: wait on
            self._arm()
            return
        if self.cycle is None or self.cycle.response_complete or not self.cycle.response_started:
            self.transport.write(
                b"HTTP/1.1 408 Request Timeout\r\ncontent-type: text/plain; charset=utf-8\r\n"
                b"content-length: %d\r\nconnection: close\r\n\r\n%s"
                % (len(TIMEOUT_BODY), TIMEOUT_BODY)
            )
        self.transport.close()
