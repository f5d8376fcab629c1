from typing import Optional

from pydantic import Field

from .base_model import BaseModel
from .fragments import UserErrors


class ProjectCreate(BaseModel):
    project_create: "ProjectCreateProjectCreate" = Field(alias="projectCreate")


class ProjectCreateProjectCreate(BaseModel):
    project: Optional["ProjectCreateProjectCreateProject"]
    user_errors: list["ProjectCreateProjectCreateUserErrors"] = Field(
        alias="userErrors"
    )


class ProjectCreateProjectCreateProject(BaseModel):
    id: str
    slug: str


ProjectCreateProjectCreateUserErrors = UserErrors
ProjectCreate.model_rebuild()
ProjectCreateProjectCreate.model_rebuild()
