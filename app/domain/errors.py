"""The one domain failure type: an error code, a field path and a message.

The path names the offending field relative to the operation's input, in the domain's own
words: Python names for its fields (``("model_version_id",)``), list positions, and data
keys as given (a param's or a metric's name). The GraphQL layer turns it into
``userErrors`` in a single place, making the GraphQL path (``["input",
"modelVersionId"]``) by walking the input type (app/api/errors.py)."""

from __future__ import annotations

import enum
from collections.abc import Collection, Sequence


class ErrorCode(enum.Enum):
    VALIDATION = "VALIDATION"
    NOT_FOUND = "NOT_FOUND"
    CONFLICT = "CONFLICT"
    FORBIDDEN = "FORBIDDEN"
    UNAUTHENTICATED = "UNAUTHENTICATED"
    QUOTA_EXCEEDED = "QUOTA_EXCEEDED"
    INVALID_TRANSITION = "INVALID_TRANSITION"
    # The organization is suspended or inactive: everything in it is read-only.
    ORGANIZATION_READ_ONLY = "ORGANIZATION_READ_ONLY"
    # A store mlgraph writes to (the audit archive) failed: nothing was lost; retry later.
    UNAVAILABLE = "UNAVAILABLE"
    # The digest a verifier computed is not the checksum the dataset version recorded.
    CHECKSUM_MISMATCH = "CHECKSUM_MISMATCH"


class DomainError(Exception):
    """An expected failure of a domain operation."""

    def __init__(self, code: ErrorCode, message: str, field: Sequence[str] | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field: list[str] | None = list(field) if field is not None else None


def not_found(what: str, field: Sequence[str] | None = None) -> DomainError:
    return DomainError(ErrorCode.NOT_FOUND, f"{what} not found", field)


def validation(message: str, field: Sequence[str] | None = None) -> DomainError:
    return DomainError(ErrorCode.VALIDATION, message, field)


def ensure_transition(
    noun: str,
    current: enum.Enum,
    target: enum.Enum,
    allowed: Collection[enum.Enum],
    field: Sequence[str] = ("status",),
) -> None:
    """The one state-machine check: ``target`` must be among ``allowed`` (the moves out of
    ``current``), else INVALID_TRANSITION naming what is allowed."""
    if target not in allowed:
        names = ", ".join(sorted(s.value for s in allowed)) or "none"
        raise DomainError(
            ErrorCode.INVALID_TRANSITION,
            f"cannot move a {current.value} {noun} to {target.value} (allowed: {names})",
            list(field),
        )
