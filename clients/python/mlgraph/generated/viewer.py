from typing import Optional

from .base_model import BaseModel
from .enums import OrgRole


class Viewer(BaseModel):
    viewer: Optional["ViewerViewer"]


class ViewerViewer(BaseModel):
    user: Optional["ViewerViewerUser"]
    memberships: "ViewerViewerMemberships"


class ViewerViewerUser(BaseModel):
    id: str
    email: str


class ViewerViewerMemberships(BaseModel):
    nodes: list["ViewerViewerMembershipsNodes"]


class ViewerViewerMembershipsNodes(BaseModel):
    role: OrgRole
    organization: Optional["ViewerViewerMembershipsNodesOrganization"]


class ViewerViewerMembershipsNodesOrganization(BaseModel):
    id: str
    slug: str


Viewer.model_rebuild()
ViewerViewer.model_rebuild()
ViewerViewerMemberships.model_rebuild()
ViewerViewerMembershipsNodes.model_rebuild()
