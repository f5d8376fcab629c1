"""Who is calling (the Actor) and what they may do.

A caller who is not a member of an organization gets NOT_FOUND for anything in it, never
FORBIDDEN: an outsider must not learn that an id exists."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from app.db.scope import DbScope, caller_scope
from app.domain.errors import DomainError, ErrorCode, not_found
from app.domain.tenancy.enums import (
    ORG_ROLE_RANK,
    PROJECT_ROLE_FROM_ORG_ROLE,
    PROJECT_ROLE_RANK,
    ApiKeyScope,
    OrgRole,
    ProjectRole,
)


@dataclass(frozen=True)
class Actor:
    """The authenticated caller: a user acting through one API key."""

    user_id: uuid.UUID | None = None
    api_key_id: uuid.UUID | None = None
    org_roles: Mapping[uuid.UUID, OrgRole] = field(default_factory=dict)
    scopes: frozenset[ApiKeyScope] = frozenset()
    # The limits of the key in use: a key can only mint keys within them.
    key_organization_id: uuid.UUID | None = None
    key_expires_at: datetime | None = None
    # Set for the length of an ingest mutation: there an INGEST key may write too.
    ingesting: bool = False
    # Organizations of the caller that are suspended or inactive: readable, not writable.
    read_only_orgs: frozenset[uuid.UUID] = frozenset()
    # Private projects of those organizations the caller is neither a member nor an admin
    # of: invisible to it, with everything under them (app/domain/tenancy/visibility.py).
    hidden_projects: frozenset[uuid.UUID] = frozenset()

    @property
    def is_authenticated(self) -> bool:
        return self.user_id is not None

    @property
    def org_ids(self) -> list[uuid.UUID]:
        return list(self.org_roles)

    @property
    def hidden(self) -> list[uuid.UUID]:
        return sorted(self.hidden_projects)

    def db_scope(self) -> DbScope:
        """The rows the database lets this caller's statements touch (row-level security)."""
        return caller_scope(self.org_roles, self.hidden_projects, self.user_id)

    def require_user(self) -> uuid.UUID:
        if self.user_id is None:
            raise DomainError(
                ErrorCode.UNAUTHENTICATED, "send an API key: Authorization: Bearer <key>"
            )
        return self.user_id

    def require_write(self) -> uuid.UUID:
        user_id = self.require_user()
        if ApiKeyScope.WRITE in self.scopes:
            return user_id
        if ApiKeyScope.INGEST in self.scopes:
            if self.ingesting:
                return user_id
            raise DomainError(
                ErrorCode.FORBIDDEN,
                "this API key can only ingest (log run metrics, record monitoring metrics, "
                "predictions and embeddings)",
            )
        raise DomainError(ErrorCode.FORBIDDEN, "this API key is read-only")

    @property
    def can_read(self) -> bool:
        """Anonymous callers read nothing anyway; a key reads only with the READ scope."""
        return not self.is_authenticated or ApiKeyScope.READ in self.scopes

    def require_read(self) -> None:
        """FORBIDDEN for a key without the READ scope (the endpoints beside GraphQL; the
        schema checks its own reads)."""
        if not self.can_read:
            raise DomainError(ErrorCode.FORBIDDEN, "this key may not read")

    def org_role(self, organization_id: uuid.UUID, what: str, field: Sequence[str]) -> OrgRole:
        """The caller's role in an organization it is about to change something in: every
        write checks it, so a read-only (suspended or inactive) organization stops here."""
        role = self.org_roles.get(organization_id)
        if role is None:
            raise not_found(what, field)
        if organization_id in self.read_only_orgs:
            raise DomainError(
                ErrorCode.ORGANIZATION_READ_ONLY,
                "the organization is suspended or inactive: it is read-only",
                field,
            )
        return role

    def require_org_role(
        self,
        organization_id: uuid.UUID,
        minimum: OrgRole,
        what: str = "organization",
        field: Sequence[str] = ("organization_id",),
    ) -> OrgRole:
        """Check write access at organization level: outsiders get NOT_FOUND, members FORBIDDEN."""
        self.require_write()
        role = self.org_role(organization_id, what, field)
        if ORG_ROLE_RANK[role] < ORG_ROLE_RANK[minimum]:
            raise DomainError(
                ErrorCode.FORBIDDEN,
                f"requires the organization role {minimum.value} or higher",
                field,
            )
        return role


def effective_project_role(org_role: OrgRole, member_role: ProjectRole | None) -> ProjectRole:
    """A project role is the higher of what the org role grants and the project membership."""
    granted = PROJECT_ROLE_FROM_ORG_ROLE[org_role]
    if member_role is None or PROJECT_ROLE_RANK[granted] >= PROJECT_ROLE_RANK[member_role]:
        return granted
    return member_role


def ensure_project_role(effective: ProjectRole, minimum: ProjectRole, field: Sequence[str]) -> None:
    if PROJECT_ROLE_RANK[effective] < PROJECT_ROLE_RANK[minimum]:
        raise DomainError(
            ErrorCode.FORBIDDEN, f"requires the project role {minimum.value} or higher", field
        )
