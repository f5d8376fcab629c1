"""Documents built to make validation or execution explode are refused or answered at the
cost of their size; the caches they pass through stay bounded."""

from __future__ import annotations

import asyncio

import httpx

from app.server.document_cache import ValidatedDocuments
from app.server.schema import build_schema
from tests.conftest import TEST_LIMITS


def fragment_bomb(levels: int) -> str:
    """Each fragment spreads the previous one twice: 2**levels copies if expanded."""
    fragments = ["fragment F0 on User { email }"]
    fragments += [f"fragment F{i} on User {{ ...F{i - 1} ...F{i - 1} }}" for i in range(1, levels)]
    return f"{{ viewer {{ user {{ ...F{levels - 1} }} }} }}\n" + "\n".join(fragments)


async def test_a_fragment_bomb_is_answered_at_the_cost_of_its_size(http, tenant):
    """40 levels (~1.5 KB) used to hang the process for good."""
    response = await http.post(
        "/graphql",
        json={"query": fragment_bomb(40)},
        headers={"authorization": f"Bearer {tenant.key}"},
        timeout=httpx.Timeout(20),
    )
    assert response.json() == {"data": {"viewer": {"user": {"email": tenant.email}}}}
    assert (await http.get("/healthz")).status_code == 200


async def test_wide_selection_sets_never_reach_the_quadratic_rules():
    """500 same-name fields with different arguments (under the default token limit) cost
    seconds in graphql-core's overlap check; the shape check refuses them first."""
    schema = build_schema()  # default limits
    same_name = "{ " + " ".join(f'__type(name: "T{i}") {{ name }}' for i in range(500)) + " }"
    result = await schema.execute(same_name)
    assert [e.extensions["code"] for e in result.errors] == ["QUERY_TOO_COMPLEX"]
    assert "selects 500 fields" in result.errors[0].message


async def test_huge_documents_are_refused(http):
    huge = "{ __typename }" + " " * TEST_LIMITS.max_document_bytes
    response = await http.post("/graphql", json={"query": huge})
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "QUERY_TOO_COMPLEX"


def test_the_document_cache_is_bounded_in_bytes():
    cache = ValidatedDocuments(max_bytes=1000)
    for i in range(50):
        cache.put(f"{{ a{i} }}" + " " * 20, object())  # type: ignore[arg-type]
    assert cache.bytes <= 1000 and 0 < len(cache) < 50
    cache.put("x" * 1000, object())  # type: ignore[arg-type]  # bigger than the whole cache
    assert all(len(text) < 1000 for text in cache.keys())


async def test_only_documents_that_validated_are_cached_and_introspection_is_reused():
    schema = build_schema()
    documents = schema.documents  # type: ignore[attr-defined]
    await schema.execute("{ nope }")
    await schema.execute("{ __typename ")
    assert len(documents) == 0
    introspection = "{ __schema { queryType { name } } }"
    first = await schema.execute(introspection)
    second = await schema.execute(introspection)
    assert first.data == second.data == {"__schema": {"queryType": {"name": "Query"}}}
    assert len(documents) == 1 and len(documents.introspection) == 1


async def test_concurrent_introspection_does_not_starve_other_clients(http):
    from graphql import get_introspection_query

    query = get_introspection_query()
    responses = await asyncio.gather(
        *(http.post("/graphql", json={"query": query}) for _ in range(20))
    )
    assert all(r.status_code == 200 and "__schema" in r.json()["data"] for r in responses)


async def test_variables_are_checked_where_the_http_layer_did_not():
    """WebSocket (and GET) variables reach the schema unchecked: input safety walks them."""
    schema = build_schema()
    query = "query($s: String!) { organization(slug: $s) { id } }"
    result = await schema.execute(query, variable_values={"s": "a\x00b"})
    assert [e.extensions["code"] for e in result.errors] == ["BAD_USER_INPUT"]
    assert "NUL" in result.errors[0].message
