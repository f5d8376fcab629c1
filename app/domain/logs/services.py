"""Appending a run's console lines, and reading them back in order.

A batch is numbered under the run's ``run_log_states`` row lock, so line numbers follow
commit order and a reader that takes "lines after N" after each notification never
misses one. Long lines are cut (and marked), NUL and unpaired surrogates (which
PostgreSQL cannot store) replaced; a run takes at most ``lines_per_minute`` lines a minute
(60,000 unless the server is set otherwise) and ``MAX_RUN_LINES`` in all, so one noisy loop
cannot fill the database.

A writer that numbers its own lines (``start_line``: the number of its batch's first
line, as the Python client does) makes a retry idempotent: lines the run already holds
under those numbers, with that text, are not stored twice."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.ids import uuid7
from app.domain.errors import DomainError, ErrorCode, validation
from app.domain.experiments.models import Run
from app.domain.logs.enums import LogStream
from app.domain.tenancy.access import Actor
from app.domain.tenancy.audit import record_audit_event
from app.domain.tenancy.projects import get_contributable
from app.domain.topics import publish

RUN_LOGS = "mlgraph_run_logs"  # {"run": id, "seq": the run's last line after the write}

MAX_LINE_CHARS = 8_192  # longer lines are cut to this and marked truncated
MAX_BATCH_LINES = 5_000
MAX_LINES_PER_MINUTE = 60_000  # per run
MAX_RUN_LINES = 5_000_000


@dataclass(frozen=True)
class LogLine:
    stream: LogStream
    text: str
    logged_at: datetime | None = None


@dataclass(frozen=True)
class Appended:
    """What appending did: the run, the numbers of the batch's lines (0, 0 when none was
    new), how many were new (a retry holds lines already stored) and how many were cut."""

    run_id: uuid.UUID
    first_line: int
    last_line: int
    new_count: int
    truncated_count: int


def clean(value: str) -> tuple[str, bool]:
    """A line as PostgreSQL can store it, at most MAX_LINE_CHARS; and whether it was cut."""
    if "\x00" in value:
        value = value.replace("\x00", "\ufffd")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:  # an unpaired surrogate (JSON can carry one)
        value = value.encode("utf-8", "replace").decode("utf-8")
    if len(value) > MAX_LINE_CHARS:
        return value[:MAX_LINE_CHARS], True
    return value, False


LOCK_STATE = text(
    "INSERT INTO run_log_states (run_id, organization_id) VALUES (:run, :org) "
    "ON CONFLICT (run_id) DO UPDATE SET run_id = EXCLUDED.run_id "
    "RETURNING last_line, window_start, window_lines, now() AS now"
)
INSERT_LINES = text(
    "INSERT INTO run_log_lines "
    "(id, organization_id, run_id, line_number, stream, text, truncated, logged_at) "
    "SELECT id, :org, :run, n, s, t, c, coalesce(at, now()) FROM unnest("
    "CAST(:ids AS uuid[]), CAST(:numbers AS bigint[]), CAST(:streams AS text[]), "
    "CAST(:texts AS text[]), CAST(:cut AS boolean[]), CAST(:times AS timestamptz[])"
    ") AS l(id, n, s, t, c, at)"
)
UPDATE_STATE = text(
    "UPDATE run_log_states SET last_line = :last, bytes = bytes + :bytes, "
    "window_start = :window_start, window_lines = :window_lines WHERE run_id = :run"
)


async def run_logs_append(
    session: AsyncSession,
    actor: Actor,
    *,
    run_id: uuid.UUID | None,
    lines: list[LogLine],
    start_line: int | None = None,
    lines_per_minute: int = MAX_LINES_PER_MINUTE,
) -> Appended:
    if len(lines) > MAX_BATCH_LINES:
        raise validation(f"at most {MAX_BATCH_LINES} lines a batch", ["lines"])
    if start_line is not None and start_line < 1:
        raise validation("startLine counts from 1", ["start_line"])
    run = await get_contributable(session, Run, run_id, actor, what="run", field=["run_id"])
    state = (await session.execute(LOCK_STATE, {"run": run.id, "org": run.organization_id})).one()
    last = state.last_line
    skip = 0
    if start_line is not None and start_line <= last:
        skip = await _already_stored(session, run.id, start_line, lines[: last - start_line + 1])
    new = lines[skip:]
    if not new:
        return Appended(run.id, 0, 0, 0, 0)
    window_start, window_lines = state.window_start, state.window_lines
    if (state.now - window_start).total_seconds() >= 60:
        window_start, window_lines = state.now, 0
    if window_lines + len(new) > lines_per_minute:
        raise DomainError(
            ErrorCode.QUOTA_EXCEEDED,
            f"a run takes at most {lines_per_minute} log lines a minute: retry later",
            ["lines"],
        )
    if last + len(new) > MAX_RUN_LINES:
        raise DomainError(
            ErrorCode.QUOTA_EXCEEDED, f"a run keeps at most {MAX_RUN_LINES} log lines", ["lines"]
        )
    cleaned = [clean(line.text) for line in new]
    numbers = list(range(last + 1, last + len(new) + 1))
    await session.execute(
        INSERT_LINES,
        {
            "org": run.organization_id,
            "run": run.id,
            "ids": [uuid7() for _ in new],
            "numbers": numbers,
            "streams": [line.stream.value for line in new],
            "texts": [t for t, _ in cleaned],
            "cut": [cut for _, cut in cleaned],
            "times": [line.logged_at for line in new],
        },
    )
    size = sum(len(t) for t, _ in cleaned)
    await session.execute(
        UPDATE_STATE,
        {
            "run": run.id,
            "last": numbers[-1],
            "bytes": size,
            "window_start": window_start,
            "window_lines": window_lines + len(new),
        },
    )
    truncated = sum(1 for _, cut in cleaned if cut)
    record_audit_event(
        session,
        actor,
        "run_logs.append",
        organization_id=run.organization_id,
        target_type="Run",
        target_id=run.id,
        details={"lines": len(new), "first_line": numbers[0], "truncated": truncated},
    )
    await publish(session, RUN_LOGS, run=run.id, seq=numbers[-1])
    return Appended(run.id, numbers[0], numbers[-1], len(new), truncated)


STORED_TEXTS = text(
    "SELECT text FROM run_log_lines WHERE run_id = :run AND line_number >= :first "
    "ORDER BY line_number LIMIT :n"
)


async def _already_stored(
    session: AsyncSession, run_id: uuid.UUID, start_line: int, overlap: list[LogLine]
) -> int:
    """How many of a batch's first lines the run holds already, as those very lines (a
    retry whose answer was lost). Numbered lines the run holds with other text (another
    writer appended meanwhile) are not this batch's: then none is skipped."""
    stored = (
        await session.scalars(STORED_TEXTS, {"run": run_id, "first": start_line, "n": len(overlap)})
    ).all()
    same = len(stored) == len(overlap) and all(
        held == clean(line.text)[0] for held, line in zip(stored, overlap, strict=True)
    )
    return len(overlap) if same else 0


@dataclass(frozen=True)
class LogRow:
    line_number: int
    stream: str
    text: str
    truncated: bool
    logged_at: datetime

    @property
    def seq(self) -> int:
        return self.line_number


LINES_AFTER = text(
    "SELECT line_number, stream, text, truncated, logged_at FROM run_log_lines "
    "WHERE run_id = :run AND line_number > :after ORDER BY line_number LIMIT :n"
)
LAST_LINE = text("SELECT last_line FROM run_log_states WHERE run_id = :run")


async def lines_after(
    session: AsyncSession, run_id: uuid.UUID, after: int, limit: int
) -> list[LogRow]:
    rows = await session.execute(LINES_AFTER, {"run": run_id, "after": after, "n": limit})
    return [LogRow(*row) for row in rows]


async def last_line(session: AsyncSession, run_id: uuid.UUID) -> int:
    found: Any = await session.scalar(LAST_LINE, {"run": run_id})
    return int(found or 0)
