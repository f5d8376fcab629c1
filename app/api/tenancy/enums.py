"""The tenancy context's GraphQL enums: its domain enums, each registered in place (the
domain's class *is* the GraphQL enum, exposed by member name), and its orders."""

from __future__ import annotations

import enum

import strawberry

from app.domain.tenancy import enums as tenancy

_EXPOSED: tuple[tuple[type[enum.Enum], str | None], ...] = (
    (tenancy.Plan, None),
    (tenancy.OrganizationStatus, None),
    (tenancy.OrgRole, None),
    (tenancy.ProjectRole, None),
    (tenancy.ApiKeyScope, None),
    (tenancy.ProjectVisibility, None),
)
for _domain_enum, _name in _EXPOSED:
    strawberry.enum(_domain_enum, name=_name)

Plan = tenancy.Plan
OrganizationStatus = tenancy.OrganizationStatus
OrgRole = tenancy.OrgRole
ProjectRole = tenancy.ProjectRole
ApiKeyScope = tenancy.ApiKeyScope
ProjectVisibility = tenancy.ProjectVisibility
