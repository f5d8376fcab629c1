"""Who a presented API key is, remembered for a few seconds: most requests then cost no
authentication statement at all. Revocation is honoured at once: the mutations that
take access away forget the user here (this process) and NOTIFY ``mlgraph_access``
(every other process forgets on hearing it); a reconnected LISTEN forgets everything.
An answer read from the database before a forgetting is never remembered after it: a
request that authenticated while its user's access was being taken away must not put the
old access back (``generation``)."""

from __future__ import annotations

import hashlib
import time
import uuid
from datetime import UTC, datetime

from app.domain.tenancy.access import Actor

MAX_ENTRIES = 10_000


class AuthCache:
    def __init__(self, ttl_seconds: float) -> None:
        self.ttl_seconds = ttl_seconds
        self._entries: dict[bytes, tuple[Actor, float]] = {}
        self.generation = 0  # counts forgettings; put() ignores answers older than the last

    @staticmethod
    def _digest(secret: str) -> bytes:
        return hashlib.sha256(secret.encode()).digest()  # never keep the secret itself

    def get(self, secret: str) -> Actor | None:
        if self.ttl_seconds <= 0:
            return None
        digest = self._digest(secret)
        entry = self._entries.get(digest)
        if entry is None:
            return None
        actor, deadline = entry
        expired = actor.key_expires_at is not None and actor.key_expires_at <= datetime.now(UTC)
        if deadline <= time.monotonic() or expired:
            del self._entries[digest]
            return None
        return actor

    def put(self, secret: str, actor: Actor, read_at_generation: int) -> None:
        """Remember ``actor``, read from the database when ``generation`` was
        ``read_at_generation``; not if anything was forgotten since."""
        if self.ttl_seconds <= 0 or read_at_generation != self.generation:
            return
        if len(self._entries) >= MAX_ENTRIES:
            self._entries.clear()  # rare; simpler than an LRU for a few-second cache
        self._entries[self._digest(secret)] = (actor, time.monotonic() + self.ttl_seconds)

    def forget_user(self, user_id: uuid.UUID) -> None:
        self.generation += 1
        for digest in [d for d, (actor, _) in self._entries.items() if actor.user_id == user_id]:
            self._entries.pop(digest, None)

    def clear(self) -> None:
        self.generation += 1
        self._entries.clear()
