"""Tenancy operations: organizations, memberships, API keys, authentication."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.scope import SYSTEM, scope_transaction
from app.domain import validation as v
from app.domain.errors import DomainError, ErrorCode, not_found, validation
from app.domain.tenancy import keys
from app.domain.tenancy.access import Actor
from app.domain.tenancy.access_news import publish_members, publish_user
from app.domain.tenancy.audit import record_audit, record_audit_event
from app.domain.tenancy.enums import PLAN_QUOTAS, ApiKeyScope, OrganizationStatus, OrgRole, Plan
from app.domain.tenancy.lookup import get_administered, get_visible
from app.domain.tenancy.models import (
    ApiKey,
    AuditLog,
    Membership,
    Organization,
    ProjectMember,
    User,
)

LAST_USED_RESOLUTION = timedelta(minutes=1)


async def organization_create(
    session: AsyncSession, actor: Actor, *, slug: str, name: str, plan: Plan
) -> Organization:
    """Create an organization; the caller becomes its first admin. The server's own work
    in the database: a slug is unique among every organization, and the new one is not
    yet the caller's."""
    user_id = actor.require_write()
    slug = v.slug(slug, ["slug"])
    name = v.name(name, ["name"])
    await scope_transaction(session, SYSTEM)
    taken = await session.scalar(
        select(func.count())
        .select_from(Organization)
        .where(Organization.slug == slug, Organization.deleted_at.is_(None))
    )
    if taken:
        raise DomainError(ErrorCode.CONFLICT, "this slug is taken", ["slug"])
    org = Organization(slug=slug, name=name, plan=plan.value, status="active")
    session.add(org)
    await session.flush()
    session.add(Membership(organization_id=org.id, user_id=user_id, role=OrgRole.ADMIN.value))
    record_audit(
        session, actor, "organization.create", org, details={"slug": slug, "plan": plan.value}
    )
    await publish_user(session, user_id)  # the caller gained a role
    return org


async def organization_update(
    session: AsyncSession,
    actor: Actor,
    *,
    organization_id: uuid.UUID | None,
    changes: Mapping[str, Any],
    live_models: Callable[[AsyncSession, uuid.UUID], Awaitable[int]],
) -> Organization:
    """Name, plan, billing email and settings (organization admins). A plan change checks
    the organization fits the new plan's quotas (``live_models``: the registry's count,
    passed in by the API, so tenancy does not reach up into the registry)."""
    if organization_id is None:
        raise not_found("organization", ["organization_id"])
    actor.require_org_role(organization_id, OrgRole.ADMIN, field=["organization_id"])
    org = await _locked_org(session, organization_id)
    if "name" in changes:
        org.name = v.name(changes["name"], ["name"])
    if "billing_email" in changes:
        email = changes["billing_email"]
        org.billing_email = None if email is None else v.email(email, ["billing_email"])
    if "settings" in changes:
        org.settings = v.json_object(changes["settings"], ["settings"])
    if changes.get("plan") is not None and changes["plan"].value != org.plan:
        await _ensure_fits(session, org, changes["plan"], await live_models(session, org.id))
        org.plan = changes["plan"].value
    record_audit(
        session,
        actor,
        "organization.update",
        org,
        details={"fields": sorted(changes), "plan": org.plan},
    )
    await session.flush()
    await session.refresh(org)
    return org


async def _member_count(session: AsyncSession, organization_id: uuid.UUID) -> int:
    count = await session.scalar(
        select(func.count())
        .select_from(Membership)
        .where(Membership.organization_id == organization_id, Membership.deleted_at.is_(None))
    )
    return int(count or 0)


async def _ensure_fits(session: AsyncSession, org: Organization, plan: Plan, models: int) -> None:
    quota = PLAN_QUOTAS[plan]
    members = await _member_count(session, org.id)
    if quota.max_users is not None and members > quota.max_users:
        raise DomainError(
            ErrorCode.QUOTA_EXCEEDED,
            f"the {plan.value} plan allows {quota.max_users} members; this organization has "
            f"{members}",
            ["plan"],
        )
    if quota.max_models is not None and models > quota.max_models:
        raise DomainError(
            ErrorCode.QUOTA_EXCEEDED,
            f"the {plan.value} plan allows {quota.max_models} models; this organization has "
            f"{models}",
            ["plan"],
        )


async def organization_delete(
    session: AsyncSession, actor: Actor, *, organization_id: uuid.UUID | None, confirm_slug: str
) -> Organization:
    """Retire an organization (soft delete; organization admins, naming its slug to
    confirm): nothing in it is readable or writable any more, its slug is free again, and
    its rows stay for the retention job and the audit trail."""
    if organization_id is None:
        raise not_found("organization", ["organization_id"])
    actor.require_org_role(organization_id, OrgRole.ADMIN, field=["organization_id"])
    org = await _locked_org(session, organization_id)
    if confirm_slug != org.slug:
        raise validation("type the organization's slug to confirm", ["confirm_slug"])
    org.deleted_at = datetime.now(UTC)
    record_audit(session, actor, "organization.delete", org, details={"slug": org.slug})
    await session.flush()
    await publish_members(session, org.id)
    return org


async def organization_set_status(
    session: AsyncSession, *, slug: str, status: OrganizationStatus
) -> Organization:
    """Operators (``mlgraph organization-status``): suspend or reactivate an organization;
    its members' cached access is dropped at once."""
    org = await session.scalar(
        select(Organization)
        .where(Organization.slug == slug, Organization.deleted_at.is_(None))
        .with_for_update()
    )
    if org is None:
        raise not_found("organization", ["slug"])
    before = org.status
    org.status = status.value
    session.add(
        AuditLog(
            organization_id=org.id,
            action="organization.status",
            target_type="Organization",
            target_id=org.id,
            details={"from": before, "to": status.value, "by": "operator"},
        )
    )
    await session.flush()
    await publish_members(session, org.id)
    return org


async def _locked_org(session: AsyncSession, organization_id: uuid.UUID) -> Organization:
    # Lock the organization row: quota counts and last-admin checks stay true under concurrency.
    org = await session.scalar(
        select(Organization).where(Organization.id == organization_id).with_for_update()
    )
    if org is None:
        raise not_found("organization", ["organization_id"])
    if org.status != OrganizationStatus.ACTIVE.value:
        raise DomainError(
            ErrorCode.FORBIDDEN, f"the organization is {org.status}", ["organization_id"]
        )
    return org


async def membership_invite(
    session: AsyncSession,
    actor: Actor,
    *,
    organization_id: uuid.UUID,
    email: str,
    role: OrgRole,
    name: str | None = None,
) -> Membership:
    actor.require_org_role(organization_id, OrgRole.ADMIN, field=["organization_id"])
    email = v.email(email, ["email"])
    org = await _locked_org(session, organization_id)
    quota = PLAN_QUOTAS[Plan(org.plan)]
    members = await _member_count(session, org.id)
    if quota.max_users is not None and members >= quota.max_users:
        raise DomainError(
            ErrorCode.QUOTA_EXCEEDED,
            f"the {org.plan} plan allows {quota.max_users} members",
            ["email"],
        )
    user = await session.scalar(select(User).where(func.lower(User.email) == email))
    if user is None:
        user = User(email=email, name=v.name(name, ["name"]) if name else None)
        session.add(user)
        await session.flush()
    existing = await session.scalar(
        select(Membership).where(
            Membership.organization_id == org.id,
            Membership.user_id == user.id,
            Membership.deleted_at.is_(None),
        )
    )
    if existing is not None:
        raise DomainError(ErrorCode.CONFLICT, "already a member", ["email"])
    membership = Membership(organization_id=org.id, user_id=user.id, role=role.value)
    session.add(membership)
    await session.flush()
    record_audit_event(
        session,
        actor,
        "membership.invite",
        organization_id=org.id,
        target_type="Membership",
        target_id=membership.id,
        details={"email": email, "role": role.value},
    )
    await publish_user(session, user.id)
    return membership


async def _admin_count(session: AsyncSession, organization_id: uuid.UUID) -> int:
    count = await session.scalar(
        select(func.count())
        .select_from(Membership)
        .where(
            Membership.organization_id == organization_id,
            Membership.role == OrgRole.ADMIN.value,
            Membership.deleted_at.is_(None),
        )
    )
    return int(count or 0)


async def membership_role_update(
    session: AsyncSession, actor: Actor, *, membership_id: uuid.UUID | None, role: OrgRole
) -> Membership:
    field = ["membership_id"]
    membership = await get_administered(
        session, Membership, membership_id, actor, what="membership", field=field, for_update=True
    )
    await _locked_org(session, membership.organization_id)
    if (
        membership.role == OrgRole.ADMIN.value
        and role != OrgRole.ADMIN
        and await _admin_count(session, membership.organization_id) <= 1
    ):
        raise DomainError(ErrorCode.CONFLICT, "an organization needs at least one admin", ["role"])
    previous = membership.role
    membership.role = role.value
    record_audit(
        session,
        actor,
        "membership.role_update",
        membership,
        details={"from": previous, "to": role.value},
    )
    await session.flush()
    await publish_user(session, membership.user_id)
    return membership


async def membership_remove(
    session: AsyncSession, actor: Actor, *, membership_id: uuid.UUID | None
) -> Membership:
    """Admins remove anyone; any member may remove (leave) themselves. The last admin stays."""
    field = ["membership_id"]
    membership = await get_visible(
        session, Membership, membership_id, actor, what="membership", field=field, for_update=True
    )
    if membership.user_id != actor.user_id:
        actor.require_org_role(membership.organization_id, OrgRole.ADMIN, field=field)
    else:
        actor.require_write()  # leaving is a write: a READ key may not do it
    await _locked_org(session, membership.organization_id)
    if (
        membership.role == OrgRole.ADMIN.value
        and await _admin_count(session, membership.organization_id) <= 1
    ):
        raise DomainError(ErrorCode.CONFLICT, "the last admin cannot leave the organization", field)
    record_audit(
        session,
        actor,
        "membership.remove",
        membership,
        details={"user_id": str(membership.user_id), "role": membership.role},
    )
    # The row stays as history; the user's roles in the organization's projects go with it,
    # so an invitation back starts from the organization role alone.
    membership.deleted_at = datetime.now(UTC)
    await session.execute(
        delete(ProjectMember).where(
            ProjectMember.organization_id == membership.organization_id,
            ProjectMember.user_id == membership.user_id,
        )
    )
    await session.flush()
    await publish_user(session, membership.user_id)
    return membership


@dataclass(frozen=True)
class CreatedKey:
    key: ApiKey
    secret: str


@dataclass(frozen=True)
class RotatedKey:
    """The key made in place of ``previous`` (which now expires), with its secret."""

    created: CreatedKey
    previous: ApiKey


async def api_key_create(
    session: AsyncSession,
    actor: Actor,
    *,
    name: str,
    organization_id: uuid.UUID | None,
    scopes: list[ApiKeyScope],
    expires_at: datetime | None,
) -> CreatedKey:
    """A new key for the caller; the secret is returned here and never again. A key can
    only mint keys no wider than itself: same or narrower organization, scopes, expiry."""
    user_id = actor.require_write()
    name = v.name(name, ["name"], max_length=100)
    if organization_id is not None:
        actor.org_role(organization_id, "organization", ["organization_id"])
    if not scopes:
        raise DomainError(ErrorCode.VALIDATION, "give at least one scope", ["scopes"])
    if expires_at is not None:
        if expires_at.tzinfo is None:
            raise DomainError(ErrorCode.VALIDATION, "needs a time zone offset", ["expires_at"])
        if expires_at <= datetime.now(UTC):
            raise DomainError(ErrorCode.VALIDATION, "must be in the future", ["expires_at"])
    ensure_within_key(actor, organization_id=organization_id, scopes=scopes, expires_at=expires_at)
    return await issue_key(
        session,
        actor,
        user_id=user_id,
        name=name,
        organization_id=organization_id,
        scopes=scopes,
        expires_at=expires_at,
    )


def ensure_within_key(
    actor: Actor,
    *,
    organization_id: uuid.UUID | None,
    scopes: list[ApiKeyScope],
    expires_at: datetime | None,
) -> None:
    """Refuse a new key wider than the key that asks for it."""
    if actor.key_organization_id is not None and organization_id != actor.key_organization_id:
        raise DomainError(
            ErrorCode.FORBIDDEN,
            "this key is limited to one organization: keys it creates must be limited to it",
            ["organization_id"],
        )
    held = set(actor.scopes) | (
        {ApiKeyScope.INGEST} if ApiKeyScope.WRITE in actor.scopes else set()
    )
    if not set(scopes) <= held:  # INGEST is a part of WRITE
        raise DomainError(
            ErrorCode.FORBIDDEN,
            "a key cannot create a key with scopes it does not have",
            ["scopes"],
        )
    if actor.key_expires_at is not None and (
        expires_at is None or expires_at > actor.key_expires_at
    ):
        raise DomainError(
            ErrorCode.FORBIDDEN,
            "this key expires: keys it creates must expire no later than it does",
            ["expires_at"],
        )


def ensure_key_in_reach(actor: Actor, key: ApiKey) -> None:
    """A key limited to one organization manages only keys limited to it too."""
    if actor.key_organization_id is not None and key.organization_id != actor.key_organization_id:
        raise DomainError(
            ErrorCode.FORBIDDEN,
            "this key is limited to one organization: it manages only keys limited to it",
            ["api_key_id"],
        )


async def own_key(session: AsyncSession, actor: Actor, key_id: uuid.UUID | None) -> ApiKey:
    """One of the caller's keys, locked (NOT_FOUND for anyone else's)."""
    user_id = actor.require_write()
    key = None
    if key_id is not None:
        key = await session.scalar(
            select(ApiKey).where(ApiKey.id == key_id, ApiKey.user_id == user_id).with_for_update()
        )
    if key is None:
        raise not_found("API key", ["api_key_id"])
    ensure_key_in_reach(actor, key)
    return key


MAX_GRACE_SECONDS = 7 * 86_400


async def api_key_rotate(
    session: AsyncSession, actor: Actor, *, key_id: uuid.UUID | None, grace_seconds: int
) -> RotatedKey:
    """A new key like the old one (name, organization, scopes, expiry) — its secret shown
    once — and the old one revoked now, or kept for ``grace_seconds`` (at most a week) while
    its users switch over."""
    key = await own_key(session, actor, key_id)
    now = datetime.now(UTC)
    if key.revoked_at is not None or (key.expires_at is not None and key.expires_at <= now):
        raise DomainError(
            ErrorCode.INVALID_TRANSITION,
            "a revoked or expired key cannot be rotated",
            ["api_key_id"],
        )
    if not 0 <= grace_seconds <= MAX_GRACE_SECONDS:
        raise validation(f"must be between 0 and {MAX_GRACE_SECONDS} (a week)", ["grace_seconds"])
    scopes = [ApiKeyScope(scope) for scope in key.scopes]
    ensure_within_key(
        actor, organization_id=key.organization_id, scopes=scopes, expires_at=key.expires_at
    )
    created = await issue_key(
        session,
        actor,
        user_id=key.user_id,
        name=key.name,
        organization_id=key.organization_id,
        scopes=scopes,
        expires_at=key.expires_at,
    )
    if grace_seconds == 0:
        key.revoked_at = now
    else:
        until = now + timedelta(seconds=grace_seconds)
        key.expires_at = min(key.expires_at, until) if key.expires_at else until
    record_audit(
        session,
        actor,
        "api_key.rotate",
        key,
        details={
            "prefix": key.prefix,
            "new_prefix": created.key.prefix,
            "grace_seconds": grace_seconds,
        },
    )
    await session.flush()
    await publish_user(session, key.user_id)
    return RotatedKey(created, key)


async def issue_key(
    session: AsyncSession,
    actor: Actor | None,
    *,
    user_id: uuid.UUID,
    name: str,
    organization_id: uuid.UUID | None,
    scopes: list[ApiKeyScope],
    expires_at: datetime | None = None,
) -> CreatedKey:
    new = keys.generate_key()
    key = ApiKey(
        user_id=user_id,
        organization_id=organization_id,
        name=name,
        prefix=new.prefix,
        secret_hash=new.secret_hash,
        scopes=sorted({scope.value for scope in scopes}),
        expires_at=expires_at,
    )
    session.add(key)
    await session.flush()
    record_audit_event(
        session,
        actor or Actor(user_id=user_id),
        "api_key.create",
        organization_id=organization_id,
        target_type="ApiKey",
        target_id=key.id,
        details={"name": name, "prefix": new.prefix, "scopes": key.scopes},
    )
    return CreatedKey(key=key, secret=new.secret)


async def api_key_revoke(
    session: AsyncSession, actor: Actor, *, key_id: uuid.UUID | None
) -> ApiKey:
    """Revoke one of the caller's own keys."""
    key = await own_key(session, actor, key_id)
    if key.revoked_at is None:
        key.revoked_at = datetime.now(UTC)
    record_audit(session, actor, "api_key.revoke", key, details={"prefix": key.prefix})
    await session.flush()
    await publish_user(session, key.user_id)
    return key


class InvalidKey(Exception):
    """The presented key is unknown, malformed, revoked or expired."""


# One statement per authentication: the key and the roles it grants, together. Roles come
# from the user's memberships in live organizations, narrowed to the key's organization.
_KEY_WITH_ROLES = """
    SELECT k.id, k.user_id, k.organization_id, k.secret_hash, k.scopes, k.expires_at,
           k.revoked_at, k.last_used_at, u.is_active,
           coalesce(array_agg(m.organization_id) FILTER (WHERE o.id IS NOT NULL), '{{}}')
               AS role_orgs,
           coalesce(array_agg(m.role) FILTER (WHERE o.id IS NOT NULL), '{{}}') AS roles,
           coalesce(array_agg(m.organization_id) FILTER (WHERE o.status <> 'active'), '{{}}')
               AS read_only_orgs,
           ARRAY(
               SELECT p.id FROM projects p
               JOIN memberships pm ON pm.organization_id = p.organization_id
                   AND pm.user_id = k.user_id AND pm.deleted_at IS NULL AND pm.role <> 'admin'
               WHERE p.visibility = 'private' AND p.deleted_at IS NULL
                   AND (k.organization_id IS NULL OR p.organization_id = k.organization_id)
                   AND NOT EXISTS (SELECT 1 FROM project_members x
                                   WHERE x.project_id = p.id AND x.user_id = k.user_id)
           ) AS hidden_projects
    FROM api_keys k
    JOIN users u ON u.id = k.user_id
    LEFT JOIN memberships m ON m.user_id = k.user_id AND m.deleted_at IS NULL
        AND (k.organization_id IS NULL OR m.organization_id = k.organization_id)
    LEFT JOIN organizations o ON o.id = m.organization_id AND o.deleted_at IS NULL
    WHERE {where}
    GROUP BY k.id, u.is_active
"""
KEY_BY_PREFIX = text(_KEY_WITH_ROLES.format(where="k.prefix = :v"))
KEY_BY_ID = text(_KEY_WITH_ROLES.format(where="k.id = :v"))


async def authenticate(session: AsyncSession, secret: str) -> Actor:
    """Resolve a presented API key to an Actor (its user's memberships, narrowed by the key)."""
    prefix = keys.split_prefix(secret)
    if prefix is None:
        raise InvalidKey("malformed API key")
    row = (await session.execute(KEY_BY_PREFIX, {"v": prefix})).first()
    if row is None or not keys.matches(secret, row.secret_hash):
        raise InvalidKey("unknown API key")
    return await _actor_for_key(session, row, touch=True)


async def reauthenticate(session: AsyncSession, key_id: uuid.UUID) -> Actor:
    """The Actor of a key already presented (a live WebSocket), read afresh: InvalidKey once
    it is revoked or expired, narrower roles once memberships changed."""
    row = (await session.execute(KEY_BY_ID, {"v": key_id})).first()
    if row is None:
        raise InvalidKey("unknown API key")
    return await _actor_for_key(session, row, touch=False)


async def _actor_for_key(session: AsyncSession, key: Any, *, touch: bool) -> Actor:
    now = datetime.now(UTC)
    if key.revoked_at is not None:
        raise InvalidKey("this API key was revoked")
    if not key.is_active:
        raise InvalidKey("this user is deactivated")
    if key.expires_at is not None and key.expires_at <= now:
        raise InvalidKey("this API key has expired")
    roles = {org_id: OrgRole(role) for org_id, role in zip(key.role_orgs, key.roles, strict=True)}
    if touch and (key.last_used_at is None or now - key.last_used_at > LAST_USED_RESOLUTION):
        # Coarse on purpose: one write per key per minute, not per request.
        await session.execute(update(ApiKey).where(ApiKey.id == key.id).values(last_used_at=now))
        await session.execute(update(User).where(User.id == key.user_id).values(last_seen_at=now))
        await session.commit()
    return Actor(
        user_id=key.user_id,
        api_key_id=key.id,
        org_roles=roles,
        scopes=frozenset(ApiKeyScope(scope) for scope in key.scopes),
        key_organization_id=key.organization_id,
        key_expires_at=key.expires_at,
        read_only_orgs=frozenset(key.read_only_orgs),
        hidden_projects=frozenset(key.hidden_projects),
    )


async def bootstrap_admin(
    session: AsyncSession, *, email: str, org_slug: str, org_name: str | None = None
) -> CreatedKey:
    """CLI bootstrap: ensure the user, the organization (enterprise plan) and an admin
    membership exist, then issue a read+write key. Idempotent apart from the new key."""
    email = v.email(email, ["email"])
    org_slug = v.slug(org_slug, ["organization"])
    user = await session.scalar(select(User).where(func.lower(User.email) == email))
    if user is None:
        user = User(email=email)
        session.add(user)
        await session.flush()
    org = await session.scalar(
        select(Organization).where(Organization.slug == org_slug, Organization.deleted_at.is_(None))
    )
    if org is None:
        org = Organization(
            slug=org_slug, name=org_name or org_slug, plan=Plan.ENTERPRISE.value, status="active"
        )
        session.add(org)
        await session.flush()
    membership = await session.scalar(
        select(Membership).where(
            Membership.organization_id == org.id,
            Membership.user_id == user.id,
            Membership.deleted_at.is_(None),
        )
    )
    if membership is None:
        session.add(Membership(organization_id=org.id, user_id=user.id, role=OrgRole.ADMIN.value))
    else:
        membership.role = OrgRole.ADMIN.value
    await session.flush()
    await publish_user(session, user.id)  # servers forget cached roles
    return await issue_key(
        session,
        None,
        user_id=user.id,
        name="bootstrap (mlgraph create-key)",
        organization_id=None,
        scopes=[ApiKeyScope.READ, ApiKeyScope.WRITE],
    )


MAX_NAME = 100


async def viewer_profile_update(
    session: AsyncSession, actor: Actor, *, changes: Mapping[str, Any]
) -> User:
    """The caller's own profile: display name, first and last name, avatar (https)."""
    user_id = actor.require_write()
    user = await session.scalar(select(User).where(User.id == user_id).with_for_update())
    if user is None:
        raise not_found("user", [])
    for field, limit in (("name", 200), ("first_name", MAX_NAME), ("last_name", MAX_NAME)):
        if field in changes:
            value = changes[field]
            path = [field]
            setattr(user, field, None if value is None else v.name(value, path, limit))
    if "avatar_url" in changes:
        url = v.url(changes["avatar_url"], ["avatar_url"])
        if url is not None and not url.startswith("https://"):
            raise validation("must be an https:// URL", ["avatar_url"])
        user.avatar_url = url
    record_audit_event(
        session,
        actor,
        "user.update",
        organization_id=None,
        target_type="User",
        target_id=user.id,
        details={"fields": sorted(changes)},
    )
    await session.flush()
    await session.refresh(user)
    return user


async def user_set_status(
    session: AsyncSession, *, email: str, active: bool | None = None, verified: bool | None = None
) -> User:
    """Operators (``mlgraph user-status``): deactivate a user (no key of theirs works) or
    reactivate them, and mark their email verified or not; cached access is dropped at once."""
    user = await session.scalar(
        select(User).where(func.lower(User.email) == email.strip().lower()).with_for_update()
    )
    if user is None:
        raise not_found("user", ["email"])
    details: dict[str, Any] = {"by": "operator"}
    if active is not None:
        user.is_active = details["active"] = active
    if verified is not None:
        user.email_verified_at = (user.email_verified_at or datetime.now(UTC)) if verified else None
        details["verified"] = verified
    session.add(
        AuditLog(action="user.status", target_type="User", target_id=user.id, details=details)
    )
    await session.flush()
    await publish_user(session, user.id)
    return user
