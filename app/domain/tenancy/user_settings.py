"""A user's own settings: time zone, theme, default organization and free-form
preferences for tools. Only the user reads them (through ``viewer``) and only the user
changes them, with a key that may write."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain import validation as v
from app.domain.errors import not_found
from app.domain.tenancy.access import Actor
from app.domain.tenancy.audit import record_audit_event
from app.domain.tenancy.enums import Theme
from app.domain.tenancy.models import User

MAX_PREFERENCES_BYTES = 16 * 1024
FIELDS = ("time_zone", "theme", "default_organization_id", "preferences")


async def viewer_settings_update(
    session: AsyncSession, actor: Actor, *, changes: Mapping[str, Any]
) -> User:
    """Change the given settings of the caller's user; null puts one back to its default
    (UTC, SYSTEM, none, {}). A default organization must be one the caller's key reaches:
    any other answers NOT_FOUND, as every id the caller cannot see does."""
    user_id = actor.require_write()
    user = await session.scalar(select(User).where(User.id == user_id).with_for_update())
    if user is None:
        raise not_found("user", [])
    if "time_zone" in changes:
        zone = changes["time_zone"]
        user.time_zone = "UTC" if zone is None else v.time_zone(zone, ["time_zone"])
    if "theme" in changes:
        theme: Theme | None = changes["theme"]
        user.theme = (theme or Theme.SYSTEM).value
    if "default_organization_id" in changes:
        org_id = changes["default_organization_id"]
        if org_id is not None and org_id not in actor.org_roles:
            raise not_found("organization", ["default_organization_id"])
        user.default_organization_id = org_id
    if "preferences" in changes:
        preferences = changes["preferences"]
        v.json_value(
            v.json_object(preferences, ["preferences"]),
            ["preferences"],
            max_bytes=MAX_PREFERENCES_BYTES,
        )
        user.preferences = preferences or {}
    record_audit_event(
        session,
        actor,
        "user.settings",
        organization_id=None,
        target_type="User",
        target_id=user.id,
        details={"fields": sorted(changes)},
    )
    await session.flush()
    return user
