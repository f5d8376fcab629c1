"""Shared by the tests of run console logs (tests/api/test_run_logs.py) and others."""

from __future__ import annotations

from typing import Any

from tests.conftest import GraphQLClient
from tests.helpers import USER_ERRORS, assert_ok

APPEND = f"""mutation($input: RunLogsAppendInput!) {{
  runLogsAppend(input: $input) {{
    firstLine lastLine newCount truncatedCount {USER_ERRORS}
  }}
}}"""

LOGS = """query($id: ID!, $first: Int, $after: String, $stream: [LogStream!], $fromLine: Int,
  $toLine: Int, $contains: String, $orderBy: LogOrder! = LINE_ASC) {
  node(id: $id) { ... on Run {
    logs(first: $first, after: $after, stream: $stream, fromLine: $fromLine, toLine: $toLine,
         contains: $contains, orderBy: $orderBy) {
      totalCount pageInfo { endCursor hasNextPage }
      nodes { lineNumber stream text }
    }
  } }
}"""

TAIL = """subscription($runId: ID!, $after: String) {
  runLogs(runId: $runId, after: $after) { cursor replay lines { lineNumber stream text } }
}"""


async def append(
    client: GraphQLClient, run: str, lines: list[str], stream: str = "STDOUT", **fields: Any
) -> dict[str, Any]:
    batch = [{"text": text, "stream": stream} for text in lines]
    payload = await client.mutate(APPEND, {"runId": run, "lines": batch, **fields})
    return assert_ok(payload)


def texts(data: dict[str, Any]) -> list[str]:
    return [line["text"] for line in data["node"]["logs"]["nodes"]]
