"""What every subscription starts with, whichever context it belongs to: an authenticated
reader, a fresh visibility check of the object it follows, one of the key's subscription
slots, and the ``after:`` cursor of a resumable stream."""

from __future__ import annotations

import contextlib
import uuid
from typing import Any

from sqlalchemy import select
from strawberry.types import Info

from app.api.errors import ClientError
from app.api.ids import decode_any
from app.api.loaders.rows_by_id import visibility
from app.api.read_scope import REFUSED


def subscription_slot(info: Info) -> contextlib.AbstractContextManager[None]:
    """One of the key's subscription slots in this process, held while the stream lives."""
    slots = info.context.subscription_slots
    return slots.hold(info.context.actor.api_key_id) if slots else contextlib.nullcontext()


def stream_cursor(after: str | None) -> int | None:
    """A stream's ``after:`` cursor: the digits of a sequence number (a bigint)."""
    if after is None:
        return None
    if not (after.isascii() and after.isdigit() and len(after) <= 18):
        raise ClientError("invalid cursor")
    return int(after)


def require_reader(info: Info) -> None:
    """Every subscription starts here: an authenticated key that may read."""
    if not info.context.actor.is_authenticated:
        raise ClientError("authenticate in connection_init", "UNAUTHENTICATED")
    if not info.context.actor.can_read:
        raise ClientError(REFUSED, "FORBIDDEN")


async def visible_for_subscription(
    info: Info, global_id: str, type_name: str, model: Any, what: str
) -> uuid.UUID:
    """The row behind ``global_id``, if the caller may read it (a fresh read: the connection
    lives long; the tenancy conditions of every by-id read, rows_by_id.visibility)."""
    require_reader(info)
    decoded = decode_any(global_id)
    context = info.context
    if decoded is not None and decoded[0] == type_name and context.actor.org_ids:
        actor = context.actor
        async with context.read_session_factory() as session:
            found = await session.scalar(
                select(model.id).where(
                    model.id == decoded[1],
                    *visibility(model, actor.org_ids, actor.user_id, actor.hidden),
                )
            )
        if found is not None:
            return found
    raise ClientError(f"{what} not found", "NOT_FOUND")
