"""Where audit rows go before they are purged: a directory, or an object store.

``MLGRAPH_AUDIT_ARCHIVE_URL`` names an object store location — ``s3://bucket/prefix``
(Amazon S3 and S3-compatible stores: MinIO, R2, Ceph), ``gs://bucket/prefix``,
``az://container/prefix`` — reached with obstore (the Rust ``object_store`` crate), its
credentials and endpoint taken from the provider's usual environment (``AWS_ACCESS_KEY_ID``,
``AWS_SECRET_ACCESS_KEY``, ``AWS_REGION``, ``AWS_ENDPOINT_URL``, ``GOOGLE_*``, ``AZURE_*``),
never from mlgraph's own settings or logs. Without it, ``MLGRAPH_AUDIT_ARCHIVE_DIR`` (default
``<data dir>/audit-archive``).

Either way an archive is whole before its rows go: a file is fsynced and renamed into
place; an object is written, then read back and compared byte for byte. A failure leaves
the rows in the database (``ArchiveUnavailable``); the next run writes the same object
again (names are made of the batch's first and last ids)."""

from __future__ import annotations

import asyncio
import logging
import os
from pathlib import Path
from typing import Protocol

import obstore
from obstore.store import from_url

log = logging.getLogger("mlgraph.retention")

SCHEMES = ("s3", "s3a", "gs", "az", "abfs", "abfss")


class ArchiveUnavailable(Exception):
    """The archive could not be written (or read back the same): keep the rows."""


class AuditArchive(Protocol):
    async def store(self, name: str, data: bytes) -> str:
        """Keep ``data`` under ``name`` (``<organization>/audit-<first>-<last>.jsonl.gz``);
        where it went."""
        ...


class DirectoryArchive:
    def __init__(self, path: Path) -> None:
        self.path = path

    async def store(self, name: str, data: bytes) -> str:
        target = self.path / name
        try:
            await asyncio.to_thread(_write_durably, target, data)
        except OSError as error:
            log.exception("could not write the audit archive %s", target)
            raise ArchiveUnavailable(str(error)) from error
        return str(target)


class ObjectStoreArchive:
    def __init__(self, url: str) -> None:
        self.url = url.rstrip("/")
        self._store = from_url(self.url)  # credentials: the provider's environment

    async def store(self, name: str, data: bytes) -> str:
        try:
            await obstore.put_async(self._store, name, data)
            stored = await (await obstore.get_async(self._store, name)).bytes_async()
        except Exception as error:  # any store failure: the rows stay
            log.exception("could not write the audit archive %s/%s", self.url, name)
            raise ArchiveUnavailable(type(error).__name__) from error
        if bytes(stored) != data:
            log.error("the audit archive %s/%s read back different bytes", self.url, name)
            raise ArchiveUnavailable("read back different bytes")
        return f"{self.url}/{name}"


def open_archive(url: str | None, directory: Path) -> AuditArchive:
    """The archive the settings name (checked at startup: a bad URL stops the server)."""
    if not url:
        return DirectoryArchive(directory)
    scheme = url.split("://", 1)[0].lower() if "://" in url else ""
    if scheme == "file":
        return DirectoryArchive(Path(url[len("file://") :]).resolve())
    if scheme not in SCHEMES:
        raise ValueError(
            f"MLGRAPH_AUDIT_ARCHIVE_URL must be file://, {', '.join(s + '://' for s in SCHEMES)}"
        )
    return ObjectStoreArchive(url)


def _write_durably(path: Path, data: bytes) -> None:
    """The archive is on disk (fsynced, then renamed into place) before its rows go."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    with open(partial, "wb") as out:
        out.write(data)
        out.flush()
        os.fsync(out.fileno())
    os.replace(partial, path)
