"""Persisted operations: Apollo's automatic persisted queries (APQ) and, for locked-down
deployments, trusted documents from a manifest (nothing else runs).

APQ: a request may carry ``extensions.persistedQuery = {version: 1, sha256Hash}``. With
the hash alone, the document must already be known (else ``PERSISTED_QUERY_NOT_FOUND``,
and the client resends hash + query, which registers it). Registered documents are kept
in a per-process LRU bounded in bytes; a process that lost one answers NOT_FOUND and the
client simply registers it again.

Trusted documents: a JSON manifest, either ``{id: document}`` (graphql-codegen's
persisted documents, Relay's persisted queries) or Apollo's persisted query manifest
(``{"format": "apollo-persisted-query-manifest", "operations": [{id, body}]}``). Clients
send an id (``documentId``, ``doc_id``, ``id`` or the APQ hash); a full document is
accepted only if it is one of the manifest's, byte for byte."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
from graphql import GraphQLError
from strawberry.extensions import SchemaExtension

from app.process.sized_lru import SizedLRU

SHA256_RE = re.compile(r"^[0-9a-f]{64}$")
ID_PARAMS = ("documentId", "doc_id", "id")


class PersistedOperationError(Exception):
    """A request error: answered with ``code`` and HTTP ``status`` (when the client asked
    for application/graphql-response+json; legacy JSON clients get 200)."""

    def __init__(self, message: str, code: str, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.status = status


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def load_manifest(path: Path) -> dict[str, str]:
    """Document id -> document text, from either manifest format."""
    try:
        raw = orjson.loads(path.read_bytes())
    except (OSError, orjson.JSONDecodeError) as error:
        raise ValueError(f"cannot read the trusted documents manifest {path}: {error}") from error
    documents: dict[str, str] = {}
    if isinstance(raw, dict) and raw.get("format") == "apollo-persisted-query-manifest":
        for operation in raw.get("operations") or []:
            if isinstance(operation, dict) and isinstance(operation.get("body"), str):
                documents[str(operation.get("id"))] = operation["body"]
    elif isinstance(raw, dict):
        documents = {str(k): v for k, v in raw.items() if isinstance(v, str)}
    if not documents:
        raise ValueError(f"the trusted documents manifest {path} holds no documents")
    return documents


@dataclass(frozen=True)
class ResolvedDocument:
    query: str | None
    register_hash: str | None = None  # APQ: remember query under this hash once it validates


class PersistedOperations:
    def __init__(self, apq_max_bytes: int, trusted: dict[str, str] | None = None) -> None:
        self._apq: SizedLRU[str, str] = SizedLRU(apq_max_bytes, lambda _, q: len(q.encode()))
        self.trusted = trusted
        self.trusted_hashes = (
            {sha256_hex(text): text for text in trusted.values()} if trusted else {}
        )

    def is_trusted_text(self, query: str) -> bool:
        return self.trusted is None or sha256_hex(query) in self.trusted_hashes

    def resolve(self, query: str | None, params: dict[str, Any]) -> ResolvedDocument:
        """The document text a request stands for (or None when it names none)."""
        apq_hash = _apq_hash(params.get("extensions"))
        document_id = next(
            (params[name] for name in ID_PARAMS if isinstance(params.get(name), str)), None
        )
        if self.trusted is not None:
            return ResolvedDocument(self._resolve_trusted(query, document_id or apq_hash))
        if apq_hash is None:
            return ResolvedDocument(query)
        if query is not None:
            if sha256_hex(query) != apq_hash:
                raise PersistedOperationError(
                    "provided sha256Hash does not match the query", "BAD_REQUEST"
                )
            return ResolvedDocument(query, register_hash=apq_hash)
        known = self._apq.get(apq_hash)
        if known is None:
            raise PersistedOperationError("PersistedQueryNotFound", "PERSISTED_QUERY_NOT_FOUND")
        return ResolvedDocument(known)

    def register(self, apq_hash: str, query: str) -> None:
        """Keep a validated APQ document (least recently used ones go first)."""
        self._apq.put(apq_hash, query)

    def _resolve_trusted(self, query: str | None, document_id: str | None) -> str:
        assert self.trusted is not None
        if document_id is not None:
            text = self.trusted.get(document_id) or self.trusted_hashes.get(document_id)
            if text is None:
                raise PersistedOperationError(
                    "this server runs only trusted documents, and this id is not one of them",
                    "PERSISTED_QUERY_NOT_FOUND",
                )
            if query is not None and query != text:
                raise PersistedOperationError(
                    "the query does not match the trusted document of this id", "BAD_REQUEST"
                )
            return text
        if query is not None and self.is_trusted_text(query):
            return query
        raise PersistedOperationError(
            "this server runs only trusted documents: send a documentId from its manifest",
            "OPERATION_NOT_IN_PERSISTED_QUERY_LIST",
        )


def _apq_hash(extensions: Any) -> str | None:
    if not isinstance(extensions, dict) or "persistedQuery" not in extensions:
        return None
    persisted = extensions["persistedQuery"]
    if (
        not isinstance(persisted, dict)
        or persisted.get("version") != 1
        or not isinstance(persisted.get("sha256Hash"), str)
        or not SHA256_RE.fullmatch(persisted["sha256Hash"])
    ):
        raise PersistedOperationError(
            "extensions.persistedQuery must be {version: 1, sha256Hash: <64 hex digits>}",
            "BAD_REQUEST",
        )
    return str(persisted["sha256Hash"])


class TrustedDocumentsOnly(SchemaExtension):
    """In trusted-documents mode, refuse any document that is not in the manifest, on every
    transport (HTTP resolves ids before this; WebSocket clients send the full text)."""

    def __init__(self, persisted: PersistedOperations) -> None:
        self.persisted = persisted

    def on_validate(self) -> Iterator[None]:
        # Reported as a validation failure (not raised), so every transport answers it
        # as a request error. Listed after the validation cache, which sets the errors.
        query = self.execution_context.query
        if query is not None and not self.persisted.is_trusted_text(query):
            self.execution_context.pre_execution_errors = [
                GraphQLError(
                    "this server runs only trusted documents, and this is not one of them",
                    extensions={"code": "OPERATION_NOT_IN_PERSISTED_QUERY_LIST"},
                )
            ]
        yield
