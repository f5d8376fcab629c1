"""Setting and removing an environment's integrations (organization admins: they decide
what an environment talks to), and the tool lists other modules read from them."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

import jsonschema
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain import validation as v
from app.domain.environments.models import Environment
from app.domain.errors import validation
from app.domain.integrations.catalog import (
    FEATURE_FLAGS_SCHEMA,
    SUPPORTED_TOOLS,
    config_schema,
    credential_key,
)
from app.domain.integrations.models import IntegrationConfig
from app.domain.tenancy.access import Actor
from app.domain.tenancy.audit import record_audit, record_audit_event
from app.domain.tenancy.lookup import get_administered


def _validated(value: Any, schema: dict[str, Any], field: list[str]) -> dict[str, Any]:
    document = v.json_object(value, field)
    error = jsonschema.exceptions.best_match(
        jsonschema.Draft202012Validator(schema).iter_errors(document)
    )
    if error is not None:
        where = "/".join(str(p) for p in error.absolute_path)
        raise validation(f"{where + ': ' if where else ''}{error.message}", field)
    for key in document:
        if credential_key(key):
            raise validation(
                f"{key}: looks like a credential; keep secrets in your platform's secret "
                "store and name them here in a key ending _ref (e.g. token_secret_ref)",
                field,
            )
    return document


async def integration_config_set(
    session: AsyncSession,
    actor: Actor,
    *,
    environment_id: uuid.UUID | None,
    integration_type: str,
    tool: str,
    enabled: bool,
    config: Any,
    feature_flags: Any,
) -> IntegrationConfig:
    """Create or replace the environment's config of one tool."""
    environment = await get_administered(
        session,
        Environment,
        environment_id,
        actor,
        what="environment",
        field=["environment_id"],
    )
    tools = SUPPORTED_TOOLS[integration_type]
    tool = tool.strip().lower()
    if tool not in tools:
        raise validation(f"must be one of {', '.join(tools)}", ["tool"])
    document = _validated(
        config if config is not None else {},
        config_schema(integration_type, tool),
        ["config"],
    )
    flags = _validated(
        feature_flags if feature_flags is not None else {},
        FEATURE_FLAGS_SCHEMA,
        ["feature_flags"],
    )
    row = await session.scalar(
        select(IntegrationConfig)
        .where(
            IntegrationConfig.environment_id == environment.id,
            IntegrationConfig.integration_type == integration_type,
            IntegrationConfig.tool == tool,
        )
        .with_for_update()
    )
    if row is None:
        row = IntegrationConfig(
            organization_id=environment.organization_id,
            environment_id=environment.id,
            integration_type=integration_type,
            tool=tool,
            created_by_id=actor.user_id,
        )
        session.add(row)
    row.enabled, row.config, row.feature_flags = enabled, document, flags
    await session.flush()
    await session.refresh(row)
    record_audit(
        session,
        actor,
        "integration_config.set",
        environment,
        details={"type": integration_type, "tool": tool, "enabled": enabled},
    )
    return row


async def integration_config_delete(
    session: AsyncSession, actor: Actor, *, config_id: uuid.UUID | None
) -> IntegrationConfig:
    field = ["integration_config_id"]
    row = await get_administered(
        session,
        IntegrationConfig,
        config_id,
        actor,
        what="integration config",
        field=field,
        for_update=True,
    )
    await session.delete(row)
    record_audit_event(
        session,
        actor,
        "integration_config.delete",
        organization_id=row.organization_id,
        target_type="Environment",
        target_id=row.environment_id,
        details={"type": row.integration_type, "tool": row.tool},
    )
    await session.flush()
    return row


async def enabled_tools(
    session: AsyncSession, environment_id: uuid.UUID, integration_type: str
) -> Sequence[str] | None:
    """The tools of this type the environment enabled; None if it configured none of this
    type (then every supported tool is allowed)."""
    rows = (
        await session.execute(
            select(IntegrationConfig.tool, IntegrationConfig.enabled)
            .where(
                IntegrationConfig.environment_id == environment_id,
                IntegrationConfig.integration_type == integration_type,
            )
            .order_by(IntegrationConfig.tool)
        )
    ).all()
    if not rows:
        return None
    return tuple(row.tool for row in rows if row.enabled)
