"""The governance context's lists: a model's gates, a version's requests, their reviews."""

from __future__ import annotations

from app.api.loaders.list_spec import ListSpec, orders_of
from app.api.orders import CreatedOrder
from app.domain.governance.models import PromotionGate, PromotionRequest, PromotionReview

GATES_OF_MODEL = ListSpec(
    "promotion_gates_of_model", PromotionGate, "model_id", orders_of(CreatedOrder),
    live_only=False,
)  # fmt: skip
REQUESTS_OF_VERSION = ListSpec(
    "promotion_requests_of_version",
    PromotionRequest,
    "model_version_id",
    orders_of(CreatedOrder),
    default_order="CREATED_DESC",
    live_only=False,
)
REVIEWS_OF_REQUEST = ListSpec(
    "promotion_reviews_of_request", PromotionReview, "request_id", orders_of(CreatedOrder),
    live_only=False,
)  # fmt: skip
