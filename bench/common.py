"""Benchmark plumbing: a throwaway database, a counted server process, a closed-loop load."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
import platform
import shutil
import signal
import socket
import statistics
import sys
import tempfile
import time
import warnings
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import psutil

REPO = Path(__file__).resolve().parent.parent


@contextlib.contextmanager
def database() -> Iterator[str]:
    """DATABASE_URL if set, else an embedded PostgreSQL in a temporary folder."""
    if os.environ.get("DATABASE_URL"):
        yield os.environ["DATABASE_URL"]
        return
    warnings.filterwarnings("ignore", module="platformdirs")
    from app.db.embedded import start_embedded

    folder = Path(tempfile.mkdtemp(prefix="mlgraph-bench-"))
    embedded = start_embedded(folder)
    try:
        yield embedded.url
    finally:
        embedded.stop()
        shutil.rmtree(folder, ignore_errors=True)  # a run's database: hundreds of MB


async def admin_key(url: str) -> str:
    """Migrate the database, then an admin key of organization ``bench`` (made if missing)."""
    from app.db.engine import make_engine, make_session_factory
    from app.db.migrate import upgrade
    from app.domain.tenancy.services import bootstrap_admin

    upgrade(url)
    engine = make_engine(url, pool_size=1, max_overflow=0)
    try:
        async with make_session_factory(engine)() as session, session.begin():
            made = await bootstrap_admin(session, email="bench@example.com", org_slug="bench")
            return made.secret
    finally:
        await engine.dispose()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class ServerRun:
    base_url: str
    pid: int  # the server process (for its memory)

    def cpu_seconds(self) -> float:
        """User + system CPU the server process has used so far."""
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def peak_rss_mb(self) -> float:
        """The server's resident memory high-water mark (VmHWM)."""
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
        return 0.0

    async def statements(self) -> int:
        """SQL statements the server has sent so far."""
        async with httpx.AsyncClient(base_url=self.base_url) as client:
            return int((await client.get("/bench/statements")).json()["statements"])


async def until_up(
    probe: Callable[[httpx.AsyncClient], Awaitable[httpx.Response]],
    failure: str,
    *,
    tries: int = 600,
    pause: float = 0.1,
) -> None:
    """Until a server just started answers ``probe`` with 200 (refused connections while it
    starts are expected); RuntimeError(``failure``) after ``tries``."""
    async with httpx.AsyncClient() as client:
        for _ in range(tries):
            with contextlib.suppress(httpx.HTTPError):
                if (await probe(client)).status_code == 200:
                    return
            await asyncio.sleep(pause)
    raise RuntimeError(failure)


@contextlib.asynccontextmanager
async def counted_server(
    database_url: str, extra_env: dict[str, str] | None = None
) -> AsyncIterator[ServerRun]:
    """Start bench/counted_server.py in its own process; stop it on exit."""
    port = free_port()
    env = {**os.environ, "DATABASE_URL": database_url, "PYTHONPATH": str(REPO), **(extra_env or {})}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bench.counted_server", str(port), cwd=REPO, env=env
    )
    run = ServerRun(base_url=f"http://127.0.0.1:{port}", pid=process.pid)
    try:
        await until_up(
            lambda client: client.get(f"{run.base_url}/readyz"),
            "server did not become ready",
            tries=200,
            pause=0.05,
        )
        yield run
    finally:
        process.send_signal(signal.SIGTERM)
        await asyncio.wait_for(process.wait(), timeout=30)


@dataclass
class LoadResult:
    requests: int
    errors: int
    seconds: float
    latencies_ms: list[float]

    @property
    def rps(self) -> float:
        return self.requests / self.seconds

    def percentile(self, q: float) -> float:
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(q / 100 * len(ordered)))] if ordered else 0.0

    @property
    def p50(self) -> float:
        return statistics.median(self.latencies_ms) if self.latencies_ms else 0.0


async def closed_loop(
    base_url: str,
    body: dict[str, Any],
    headers: dict[str, str],
    *,
    concurrency: int,
    seconds: float,
    callers: Sequence[tuple[dict[str, Any], dict[str, str]]] = (),
) -> LoadResult:
    """``concurrency`` clients, each sending the next request when the last one answers;
    with ``callers`` (other keys' bodies and headers), consecutive requests take turns
    among them and the first (many tenants' dashboards on one server)."""
    latencies: list[float] = []
    errors = 0
    deadline = time.perf_counter() + seconds
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=60) as client:
        turns = itertools.cycle([(body, headers), *callers])

        async def worker() -> None:
            nonlocal errors
            while time.perf_counter() < deadline:
                started = time.perf_counter()
                turn_body, turn_headers = next(turns)
                response = await client.post("/graphql", json=turn_body, headers=turn_headers)
                latencies.append((time.perf_counter() - started) * 1000)
                if response.status_code != 200 or response.json().get("errors"):
                    errors += 1

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    return LoadResult(len(latencies), errors, elapsed, latencies)


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return f"{os.cpu_count()} cores, {cpu}, Python {platform.python_version()}, {platform.system()}"


async def postmaster_pid(url: str) -> int:
    """PostgreSQL's main process: the parent of any backend."""
    from sqlalchemy import text

    from app.db.engine import make_engine

    engine = make_engine(url, pool_size=1, max_overflow=0)
    try:
        async with engine.connect() as conn:
            backend = int(await conn.scalar(text("SELECT pg_backend_pid()")))
            return psutil.Process(backend).ppid()
    finally:
        await engine.dispose()


class Cpu:
    """CPU seconds used so far by the server process and by PostgreSQL (postmaster, its
    live children and the children it has reaped)."""

    def __init__(self, server_pids: list[int], postmaster_pid: int) -> None:
        self.servers = [psutil.Process(pid) for pid in server_pids]
        self.postgres = psutil.Process(postmaster_pid)

    def seconds(self) -> tuple[float, float]:
        server = sum(t.user + t.system for t in (p.cpu_times() for p in self.servers))
        p = self.postgres.cpu_times()
        postgres = p.user + p.system + p.children_user + p.children_system
        for child in self.postgres.children(recursive=True):
            with contextlib.suppress(psutil.Error):
                c = child.cpu_times()
                postgres += c.user + c.system
        return server, postgres
