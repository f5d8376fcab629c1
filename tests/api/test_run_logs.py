"""A run's console log: appended in batches, numbered in commit order, read by range, stream
and bounded search on both read paths, and followed live by a subscription that resumes
from its cursor with no gap and no duplicate — across a server restart too."""

from __future__ import annotations

import asyncio

from app.domain.logs.services import MAX_LINE_CHARS, MAX_LINES_PER_MINUTE, clean
from tests.conftest import server_process
from tests.helpers import assert_ok, create_run
from tests.support.logs import APPEND, LOGS, TAIL, append, texts
from tests.support.real_clients import TRANSPORT_WS, doc, ws_client


async def test_lines_are_numbered_and_read_by_range_stream_and_search(tenant):  # type: ignore[no-untyped-def]
    run = (await create_run(tenant.client, tenant.org_id))["run"]
    first = await append(tenant.client, run, ["epoch 1", "loss=0.5 100%", "WARN: slow"])
    assert (first["firstLine"], first["lastLine"], first["newCount"]) == (1, 3, 3)
    second = await append(
        tenant.client, run, ["Traceback (most recent call last):", "epoch_2"], stream="STDERR"
    )
    assert (second["firstLine"], second["lastLine"]) == (4, 5)
    for reader in (tenant.client, tenant.client.on_resolvers()):

        async def read(**arguments: object) -> list[str]:
            return texts(await reader.data(LOGS, {"id": run, **arguments}))  # noqa: B023

        assert await read() == [
            "epoch 1",
            "loss=0.5 100%",
            "WARN: slow",
            "Traceback (most recent call last):",
            "epoch_2",
        ]
        assert await read(fromLine=2, toLine=3) == ["loss=0.5 100%", "WARN: slow"]
        assert await read(stream=["STDERR"]) == ["Traceback (most recent call last):", "epoch_2"]
        assert await read(contains="EPOCH") == ["epoch 1", "epoch_2"]  # case-insensitive
        assert await read(contains="%") == ["loss=0.5 100%"]  # literal, not a wildcard
        assert await read(contains="h_") == ["epoch_2"]
        assert await read(orderBy="LINE_DESC", first=2) == [
            "epoch_2",
            "Traceback (most recent call last):",
        ]
        page = await reader.data(LOGS, {"id": run, "first": 2})
        after = page["node"]["logs"]["pageInfo"]["endCursor"]
        assert await read(first=2, after=after) == [
            "WARN: slow",
            "Traceback (most recent call last):",
        ]
        total = (await reader.data(LOGS, {"id": run}))["node"]["logs"]["totalCount"]
        assert total == 5
        # A search scans a bounded range: asking for more is refused, clearly.
        refused = await reader.execute(
            LOGS, {"id": run, "contains": "x", "fromLine": 1, "toLine": 200_000}
        )
        assert "at most 100000 lines" in refused["errors"][0]["message"]


async def test_long_lines_are_cut_and_unstorable_characters_replaced(tenant):  # type: ignore[no-untyped-def]
    run = (await create_run(tenant.client, tenant.org_id))["run"]
    long_line = "x" * (MAX_LINE_CHARS + 10)
    result = await append(tenant.client, run, [long_line, "é 漢字 🚀", ""])
    assert result["truncatedCount"] == 1
    data = await tenant.client.data(LOGS.replace("text", "text truncated"), {"id": run})
    lines = data["node"]["logs"]["nodes"]
    assert [len(line["text"]) for line in lines] == [MAX_LINE_CHARS, 6, 0]
    assert [line["truncated"] for line in lines] == [True, False, False]
    # NUL is refused at the door, clearly (as in every string input); the service would
    # store U+FFFD, and so for a surrogate JSON can carry but UTF-8 cannot.
    refused = await tenant.client.execute(
        APPEND, {"input": {"runId": run, "lines": [{"text": "nul\x00here"}]}}
    )
    assert "NUL" in refused["errors"][0]["message"]
    assert clean("nul\x00here") == ("nul\ufffdhere", False)
    assert clean("lone \ud800 surrogate") == ("lone ? surrogate", False)


async def test_a_retried_batch_stores_nothing_twice(tenant):  # type: ignore[no-untyped-def]
    run = (await create_run(tenant.client, tenant.org_id))["run"]
    batch = ["a", "b", "c"]
    assert (await append(tenant.client, run, batch, startLine=1))["newCount"] == 3
    again = await append(tenant.client, run, batch, startLine=1)  # the answer was lost
    assert (again["newCount"], again["firstLine"]) == (0, 0)
    overlapping = await append(tenant.client, run, ["c", "d"], startLine=3)
    assert (overlapping["newCount"], overlapping["firstLine"]) == (1, 4)
    # Another writer appends meanwhile: numbers this writer thought its own hold other
    # lines, so its batch is not taken for a retry.
    await append(tenant.client, run, ["from elsewhere"])
    mine = await append(tenant.client, run, ["e"], startLine=5)
    assert (mine["newCount"], mine["firstLine"]) == (1, 6)
    assert texts(await tenant.client.data(LOGS, {"id": run})) == [
        "a", "b", "c", "d", "from elsewhere", "e",
    ]  # fmt: skip


async def test_a_run_takes_a_bounded_number_of_lines_a_minute(tenant):  # type: ignore[no-untyped-def]
    run = (await create_run(tenant.client, tenant.org_id))["run"]
    lines = ["." for _ in range(5_000)]
    for _ in range(MAX_LINES_PER_MINUTE // 5_000):
        assert (await append(tenant.client, run, lines))["newCount"] == 5_000
    refused = await tenant.client.mutate(APPEND, {"runId": run, "lines": [{"text": "one more"}]})
    error = refused["userErrors"][0]
    assert error["code"] == "QUOTA_EXCEEDED" and "a minute" in error["message"]
    too_many = await tenant.client.mutate(APPEND, {"runId": run, "lines": [{"text": "."}] * 5_001})
    assert too_many["userErrors"][0]["field"] == ["input", "lines"]


async def test_another_tenant_neither_appends_nor_reads(tenant, make_tenant):  # type: ignore[no-untyped-def]
    other = await make_tenant("logs")
    run = (await create_run(tenant.client, tenant.org_id))["run"]
    await append(tenant.client, run, ["secret"])
    refused = await other.client.mutate(APPEND, {"runId": run, "lines": [{"text": "x"}]})
    assert refused["userErrors"][0]["code"] == "NOT_FOUND"
    for reader in (other.client, other.client.on_resolvers()):
        assert (await reader.data(LOGS, {"id": run}))["node"] is None
    assert texts(await tenant.client.data(LOGS, {"id": run})) == ["secret"]


async def test_the_tail_is_gapless_and_resumes_from_its_cursor(server, tenant):  # type: ignore[no-untyped-def]
    run = (await create_run(tenant.client, tenant.org_id))["run"]
    await append(tenant.client, run, ["one", "two"])
    seen: list[str] = []
    cursor = ""
    async with ws_client(server.base_url, tenant.key, TRANSPORT_WS) as session:
        stream = session.subscribe(doc(TAIL, runId=run))
        replayed = asyncio.Event()

        async def read() -> None:
            nonlocal cursor
            async for result in stream:
                batch = result["runLogs"]
                seen.extend(line["text"] for line in batch["lines"])
                cursor = batch["cursor"]
                if len(seen) >= 2:
                    replayed.set()
                if len(seen) >= 6:
                    return

        reader = asyncio.create_task(read())
        await asyncio.wait_for(replayed.wait(), 15)
        for text in ("three", "four", "five", "six"):  # four commits while it listens
            await append(tenant.client, run, [text])
        await asyncio.wait_for(reader, 15)
        await stream.aclose()
    assert seen == ["one", "two", "three", "four", "five", "six"]
    assert cursor == "6"
    await append(tenant.client, run, ["seven", "eight"])  # while nobody listens
    async with ws_client(server.base_url, tenant.key, TRANSPORT_WS) as session:
        result = await session.execute(doc(TAIL, runId=run, after=cursor))
    assert [line["text"] for line in result["runLogs"]["lines"]] == ["seven", "eight"]


async def test_the_tail_resumes_on_a_restarted_server(database_url, tenant):  # type: ignore[no-untyped-def]
    """The process that served the subscription goes away; lines logged meanwhile arrive
    from a new process when the client subscribes again with its last cursor."""
    run = (await create_run(tenant.client, tenant.org_id))["run"]
    await append(tenant.client, run, ["before"])
    async with server_process(database_url) as first:
        async with ws_client(first.base_url, tenant.key, TRANSPORT_WS) as session:
            result = await session.execute(doc(TAIL, runId=run))
        cursor = result["runLogs"]["cursor"]
    await append(tenant.client, run, ["while", "down"])
    async with server_process(database_url) as second:
        async with ws_client(second.base_url, tenant.key, TRANSPORT_WS) as session:
            result = await session.execute(doc(TAIL, runId=run, after=cursor))
    assert [line["text"] for line in result["runLogs"]["lines"]] == ["while", "down"]
    assert result["runLogs"]["cursor"] == "3"


async def test_appending_needs_a_contributor(tenant, http, database_url):  # type: ignore[no-untyped-def]
    from tests.support.project_visibility import member

    run = (await create_run(tenant.client, tenant.org_id))["run"]
    viewer = await member(tenant, http, database_url, "VIEWER")
    refused = await viewer.mutate(APPEND, {"runId": run, "lines": [{"text": "x"}]})
    assert refused["userErrors"][0]["code"] == "FORBIDDEN"
    assert_ok(await tenant.client.mutate(APPEND, {"runId": run, "lines": [{"text": "x"}]}))


async def test_lines_as_columns_and_their_mistakes(tenant):  # type: ignore[no-untyped-def]
    run = (await create_run(tenant.client, tenant.org_id))["run"]
    columns = {"texts": ["a", "b", "c"], "streams": ["STDOUT", "STDERR", "STDOUT"],
               "timestamps": [1764300000000, 1764300000100, 1764300000200]}  # fmt: skip
    done = assert_ok(await tenant.client.mutate(APPEND, {"runId": run, "columns": columns}))
    assert (done["firstLine"], done["lastLine"]) == (1, 3)
    one_stream = {"texts": ["d"], "stream": "STDERR"}
    assert_ok(await tenant.client.mutate(APPEND, {"runId": run, "columns": one_stream}))
    data = await tenant.client.data(LOGS.replace("text }", "text loggedAt }"), {"id": run})
    lines = data["node"]["logs"]["nodes"]
    assert [(line["stream"], line["text"]) for line in lines] == [
        ("STDOUT", "a"), ("STDERR", "b"), ("STDOUT", "c"), ("STDERR", "d"),
    ]  # fmt: skip
    assert lines[1]["loggedAt"].startswith("2025-11-28T03:20:00.1")
    for wrong, says in (
        ({"texts": "a"}, "list of strings"),
        ({"texts": ["a"], "streams": ["STDOUT", "STDERR"]}, "one of STDOUT, STDERR per text"),
        ({"texts": ["a"], "stream": "STDIN"}, "STDOUT or STDERR"),
        ({"texts": ["a"], "timestamps": ["soon"]}, "epoch milliseconds"),
        ({"texts": ["a"], "extra": 1}, "LogColumns is"),
    ):
        refused = await tenant.client.execute(APPEND, {"input": {"runId": run, "columns": wrong}})
        assert says in refused["errors"][0]["message"], (wrong, refused)
    both = await tenant.client.execute(
        APPEND, {"input": {"runId": run, "columns": one_stream, "lines": [{"text": "x"}]}}
    )
    assert "either lines or columns" in both["errors"][0]["message"]
