"""Tenancy types: organizations, users, memberships, API keys, audit log entries."""

from __future__ import annotations

import uuid
from datetime import datetime

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from app.api.aggregates import (
    AGGREGATE_DESCRIPTION,
    AGGREGATE_REASON,
    AggregateGroup,
    aggregate,
)
from app.api.errors import ClientError
from app.api.graph.converters import FromRow, from_declaration
from app.api.graph.declare import Computed, Lookup, created_range, filtered_query
from app.api.graph.fields import PAGING, children, related
from app.api.graph.sql_text import typed_global_id_sql
from app.api.health.gpu_usage import GpuUsage, GpuUsageGroup, gpu_usage
from app.api.ids import NO_ROW, decode_any, encode_id, filter_ids
from app.api.monitoring.enums import AlertSeverity, AlertStatus
from app.api.monitoring.lists import ALERTS_OF_ORGANIZATION, alerts_query
from app.api.node import Node
from app.api.notifications.lists import CHANNELS_OF_ORGANIZATION
from app.api.orders import CreatedOrder, NamedOrder
from app.api.registry.enums import ProjectOrder
from app.api.registry.lists import PROJECTS_OF_ORGANIZATION
from app.api.serving.aggregates import DeploymentGroupBy, DeploymentNumber
from app.api.serving.lists import DEPLOYMENTS_OF_ORGANIZATION, ENVIRONMENTS_OF_ORGANIZATION
from app.api.serving.types import DeploymentFilterInput
from app.api.tenancy.enums import ApiKeyScope, OrganizationStatus, OrgRole, Plan, Theme
from app.api.tenancy.lists import (
    API_KEYS_OF_USER,
    AUDIT_LOGS_OF_ORGANIZATION,
    MEMBERSHIPS_OF_ORGANIZATION,
    MEMBERSHIPS_OF_USER,
    AuditLogFilter,
    api_keys_query,
)
from app.domain.retention.models import RetentionPolicy as RetentionPolicyRow
from app.domain.tenancy import enums
from app.domain.tenancy.models import ApiKey as ApiKeyRow
from app.domain.tenancy.models import AuditLog as AuditLogRow
from app.domain.tenancy.models import Membership as MembershipRow
from app.domain.tenancy.models import Organization as OrganizationRow
from app.domain.tenancy.models import User as UserRow


@strawberry.type(description="What the organization's plan allows (null: unlimited).")
class Quota:
    max_users: int | None
    max_models: int | None


@strawberry.input(description="Filter audit log entries (all given conditions hold).")
class AuditLogFilterInput:
    actor_id: list[strawberry.ID] | None = strawberry.field(
        default=None, description="Entries by one of these users."
    )
    action: list[str] | None = strawberry.field(
        default=None,
        description="Entries with one of these actions; `deployment.*` takes every action "
        "under `deployment.`.",
    )
    target_type: str | None = strawberry.field(default=None, description="e.g. Deployment.")
    target_id: strawberry.ID | None = strawberry.field(
        default=None, description="Entries about this object (its global id)."
    )
    created_from: datetime | None = None
    created_to: datetime | None = None

    def to_filter(self) -> AuditLogFilter:
        if len(self.actor_id or []) > 50 or len(self.action or []) > 50:
            raise ClientError("actorId and action take at most 50 values each")
        since, until = created_range(self.created_from, self.created_to)
        target_type, target_id = self.target_type, None
        if self.target_id is not None:
            decoded = decode_any(self.target_id)
            target_type, target_id = decoded if decoded else ("-", NO_ROW)
            if self.target_type is not None and self.target_type != target_type:
                target_type = "-"  # contradictory: matches nothing
        actions = [a for a in self.action or [] if not a.endswith(".*")]
        prefixes = [a[:-1] for a in self.action or [] if a.endswith(".*")]
        return AuditLogFilter(
            actor_ids=filter_ids(self.actor_id, "User", "actorId", limit=50),
            actions=tuple(actions),
            action_prefixes=tuple(prefixes),
            target_type=target_type,
            target_id=target_id,
            created_from=since,
            created_to=until,
        )


@from_declaration(
    OrganizationRow,
    python={
        "quota": "derived from the plan by app.domain.tenancy.quotas",
        "viewerRole": "the caller's role, known to the request",
        "gpuUsage": "a grouped sum over its training jobs (app/domain/health/gpu_usage.py)",
        "deploymentAggregate": AGGREGATE_REASON,
    },
)
@strawberry.type(description="A tenant: everything else belongs to exactly one organization.")
class Organization(Node, FromRow):
    slug: str
    name: str
    plan: Plan
    status: OrganizationStatus = strawberry.field(
        description="SUSPENDED or INACTIVE: read-only (every write answers "
        "ORGANIZATION_READ_ONLY); set by operators with `mlgraph organization-status`."
    )
    billing_email: str | None
    settings: JSON
    created_at: datetime
    db_id: strawberry.Private[uuid.UUID]

    @strawberry.field
    def quota(self) -> Quota:
        quota = enums.PLAN_QUOTAS[self.plan]
        return Quota(max_users=quota.max_users, max_models=quota.max_models)

    alerts = children(
        ALERTS_OF_ORGANIZATION,
        [
            ("status", list[AlertStatus] | None, None),
            ("severity", list[AlertSeverity] | None, None),
            *PAGING,
            ("order_by", CreatedOrder, CreatedOrder.CREATED_DESC),
        ],
        query=alerts_query,
        description="Every alert of the organization (of its deployments, and its own), "
        "newest first by default.",
    )
    deployments = children(
        DEPLOYMENTS_OF_ORGANIZATION,
        [
            *PAGING,
            ("filter", DeploymentFilterInput | None, None),
            ("order_by", NamedOrder, NamedOrder.CREATED_ASC),
        ],
        query=filtered_query,
        description="The organization's fleet: deployments of every project the caller "
        "sees, e.g. `filter: {status: [FAILED]}` across environments.",
    )

    @strawberry.field(description=AGGREGATE_DESCRIPTION + " Over `deployments`.")
    async def deployment_aggregate(
        self,
        info: Info,
        filter: DeploymentFilterInput | None = None,
        group_by: DeploymentGroupBy | None = None,
        of: DeploymentNumber | None = None,
    ) -> list[AggregateGroup]:
        list_filter = filter.to_filter() if filter else None
        return await aggregate(
            info, DEPLOYMENTS_OF_ORGANIZATION, self.db_id, list_filter, group_by, of
        )

    retention_policy = related(
        lookup=Lookup(RetentionPolicyRow, "organization_id"),
        description="How long this organization keeps each kind of data (null: forever).",
    )

    @strawberry.field(description="The caller's role in this organization.")
    def viewer_role(self, info: Info) -> OrgRole | None:
        return info.context.actor.org_roles.get(self.db_id)

    @strawberry.field(
        description="GPU-hours of the organization's training jobs (of the projects the "
        "caller sees; of one, with projectId), summed per combination of groupBy (empty: "
        "one total), most first, at most 1,000 rows. A job counts toward each model version "
        "its run produced."
    )
    async def gpu_usage(
        self,
        info: Info,
        group_by: list[GpuUsageGroup],
        project_id: strawberry.ID | None = None,
    ) -> list[GpuUsage]:
        project = None
        if project_id is not None:
            decoded = decode_any(project_id)
            if decoded is None or decoded[0] != "Project":
                raise ClientError("projectId is not a Project id")
            project = decoded[1]
        return await gpu_usage(info, self.db_id, project, group_by)

    projects = children(
        PROJECTS_OF_ORGANIZATION, [*PAGING, ("order_by", ProjectOrder, ProjectOrder.CREATED_ASC)]
    )
    environments = children(
        ENVIRONMENTS_OF_ORGANIZATION, [*PAGING, ("order_by", NamedOrder, NamedOrder.NAME_ASC)]
    )

    members = children(MEMBERSHIPS_OF_ORGANIZATION)

    notification_channels = children(
        CHANNELS_OF_ORGANIZATION, description="Notification channels of this organization."
    )
    audit_logs = children(
        AUDIT_LOGS_OF_ORGANIZATION,
        [
            *PAGING,
            ("filter", AuditLogFilterInput | None, None),
            ("order_by", CreatedOrder, CreatedOrder.CREATED_DESC),
        ],
        query=filtered_query,
        description="Every mutation in this organization; admins only.",
    )


@from_declaration(UserRow)
@strawberry.type(description="A person; acts through API keys.")
class User(Node, FromRow):
    email: str
    name: str | None
    first_name: str | None
    last_name: str | None
    avatar_url: str | None
    is_active: bool = strawberry.field(description="False: deactivated; none of their keys work.")
    last_seen_at: datetime | None = strawberry.field(
        description="When one of their keys last authenticated (to the minute)."
    )
    email_verified_at: datetime | None = strawberry.field(
        description="When an operator confirmed the email address; null: not verified."
    )
    db_id: strawberry.Private[uuid.UUID]


@from_declaration(MembershipRow)
@strawberry.type(description="A user's role in an organization.")
class Membership(Node, FromRow):
    role: OrgRole
    created_at: datetime
    organization_id: strawberry.Private[uuid.UUID]
    user_id: strawberry.Private[uuid.UUID]

    organization = related()
    user = related()


@from_declaration(ApiKeyRow)
@strawberry.type(description="An API key. The secret is shown only once, by apiKeyCreate.")
class ApiKey(Node, FromRow):
    name: str
    prefix: str = strawberry.field(description="Public part of the key, to recognise it.")
    scopes: list[ApiKeyScope]
    expires_at: datetime | None
    revoked_at: datetime | None
    last_used_at: datetime | None = strawberry.field(
        description="When it last authenticated (to the minute)."
    )
    created_at: datetime
    organization_id: strawberry.Private[uuid.UUID | None]

    organization = related(
        description="The one organization it is limited to; null: all of its user's."
    )


@from_declaration(
    AuditLogRow,
    computed={
        "targetId": Computed(
            sql=f"coalesce({typed_global_id_sql('{a}.target_type', '{a}.target_id')}, 'null')",
            python=lambda row: encode_id(row.target_type, row.target_id) if row.target_id else None,
            json=True,
        )
    },
    admin_only="only organization admins can read the audit log",
)
@strawberry.type(description="One audited mutation.")
class AuditLogEntry(Node, FromRow):
    action: str
    target_type: str
    target_id: strawberry.ID | None = strawberry.field(description="Global id of the target.")
    details: JSON
    created_at: datetime
    ip_address: str | None = strawberry.field(
        description="The client's address (behind MLGRAPH_TRUSTED_PROXIES, the forwarded one)."
    )
    user_agent: str | None
    actor_user_id: strawberry.Private[uuid.UUID | None]

    actor = related(column="actor_user_id")


@from_declaration(UserRow)
@strawberry.type(description="The caller: its user and memberships.")
class Viewer(FromRow):
    # The caller's user row, under the names the declaration reads: ``id`` for the link
    # to itself, ``db_id`` for the parent of its memberships.
    id: strawberry.Private[uuid.UUID]
    db_id: strawberry.Private[uuid.UUID]
    time_zone: str = strawberry.field(
        description="Your time zone (IANA, e.g. Europe/Paris; UTC by default)."
    )
    theme: Theme = strawberry.field(description="Your dashboard colour scheme.")
    preferences: JSON = strawberry.field(
        description="Your settings for tools (a JSON object, at most 16 KiB), e.g. the "
        "dashboard's chosen columns."
    )
    default_organization_id: strawberry.Private[uuid.UUID | None]

    user = related(column="id", target=UserRow)
    default_organization = related(
        description="The organization tools open first (null: none chosen, or one you "
        "or this key no longer reach)."
    )
    memberships = children(
        MEMBERSHIPS_OF_USER, description="Memberships this API key can act through."
    )
    api_keys = children(
        API_KEYS_OF_USER,
        [
            *PAGING,
            ("revoked", bool | None, None),
            ("order_by", CreatedOrder, CreatedOrder.CREATED_DESC),
        ],
        query=api_keys_query,
        description="The caller's API keys (every one of its user's, newest first): "
        "`revoked: true` the revoked ones, `false` the live ones (neither revoked nor expired).",
    )
