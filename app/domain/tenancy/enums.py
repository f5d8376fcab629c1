"""Tenancy enums and the plan quotas."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Plan(enum.Enum):
    STARTER = "starter"
    PROFESSIONAL = "professional"
    ENTERPRISE = "enterprise"


class OrganizationStatus(enum.Enum):
    ACTIVE = "active"
    INACTIVE = "inactive"
    SUSPENDED = "suspended"


class OrgRole(enum.Enum):
    ADMIN = "admin"
    DEVELOPER = "developer"
    VIEWER = "viewer"


class ProjectRole(enum.Enum):
    OWNER = "owner"
    CONTRIBUTOR = "contributor"
    VIEWER = "viewer"


class ApiKeyScope(enum.Enum):
    READ = "read"
    WRITE = "write"
    # Ingest only: log run metrics, record monitoring metrics, predictions and embeddings
    # (what a training script or a serving sidecar needs) — no other write, and no read
    # without READ.
    INGEST = "ingest"


@dataclass(frozen=True)
class Quota:
    """None means unlimited."""

    max_users: int | None
    max_models: int | None


PLAN_QUOTAS: dict[Plan, Quota] = {
    Plan.STARTER: Quota(max_users=5, max_models=2),
    Plan.PROFESSIONAL: Quota(max_users=50, max_models=50),
    Plan.ENTERPRISE: Quota(max_users=None, max_models=None),
}

ORG_ROLE_RANK = {OrgRole.VIEWER: 0, OrgRole.DEVELOPER: 1, OrgRole.ADMIN: 2}
PROJECT_ROLE_RANK = {ProjectRole.VIEWER: 0, ProjectRole.CONTRIBUTOR: 1, ProjectRole.OWNER: 2}
# What an organization role grants in every project of that organization.
PROJECT_ROLE_FROM_ORG_ROLE = {
    OrgRole.ADMIN: ProjectRole.OWNER,
    OrgRole.DEVELOPER: ProjectRole.CONTRIBUTOR,
    OrgRole.VIEWER: ProjectRole.VIEWER,
}


class Theme(enum.Enum):
    """A user's colour scheme in the dashboard (SYSTEM: follow the browser's)."""

    SYSTEM = "system"
    LIGHT = "light"
    DARK = "dark"


class ProjectVisibility(enum.Enum):
    PRIVATE = "private"  # its project members and the organization's admins
    ORGANIZATION = "organization"  # every member of the organization
    # Every member and key of the organization reads it; nothing under it is written until
    # an owner sets its visibility back (app/domain/tenancy/projects.py, ensure_writable).
    PUBLIC = "public"
