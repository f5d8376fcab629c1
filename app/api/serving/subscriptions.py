"""A serving endpoint followed live: its page's data after every change."""

from __future__ import annotations

from collections.abc import AsyncGenerator

import strawberry
from strawberry.types import Info

from app.api.lists import load_row
from app.api.serving.types import ServingEndpoint
from app.api.streaming import subscription_slot, visible_for_subscription
from app.domain.serving.models import ServingEndpoint as ServingEndpointRow
from app.events import streams


@strawberry.type
class ServingSubscriptions:
    @strawberry.subscription(
        description="The endpoint now, then again after each change of what its page shows: "
        "its traffic split, active and previous deployment and history (a deploy, an "
        "activation, a rollback, a traffic change, a promotion decision), its promotion "
        "policy, its URL. Select the fields you show, as in a query; several changes made "
        "while one was being sent arrive as one."
    )
    async def serving_endpoint_changes(
        self, info: Info, endpoint_id: strawberry.ID
    ) -> AsyncGenerator[ServingEndpoint, None]:
        endpoint = await visible_for_subscription(
            info, endpoint_id, "ServingEndpoint", ServingEndpointRow, "serving endpoint"
        )
        context = info.context
        with subscription_slot(info):
            async for _ in streams.endpoint_states(context.broker, endpoint):
                # Fresh loaders per event: a connection's loaders would cache forever.
                context.loaders = context.loaders.fresh()
                row = await load_row(info, ServingEndpointRow, endpoint)
                if row is None:  # no longer visible to the caller
                    return
                yield ServingEndpoint.from_row(row)
