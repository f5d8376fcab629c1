from typing import Optional

from pydantic import Field

from .base_model import BaseModel


class OrganizationEnvironments(BaseModel):
    organization: Optional["OrganizationEnvironmentsOrganization"]


class OrganizationEnvironmentsOrganization(BaseModel):
    environments: "OrganizationEnvironmentsOrganizationEnvironments"


class OrganizationEnvironmentsOrganizationEnvironments(BaseModel):
    page_info: "OrganizationEnvironmentsOrganizationEnvironmentsPageInfo" = Field(
        alias="pageInfo"
    )
    nodes: list["OrganizationEnvironmentsOrganizationEnvironmentsNodes"]


class OrganizationEnvironmentsOrganizationEnvironmentsPageInfo(BaseModel):
    has_next_page: bool = Field(alias="hasNextPage")
    end_cursor: Optional[str] = Field(alias="endCursor")


class OrganizationEnvironmentsOrganizationEnvironmentsNodes(BaseModel):
    id: str
    name: str


OrganizationEnvironments.model_rebuild()
OrganizationEnvironmentsOrganization.model_rebuild()
OrganizationEnvironmentsOrganizationEnvironments.model_rebuild()
