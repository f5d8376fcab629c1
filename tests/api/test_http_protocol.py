"""GraphQL over HTTP as the spec (graphql-over-http) and real browsers want it: media types
and status codes, error codes, methods, caching, compression, CORS, persisted operations,
subscriptions over HTTP streams."""

from __future__ import annotations

import asyncio
import gzip
import hashlib
import json
import logging
from collections.abc import AsyncIterator

import brotli
import httpx
import orjson
import pytest
import websockets

from app.settings import Settings
from tests.conftest import TEST_LIMITS, TEST_SETTINGS, RunningServer, serve, server_process
from tests.helpers import create_run, log_points
from tests.support.subscriptions import points

GRAPHQL_RESPONSE = "application/graphql-response+json"


def post(
    http: httpx.AsyncClient, body: object, accept: str | None = GRAPHQL_RESPONSE, **headers: str
):  # type: ignore[no-untyped-def]
    sent = {"content-type": "application/json", **headers}
    if accept is not None:
        sent["accept"] = accept
    content = body if isinstance(body, bytes | str) else orjson.dumps(body)
    return http.post("/graphql", content=content, headers=sent)


def only_error(response: httpx.Response) -> dict:  # type: ignore[type-arg]
    body = response.json()
    assert len(body["errors"]) == 1, body
    return body["errors"][0]


async def test_graphql_response_json_is_honoured_with_its_status_codes(http):
    ok = await post(http, {"query": "{ __typename }"})
    assert ok.status_code == 200
    assert ok.headers["content-type"] == f"{GRAPHQL_RESPONSE}; charset=utf-8"
    assert ok.json() == {"data": {"__typename": "Query"}}

    cases = [
        ("{ __typename ", "GRAPHQL_PARSE_FAILED"),
        ("{ viewer {} }", "GRAPHQL_VALIDATION_FAILED"),
        ("{ nope }", "GRAPHQL_VALIDATION_FAILED"),
        ("query($s: String!) { organization(slug: $s) { id } }", None),  # $s never given
    ]
    for query, code in cases:
        failed = await post(http, {"query": query})
        assert failed.status_code == 400, (query, failed.text)
        assert failed.headers["content-type"].startswith(GRAPHQL_RESPONSE)
        assert "data" not in failed.json()  # the operation never ran
        error = only_error(failed)
        assert error["extensions"]["code"] == (code or "BAD_USER_INPUT"), error
        assert "max()" not in error["message"] and "Traceback" not in failed.text
        assert failed.headers["x-request-id"]


async def test_application_json_keeps_the_legacy_200s(http):
    for accept in ("application/json", None, "*/*"):
        failed = await post(http, {"query": "{ nope }"}, accept=accept)
        assert failed.status_code == 200, accept
        assert failed.headers["content-type"] == "application/json; charset=utf-8"
        assert failed.json()["data"] is None
        assert only_error(failed)["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    preferred = await post(
        http, {"query": "{ nope }"}, accept=f"{GRAPHQL_RESPONSE}, application/json;q=0.9"
    )
    assert preferred.status_code == 400
    json_first = await post(
        http, {"query": "{ nope }"}, accept=f"application/json, {GRAPHQL_RESPONSE};q=0.5"
    )
    assert json_first.status_code == 200


async def test_variables_that_do_not_coerce_are_bad_user_input(http):
    query = "query($slug: String!) { organization(slug: $slug) { id } }"
    for accept, status in ((GRAPHQL_RESPONSE, 400), ("application/json", 200)):
        failed = await post(http, {"query": query, "variables": {"slug": 5}}, accept=accept)
        assert failed.status_code == status
        assert only_error(failed)["extensions"]["code"] == "BAD_USER_INPUT"


async def test_limits_are_query_too_complex(http, tenant):
    level = "projects { nodes { organization { "
    too_deep = '{ organization(slug: "x") { ' + level * 6 + "id" + " }" * (3 * 6) + " } }"
    aliases = (
        "{ " + " ".join(f"a{i}: __typename" for i in range(TEST_LIMITS.max_aliases + 1)) + " }"
    )
    tokens = "{ " + " ".join("__typename" for _ in range(TEST_LIMITS.max_tokens)) + " }"
    nodes = """{ viewer { memberships(first: 100) { nodes { organization { projects(first: 100) {
        nodes { models(first: 100) { nodes { versions(first: 100) { totalCount } } } } } } } } } }"""
    for query in (too_deep, aliases, tokens, nodes):
        failed = await post(http, {"query": query}, authorization=f"Bearer {tenant.key}")
        assert failed.status_code == 400, failed.text
        assert only_error(failed)["extensions"]["code"] == "QUERY_TOO_COMPLEX", query[:40]


async def test_methods_operations_and_bodies(http, caplog):
    mutation = await http.get(
        "/graphql",
        params={"query": "mutation { __typename }"},
        headers={"accept": GRAPHQL_RESPONSE},
    )
    assert mutation.status_code == 405 and mutation.headers["allow"] == "POST"
    assert only_error(mutation)["extensions"]["code"] == "METHOD_NOT_ALLOWED"

    put = await http.put("/graphql", content=b"{}", headers={"content-type": "application/json"})
    assert put.status_code == 405 and put.json()["errors"][0]["extensions"]["code"]

    two = await post(http, {"query": "query A { __typename } query B { __typename }"})
    assert two.status_code == 400
    assert "operationName" in only_error(two)["message"]
    named = await post(
        http, {"query": "query A { __typename } query B { __typename }", "operationName": "B"}
    )
    assert named.json() == {"data": {"__typename": "Query"}}
    unknown = await post(http, {"query": "query A { __typename }", "operationName": "C"})
    assert unknown.status_code == 400 and "'C'" in only_error(unknown)["message"]

    with caplog.at_level(logging.ERROR):
        subscription = await post(
            http, {"query": 'subscription { runStatus(runId: "x") { status } }'}
        )
    assert subscription.status_code == 400
    assert "WebSocket" in only_error(subscription)["message"]
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]

    for body, content_type, status in (
        (b"{not json", "application/json", 400),
        (b"\xff\xfe{}", "application/json", 400),
        (b"[1]", "application/json", 400),
        (b"null", "application/json", 400),
        (b'{"query": 5}', "application/json", 400),
        (b'{"query": "{ __typename }"}', "text/plain", 415),
        (b"", "application/json", 400),
    ):
        response = await http.post("/graphql", content=body, headers={"content-type": content_type})
        assert response.status_code == status, (body, response.text)
        assert response.headers["content-type"].startswith("application/json")
        assert only_error(response)["extensions"]["code"] and response.headers["x-request-id"]
    still_fine = await post(http, {"query": "{ __typename }"})
    assert still_fine.status_code == 200


async def test_unauthenticated_is_401_json(http):
    response = await post(http, {"query": "{ __typename }"}, authorization="Bearer mlg_0_bad")
    assert response.status_code == 401
    assert response.headers["content-type"].startswith(GRAPHQL_RESPONSE)
    assert only_error(response)["extensions"]["code"] == "UNAUTHENTICATED"


async def test_get_answers_are_revalidated_with_etags(http, tenant):
    headers = {"authorization": f"Bearer {tenant.key}", "accept": "application/json"}
    params = {"query": "{ viewer { user { email } } }"}
    first = await http.get("/graphql", params=params, headers=headers)
    assert first.status_code == 200 and first.json()["data"]["viewer"]["user"]["email"]
    assert first.headers["cache-control"] == "private, no-cache"
    again = await http.get(
        "/graphql", params=params, headers={**headers, "if-none-match": first.headers["etag"]}
    )
    assert again.status_code == 304 and again.content == b""


async def test_big_responses_are_compressed(http, tenant):
    query = "{ __schema { types { name fields { name description } } } }"
    plain = await post(http, {"query": query}, **{"accept-encoding": "identity"})
    assert "content-encoding" not in plain.headers and len(plain.content) > 10_000
    for coding, decode in (("br", brotli.decompress), ("gzip", gzip.decompress)):
        request = http.build_request(
            "POST", "/graphql", content=orjson.dumps({"query": query}),
            headers={"content-type": "application/json", "accept-encoding": coding},
        )  # fmt: skip
        response = await http.send(request, stream=True)
        raw = b"".join([chunk async for chunk in response.aiter_raw()])
        assert response.headers["content-encoding"] == coding
        assert len(raw) < len(plain.content) / 4
        assert orjson.loads(decode(raw)) == plain.json()
    small = await post(http, {"query": "{ __typename }"}, **{"accept-encoding": "br, gzip"})
    assert "content-encoding" not in small.headers


async def test_static_assets_have_hashed_names_and_long_caching(http):
    page = await http.get("/graphql", headers={"accept": "text/html"})
    import re

    sources = re.findall(r'(?:src|href)="(/static/[^"]+)"', page.text)
    assert len(sources) == 4
    for src in sources:
        assert re.search(r"\.[0-9a-f]{16}\.", src), src
        asset = await http.get(src, headers={"accept-encoding": "br"})
        assert asset.headers["cache-control"] == "public, max-age=31536000, immutable"
        assert asset.headers["content-encoding"] == "br"
        revalidated = await http.get(src, headers={"if-none-match": asset.headers["etag"]})
        assert revalidated.status_code == 304
    plain = await http.get("/static/graphiql.min.js", headers={"accept-encoding": "identity"})
    assert plain.headers["cache-control"] == "no-cache" and len(plain.content) > 1_000_000
    missing = await http.get("/static/nope.js")
    assert missing.status_code == 404


@pytest.fixture(scope="module")
async def cors_server(database_url: str) -> AsyncIterator[RunningServer]:
    settings = Settings(
        database_url=database_url,
        cors_origins=("http://localhost:*", "https://app.example.com"),
        **TEST_SETTINGS,  # type: ignore[arg-type]
    )
    async with serve(settings) as running:
        yield running


async def test_cors_allows_configured_origins_on_http_and_websocket(cors_server, tenant):
    async with httpx.AsyncClient(base_url=cors_server.base_url) as http:
        preflight = await http.options(
            "/graphql",
            headers={
                "origin": "http://localhost:3000",
                "access-control-request-method": "POST",
                "access-control-request-headers": "authorization, content-type",
            },
        )
        assert preflight.status_code == 200
        assert preflight.headers["access-control-allow-origin"] == "http://localhost:3000"
        assert "authorization" in preflight.headers["access-control-allow-headers"].lower()
        refused = await http.options(
            "/graphql",
            headers={"origin": "http://evil.example", "access-control-request-method": "POST"},
        )
        assert "access-control-allow-origin" not in refused.headers
        response = await post(http, {"query": "{ __typename }"}, origin="https://app.example.com")
        assert response.headers["access-control-allow-origin"] == "https://app.example.com"
        assert "x-request-id" in response.headers["access-control-expose-headers"].lower()
        unauthorized = await post(
            http,
            {"query": "{ __typename }"},
            origin="http://localhost:5173",
            authorization="Bearer x",
        )
        assert unauthorized.status_code == 401  # readable by the page: CORS headers on errors too
        assert unauthorized.headers["access-control-allow-origin"] == "http://localhost:5173"
    ws_url = cors_server.base_url.replace("http://", "ws://") + "/graphql"
    init = json.dumps(
        {"type": "connection_init", "payload": {"Authorization": f"Bearer {tenant.key}"}}
    )
    async with websockets.connect(
        ws_url, subprotocols=["graphql-transport-ws"], origin="http://localhost:3000"
    ) as socket:
        await socket.send(init)
        assert json.loads(await socket.recv())["type"] == "connection_ack"
    with pytest.raises(websockets.InvalidStatus) as refused_ws:
        await websockets.connect(
            ws_url, subprotocols=["graphql-transport-ws"], origin="http://evil.example"
        )
    assert refused_ws.value.response.status_code == 403


async def test_by_default_only_the_same_origin_may_use_a_websocket(server, tenant):
    ws_url = server.base_url.replace("http://", "ws://") + "/graphql"
    with pytest.raises(websockets.InvalidStatus):
        await websockets.connect(
            ws_url, subprotocols=["graphql-transport-ws"], origin="http://localhost:3000"
        )
    same = server.base_url  # the page GraphiQL runs on
    async with websockets.connect(ws_url, subprotocols=["graphql-transport-ws"], origin=same):
        pass
    async with httpx.AsyncClient(base_url=server.base_url) as http:
        preflight = await http.options(
            "/graphql",
            headers={"origin": "http://localhost:3000", "access-control-request-method": "POST"},
        )
        assert "access-control-allow-origin" not in preflight.headers


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


async def test_automatic_persisted_queries(http, tenant):
    query = "query Me { viewer { user { email } } }  # apq " + tenant.org_slug
    persisted = {"persistedQuery": {"version": 1, "sha256Hash": sha256(query)}}
    auth = {"authorization": f"Bearer {tenant.key}"}
    miss = await post(http, {"extensions": persisted}, accept="application/json", **auth)
    assert only_error(miss)["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
    assert only_error(miss)["message"] == "PersistedQueryNotFound"  # what Apollo Client checks
    strict_miss = await post(http, {"extensions": persisted}, **auth)
    assert strict_miss.status_code == 400

    registered = await post(http, {"query": query, "extensions": persisted}, **auth)
    assert registered.json()["data"]["viewer"]["user"]["email"] == tenant.email
    by_hash = await http.get(
        "/graphql",
        params={"extensions": json.dumps(persisted)},
        headers={**auth, "accept": GRAPHQL_RESPONSE},
    )
    assert by_hash.status_code == 200 and by_hash.json() == registered.json()
    assert by_hash.headers["etag"]

    wrong = await post(http, {"query": "{ __typename }", "extensions": persisted}, **auth)
    assert wrong.status_code == 400 and "does not match" in only_error(wrong)["message"]
    bad_shape = await post(
        http, {"query": "{ __typename }", "extensions": {"persistedQuery": {"version": 2}}}
    )
    assert bad_shape.status_code == 400

    invalid = "{ nope } # " + tenant.org_slug
    invalid_ext = {"persistedQuery": {"version": 1, "sha256Hash": sha256(invalid)}}
    await post(http, {"query": invalid, "extensions": invalid_ext})
    not_kept = await post(http, {"extensions": invalid_ext})
    assert only_error(not_kept)["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"


async def test_trusted_documents_mode_runs_only_the_manifest(database_url, tenant, tmp_path):
    trusted = "query Me { viewer { user { email } } }"
    subscription = "subscription S($runId: ID!) { runStatus(runId: $runId) { status } }"
    manifest = tmp_path / "persisted-documents.json"
    manifest.write_text(json.dumps({sha256(trusted): trusted, "s1": subscription}))
    settings = Settings(database_url=database_url, trusted_documents=manifest, **TEST_SETTINGS)  # type: ignore[arg-type]
    auth = {"authorization": f"Bearer {tenant.key}"}
    async with serve(settings) as running, httpx.AsyncClient(base_url=running.base_url) as http:
        by_id = await post(http, {"documentId": sha256(trusted)}, **auth)
        assert by_id.json()["data"]["viewer"]["user"]["email"] == tenant.email
        by_apq = await post(
            http,
            {"extensions": {"persistedQuery": {"version": 1, "sha256Hash": sha256(trusted)}}},
            **auth,
        )
        assert by_apq.status_code == 200 and by_apq.json() == by_id.json()
        same_text = await post(http, {"query": trusted}, **auth)
        assert same_text.json() == by_id.json()
        other = await post(http, {"query": "{ __typename }"}, **auth)
        assert other.status_code == 400
        assert only_error(other)["extensions"]["code"] == "OPERATION_NOT_IN_PERSISTED_QUERY_LIST"
        unknown = await post(http, {"documentId": "nope"}, **auth)
        assert only_error(unknown)["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"

        ws_url = running.base_url.replace("http://", "ws://") + "/graphql"
        async with websockets.connect(ws_url, subprotocols=["graphql-transport-ws"]) as socket:
            await socket.send(
                json.dumps(
                    {
                        "type": "connection_init",
                        "payload": {"Authorization": f"Bearer {tenant.key}"},
                    }
                )
            )
            assert json.loads(await socket.recv())["type"] == "connection_ack"
            await socket.send(
                json.dumps({"id": "1", "type": "subscribe", "payload": {"query": "{ __typename }"}})
            )
            refused = json.loads(await socket.recv())
            assert refused["type"] == "error"
            assert (
                refused["payload"][0]["extensions"]["code"]
                == "OPERATION_NOT_IN_PERSISTED_QUERY_LIST"
            )


async def test_subscriptions_over_http_streams(http, tenant):
    ids = await create_run(tenant.client, tenant.org_id)
    await log_points(tenant.client, ids["run"], points("loss", range(5)))
    query = "subscription($runId: ID!) { runStatus(runId: $runId) { status } }"
    finish = (
        """mutation($input: RunFinishInput!) { runFinish(input: $input) { userErrors { code } } }"""
    )
    auth = {"authorization": f"Bearer {tenant.key}", "content-type": "application/json"}
    body = orjson.dumps({"query": query, "variables": {"runId": ids["run"]}})

    sse_events: list[str] = []
    async with http.stream(
        "POST", "/graphql", content=body, headers={**auth, "accept": "text/event-stream"}
    ) as stream:
        assert stream.headers["content-type"].startswith("text/event-stream")
        async for line in stream.aiter_lines():
            if line.startswith("data: ") and line != "data: ":
                sse_events.append(json.loads(line[6:])["data"]["runStatus"]["status"])
                if len(sse_events) == 1:
                    await tenant.client.mutate(finish, {"runId": ids["run"], "status": "COMPLETED"})
            if line == "event: complete":
                break
    assert sse_events == ["RUNNING", "COMPLETED"]

    multipart = await http.post(
        "/graphql",
        content=body,
        headers={**auth, "accept": "multipart/mixed;subscriptionSpec=1.0, application/json"},
    )
    assert multipart.headers["content-type"].startswith("multipart/mixed")
    assert '"status":"COMPLETED"' in multipart.text.replace(" ", "")


async def test_a_query_asking_only_for_a_multipart_subscription_stream_is_answered(http, tenant):
    """Accept: multipart/mixed;subscriptionSpec=1.0 alone, for a query or a mutation: the
    answer was an INTERNAL part (Strawberry's multipart transport streams subscriptions
    only); it is the operation's own JSON answer."""
    auth = {
        "authorization": f"Bearer {tenant.key}",
        "accept": "multipart/mixed;subscriptionSpec=1.0",
    }
    cases = (
        ("{ viewer { user { email } } }", {"data": {"viewer": {"user": {"email": tenant.email}}}}),
        ("mutation { __typename }", {"data": {"__typename": "Mutation"}}),
        # It names the word, yet is a query: the parsed operation decides.
        ("query subscription { __typename }", {"data": {"__typename": "Query"}}),
    )
    for query, expected in cases:
        response = await http.post("/graphql", json={"query": query}, headers=auth)
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith("application/json")
        assert response.json() == expected
    broken = await http.post("/graphql", json={"query": "subscription {"}, headers=auth)
    assert broken.json()["errors"][0]["extensions"]["code"] == "GRAPHQL_PARSE_FAILED"


URQL_ACCEPT = (  # what urql (and graphql-sse aware clients) send with every request
    "application/graphql-response+json, application/graphql+json, application/json, "
    "text/event-stream, multipart/mixed"
)


async def test_a_client_accepting_json_and_streams_gets_queries_as_json(http, tenant):
    auth = {"authorization": f"Bearer {tenant.key}", "accept": URQL_ACCEPT}
    query = {"query": "{ viewer { user { email } } }"}
    for response in (await http.post("/graphql", json=query, headers=auth),
                     await http.get("/graphql", params=query, headers=auth)):  # fmt: skip
        assert response.headers["content-type"].startswith("application/graphql-response+json")
        assert response.json() == {"data": {"viewer": {"user": {"email": tenant.email}}}}
    ids = await create_run(tenant.client, tenant.org_id)
    subscription = {"query": "subscription($id: ID!) { runStatus(runId: $id) { status } }",
                    "variables": {"id": ids["run"]}}  # fmt: skip
    async with http.stream("POST", "/graphql", json=subscription, headers=auth) as stream:
        assert stream.headers["content-type"].startswith("text/event-stream")


async def test_unknown_paths_and_methods_are_json_too(http):
    for response in (await http.get("/nope"), await http.post("/healthz")):
        assert response.status_code in (404, 405)
        assert response.headers["content-type"].startswith("application/json")
        assert only_error(response)["extensions"]["code"] in ("NOT_FOUND", "METHOD_NOT_ALLOWED")
        assert response.headers["x-request-id"]


async def test_nul_and_lone_surrogates_are_bad_user_input(http, tenant):
    auth = {"authorization": f"Bearer {tenant.key}"}
    create = "mutation($input: ProjectCreateInput!) { projectCreate(input: $input) { userErrors { code } } }"
    bad_names = ["a\x00b", "a\ud800b"]
    for name in bad_names:
        body = json.dumps(
            {
                "query": create,
                "variables": {
                    "input": {"organizationId": tenant.org_id, "slug": "nul", "name": name}
                },
            }
        )  # json.dumps keeps the lone surrogate as an escape, as a client would send it
        response = await post(http, body.encode(), **auth)
        assert response.status_code == 400
        assert only_error(response)["extensions"]["code"] == "BAD_USER_INPUT"
    literal = await post(http, {"query": '{ organization(slug: "a\\u0000") { id } }'}, **auth)
    assert only_error(literal)["extensions"]["code"] == "BAD_USER_INPUT"
    deep: object = "x"
    for _ in range(100):
        deep = [deep]
    nested = await post(http, {"query": "query($v: JSON) { __typename }", "variables": {"v": deep}})
    assert nested.status_code == 400


async def test_a_client_trickling_its_request_is_timed_out(database_url):
    """`mlgraph serve` (here with a 1 s read timeout): a head that never completes, a body
    that never completes, and a connection that never says anything are each answered 408
    (or closed) instead of being kept forever. Waits for the close, not for a duration."""
    async with server_process(database_url, MLGRAPH_READ_TIMEOUT_SECONDS="1") as running:
        port = int(running.base_url.rsplit(":", 1)[1])

        async def answer_to(first_bytes: bytes) -> bytes:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(first_bytes)
            await writer.drain()
            try:
                return await asyncio.wait_for(reader.read(), 30)  # until the server closes
            finally:
                writer.close()

        head = await answer_to(b"POST /graphql HTTP/1.1\r\nHost: x\r\nX-Slow: a")
        assert head.startswith(b"HTTP/1.1 408 ")
        body = await answer_to(
            b"POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b'Content-Length: 100\r\n\r\n{"query"'
        )
        assert body.startswith(b"HTTP/1.1 408 ")
        assert (await answer_to(b"")).startswith(b"HTTP/1.1 408 ")
        # A prompt client is unaffected.
        async with httpx.AsyncClient(base_url=running.base_url) as client:
            assert (
                await client.post("/graphql", json={"query": "{ __typename }"})
            ).status_code == 200


async def test_a_person_opening_the_server_or_forgetting_the_key_is_told_where_to_go(http):
    home = await http.get("/", follow_redirects=False)
    assert home.status_code == 307 and home.headers["location"] in ("/graphql", "/app/")
    assert (await http.get("/", follow_redirects=True)).status_code == 200
    answer = await http.post("/graphql", json={"query": '{ organization(slug: "acme") { id } }'})
    body = answer.json()
    assert body["data"] == {"organization": None}
    assert "no API key was sent" in body["extensions"]["hint"]
