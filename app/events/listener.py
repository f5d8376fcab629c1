"""One LISTEN connection per process. It reconnects when its connection drops and then asks
every hub to re-read from the database, so notifications lost meanwhile cost nothing."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

import asyncpg

from app.db.scope import SYSTEM, enter_scope
from app.db.url import plain_url
from app.domain.topics import CHANNELS
from app.process.background import stop_task

log = logging.getLogger("mlgraph.events")

HEALTH_CHECK_SECONDS = 5.0
MAX_BACKOFF_SECONDS = 5.0


class Listener:
    def __init__(
        self,
        database_url: str,
        on_notification: Callable[[str, str], None],
        on_connected: Callable[[], Awaitable[None]],
    ) -> None:
        self.dsn = plain_url(database_url)
        self.on_notification = on_notification
        self.on_connected = on_connected
        self.connected = asyncio.Event()
        self.connection: asyncpg.Connection | None = None
        self._task: asyncio.Task[None] | None = None
        self.reconnects = 0

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="mlgraph-listener")

    async def stop(self) -> None:
        await stop_task(self._task)

    def _dispatch(self, connection: object, pid: int, channel: str, payload: str) -> None:
        self.on_notification(channel, payload)

    async def _run(self) -> None:
        enter_scope(SYSTEM)  # the server's own work: every organization's rows
        backoff = 0.1
        while True:
            connection: asyncpg.Connection | None = None
            try:
                connection = await asyncpg.connect(self.dsn)
                closed = asyncio.Event()
                connection.add_termination_listener(lambda _, closed=closed: closed.set())
                for channel in listened():
                    await connection.add_listener(channel, self._dispatch)
                self.connection = connection
                self.connected.set()
                backoff = 0.1
                await self.on_connected()
                while not closed.is_set():
                    try:
                        await asyncio.wait_for(closed.wait(), HEALTH_CHECK_SECONDS)
                    except TimeoutError:
                        await connection.fetchval("SELECT 1")  # raises on a dead connection
                log.warning("LISTEN connection closed; reconnecting")
            except asyncio.CancelledError:
                raise
            except Exception as error:  # any connection failure: retry with backoff
                log.warning("LISTEN connection failed (%s); retrying", type(error).__name__)
            finally:
                self.connected.clear()
                self.connection = None
                if connection is not None and not connection.is_closed():
                    with contextlib.suppress(Exception):
                        await asyncio.wait_for(connection.close(), 2)
            self.reconnects += 1
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, MAX_BACKOFF_SECONDS)


def listened() -> tuple[str, ...]:
    """The core channels, those of rows followed by status, and those of the sequences
    contexts follow (app/events/hubs.py)."""
    from app.events.hubs import FOLLOWED, STATUS_CHANNELS

    return (
        CHANNELS
        + tuple(STATUS_CHANNELS)
        + tuple(sequence.channel for sequence in FOLLOWED.values())
    )
