"""The tenancy context's GraphQL enums: its domain enums, each registered in place (the
domain's class *is* the GraphQL enum, exposed by member name), and its orders."""

from __future__ import annotations

from app.api.exposing import expose
from app.domain.tenancy import enums as tenancy

expose(
    tenancy.Plan,
    tenancy.OrganizationStatus,
    tenancy.OrgRole,
    tenancy.ProjectRole,
    tenancy.ApiKeyScope,
    tenancy.ProjectVisibility,
    tenancy.Theme,
)

Plan = tenancy.Plan
OrganizationStatus = tenancy.OrganizationStatus
OrgRole = tenancy.OrgRole
ProjectRole = tenancy.ProjectRole
ApiKeyScope = tenancy.ApiKeyScope
ProjectVisibility = tenancy.ProjectVisibility
Theme = tenancy.Theme
