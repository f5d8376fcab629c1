"""Run artifacts over HTTP, as a training script uploads and downloads them (shared by the
tests of run artifacts and of retention)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx

from tests.conftest import TEST_SETTINGS

ARTIFACTS = """query($id: ID!, $path: String) { node(id: $id) { ... on Run {
  artifacts(first: 50, path: $path) { totalCount nodes {
    path sizeBytes sha256 contentType downloadUrl } } } } }"""


def url(base: str, run: str, path: str) -> str:
    return f"{base}/v1/runs/{run}/artifacts/{path}"


async def chunks(data: bytes, size: int = 64 * 1024) -> AsyncIterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


async def put(
    base: str, key: str | None, run: str, path: str, data: bytes, **headers: str
) -> httpx.Response:
    auth = {"Authorization": f"Bearer {key}"} if key else {}
    async with httpx.AsyncClient(timeout=60) as http:
        return await http.put(
            url(base, run, path), content=chunks(data), headers={**auth, **headers}
        )


async def get(base: str, key: str | None, run: str, path: str) -> httpx.Response:
    auth = {"Authorization": f"Bearer {key}"} if key else {}
    async with httpx.AsyncClient(timeout=60) as http:
        return await http.get(url(base, run, path), headers=auth)


def stored_files() -> list[Path]:
    return [p for p in Path(TEST_SETTINGS["artifact_dir"]).rglob("*") if p.is_file()]  # type: ignore[arg-type]
