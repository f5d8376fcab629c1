from typing import Optional

from pydantic import Field

from .base_model import BaseModel


class OrganizationProjects(BaseModel):
    organization: Optional["OrganizationProjectsOrganization"]


class OrganizationProjectsOrganization(BaseModel):
    id: str
    projects: "OrganizationProjectsOrganizationProjects"


class OrganizationProjectsOrganizationProjects(BaseModel):
    page_info: "OrganizationProjectsOrganizationProjectsPageInfo" = Field(
        alias="pageInfo"
    )
    nodes: list["OrganizationProjectsOrganizationProjectsNodes"]


class OrganizationProjectsOrganizationProjectsPageInfo(BaseModel):
    has_next_page: bool = Field(alias="hasNextPage")
    end_cursor: Optional[str] = Field(alias="endCursor")


class OrganizationProjectsOrganizationProjectsNodes(BaseModel):
    id: str
    slug: str


OrganizationProjects.model_rebuild()
OrganizationProjectsOrganization.model_rebuild()
OrganizationProjectsOrganizationProjects.model_rebuild()
