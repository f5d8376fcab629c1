"""The logs context's mutation: appending a run's console lines."""

from __future__ import annotations

import uuid
from datetime import datetime

import strawberry
from strawberry.types import Info

from app.api.errors import UserError, run_mutation
from app.api.experiments.types import Run
from app.api.ids import input_id
from app.api.ingest_counts import ingested
from app.api.lists import load_row
from app.api.logs.enums import LogStream
from app.domain.experiments.models import Run as RunRow
from app.domain.logs import services
from app.domain.logs.services import LogLine


@strawberry.input(description="One line a run printed.")
class RunLogLineInput:
    text: str = strawberry.field(description="Without its newline; longer than 8,192: cut.")
    stream: LogStream = LogStream.STDOUT
    logged_at: datetime | None = strawberry.field(
        default=None, description="When the run printed it (default: when it is stored)."
    )


@strawberry.input(description="Lines a run printed, in order (at most 5,000 a call).")
class RunLogsAppendInput:
    run_id: strawberry.ID
    lines: list[RunLogLineInput]
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
        "runLogs subscription follows them). A run takes at most 60,000 lines a minute."
    )
    async def run_logs_append(self, info: Info, input: RunLogsAppendInput) -> RunLogsAppendPayload:
        result, errors = await run_mutation(
            info,
            lambda session, actor: services.run_logs_append(
                session,
                actor,
                run_id=input_id(input, "run_id", "Run"),
                lines=[LogLine(line.stream, line.text, line.logged_at) for line in input.lines],
                start_line=input.start_line,
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
