"""The logs context's mutation: appending a run's console lines."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, NewType

import strawberry
from strawberry.types import Info

from app.api.errors import ClientError, UserError, run_mutation
from app.api.experiments.types import Run
from app.api.ids import input_id
from app.api.ingest_counts import ingested
from app.api.lists import load_row
from app.api.logs.enums import LogStream
from app.api.scalars import SCALAR_MAP
from app.domain.experiments.models import Run as RunRow
from app.domain.logs import services
from app.domain.logs.services import MAX_BATCH_LINES, LogLine


@strawberry.input(description="One line a run printed.")
class RunLogLineInput:
    text: str = strawberry.field(description="Without its newline; longer than 8,192: cut.")
    stream: LogStream = LogStream.STDOUT
    logged_at: datetime | None = strawberry.field(
        default=None, description="When the run printed it (default: when it is stored)."
    )


COLUMN_KEYS = {"texts", "stream", "streams", "timestamps"}


def parse_log_columns(value: Any) -> list[LogLine]:
    """``{"texts": [...], "streams": [...] or "stream": "STDERR", "timestamps": [...]}``:
    checked as whole columns, never as GraphQL input objects one by one."""
    if not isinstance(value, dict) or not set(value) <= {
        "texts",
        "stream",
        "streams",
        "timestamps",
    }:
        raise ValueError('LogColumns is {"texts": [...], "stream" or "streams", "timestamps"}')
    texts = value.get("texts")
    if not isinstance(texts, list) or not all(isinstance(t, str) for t in texts):
        raise ValueError("LogColumns.texts is a list of strings")
    if len(texts) > MAX_BATCH_LINES:
        raise ValueError(f"LogColumns.texts takes at most {MAX_BATCH_LINES} lines")
    streams_given = value.get("streams")
    if streams_given is None:
        stream = value.get("stream", "STDOUT")
        if stream not in LogStream.__members__:
            raise ValueError("LogColumns.stream is STDOUT or STDERR")
        streams = [LogStream.__members__[stream]] * len(texts)
    else:
        if not isinstance(streams_given, list) or len(streams_given) != len(texts):
            raise ValueError("LogColumns.streams has one of STDOUT, STDERR per text")
        if not set(streams_given) <= set(LogStream.__members__):
            raise ValueError("LogColumns.streams holds STDOUT or STDERR only")
        streams = [LogStream.__members__[name] for name in streams_given]
    stamps = value.get("timestamps")
    if stamps is None:
        times: list[datetime | None] = [None] * len(texts)
    else:
        if not isinstance(stamps, list) or len(stamps) != len(texts):
            raise ValueError("LogColumns.timestamps has one epoch millisecond per text")
        try:
            times = [datetime.fromtimestamp(float(ms) / 1000, UTC) for ms in stamps]
        except (TypeError, ValueError, OverflowError, OSError):
            raise ValueError("LogColumns.timestamps are epoch milliseconds") from None
    return [LogLine(s, t, at) for s, t, at in zip(streams, texts, times, strict=True)]


LogColumns = NewType("LogColumns", list)
# The context's scalar, in the schema's scalar map (app/api/scalars.py).
SCALAR_MAP[LogColumns] = strawberry.scalar(
    name="LogColumns",
    description="A batch of lines as columns, the fast form for loggers: "
    '{"texts": ["epoch 1", "..."], "stream": "STDOUT" (one for all) or "streams": '
    '["STDOUT", "STDERR", ...], "timestamps": [epoch ms, ...] (optional)}.',
    serialize=list,
    parse_value=parse_log_columns,
)


@strawberry.input(
    description="Lines a run printed, in order (at most 5,000 a call): as `lines` objects, "
    "or as `columns` (faster)."
)
class RunLogsAppendInput:
    run_id: strawberry.ID
    lines: list[RunLogLineInput] | None = None
    columns: LogColumns | None = None
    start_line: int | None = strawberry.field(
        default=None,
        description="The number of the first line, for a writer that numbers its own (1 for "
        "its first line): a retried batch then stores nothing twice. Without it, the lines "
        "follow whatever the run holds.",
    )


@strawberry.type
class RunLogsAppendPayload:
    first_line: int = strawberry.field(description="The number of the first new line (0: none).")
    last_line: int = strawberry.field(description="The number of the last new line (0: none).")
    new_count: int = strawberry.field(description="Lines stored by this call.")
    truncated_count: int = strawberry.field(description="Of those, lines cut to 8,192 characters.")
    user_errors: list[UserError]
    run_id: strawberry.Private[uuid.UUID | None] = None

    @strawberry.field(description="The run (read only if asked for).")
    async def run(self, info: Info) -> Run | None:
        row = await load_row(info, RunRow, self.run_id)
        return Run.from_row(row) if row is not None else None


@strawberry.type
class LogMutations:
    @strawberry.mutation(
        description="Append lines to a run's console log (numbered in commit order; the "
        "runLogs subscription follows them). A run takes at most 60,000 lines a minute "
        "(MLGRAPH_LOG_LINES_PER_MINUTE)."
    )
    async def run_logs_append(self, info: Info, input: RunLogsAppendInput) -> RunLogsAppendPayload:
        if input.lines is not None and input.columns is not None:
            raise ClientError("give either lines or columns")
        lines = (
            input.columns
            if input.columns is not None
            else [LogLine(line.stream, line.text, line.logged_at) for line in input.lines or ()]
        )
        result, errors = await run_mutation(
            info,
            lambda session, actor: services.run_logs_append(
                session,
                actor,
                run_id=input_id(input, "run_id", "Run"),
                lines=lines,
                start_line=input.start_line,
                lines_per_minute=info.context.limits.log_lines_per_minute,
            ),
            ingest=True,
        )
        if result is None:
            return RunLogsAppendPayload(
                first_line=0, last_line=0, new_count=0, truncated_count=0, user_errors=errors
            )
        ingested("run_logs", result.new_count)
        return RunLogsAppendPayload(
            first_line=result.first_line,
            last_line=result.last_line,
            new_count=result.new_count,
            truncated_count=result.truncated_count,
            user_errors=errors,
            run_id=result.run_id,
        )
