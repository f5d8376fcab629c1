from typing import Optional

from pydantic import Field

from .base_model import BaseModel


class GpuUsage(BaseModel):
    organization: Optional["GpuUsageOrganization"]


class GpuUsageOrganization(BaseModel):
    gpu_usage: list["GpuUsageOrganizationGpuUsage"] = Field(alias="gpuUsage")


class GpuUsageOrganizationGpuUsage(BaseModel):
    jobs: int
    gpu_hours: float = Field(alias="gpuHours")
    gpu_type: Optional[str] = Field(alias="gpuType")
    project: Optional["GpuUsageOrganizationGpuUsageProject"]
    run: Optional["GpuUsageOrganizationGpuUsageRun"]
    model_version: Optional["GpuUsageOrganizationGpuUsageModelVersion"] = Field(
        alias="modelVersion"
    )


class GpuUsageOrganizationGpuUsageProject(BaseModel):
    id: str
    slug: str


class GpuUsageOrganizationGpuUsageRun(BaseModel):
    id: str
    name: str


class GpuUsageOrganizationGpuUsageModelVersion(BaseModel):
    id: str
    version: str


GpuUsage.model_rebuild()
GpuUsageOrganization.model_rebuild()
GpuUsageOrganizationGpuUsage.model_rebuild()
