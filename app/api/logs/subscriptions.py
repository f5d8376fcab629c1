"""The logs context's subscription: a run's console, live and resumable.

Stored lines after the cursor first (pages of ``PAGE``), then each new line as it is
committed: lines are numbered in commit order, so "the lines after the last one sent" after
each notification is gapless, and a client that reconnects (to this process or another, or
after a restart) with ``after: cursor`` misses nothing and gets nothing twice. The hub of
a run reads each new line once for all its followers (app/events/hubs.FollowedSequence);
a follower replaying stored lines, or fallen behind the hub's ring, reads as its caller."""

from __future__ import annotations

import uuid
from collections.abc import AsyncGenerator, AsyncIterator
from dataclasses import dataclass

import strawberry
from strawberry.types import Info

from app.api.logs.enums import LogStream
from app.api.logs.types import RunLogLine
from app.api.streaming import stream_cursor, subscription_slot, visible_for_subscription
from app.db.engine import SessionFactory
from app.domain.experiments.models import Run as RunRow
from app.domain.logs.services import RUN_LOGS, LogRow, last_line, lines_after
from app.events.hubs import Broker, FollowedSequence, follow

PAGE = 1_000  # lines a read, and at most a message

follow(
    FollowedSequence(
        kind="logs", channel=RUN_LOGS, key="run", last=last_line, rows_after=lines_after
    )
)


@dataclass(frozen=True)
class LogBatch:
    lines: list[LogRow]
    cursor: int
    replay: bool


async def log_batches(
    broker: Broker, session_factory: SessionFactory, run_id: uuid.UUID, after: int
) -> AsyncIterator[LogBatch]:
    async with broker.subscribe("logs", run_id) as (hub, subscriber):
        async with session_factory() as session:
            stored = await last_line(session, run_id)
        delivered = after
        while delivered < stored:  # the stored lines, read as the caller, in turns
            async with broker.replay_reads, session_factory() as session:
                rows = await lines_after(session, run_id, delivered, PAGE)
            if not rows:
                break
            delivered = rows[-1].line_number
            yield LogBatch(rows, delivered, replay=True)
        delivered = max(delivered, stored)
        while True:
            taken = hub.rows_after(delivered, PAGE)  # read once by the hub for everyone
            if taken is None:  # fell behind the hub's ring: read from the database
                async with broker.replay_reads, session_factory() as session:
                    taken = await lines_after(session, run_id, delivered, PAGE)
            if taken:
                delivered = taken[-1].line_number
                yield LogBatch(taken, delivered, replay=False)
                continue
            subscriber.wake.clear()
            if hub.last_seq is not None and hub.last_seq > delivered:
                continue
            await subscriber.wake.wait()


@strawberry.type(description="Lines of one run, in order; resume with after: cursor.")
class RunLogsBatch:
    run_id: strawberry.ID
    lines: list[RunLogLine]
    cursor: str = strawberry.field(
        description="Opaque position after this batch: resubscribe with after: cursor to "
        "continue with no gap and no duplicate."
    )
    replay: bool = strawberry.field(description="True for lines stored before subscribing.")


@strawberry.type
class LogSubscriptions:
    @strawberry.subscription(
        description="A run's console: the stored lines after `after` (all of them without "
        "it), then each new line as it is committed; `stream` keeps one of them."
    )
    async def run_logs(
        self,
        info: Info,
        run_id: strawberry.ID,
        after: str | None = None,
        stream: LogStream | None = None,
    ) -> AsyncGenerator[RunLogsBatch, None]:
        run = await visible_for_subscription(info, run_id, "Run", RunRow, "run")
        after_line = stream_cursor(after) or 0
        context = info.context
        wanted = stream.value if stream is not None else None
        with subscription_slot(info):
            async for batch in log_batches(
                context.broker, context.read_session_factory, run, after_line
            ):
                lines = [row for row in batch.lines if wanted is None or row.stream == wanted]
                if lines or not batch.replay:
                    yield RunLogsBatch(
                        run_id=run_id,
                        lines=[RunLogLine.from_row(row) for row in lines],
                        cursor=str(batch.cursor),
                        replay=batch.replay,
                    )
