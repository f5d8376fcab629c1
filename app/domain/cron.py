"""Cron schedules, whatever they start: a 5-field expression read in an IANA time zone,
the next fire time, and the scheduler's pass over due rows — claimed ``FOR UPDATE SKIP
LOCKED`` in batches, each batch one transaction, so each fire time fires once however many
schedulers run. Pipelines' schedules (app/domain/pipelines/schedules.py) and WORKFLOW
serves' (app/domain/serving/workflow_runs.py) both go through it."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from croniter import croniter
from sqlalchemy import Select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.engine import SessionFactory
from app.domain import validation as v
from app.domain.errors import validation

MISSED_AFTER = timedelta(minutes=5)
FIRE_BATCH = 100


def clean_cron(expression: str) -> str:
    """Five fields (minute hour day-of-month month day-of-week), as cron writes them."""
    cleaned = " ".join(expression.split())
    if len(cleaned.split(" ")) != 5 or len(cleaned) > 120 or not croniter.is_valid(cleaned):
        raise validation(
            "must be a cron expression of 5 fields: minute hour day-of-month month "
            "day-of-week, e.g. 0 3 * * 1-5",
            ["cron"],
        )
    return cleaned


def next_fire(cron: str, time_zone: str, after: datetime) -> datetime:
    """The first fire time strictly after ``after``, read in ``time_zone`` (DST as the
    zone has it: a time that does not exist that day fires at the first one that does)."""
    local = after.astimezone(ZoneInfo(time_zone))
    fire: datetime = croniter(cron, local).get_next(datetime)
    return fire.astimezone(UTC)


def clean_schedule(cron: str, time_zone: str) -> tuple[str, str]:
    return clean_cron(cron), v.time_zone(time_zone, ["time_zone"])


@dataclass(frozen=True)
class Fired:
    """One scheduler pass: runs started, and schedules moved on without a run (missed
    fire times skipped, or nothing to run)."""

    started: list[uuid.UUID]
    skipped: int


async def fire_due(
    session_factory: SessionFactory,
    due: Select[Any],
    fire: Callable[[AsyncSession, Any], Awaitable[uuid.UUID | None]],
) -> Fired:
    """``fire`` each row ``due`` selects (in its order), FIRE_BATCH rows a transaction,
    each claimed ``FOR UPDATE SKIP LOCKED``: ``fire`` starts the row's run (its id) or
    starts none (None), and moves the row's next fire time past now in that transaction."""
    started: list[uuid.UUID] = []
    skipped = 0
    while True:
        async with session_factory() as session, session.begin():
            rows = list(
                await session.scalars(due.limit(FIRE_BATCH).with_for_update(skip_locked=True))
            )
            for row in rows:
                run_id = await fire(session, row)
                if run_id is None:
                    skipped += 1
                else:
                    started.append(run_id)
        if len(rows) < FIRE_BATCH:
            return Fired(started, skipped)
