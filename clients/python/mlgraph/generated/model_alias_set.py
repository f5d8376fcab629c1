from typing import Optional

from pydantic import Field

from .base_model import BaseModel
from .fragments import UserErrors


class ModelAliasSet(BaseModel):
    model_alias_set: "ModelAliasSetModelAliasSet" = Field(alias="modelAliasSet")


class ModelAliasSetModelAliasSet(BaseModel):
    model_alias: Optional["ModelAliasSetModelAliasSetModelAlias"] = Field(
        alias="modelAlias"
    )
    user_errors: list["ModelAliasSetModelAliasSetUserErrors"] = Field(
        alias="userErrors"
    )


class ModelAliasSetModelAliasSetModelAlias(BaseModel):
    id: str
    name: str
    model_version: Optional["ModelAliasSetModelAliasSetModelAliasModelVersion"] = Field(
        alias="modelVersion"
    )


class ModelAliasSetModelAliasSetModelAliasModelVersion(BaseModel):
    id: str
    version: str


ModelAliasSetModelAliasSetUserErrors = UserErrors
ModelAliasSet.model_rebuild()
ModelAliasSetModelAliasSet.model_rebuild()
ModelAliasSetModelAliasSetModelAlias.model_rebuild()
