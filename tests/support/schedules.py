"""Scheduler passes as operators run them: `mlgraph schedules-fire --now` processes with the
clock paused at one instant (shared by the pipeline and workflow schedule tests)."""

from __future__ import annotations

import asyncio
import os
import sys
from datetime import datetime


async def fire(database_url: str, now: datetime, processes: int = 1) -> list[str]:
    """``processes`` schedulers at once, the clock paused at ``now``: what each printed."""
    env = {**os.environ, "DATABASE_URL": database_url}

    async def one() -> str:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "app.cli", "schedules-fire", "--now", now.isoformat(),
            env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        out, err = await process.communicate()
        assert process.returncode == 0, err.decode()[-2000:]
        return out.decode()

    return list(await asyncio.gather(*(one() for _ in range(processes))))


def started(outputs: list[str]) -> int:
    return sum(int(out.split("started ")[1].split(" ")[0]) for out in outputs)
