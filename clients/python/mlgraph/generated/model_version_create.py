from typing import Optional

from pydantic import Field

from .base_model import BaseModel
from .enums import ModelStage
from .fragments import UserErrors


class ModelVersionCreate(BaseModel):
    model_version_create: "ModelVersionCreateModelVersionCreate" = Field(
        alias="modelVersionCreate"
    )


class ModelVersionCreateModelVersionCreate(BaseModel):
    model_version: Optional["ModelVersionCreateModelVersionCreateModelVersion"] = Field(
        alias="modelVersion"
    )
    user_errors: list["ModelVersionCreateModelVersionCreateUserErrors"] = Field(
        alias="userErrors"
    )


class ModelVersionCreateModelVersionCreateModelVersion(BaseModel):
    id: str
    version: str
    stage: ModelStage
    run: Optional["ModelVersionCreateModelVersionCreateModelVersionRun"]


class ModelVersionCreateModelVersionCreateModelVersionRun(BaseModel):
    id: str


ModelVersionCreateModelVersionCreateUserErrors = UserErrors
ModelVersionCreate.model_rebuild()
ModelVersionCreateModelVersionCreate.model_rebuild()
ModelVersionCreateModelVersionCreateModelVersion.model_rebuild()
