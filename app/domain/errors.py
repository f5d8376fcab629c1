"""The one domain failure type: an error code, a field path and a message.

The GraphQL layer turns it into ``userErrors`` in a single place."""

from __future__ import annotations

import enum
from collections.abc import Sequence


class ErrorCode(enum.Enum):
    VALIDATION = "VALIDATION"
    NOT_FOUND = "NOT_FOUND"
    CONFLICT = "CONFLICT"
    FORBIDDEN = "FORBIDDEN"
    UNAUTHENTICATED = "UNAUTHENTICATED"
    QUOTA_EXCEEDED = "QUOTA_EXCEEDED"
    INVALID_TRANSITION = "INVALID_TRANSITION"


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
