"""Rate limits hold across server processes: failed authentication per client address
and per key prefix, requests per key; 429 with Retry-After."""

from __future__ import annotations

import asyncio

import httpx

from app.settings import Settings
from tests.conftest import TEST_SETTINGS, serve, server_process
from tests.support.databases import fresh_database

LIMITS = {
    "rate_auth_failures_per_address": 5,
    "rate_auth_failures_per_prefix": 3,
    "rate_requests_per_key": 20,
}
ENV = {
    "MLGRAPH_RATE_AUTH_FAILURES_PER_ADDRESS": "5",
    "MLGRAPH_RATE_AUTH_FAILURES_PER_PREFIX": "3",
    "MLGRAPH_RATE_REQUESTS_PER_KEY": "20",
}
QUERY = {"query": "{ __typename }"}


def bearer(key: str) -> dict[str, str]:
    return {"authorization": f"Bearer {key}"}


async def test_failed_logins_are_limited_across_processes(pg_server_url):
    url, key = await fresh_database(pg_server_url, "ratelimit_auth")
    settings = Settings(database_url=url, **{**TEST_SETTINGS, **LIMITS})  # type: ignore[arg-type]
    async with serve(settings) as one, server_process(url, **ENV) as two:
        async with (
            httpx.AsyncClient(base_url=one.base_url) as a,
            httpx.AsyncClient(base_url=two.base_url) as b,
        ):
            statuses = [
                (await a.post("/graphql", json=QUERY, headers=bearer(f"mlg_{i:08d}_x"))).status_code
                for i in range(5)
            ]
            assert statuses == [401] * 5
            refused = await a.post("/graphql", json=QUERY, headers=bearer("mlg_00000009_x"))
            assert refused.status_code == 429 and int(refused.headers["retry-after"]) > 0
            assert refused.json()["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
            # A valid key from the same address (another client behind one NAT) still works.
            assert (await a.post("/graphql", json=QUERY, headers=bearer(key))).status_code == 200
            # The other process heard of the block: a bad key from this address waits there
            # too, and a good one works.
            for _ in range(100):
                elsewhere = await b.post("/graphql", json=QUERY, headers=bearer("mlg_0000000a_x"))
                if elsewhere.status_code == 429:
                    break
                await asyncio.sleep(0.05)
            assert elsewhere.status_code == 429 and elsewhere.headers["retry-after"]
            assert (await b.post("/graphql", json=QUERY, headers=bearer(key))).status_code == 200


async def test_guessing_one_key_prefix_is_limited(pg_server_url):
    url, key = await fresh_database(pg_server_url, "ratelimit_prefix")
    limits = {**LIMITS, "rate_auth_failures_per_address": 0}  # only the prefix counts here
    settings = Settings(database_url=url, **{**TEST_SETTINGS, **limits})  # type: ignore[arg-type]
    prefix = "_".join(key.split("_")[:2])
    async with serve(settings) as running, httpx.AsyncClient(base_url=running.base_url) as http:
        statuses = [
            (
                await http.post("/graphql", json=QUERY, headers=bearer(f"{prefix}_guess{i}"))
            ).status_code
            for i in range(4)
        ]
        assert statuses == [401, 401, 401, 429]
        other = await http.post("/graphql", json=QUERY, headers=bearer("mlg_00000000_other"))
        assert other.status_code == 401  # another prefix is not blocked


async def test_requests_per_key_are_limited(pg_server_url):
    url, key = await fresh_database(pg_server_url, "ratelimit_requests")
    settings = Settings(database_url=url, **{**TEST_SETTINGS, **LIMITS})  # type: ignore[arg-type]
    async with serve(settings) as running, httpx.AsyncClient(base_url=running.base_url) as http:
        statuses = []
        for _ in range(400):  # counts reach the database once a second
            response = await http.post("/graphql", json=QUERY, headers=bearer(key))
            statuses.append(response.status_code)
            if response.status_code == 429:
                break
            await asyncio.sleep(0.01)
        assert statuses[-1] == 429 and statuses.count(200) >= 20
        assert int(response.headers["retry-after"]) > 0
