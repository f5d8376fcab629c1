"""The governance context's GraphQL enums: its domain enum, registered in place."""

from __future__ import annotations

from app.api.exposing import expose
from app.domain.governance import enums as governance

expose(governance.PromotionRequestStatus)

PromotionRequestStatus = governance.PromotionRequestStatus
