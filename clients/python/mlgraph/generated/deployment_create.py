from typing import Optional

from pydantic import Field

from .base_model import BaseModel
from .enums import DeploymentStatus
from .fragments import UserErrors


class DeploymentCreate(BaseModel):
    deployment_create: "DeploymentCreateDeploymentCreate" = Field(
        alias="deploymentCreate"
    )


class DeploymentCreateDeploymentCreate(BaseModel):
    deployment: Optional["DeploymentCreateDeploymentCreateDeployment"]
    user_errors: list["DeploymentCreateDeploymentCreateUserErrors"] = Field(
        alias="userErrors"
    )


class DeploymentCreateDeploymentCreateDeployment(BaseModel):
    id: str
    name: str
    status: DeploymentStatus


DeploymentCreateDeploymentCreateUserErrors = UserErrors
DeploymentCreate.model_rebuild()
DeploymentCreateDeploymentCreate.model_rebuild()
