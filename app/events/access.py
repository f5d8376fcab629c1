"""Live WebSocket connections per user, closed when their access goes: a key revoked or
expired, a membership removed, a role lowered, a project hidden. The writing transaction NOTIFYs
``mlgraph_access`` (so every server process hears it); each process re-reads the keys of
that user's connections and closes those that lost anything (the client reconnects and is
authorised afresh)."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Callable, Coroutine
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from app.db.engine import SessionFactory
from app.db.scope import SYSTEM, enter_scope
from app.domain.tenancy.access import Actor
from app.domain.tenancy.enums import ORG_ROLE_RANK
from app.domain.tenancy.services import InvalidKey, reauthenticate

log = logging.getLogger("mlgraph.events")

CloseSocket = Callable[[int, str], Awaitable[None]]


@dataclass(eq=False)
class LiveConnection:
    actor: Actor
    close: CloseSocket
    expiry: asyncio.TimerHandle | None = None  # closes it when its key expires


def lost_access(before: Actor, after: Actor) -> bool:
    """True if ``after`` may do less than ``before`` in any organization, or sees fewer
    of its projects (one was made private, a project role went)."""
    return bool(after.hidden_projects - before.hidden_projects) or any(
        org_id not in after.org_roles
        or ORG_ROLE_RANK[after.org_roles[org_id]] < ORG_ROLE_RANK[role]
        for org_id, role in before.org_roles.items()
    )


class AccessWatch:
    def __init__(self, session_factory: SessionFactory) -> None:
        self.session_factory = session_factory
        self.by_user: dict[uuid.UUID, set[LiveConnection]] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    def register(self, actor: Actor, close: CloseSocket) -> LiveConnection | None:
        if actor.user_id is None or actor.api_key_id is None:
            return None
        connection = LiveConnection(actor, close)
        self.by_user.setdefault(actor.user_id, set()).add(connection)
        self._schedule_expiry(connection, actor.key_expires_at)
        return connection

    def _schedule_expiry(self, connection: LiveConnection, expires_at: datetime | None) -> None:
        """Close the connection the moment its key expires (nothing is notified then: an
        expiry is a time, not a write). A rotation that shortens the key moves it."""
        if connection.expiry is not None:
            connection.expiry.cancel()
            connection.expiry = None
        if expires_at is None:
            return
        delay = max(0.0, (expires_at - datetime.now(UTC)).total_seconds())
        connection.expiry = asyncio.get_running_loop().call_later(delay, self._expire, connection)

    def _expire(self, connection: LiveConnection) -> None:
        self._spawn(
            self._close(connection, "Forbidden: the API key expired; reconnect with a valid key")
        )

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        """Run ``work`` in the background, kept referenced until it ends."""
        task = asyncio.create_task(as_system(work))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def unregister(self, connection: LiveConnection | None) -> None:
        if connection is None or connection.actor.user_id is None:
            return
        if connection.expiry is not None:
            connection.expiry.cancel()
            connection.expiry = None
        live = self.by_user.get(connection.actor.user_id)
        if live is not None:
            live.discard(connection)
            if not live:
                del self.by_user[connection.actor.user_id]

    def changed(self, user_id: uuid.UUID) -> None:
        """A notification: recheck this user's connections (in the background)."""
        if user_id in self.by_user:
            self._spawn(self.recheck(user_id))

    def resync(self) -> None:
        """After the LISTEN connection came back: notifications may have been missed."""
        for user_id in list(self.by_user):
            self.changed(user_id)

    async def recheck(self, user_id: uuid.UUID) -> None:
        for connection in list(self.by_user.get(user_id, ())):
            assert connection.actor.api_key_id is not None
            try:
                async with self.session_factory() as session:
                    fresh = await reauthenticate(session, connection.actor.api_key_id)
            except InvalidKey as error:
                await self._close(connection, f"Forbidden: {error}")
                continue
            except Exception:
                log.exception("could not recheck a live connection's access")
                continue
            if lost_access(connection.actor, fresh):
                await self._close(connection, "Forbidden: your access changed; reconnect")
            elif fresh.key_expires_at != connection.actor.key_expires_at:
                self._schedule_expiry(connection, fresh.key_expires_at)

    async def _close(self, connection: LiveConnection, reason: str) -> None:
        self.unregister(connection)
        try:
            await connection.close(4403, reason)
        except Exception:  # already closed by the client: nothing to end
            log.debug("live connection already closed", exc_info=True)


async def until_revoked(stream: AsyncIterable[Any], revoked: asyncio.Event) -> AsyncIterator[Any]:
    """The items of ``stream`` until ``revoked`` is set; then the stream ends (an HTTP
    subscription stream has no close code: the response just ends)."""
    iterator = stream.__aiter__()
    waiter = asyncio.ensure_future(revoked.wait())
    try:
        while True:
            item = asyncio.ensure_future(iterator.__anext__())
            done, _ = await asyncio.wait({item, waiter}, return_when=asyncio.FIRST_COMPLETED)
            if item not in done:
                item.cancel()
                return
            try:
                yield item.result()
            except StopAsyncIteration:
                return
    finally:
        waiter.cancel()


async def as_system(work: Coroutine[Any, Any, None]) -> None:
    """Access rechecks read any user's memberships: the server's own work."""
    enter_scope(SYSTEM)
    await work
