"""The database's own tenancy: row-level security policies for the server's role.

Made from the same declaration as every other tenancy predicate (each table's
``organization_id``, its ``project_id`` or its ``__under__`` parents, app/db/base.py):
a row is the caller's when its organization is one of the caller's and it is not under
a private project hidden from the caller (``visible_sql``, the compiler's condition).
The settings the policies read are given to each connection by app/db/scope.py.

A few tables are not an organization's alone: organizations (a member's), API keys
(their owner's), audit entries of what a user did outside any organization (that
user's). Users are identities, not a tenant's rows (anyone may be invited by email): the
predicates alone keep them to the caller and its organizations' members. ``system`` (the
server's own work) sees every row.

Migration 0039 installs ``statements()``; tests/security/test_row_security.py holds the
database's policies to what this module makes now, so a new table (or a changed
declaration) without a migration fails there."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Table

from app.db.base import Base
from app.db.url import APP_ROLE
from app.domain.tenancy.visibility import visible_sql

POLICY = "tenancy"
SYSTEM = "(SELECT mlgraph_system())"
ORGS = "(SELECT mlgraph_orgs())::uuid[]"
HIDDEN = "(SELECT mlgraph_hidden())::uuid[]"
USER = "(SELECT mlgraph_user())"

# The settings as SQL: each read once per statement (an InitPlan), not once per row.
FUNCTIONS = [
    """CREATE OR REPLACE FUNCTION mlgraph_system() RETURNS boolean LANGUAGE sql STABLE
    AS $$ SELECT coalesce(current_setting('mlgraph.scope', true) = 'system', false) $$""",
    """CREATE OR REPLACE FUNCTION mlgraph_orgs() RETURNS uuid[] LANGUAGE sql STABLE
    AS $$ SELECT coalesce(nullif(current_setting('mlgraph.orgs', true), ''), '{}')::uuid[] $$""",
    """CREATE OR REPLACE FUNCTION mlgraph_hidden() RETURNS uuid[] LANGUAGE sql STABLE
    AS $$ SELECT coalesce(nullif(current_setting('mlgraph.hidden', true), ''), '{}')::uuid[]
    $$""",
    """CREATE OR REPLACE FUNCTION mlgraph_user() RETURNS uuid LANGUAGE sql STABLE
    AS $$ SELECT nullif(current_setting('mlgraph.user', true), '')::uuid $$""",
]
DROP_FUNCTIONS = [
    f"DROP FUNCTION IF EXISTS {name}()"
    for name in ("mlgraph_system", "mlgraph_orgs", "mlgraph_hidden", "mlgraph_user")
]


@dataclass(frozen=True)
class Policy:
    table: str
    using: str  # which rows the role reads, updates and deletes
    check: str  # which rows it may write


def _outside_hidden(table_name: str) -> str | None:
    """Not under a hidden project (always true when nothing is hidden)."""
    visible = visible_sql(table_name, table_name, HIDDEN)
    return None if visible is None else f"(cardinality({HIDDEN}) = 0 OR {visible})"


def policy_of(table: Table) -> Policy | None:
    name = table.name
    if name == "organizations":
        rows = f"{SYSTEM} OR id = ANY ({ORGS})"
        return Policy(name, rows, rows)
    if name == "api_keys":
        rows = f"{SYSTEM} OR user_id = {USER}"
        return Policy(name, rows, rows)
    if name == "audit_logs":  # also what a user did outside any organization (its keys)
        rows = (
            f"{SYSTEM} OR organization_id = ANY ({ORGS}) "
            f"OR (organization_id IS NULL AND actor_user_id = {USER})"
        )
        return Policy(name, rows, rows)
    if "organization_id" not in table.c:
        return None  # not a tenant's: users (identities), rate-limit counters
    outside = _outside_hidden(name)
    mine = f"organization_id = ANY ({ORGS})" + (f" AND {outside}" if outside else "")
    rows = f"{SYSTEM} OR ({mine})"
    return Policy(name, rows, rows)


def policies() -> list[Policy]:
    found = (policy_of(table) for table in Base.metadata.sorted_tables)
    return [policy for policy in found if policy is not None]


def statements() -> list[str]:
    """The functions, then each table's policy (replacing the one it had)."""
    made = list(FUNCTIONS)
    for policy in policies():
        made += [
            f"ALTER TABLE {policy.table} ENABLE ROW LEVEL SECURITY",
            f"DROP POLICY IF EXISTS {POLICY} ON {policy.table}",
            f"CREATE POLICY {POLICY} ON {policy.table} TO {APP_ROLE} "
            f"USING ({policy.using}) WITH CHECK ({policy.check})",
        ]
    return made


def drop_statements() -> list[str]:
    made = []
    for policy in policies():
        made += [
            f"DROP POLICY IF EXISTS {POLICY} ON {policy.table}",
            f"ALTER TABLE {policy.table} DISABLE ROW LEVEL SECURITY",
        ]
    return made + DROP_FUNCTIONS
