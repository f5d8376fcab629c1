"""The GPU catalogue's mutations: organization admins add, change and remove the GPU types
an environment offers."""

from __future__ import annotations

import strawberry
from strawberry import UNSET
from strawberry.types import Info

from app.api.errors import UserError
from app.api.graph.payloads import mutate
from app.api.ids import input_id
from app.api.inputs import provided
from app.api.serving.types import GpuType
from app.domain.serving import gpu_types


@strawberry.input
class GpuTypeCreateInput:
    environment_id: strawberry.ID
    key: str = strawberry.field(
        description="The GPU type's id, e.g. NVIDIA-A100 (stored lower-case; letters, digits "
        "and dashes); unique per environment, whatever its case."
    )
    label: str = strawberry.field(description="What people read, e.g. NVIDIA A100 80 GB.")
    enabled: bool = True
    priority: int | None = strawberry.field(
        default=None, description="0 to 1,000,000; lowest first. None: listed last."
    )


@strawberry.input
class GpuTypeUpdateInput:
    gpu_type_id: strawberry.ID
    label: str | None = UNSET
    enabled: bool | None = UNSET
    priority: int | None = strawberry.field(
        default=UNSET, description="null clears it (the type is then listed last)."
    )


@strawberry.input
class GpuTypeDeleteInput:
    gpu_type_id: strawberry.ID


@strawberry.type
class GpuTypePayload:
    gpu_type: GpuType | None
    user_errors: list[UserError]


@strawberry.type
class GpuTypeMutations:
    @strawberry.mutation(description="Offer a GPU type in an environment. Organization admins.")
    async def gpu_type_create(self, info: Info, input: GpuTypeCreateInput) -> GpuTypePayload:
        return await mutate(
            info,
            GpuTypePayload,
            "gpu_type",
            lambda session, actor: gpu_types.gpu_type_create(
                session,
                actor,
                environment_id=input_id(input, "environment_id", "Environment"),
                key=input.key,
                label=input.label,
                enabled=input.enabled,
                priority=input.priority,
            ),
        )

    @strawberry.mutation(
        description="Change a GPU type's label, enabled flag or priority. Organization admins."
    )
    async def gpu_type_update(self, info: Info, input: GpuTypeUpdateInput) -> GpuTypePayload:
        return await mutate(
            info,
            GpuTypePayload,
            "gpu_type",
            lambda session, actor: gpu_types.gpu_type_update(
                session,
                actor,
                gpu_type_id=input_id(input, "gpu_type_id", "GpuType"),
                changes=provided(input, "label", "enabled", "priority"),
            ),
        )

    @strawberry.mutation(description="Stop offering a GPU type. Organization admins.")
    async def gpu_type_delete(self, info: Info, input: GpuTypeDeleteInput) -> GpuTypePayload:
        return await mutate(
            info,
            GpuTypePayload,
            "gpu_type",
            lambda session, actor: gpu_types.gpu_type_delete(
                session, actor, gpu_type_id=input_id(input, "gpu_type_id", "GpuType")
            ),
        )
