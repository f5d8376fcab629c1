from typing import Optional

from .base_model import BaseModel


class OrganizationByName(BaseModel):
    organization: Optional["OrganizationByNameOrganization"]


class OrganizationByNameOrganization(BaseModel):
    id: str


OrganizationByName.model_rebuild()
