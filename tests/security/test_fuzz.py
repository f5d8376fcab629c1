"""Property-based fuzzing of the live server with queries and mutations generated from its
own schema (hypothesis-graphql), valid and malformed: no 5xx, no INTERNAL_SERVER_ERROR, no
Python text in any error, and the process keeps answering /healthz."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC

import httpx
import pytest
from graphql import FloatValueNode, StringValueNode, parse_value
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st
from hypothesis_graphql import Mode, from_schema

from app.server.schema import build_schema
from tests.conftest import TEST_LIMITS
from tests.helpers import generated_documents

SCHEMA = build_schema(TEST_LIMITS).as_str()
PYTHON_TEXT = re.compile(
    r"Traceback|File \"|NoneType|object has no attribute|unexpected keyword|"
    r"invalid literal for int|asyncpg|sqlalchemy|psycopg|\bKeyError\b|\bValueError\b|"
    r"\bTypeError\b|codec can't|surrogates not allowed|out of range for|"
    r"max\(\) arg",
    re.IGNORECASE,
)
CUSTOM_SCALARS = {
    "DateTime": st.datetimes(timezones=st.just(UTC)).map(
        lambda d: StringValueNode(value=d.isoformat())
    ),
    "JSON": st.sampled_from(["{a: 1}", "[1, 2]", '"x"', "null", "{a: {b: [1e300]}}"]).map(
        parse_value
    ),
    "Vector": st.lists(st.floats(-1e6, 1e6), min_size=1, max_size=4).map(
        lambda values: parse_value(str(values))
    ),
    # A number, or one of the strings for NaN and ±Infinity (and some that are not).
    "MetricValue": st.one_of(
        st.floats(allow_nan=False, allow_infinity=False).map(
            lambda v: FloatValueNode(value=repr(v))
        ),
        st.sampled_from(["NaN", "Infinity", "-Infinity", "nan", ""]).map(
            lambda s: StringValueNode(value=s)
        ),
    ),
}


def check(response: httpx.Response, document: str) -> None:
    assert response.status_code < 500, (document, response.text[:500])
    body = response.json()
    for error in body.get("errors") or []:
        assert error.get("extensions", {}).get("code") != "INTERNAL_SERVER_ERROR", (document, error)
        assert not PYTHON_TEXT.search(error["message"]), (document, error)
    for payload in (body.get("data") or {}).values():
        for user_error in (
            (payload or {}).get("userErrors", []) if isinstance(payload, dict) else []
        ):
            assert not PYTHON_TEXT.search(str(user_error.get("message", ""))), (
                document,
                user_error,
            )


# The fuzz runs as this many tests, so pytest-xdist spreads it over its workers.
FUZZ_SHARDS = 3


def fuzz(base_url: str, key: str, shard: int) -> None:
    client = httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {key}"}, timeout=30)
    documents = st.one_of(
        from_schema(SCHEMA, custom_scalars=CUSTOM_SCALARS, allow_x00=True),
        from_schema(SCHEMA, custom_scalars=CUSTOM_SCALARS, mode=Mode.NEGATIVE),
    )

    @seed(shard)  # the same documents every run: a failure reproduces
    @settings(
        max_examples=generated_documents(750, FUZZ_SHARDS),
        deadline=None,
        suppress_health_check=list(HealthCheck),
        database=None,
    )
    @given(document=documents)
    def one(document: str) -> None:
        check(client.post("/graphql", json={"query": document}), document)

    @seed(shard)
    @settings(max_examples=300 // FUZZ_SHARDS, deadline=None, database=None)
    @given(body=st.one_of(st.binary(max_size=300), st.text(max_size=300).map(str.encode)))
    def malformed(body: bytes) -> None:
        response = client.post(
            "/graphql", content=body, headers={"content-type": "application/json"}
        )
        assert response.status_code < 500 and response.json()["errors"][0]["extensions"]["code"]

    try:
        one()
        malformed()
        assert client.get("/healthz").status_code == 200
    finally:
        client.close()


@pytest.mark.parametrize("shard", range(FUZZ_SHARDS))
async def test_fuzzed_documents_never_break_the_server(server, tenant, shard):
    await asyncio.to_thread(fuzz, server.base_url, tenant.key, shard)
