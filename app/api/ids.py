"""Relay global ids: base64url("<TypeName>:<uuid>")."""

from __future__ import annotations

import base64
import binascii
import uuid
from collections.abc import Sequence

from app.api.errors import ClientError
from app.domain.errors import not_found


def encode_id(type_name: str, row_id: uuid.UUID) -> str:
    raw = f"{type_name}:{row_id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_any(global_id: str) -> tuple[str, uuid.UUID] | None:
    """(type name, uuid), or None for anything that is not one of our ids."""
    if not global_id or len(global_id) > 200:
        return None
    try:
        padded = global_id + "=" * (-len(global_id) % 4)
        type_name, _, raw_uuid = base64.urlsafe_b64decode(padded).decode().partition(":")
        return type_name, uuid.UUID(raw_uuid)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None


MAX_FILTER_IDS = 100
NO_ROW = uuid.UUID(int=0)


def filter_ids(
    global_ids: Sequence[str] | None,
    type_name: str,
    field: str,
    limit: int = MAX_FILTER_IDS,
) -> tuple[uuid.UUID, ...]:
    """The rows a list filter's ``field`` names (at most ``limit``, in order, each once).
    An id of another type, or no id at all, matches nothing: a filter, not an error."""
    if global_ids is not None and len(global_ids) > limit:
        raise ClientError(f"{field} takes at most {limit} ids")
    found: dict[uuid.UUID, None] = {}
    for global_id in global_ids or ():
        decoded = decode_any(global_id)
        found[decoded[1] if decoded and decoded[0] == type_name else NO_ROW] = None
    return tuple(found)


def input_id(given: object, name: str, type_name: str) -> uuid.UUID:
    """The uuid of the global id in the field ``name`` of a mutation's input ``given``; a
    wrong or foreign id is NOT_FOUND at that field (its path made by the API from the
    name, app/api/errors.py)."""
    return decode_id(getattr(given, name), type_name, (name,))


def decode_id(global_id: str | None, type_name: str, field: Sequence[str]) -> uuid.UUID:
    """The uuid inside a global id of the expected type; anything else is NOT_FOUND at
    ``field`` (a path relative to the input, in Python names: prefer ``input_id``)."""
    decoded = decode_any(global_id or "")
    if decoded is None or decoded[0] != type_name:
        raise not_found(_words(type_name), field)
    return decoded[1]


def _words(type_name: str) -> str:
    out = "".join(f" {ch.lower()}" if ch.isupper() else ch for ch in type_name).strip()
    return out
