from typing import Optional

from pydantic import Field

from .base_model import BaseModel
from .enums import ModelStage
from .fragments import UserErrors


class ModelVersionTransition(BaseModel):
    model_version_transition: "ModelVersionTransitionModelVersionTransition" = Field(
        alias="modelVersionTransition"
    )


class ModelVersionTransitionModelVersionTransition(BaseModel):
    model_version: Optional[
        "ModelVersionTransitionModelVersionTransitionModelVersion"
    ] = Field(alias="modelVersion")
    archived_version: Optional[
        "ModelVersionTransitionModelVersionTransitionArchivedVersion"
    ] = Field(alias="archivedVersion")
    user_errors: list["ModelVersionTransitionModelVersionTransitionUserErrors"] = Field(
        alias="userErrors"
    )


class ModelVersionTransitionModelVersionTransitionModelVersion(BaseModel):
    id: str
    version: str
    stage: ModelStage


class ModelVersionTransitionModelVersionTransitionArchivedVersion(BaseModel):
    id: str
    version: str


ModelVersionTransitionModelVersionTransitionUserErrors = UserErrors
ModelVersionTransition.model_rebuild()
ModelVersionTransitionModelVersionTransition.model_rebuild()
