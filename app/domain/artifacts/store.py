"""Where artifact bytes live: a directory (the default, under the data folder) or an
object store (``s3://bucket/prefix``, ``gs://``, ``az://``), both through obstore, one
code path. Bytes are streamed in and out, never held whole; an upload is hashed
(SHA-256) and counted as it goes, and abandoned (its object removed) when it grows past
its limit or fails. Object names are made from ids alone (``artifacts/<organization>/
<run>/<artifact id>``): what a client calls its file never becomes a storage path."""

from __future__ import annotations

import contextlib
import hashlib
import logging
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import obstore
from obstore.store import AzureStore, GCSStore, LocalStore, S3Store, from_url

log = logging.getLogger("mlgraph.artifacts")

READ_CHUNK = 1024 * 1024


class TooLarge(Exception):
    """The upload grew past its limit (nothing was kept)."""


class ArtifactStore:
    def __init__(self, url: str | None, directory: Path) -> None:
        if url:
            self.where = url.rstrip("/")
            self._store = from_url(self.where)  # credentials: the provider's environment
        else:
            directory.mkdir(parents=True, exist_ok=True)
            self.where = str(directory)
            self._store = LocalStore(str(directory))

    async def signed_url(self, key: str, seconds: int) -> str | None:
        """A URL that reads ``key`` straight from the object store for ``seconds`` (a
        presigned GET), or None where the store cannot sign (a local directory)."""
        store = self._store
        if not isinstance(store, S3Store | GCSStore | AzureStore):
            return None
        return str(await obstore.sign_async(store, "GET", key, timedelta(seconds=seconds)))

    async def write(
        self, key: str, chunks: AsyncIterator[bytes], max_bytes: int
    ) -> tuple[int, str]:
        """Stream ``chunks`` into ``key``: its size and SHA-256 (hex)."""
        digest = hashlib.sha256()
        size = 0
        writer = obstore.open_writer_async(self._store, key)
        try:
            async for chunk in chunks:
                if not chunk:
                    continue
                size += len(chunk)
                if size > max_bytes:
                    raise TooLarge
                digest.update(chunk)
                await writer.write(chunk)
            await writer.close()
        except BaseException:
            await self.delete(key)
            raise
        return size, digest.hexdigest()

    async def read(self, key: str) -> AsyncIterator[bytes]:
        found = await obstore.get_async(self._store, key)
        async for chunk in found.stream(min_chunk_size=READ_CHUNK):
            yield bytes(chunk)

    async def delete(self, key: str) -> None:
        """Best effort: an object left behind is space, never another tenant's data."""
        with contextlib.suppress(Exception):
            await obstore.delete_async(self._store, key)
