"""The README's quick start, literally: `make run` prints the GraphiQL URL and a
development API key, and that key reads the demo organization."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket

import httpx

from app.settings import REPO_ROOT
from tests.conftest import create_database


async def test_make_run_prints_a_development_key_that_reads_the_demo(pg_server_url, tmp_path):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    # A database of its own on the test server (the embedded one's start is tested apart).
    url = await create_database(pg_server_url, f"mlgraph_quick_start_{os.getpid()}")
    env = {**os.environ, "DATABASE_URL": url, "MLGRAPH_PORT": str(port),
           "MLGRAPH_DATA_DIR": str(tmp_path), "MLGRAPH_LOG_LEVEL": "warning"}  # fmt: skip
    process = await asyncio.create_subprocess_exec(
        "make", "--no-print-directory", "run", cwd=REPO_ROOT, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
        start_new_session=True,  # Ctrl-C reaches make and the server alike
    )  # fmt: skip
    assert process.stdout is not None
    lines: list[str] = []
    try:
        while not any(line.startswith("mlgraph: GraphiQL headers:") for line in lines):
            line = await asyncio.wait_for(process.stdout.readline(), 120)
            assert line, f"make run ended before printing a key: {lines}"
            lines.append(line.decode().rstrip())
        assert f"mlgraph: GraphiQL at http://127.0.0.1:{port}/graphql" in lines
        printed = next(line for line in lines if line.startswith("mlgraph: development API key"))
        key = printed.rsplit(": ", 1)[1]
        assert key.startswith("mlg_")
        assert (tmp_path / "dev-api-key").read_text().strip() == key
        async with (
            httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client,
            asyncio.timeout(120),
        ):
            while True:
                with contextlib.suppress(httpx.TransportError):
                    if (await client.get("/readyz")).status_code == 200:
                        break
                assert process.returncode is None, lines
                await asyncio.sleep(0.1)
            answer = await client.post(
                "/graphql",
                json={"query": '{ organization(slug: "acme") { name } }'},
                headers={"Authorization": f"Bearer {key}"},
            )
        assert answer.json()["data"]["organization"] is not None, answer.text
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGINT)
        await asyncio.wait_for(process.wait(), 60)
