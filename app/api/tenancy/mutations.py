"""Tenancy mutations: organizations, memberships, API keys."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry
from strawberry import UNSET
from strawberry.scalars import JSON
from strawberry.types import Info

from app.api.errors import UserError
from app.api.graph.payloads import mutate
from app.api.ids import input_id
from app.api.inputs import provided
from app.api.tenancy.enums import ApiKeyScope, OrgRole, Plan, Theme
from app.api.tenancy.types import ApiKey, Membership, Organization, User, Viewer
from app.domain.registry.model_service import live_model_count
from app.domain.tenancy import enums, user_settings
from app.domain.tenancy import services as tenancy


@strawberry.input
class OrganizationCreateInput:
    slug: str = strawberry.field(description="Lowercase kebab-case, unique among live orgs.")
    name: str
    plan: Plan = enums.Plan.STARTER


@strawberry.type
class OrganizationCreatePayload:
    organization: Organization | None
    user_errors: list[UserError]


@strawberry.input
class OrganizationUpdateInput:
    organization_id: strawberry.ID
    name: str | None = UNSET
    plan: Plan | None = strawberry.field(
        default=UNSET, description="Checked against what the organization uses now."
    )
    billing_email: str | None = UNSET
    settings: JSON | None = UNSET


@strawberry.input
class OrganizationDeleteInput:
    organization_id: strawberry.ID
    confirm_slug: str = strawberry.field(description="The organization's slug, to confirm.")


@strawberry.input
class MembershipInviteInput:
    organization_id: strawberry.ID
    email: str
    role: OrgRole = enums.OrgRole.VIEWER
    name: str | None = None


@strawberry.input
class MembershipRoleUpdateInput:
    membership_id: strawberry.ID
    role: OrgRole


@strawberry.input
class MembershipRemoveInput:
    membership_id: strawberry.ID


@strawberry.type
class MembershipPayload:
    membership: Membership | None
    user_errors: list[UserError]


@strawberry.input
class ApiKeyCreateInput:
    name: str
    organization_id: strawberry.ID | None = strawberry.field(
        default=None, description="Restrict the key to one organization."
    )
    scopes: list[ApiKeyScope] = strawberry.field(
        default_factory=lambda: [enums.ApiKeyScope.READ, enums.ApiKeyScope.WRITE]
    )
    expires_at: datetime | None = None


@strawberry.type
class ApiKeyCreatePayload:
    api_key: ApiKey | None
    secret: str | None = strawberry.field(description="The whole key; shown only this once.")
    user_errors: list[UserError]


@strawberry.input
class ApiKeyRevokeInput:
    api_key_id: strawberry.ID


@strawberry.type
class ApiKeyRevokePayload:
    api_key: ApiKey | None
    user_errors: list[UserError]


@strawberry.input(description="Only the fields given change; null clears one.")
class ViewerProfileUpdateInput:
    name: str | None = UNSET
    first_name: str | None = UNSET
    last_name: str | None = UNSET
    avatar_url: str | None = strawberry.field(default=UNSET, description="An https:// URL.")


@strawberry.type
class ViewerProfilePayload:
    user: User | None
    user_errors: list[UserError]


@strawberry.input(description="Only the fields given change; null puts one back to its default.")
class ViewerSettingsUpdateInput:
    time_zone: str | None = strawberry.field(
        default=UNSET, description="An IANA time zone (Europe/Paris); null: UTC."
    )
    theme: Theme | None = strawberry.field(default=UNSET, description="null: SYSTEM.")
    default_organization_id: strawberry.ID | None = strawberry.field(
        default=UNSET, description="One of your organizations this key reaches; null: none."
    )
    preferences: JSON | None = strawberry.field(
        default=UNSET, description="Replaces the whole object (at most 16 KiB); null: {}."
    )


@strawberry.type
class ViewerSettingsPayload:
    viewer: Viewer | None
    user_errors: list[UserError]


@strawberry.input
class ApiKeyRotateInput:
    api_key_id: strawberry.ID
    grace_seconds: int = strawberry.field(
        default=0,
        description="Keep the old key working this long (0 to 604800) while its users "
        "switch; 0 revokes it at once.",
    )


@strawberry.type
class ApiKeyRotatePayload:
    api_key: ApiKey | None = strawberry.field(description="The new key.")
    secret: str | None = strawberry.field(description="The new key whole; shown only once.")
    previous: ApiKey | None = strawberry.field(
        description="The old key: revoked, or expiring at the end of the grace period."
    )
    user_errors: list[UserError]


@strawberry.type
class TenancyMutations:
    @strawberry.mutation(description="Create an organization; you become its admin.")
    async def organization_create(
        self, info: Info, input: OrganizationCreateInput
    ) -> OrganizationCreatePayload:
        def granted(row: Any) -> None:  # the creator administers it from now on
            info.context.forget_access(info.context.actor.user_id)
            info.context.grant(row.id, enums.OrgRole.ADMIN)

        return await mutate(
            info,
            OrganizationCreatePayload,
            "organization",
            lambda session, actor: tenancy.organization_create(
                session, actor, slug=input.slug, name=input.name, plan=input.plan
            ),
            after=granted,
        )

    @strawberry.mutation(description="Add a user (created if new) to an organization. Admins.")
    async def membership_invite(
        self, info: Info, input: MembershipInviteInput
    ) -> MembershipPayload:
        return await mutate(
            info,
            MembershipPayload,
            "membership",
            lambda session, actor: tenancy.membership_invite(
                session,
                actor,
                organization_id=input_id(input, "organization_id", "Organization"),
                email=input.email,
                role=input.role,
                name=input.name,
            ),
            after=lambda row: info.context.forget_access(row.user_id),
        )

    @strawberry.mutation(description="Change a member's role. Admins; the last admin stays.")
    async def membership_role_update(
        self, info: Info, input: MembershipRoleUpdateInput
    ) -> MembershipPayload:
        return await mutate(
            info,
            MembershipPayload,
            "membership",
            lambda session, actor: tenancy.membership_role_update(
                session,
                actor,
                membership_id=input_id(input, "membership_id", "Membership"),
                role=input.role,
            ),
            after=lambda row: info.context.forget_access(row.user_id),
        )

    @strawberry.mutation(description="Remove a member (or leave). The last admin cannot leave.")
    async def membership_remove(
        self, info: Info, input: MembershipRemoveInput
    ) -> MembershipPayload:
        return await mutate(
            info,
            MembershipPayload,
            "membership",
            lambda session, actor: tenancy.membership_remove(
                session, actor, membership_id=input_id(input, "membership_id", "Membership")
            ),
            after=lambda row: info.context.forget_access(row.user_id),
        )

    @strawberry.mutation(
        description="Change an organization's name, plan, billing email or settings. "
        "Organization admins."
    )
    async def organization_update(
        self, info: Info, input: OrganizationUpdateInput
    ) -> OrganizationCreatePayload:
        return await mutate(
            info,
            OrganizationCreatePayload,
            "organization",
            lambda session, actor: tenancy.organization_update(
                session,
                actor,
                organization_id=input_id(input, "organization_id", "Organization"),
                changes=provided(input, "name", "plan", "billing_email", "settings"),
                live_models=live_model_count,
            ),
        )

    @strawberry.mutation(
        description="Retire an organization (soft delete): nothing in it can be read or "
        "changed any more. Organization admins, naming its slug."
    )
    async def organization_delete(
        self, info: Info, input: OrganizationDeleteInput
    ) -> OrganizationCreatePayload:
        return await mutate(
            info,
            OrganizationCreatePayload,
            "organization",
            lambda session, actor: tenancy.organization_delete(
                session,
                actor,
                organization_id=input_id(input, "organization_id", "Organization"),
                confirm_slug=input.confirm_slug,
            ),
            after=lambda _: info.context.forget_all_access(),  # every member's roles
        )

    @strawberry.mutation(description="Create an API key for yourself; the secret is shown once.")
    async def api_key_create(self, info: Info, input: ApiKeyCreateInput) -> ApiKeyCreatePayload:
        return await mutate(
            info,
            ApiKeyCreatePayload,
            "api_key",
            lambda session, actor: tenancy.api_key_create(
                session,
                actor,
                name=input.name,
                organization_id=input_id(input, "organization_id", "Organization")
                if input.organization_id
                else None,
                scopes=list(input.scopes),
                expires_at=input.expires_at,
            ),
            row_of=lambda created: created.key,
            extra=lambda created: {"secret": created.secret if created else None},
        )

    @strawberry.mutation(description="Change your own profile (name, avatar).")
    async def viewer_profile_update(
        self, info: Info, input: ViewerProfileUpdateInput
    ) -> ViewerProfilePayload:
        return await mutate(
            info,
            ViewerProfilePayload,
            "user",
            lambda session, actor: tenancy.viewer_profile_update(
                session,
                actor,
                changes=provided(input, "name", "first_name", "last_name", "avatar_url"),
            ),
        )

    @strawberry.mutation(description="Change your own settings (time zone, theme, ...).")
    async def viewer_settings_update(
        self, info: Info, input: ViewerSettingsUpdateInput
    ) -> ViewerSettingsPayload:
        def changes() -> dict[str, Any]:  # inside the work: a bad id is a userError
            given = provided(input, *user_settings.FIELDS)
            if given.get("default_organization_id") is not None:
                given["default_organization_id"] = input_id(
                    input, "default_organization_id", "Organization"
                )
            return given

        return await mutate(
            info,
            ViewerSettingsPayload,
            "viewer",
            lambda session, actor: user_settings.viewer_settings_update(
                session, actor, changes=changes()
            ),
        )

    @strawberry.mutation(
        description="Replace one of your API keys by a new one with the same name, "
        "organization, scopes and expiry; the new secret is shown once."
    )
    async def api_key_rotate(self, info: Info, input: ApiKeyRotateInput) -> ApiKeyRotatePayload:
        return await mutate(
            info,
            ApiKeyRotatePayload,
            "api_key",
            lambda session, actor: tenancy.api_key_rotate(
                session,
                actor,
                key_id=input_id(input, "api_key_id", "ApiKey"),
                grace_seconds=input.grace_seconds,
            ),
            row_of=lambda made: made.created.key,
            extra=lambda made: {
                "secret": made.created.secret if made else None,
                "previous": ApiKey.from_row(made.previous) if made else None,
            },
            after=lambda made: info.context.forget_access(made.previous.user_id),
        )

    @strawberry.mutation(description="Revoke one of your API keys; it stops working at once.")
    async def api_key_revoke(self, info: Info, input: ApiKeyRevokeInput) -> ApiKeyRevokePayload:
        return await mutate(
            info,
            ApiKeyRevokePayload,
            "api_key",
            lambda session, actor: tenancy.api_key_revoke(
                session, actor, key_id=input_id(input, "api_key_id", "ApiKey")
            ),
            after=lambda row: info.context.forget_access(row.user_id),
        )
