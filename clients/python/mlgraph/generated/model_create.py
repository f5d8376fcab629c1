from typing import Optional

from pydantic import Field

from .base_model import BaseModel
from .fragments import UserErrors


class ModelCreate(BaseModel):
    model_create: "ModelCreateModelCreate" = Field(alias="modelCreate")


class ModelCreateModelCreate(BaseModel):
    model: Optional["ModelCreateModelCreateModel"]
    user_errors: list["ModelCreateModelCreateUserErrors"] = Field(alias="userErrors")


class ModelCreateModelCreateModel(BaseModel):
    id: str
    name: str


ModelCreateModelCreateUserErrors = UserErrors
ModelCreate.model_rebuild()
ModelCreateModelCreate.model_rebuild()
