"""Rate limits that hold across server processes: failed authentication per client
address and per key prefix, and requests per key, in fixed one-minute windows.

Counts live in PostgreSQL (``rate_limit_counters``, shared by every process). A process
adds its failures at once and its request counts once a second (one statement, whatever
the traffic); a bucket over its limit is blocked until the window ends, and the block is
announced on ``mlgraph_ratelimit``, so every process refuses that caller with 429 and
``Retry-After`` before touching the database."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
import uuid
from collections import Counter
from datetime import UTC, datetime

import orjson
from sqlalchemy import text

from app.db.engine import SessionFactory
from app.domain import topics

log = logging.getLogger("mlgraph.ratelimit")

ADD_COUNTS = text(
    """
    INSERT INTO rate_limit_counters AS c (bucket, window_start, count)
    SELECT * FROM unnest(CAST(:buckets AS text[]), CAST(:starts AS timestamptz[]),
                         CAST(:counts AS integer[]))
    ON CONFLICT (bucket) DO UPDATE SET
        count = CASE WHEN c.window_start = EXCLUDED.window_start
                     THEN c.count + EXCLUDED.count ELSE EXCLUDED.count END,
        window_start = EXCLUDED.window_start
    RETURNING bucket, count
    """
)


class RateLimiter:
    def __init__(
        self,
        session_factory: SessionFactory,
        *,
        auth_failures_per_address: int,
        auth_failures_per_prefix: int,
        requests_per_key: int,
        window_seconds: int = 60,
        flush_seconds: float = 1.0,
    ) -> None:
        self.session_factory = session_factory
        self.limits = {
            "auth-address": auth_failures_per_address,
            "auth-prefix": auth_failures_per_prefix,
            "requests-key": requests_per_key,
        }
        self.window_seconds = window_seconds
        self.flush_seconds = flush_seconds
        self.blocked: dict[str, float] = {}  # bucket -> epoch seconds when the block ends
        self.pending: Counter[str] = Counter()
        self._flusher: asyncio.Task[None] | None = None

    def _window(self) -> tuple[datetime, float]:
        now = time.time()
        start = math.floor(now / self.window_seconds) * self.window_seconds
        return datetime.fromtimestamp(start, UTC), start + self.window_seconds

    def retry_after(self, *buckets: str | None) -> int | None:
        """Seconds until the caller may try again, if any of its buckets is blocked."""
        now = time.time()
        waits = [self.blocked[b] - now for b in buckets if b and self.blocked.get(b, 0) > now]
        return math.ceil(max(waits)) if waits else None

    async def record_auth_failure(self, address: str | None, prefix: str | None) -> None:
        buckets = [
            bucket
            for bucket in (auth_address(address), auth_prefix(prefix))
            if bucket and self.limits[bucket.split(":", 1)[0]] > 0
        ]
        if buckets:
            await self._add(dict.fromkeys(buckets, 1))

    def count_request(self, key_id: uuid.UUID | None) -> None:
        if key_id is None or self.limits["requests-key"] <= 0:
            return
        self.pending[requests_key(key_id)] += 1
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush_soon())

    async def _flush_soon(self) -> None:
        await asyncio.sleep(self.flush_seconds)
        counts, self.pending = dict(self.pending), Counter()
        try:
            await self._add(counts)
        except Exception:  # the database is away: requests go on, counts are lost
            log.warning("could not record request counts", exc_info=True)

    async def _add(self, counts: dict[str, int]) -> None:
        start, end = self._window()
        async with self.session_factory() as session, session.begin():
            rows = await session.execute(
                ADD_COUNTS,
                {
                    "buckets": list(counts),
                    "starts": [start] * len(counts),
                    "counts": list(counts.values()),
                },
            )
            for bucket, count in rows:
                limit = self.limits[bucket.split(":", 1)[0]]
                if 0 < limit <= count:
                    self.blocked[bucket] = end
                    await topics.publish(session, topics.RATE_LIMITS, bucket=bucket, until=end)

    def on_notification(self, payload: str) -> None:
        with contextlib.suppress(ValueError, KeyError, TypeError):
            data = orjson.loads(payload)
            self.blocked[str(data["bucket"])] = float(data["until"])
        now = time.time()
        for bucket in [b for b, until in self.blocked.items() if until <= now]:
            del self.blocked[bucket]


def auth_address(address: str | None) -> str | None:
    return f"auth-address:{address}" if address else None


def auth_prefix(prefix: str | None) -> str | None:
    return f"auth-prefix:{prefix}" if prefix else None


def requests_key(key_id: uuid.UUID) -> str:
    return f"requests-key:{key_id}"
